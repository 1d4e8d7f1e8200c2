"""Templates: JinjaTemplate and render, and what happens without Jinja2."""

import os
import subprocess
import sys
import textwrap

import pytest

import jinja2  # the suite installs python3-jinja2 (scripts/install-test-deps.sh)
from markupsafe import Markup

import robyn
from robyn.templating import JinjaTemplate, TemplateInterface, render
from test_bridge import fields, gateway, load  # noqa: F401 (fixtures)

SRC = os.path.dirname(os.path.dirname(os.path.abspath(robyn.__file__)))

HTML = ("content-type", "text/html; charset=utf-8")


def write(directory, name, text):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def templates(tmp_path):
    d = tmp_path / "templates"
    write(d, "page.html", "<p>{{ text }}</p>")
    write(d, "feed.xml", "<t>{{ text }}</t>")
    write(d, "note.txt", "{{ text }}")
    write(d, "layout/base.html", "<title>{% block title %}{% endblock %}</title>")
    write(d, "child.html", '{% extends "layout/base.html" %}{% block title %}{{ text }}{% endblock %}')
    return d


def test_render_template_answers_200_html_in_utf8(templates):
    result = JinjaTemplate(str(templates)).render_template("page.html", text="héllo")._to_result()
    assert result == (200, HTML, "<p>héllo</p>".encode("utf-8"))


@pytest.mark.parametrize("name, expected", [
    ("page.html", "<p>&lt;b&gt;&amp;&#34;</p>"),
    ("feed.xml", "<t>&lt;b&gt;&amp;&#34;</t>"),
    ("child.html", "<title>&lt;b&gt;&amp;&#34;</title>"),
    ("note.txt", '<b>&"'),  # not markup: left as written
])
def test_autoescape_is_on_for_html_and_xml(templates, name, expected):
    response = JinjaTemplate(str(templates)).render_template(name, text='<b>&"')
    assert response.description == expected


def test_safe_markup_is_not_escaped_twice(templates):
    response = JinjaTemplate(str(templates)).render_template("page.html", text=Markup("<b>bold</b>"))
    assert response.description == "<p><b>bold</b></p>"


def test_encoding_is_used_to_read_templates(tmp_path):
    write(tmp_path, "latin.html", "")
    (tmp_path / "latin.html").write_bytes("<p>café {{ x }}</p>".encode("latin-1"))
    response = JinjaTemplate(str(tmp_path), encoding="latin-1").render_template("latin.html", x=1)
    assert response.description == "<p>café 1</p>"


def test_a_missing_template_names_the_template_and_the_directory(templates):
    with pytest.raises(jinja2.TemplateNotFound, match=r"'nope\.html' not found in .*templates"):
        JinjaTemplate(str(templates)).render_template("nope.html")


def test_a_missing_included_template_is_named_too(templates):
    write(templates, "broken.html", '{% include "gone.html" %}')
    with pytest.raises(jinja2.TemplateNotFound, match=r"'gone\.html' not found"):
        JinjaTemplate(str(templates)).render_template("broken.html")


def test_add_template_global(templates):
    engine = JinjaTemplate(str(templates))
    write(templates, "g.html", "{{ shout('hi') }} {{ twice(2) }}")
    engine.add_template_global(lambda s: s.upper(), "shout")

    def twice(n):
        return n * 2

    engine.add_template_global(twice)
    assert engine.render_template("g.html").description == "HI 4"
    with pytest.raises(TypeError):
        engine.add_template_global("not callable")


def test_render_finds_templates_beside_the_calling_file_whatever_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / "site" / "templates", "index.html", "<h1>{{ title }}</h1>")
    write(tmp_path / "site" / "views", "pages.html", "<h2>{{ title }}</h2>")
    module = write(tmp_path / "site", "views_module.py", """
        from robyn.templating import render

        def index(title):
            return render("index.html", title=title)

        def elsewhere(title):
            return render("pages.html", templates_dir="views", title=title)
    """)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere / "templates", "index.html", "wrong directory")
    monkeypatch.chdir(elsewhere)
    namespace = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    assert namespace["index"]("<x>")._to_result() == (200, HTML, b"<h1>&lt;x&gt;</h1>")
    assert namespace["elsewhere"]("y").description == "<h2>y</h2>"


def test_render_takes_an_absolute_directory_and_another_engine(templates):
    class Upper(TemplateInterface):
        def __init__(self, directory):
            self.directory = directory

        def render_template(self, name, **context):
            return f"{os.path.basename(self.directory)}/{name}: {context}".upper()

    assert render("page.html", templates_dir=str(templates), text="a").description == "<p>a</p>"
    assert render("x.html", templates_dir=str(templates), template_engine=Upper, a=1) == "TEMPLATES/X.HTML: {'A': 1}"


def test_a_missing_template_in_a_handler_is_a_500_whose_log_says_which(load, tmp_path):
    write(tmp_path / "templates", "hello.html", "Hello {{ name }}!")
    app = load("""
        from robyn import Robyn
        from robyn.templating import render

        app = Robyn(__file__)

        @app.get("/hello")
        def hello():
            return render("hello.html", name="<you>")

        @app.get("/missing")
        def missing():
            return render("missing.html")
    """)
    assert app.dispatch_sync(0, *fields(path="/hello")) == (200, HTML, b"Hello &lt;you&gt;!")
    answer = app.dispatch_sync(1, *fields(path="/missing"))
    assert answer[0] == 500 and "'missing.html' not found in " + str(tmp_path / "templates") in answer[4]


# ---- Without Jinja2 ------------------------------------------------------------------------------


def run_python(code):
    """A fresh interpreter (this one has robyn and jinja2 loaded already)."""
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=60)


def test_importing_robyn_does_not_import_jinja2():
    done = run_python("""
        import sys
        import robyn
        from robyn import Robyn, Session
        assert "jinja2" not in sys.modules and "robyn.templating" not in sys.modules, sorted(sys.modules)
    """)
    assert done.returncode == 0, done.stderr


def test_without_jinja2_robyn_imports_and_robyn_templating_says_what_to_install():
    done = run_python("""
        import sys
        sys.modules["jinja2"] = None  # as if it were not installed
        import robyn
        app = robyn.Robyn("app.py")
        try:
            import robyn.templating
        except ImportError as exc:
            print(exc)
            print(exc.name)
        else:
            raise SystemExit("robyn.templating imported without jinja2")
    """)
    assert done.returncode == 0, done.stderr
    message, name = done.stdout.strip().splitlines()
    assert "python3-jinja2" in message and "pip install jinja2" in message and sys.executable in message
    assert name == "jinja2"


def test_without_jinja2_in_this_interpreter_too(monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.delitem(sys.modules, "robyn.templating")
    with pytest.raises(ImportError, match="install python3-jinja2 .* or jinja2"):
        import robyn.templating  # noqa: F401
    assert "robyn.templating" not in sys.modules  # a later import, with jinja2 back, can succeed
