"""Robyn's command line on the gateway: `python -m robyn ...` and the `robyn` console script.

    robyn app.py [--dev] [--processes N] [--workers M] [--log-level L] [--open-browser] [...]
        serves app.py on the gateway, as `python app.py [flags]` does (every flag the gateway
        takes is passed on; --dev restarts it when a .py file changes)
    robyn --version                 the Robyn version this package implements
    robyn --docs                    opens Robyn's documentation in a browser
    robyn --create [--name DIR] [--db no-db|sqlite|postgres] [--docker | --no-docker]
        a new project from our templates (each with a Dockerfile for the gateway's image). Any of
        these options makes it non-interactive (the rest take their defaults: the current
        directory, no-db, a Dockerfile); with none, it asks on a terminal, and refuses elsewhere.

Exit codes: 2 for a bad command line (argparse's), 1 when a project cannot be created. Serving
replaces this process with the gateway (the same pid), which sets its own exit code."""

import argparse
import os
import shutil
import sys
import webbrowser
from pathlib import Path
from typing import Any, Callable, List, NoReturn, Optional, Sequence

from robyn.env_populator import load_vars
from robyn.launcher import exec_gateway
from robyn.version import get_version

SCAFFOLD_DIR = Path(__file__).parent / "scaffold"
CURRENT_WORKING_DIR = Path.cwd()  # Robyn's name; --create's default directory is resolved at run time
TEMPLATES = ("no-db", "sqlite", "postgres")
DOCKER_FILES = ("Dockerfile", ".dockerignore", "compose.yaml")
DOCS_URL = "https://robyn.tech/documentation"

USAGE = """robyn app.py [gateway options]     serve the app (as `python app.py` does)
       robyn --version | --docs | --help
       robyn --create [--name DIR] [--db {no-db,sqlite,postgres}] [--docker | --no-docker]"""

HELP = "usage: " + USAGE + """

Serving options (the gateway's; `robyn app.py --help` lists them all):
  --dev                   restart when a .py file under the app's directory changes
  --processes N           worker processes (default 1)
  --workers M             threads running sync handlers per process (default 1)
  --log-level LEVEL       DEBUG, INFO, WARNING, ERROR or CRITICAL
  --host HOST, --port N   where to listen (default 127.0.0.1:8080; env ROBYN_HOST, ROBYN_PORT)
  --header-timeout S      seconds to receive a request's headers (default 30; also --client-timeout)
  --keep-alive-timeout S  seconds an idle connection is kept (default 20)
  --max-connections N     open connections at most (default unbounded)
  --root-path PATH        the prefix a proxy mounts the app under (/api)
  --open-browser          open the app in a browser once it listens
  --fast                  processes 2*cores+1, workers 2, log level WARNING (each unless given)

Settings apply in this order, highest first: the command line, the environment (ROBYN_*,
also from robyn.env beside the app), the app's code (app.start(...), its Config), the defaults.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="robyn", usage=USAGE, add_help=False, allow_abbrev=False)
    parser.add_argument("-h", "--help", action="store_true")
    parser.add_argument("--version", action="store_true")
    parser.add_argument("--docs", action="store_true")
    parser.add_argument("--create", action="store_true")
    parser.add_argument("--name", default=None)
    parser.add_argument("--db", choices=TEMPLATES + ("none",), default=None)
    docker = parser.add_mutually_exclusive_group()
    docker.add_argument("--docker", dest="docker", action="store_true", default=None)
    docker.add_argument("--no-docker", dest="docker", action="store_false")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    app_index = next((i for i, arg in enumerate(argv) if arg.endswith(".py") and not arg.startswith("-")), None)
    if app_index is not None:
        # Everything else belongs to the gateway (and the app's sys.argv), as with `python app.py`.
        return serve(argv[app_index], argv[:app_index] + argv[app_index + 1:])

    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    creating = args.name is not None or args.db is not None or args.docker is not None
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)} (no app file given: serving needs app.py first)")
    if creating and not args.create:
        parser.error("--name, --db and --docker go with --create")
    if args.help:
        print(HELP)
        return 0
    if args.version:
        print(get_version())
        return 0
    if args.docs:
        return docs()
    if args.create:
        if not creating and not sys.stdin.isatty():
            parser.error("--create is interactive on a terminal only; elsewhere give --name DIR, --db and --docker/--no-docker")
        if not creating:
            return create_robyn_app()
        return create(args.name or ".", "no-db" if args.db in (None, "none") else args.db,
                      True if args.docker is None else args.docker)
    parser.print_usage(sys.stderr)
    print("robyn: error: give an app file to serve, or --create, --version, --docs", file=sys.stderr)
    return 2


def serve(app_file: str, gateway_args: List[str]) -> NoReturn:
    app_path = os.path.abspath(app_file)
    if not os.path.isfile(app_path):
        print(f"robyn: error: app file not found: {app_path}", file=sys.stderr)
        sys.exit(2)
    # As Robyn's CLI: robyn.env beside the app is loaded here (the environment still wins), and
    # the app's Robyn(...) does not load it again.
    load_vars(os.path.dirname(app_path))
    os.environ["ROBYN_CLI"] = "True"
    exec_gateway(app_path, gateway_args)


def docs() -> int:
    print(f"Opening Robyn's documentation: {DOCS_URL}")
    webbrowser.open(DOCS_URL)
    return 0


def create_robyn_app() -> int:
    """`--create` on a terminal: Robyn's questions, then the project."""
    name, db, docker = ask(input)
    return create(name or ".", "no-db" if db in (None, "none") else db, docker)


