"""SubRouter: a group of routes under a prefix, included into an app."""

import warnings
from typing import Any, Optional, Sequence

from robyn.argument_parser import Config
from robyn.dependency_injection import DependencyMap
from robyn.router import BaseRouter


class SubRouter(BaseRouter):
    def __init__(
        self,
        *args: Any,
        prefix: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        config: Optional[Config] = None,
        openapi: Any = None,
        file_object: Optional[str] = None,
        dependencies: Optional[DependencyMap] = None,
    ) -> None:
        """`SubRouter("/users")`, `SubRouter(prefix="/users", tags=[...])`; the
        legacy `SubRouter(__name__, prefix="/x")` / `SubRouter(__file__, "/x")`
        still work, with a DeprecationWarning (the module argument is ignored)."""
        args_prefix, args_tags = _parse_positional(args, prefix is not None)
        super().__init__(
            prefix if prefix is not None else args_prefix,
            tags if tags is not None else args_tags,
            config,
            dependencies,
        )
        self.openapi = openapi
        self.file_object = file_object


def _parse_positional(args: tuple, prefix_given: bool) -> "tuple[str, Optional[Sequence[str]]]":
    if not args:
        return "", None
    if len(args) > 2:
        raise TypeError(f"SubRouter() takes at most 2 positional arguments ({len(args)} given)")
    first, second = args[0], args[1] if len(args) == 2 else None
    legacy = prefix_given or isinstance(second, str) or str(first).endswith(".py")
    if legacy:
        warnings.warn(
            "SubRouter(module, prefix) is deprecated; use SubRouter(prefix)",
            DeprecationWarning,
            stacklevel=3,
        )
        return (second if isinstance(second, str) else ""), None
    return first, second
