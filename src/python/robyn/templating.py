"""Jinja2 templates: `JinjaTemplate(directory).render_template(name, **context)`
and `render(name, **context)` answer 200 `text/html; charset=utf-8`.

Jinja2 is optional: `import robyn` never needs it, and importing this module without it fails at
once with an ImportError that says what to install."""

import os
import sys
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, Optional, Tuple, Type

try:
    import jinja2
except ImportError as exc:
    raise ImportError(
        "robyn.templating needs Jinja2, which is not installed for this Python "
        f"({sys.executable}): install python3-jinja2 (Debian: apt-get install python3-jinja2) "
        "or jinja2 (pip install jinja2)",
        name="jinja2",
    ) from exc

from robyn.headers import Headers
from robyn import status_codes  # noqa: F401 - Robyn's module exposes it
from robyn.response import Response

__all__ = ["JinjaTemplate", "TemplateInterface", "render"]

_HTML = "text/html; charset=utf-8"


class TemplateInterface(ABC):
    """What `render` needs of a template engine: built from a directory, it renders a template
    by name into a Response."""

    @abstractmethod
    def render_template(self, *args: Any, **kwargs: Any) -> Response: ...


class JinjaTemplate(TemplateInterface):
    """Templates from one directory. Autoescaping is on for .html, .htm and .xml templates (and
    for templates made from strings), off for others (.txt, .md, ...)."""

    def __init__(self, directory: str, encoding: str = "utf-8", followlinks: bool = False) -> None:
        self.directory = os.path.abspath(directory)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.directory, encoding=encoding, followlinks=followlinks),
            autoescape=jinja2.select_autoescape(("html", "htm", "xml")),
        )

    def render_template(self, template_name: str, **context: Any) -> Response:
        try:
            text = self.env.get_template(template_name).render(**context)
        except jinja2.TemplateNotFound as exc:  # this template, or one it includes or extends
            # Jinja's message is only the name; say where it was looked for.
            raise jinja2.TemplateNotFound(
                exc.name, f"template {exc.name!r} not found in {self.directory}"
            ) from None
        return Response(200, Headers({"content-type": _HTML}), text)

    def add_template_global(self, function: Callable[..., Any], name: Optional[str] = None) -> None:
        """Makes `function` callable from every template, as `name` (default: its own name)."""
        if not callable(function):
            raise TypeError(f"add_template_global needs a callable, not {type(function).__name__}")
        self.env.globals[name or function.__name__] = function


# One engine per (engine class, directory), so render() keeps Jinja's compiled-template cache
# (Jinja still reloads a template whose file changed).
_engines: Dict[Tuple[type, str], TemplateInterface] = {}


def render(
    template_name: str,
    *,
    templates_dir: str = "templates",
    template_engine: Type[TemplateInterface] = JinjaTemplate,
    **context: Any,
) -> Response:
    """Renders `template_name` from `templates_dir`, which, when relative, is taken from the
    directory of the file that calls render (not from the working directory)."""
    directory = templates_dir
    if not os.path.isabs(directory):
        directory = os.path.join(_caller_directory(), directory)
    directory = os.path.normpath(directory)
    key = (template_engine, directory)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines.setdefault(key, template_engine(directory))
    return engine.render_template(template_name, **context)


def _caller_directory() -> str:
    """The directory of the source file of render's caller; the working directory when that
    code has no file (an interactive session, exec of a string)."""
    filename = sys._getframe(2).f_code.co_filename
    if filename.startswith("<") or not os.path.isfile(filename):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))