def start_app_normally(config: Any) -> NoReturn:
    """Serves `config.file_path` on the gateway with the command line's arguments (Robyn's name)."""
    if not getattr(config, "file_path", None):
        print("robyn: error: no app file to serve", file=sys.stderr)
        sys.exit(2)
    serve(config.file_path, [a for a in sys.argv[1:] if os.path.abspath(a) != os.path.abspath(config.file_path)])


def start_dev_server(config: Any, file_path: Optional[str] = None) -> None:
    """Robyn's name: with `--dev`, serves `file_path` under the gateway's reloader (the gateway
    restarts itself when a .py file changes); without, does nothing, as in Robyn."""
    if file_path is None or not getattr(config, "dev", False):
        return
    args = [a for a in sys.argv[1:] if os.path.abspath(a) != os.path.abspath(file_path)]
    serve(file_path, args if "--dev" in args else [*args, "--dev"])


def ask(read: Callable[[str], str]) -> tuple:
    """The questions Robyn's --create asks, with plain input() (no prompt library here)."""
    name = read("Directory path [.]: ").strip() or "."
    docker = read("Need Docker? (Y/N) [Y]: ").strip().lower() not in ("n", "no")
    while True:
        db = read(f"Project type ({', '.join(TEMPLATES)}) [no-db]: ").strip().lower() or "no-db"
        if db in TEMPLATES or db == "none":
            return name, db, docker
        print(f"Choose one of: {', '.join(TEMPLATES)}")


def create(name: str, db: str, docker: bool) -> int:
    """Copies the template into `name` (created if missing); never overwrites a file."""
    target = Path(name).expanduser().resolve()
    template = SCAFFOLD_DIR / db
    files = sorted(p for p in template.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and (docker or p.name not in DOCKER_FILES))
    existing = [str(target / p.relative_to(template)) for p in files if (target / p.relative_to(template)).exists()]
    if existing:
        print(f"robyn: error: not creating the project: {', '.join(existing)} already exist(s); "
              "choose another --name or move them away", file=sys.stderr)
        return 1
    try:
        for source in files:
            destination = target / source.relative_to(template)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    except OSError as error:
        print(f"robyn: error: not creating the project in {target}: {error}", file=sys.stderr)
        return 1
    print(f"Created a Robyn project ({db}{', with a Dockerfile' if docker else ''}) in {target}")
    print(f"Run it: cd {target} && python app.py --dev")
    return 0


def run() -> None:
    """Robyn's name for the entry point (`robyn.cli:run`)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
