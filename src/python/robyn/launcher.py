"""How `app.start()` hands the app to the gateway.

Under the gateway (ROBYN_GATEWAY=1, set by robyn._bridge.load) start() records
its arguments and raises HandOver, which load() catches: the gateway serves.
Run as `python app.py`, start() replaces the process with the gateway (exec: same
pid, same environment, the same arguments), which then loads the same file again.

The gateway, first match wins: ROBYN_GATEWAY_CMD (a command prefix); the
self-contained gateway of the robyn-gateway wheel (site-packages/robyn_gateway/bin,
unless ROBYN_GATEWAY_DLL is set); else `dotnet RobynGateway.dll`, the dll found as the TestClient finds it
(robyn._embedded.find_gateway_dll: ROBYN_GATEWAY_DLL, beside this package in a
gateway build, or a checkout's build, brought up to date with `dotnet build`
first). It embeds the interpreter that ran the file (`--python sys.executable`)
unless the command line has --python or ROBYN_PYTHON is set."""

import logging
import os
import sys
from typing import Any, Dict, List, Mapping, NoReturn, Optional

from robyn.argument_parser import setting

GATEWAY_ENV = "ROBYN_GATEWAY"
COMMAND_ENV = "ROBYN_GATEWAY_CMD"


class HandOver(BaseException):
    """Raised by start() under the gateway. A BaseException, so an app's
    `except Exception` around start() does not swallow it."""

    def __init__(self, app: Any, start_args: Dict[str, Any]) -> None:
        super().__init__("app handed over to the gateway")
        self.app = app
        self.start_args = start_args


def under_gateway(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(GATEWAY_ENV) == "1"


def start_args(
    config: Any,
    host: Optional[str] = None,
    port: Optional[int] = None,
    processes: Optional[int] = None,
    workers: Optional[int] = None,
    environ: Mapping[str, str] = os.environ,
    *,
    client_timeout: Optional[float] = None,
    keep_alive_timeout: Optional[float] = None,
    timeout: Optional[float] = None,
    max_queue: Optional[int] = None,
) -> Dict[str, Any]:
    """What the gateway needs from start(); None where nothing was given.

    Precedence, highest first: the command line, the environment, code, the defaults. ROBYN_HOST /
    ROBYN_PORT beat the arguments (as in Robyn); --processes / --workers / --log-level (and --fast)
    beat code: start()'s arguments, then what the app set on its Config. The gateway applies the
    same order again (it parses the command line and reads ROBYN_CLIENT_TIMEOUT / ROBYN_KEEP_ALIVE_TIMEOUT
    itself). `config` may be a plain dict (`app.config = {...}`): then only the arguments count."""
    port_text = environ.get("ROBYN_PORT")
    cli = setting(config, "from_command_line", None) or {}

    def chosen(name: str, argument: Any) -> Any:
        if cli.get(name) is not None:
            return cli[name]
        if argument is not None:
            return argument
        value = setting(config, name)
        return None if value == 1 else value  # Robyn's default, 1, is the gateway's too

    level = cli.get("log_level") or level_name(setting(config, "log_level"))
    if level is not None and level == setting(config, "default_log_level") and not cli.get("log_level"):
        level = None  # Robyn's default (DEBUG with --dev): the gateway keeps its own
    return {
        "host": environ.get("ROBYN_HOST") or host,
        "port": int(port_text) if port_text else port,
        "processes": _whole(chosen("processes", processes)),
        "workers": _whole(chosen("workers", workers)),
        "log_level": level,
        "client_timeout": client_timeout,
        "keep_alive_timeout": keep_alive_timeout,
        "timeout": timeout,
        "max_queue": None if max_queue is None or isinstance(max_queue, bool) else int(max_queue),
        "open_browser": bool(setting(config, "open_browser", False)),
    }


def _whole(value: Any) -> Optional[int]:
    """A count set in code; the gateway checks its range and says which setting was wrong."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a whole number of processes or workers, not {value!r}") from None


LEVELS = {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "WARNING": "WARNING", "ERROR": "ERROR",
          "CRITICAL": "CRITICAL", "FATAL": "CRITICAL"}


def level_name(level: Any) -> Optional[str]:
    """A log level as Robyn's Config takes it (a name in any case, or logging.WARNING), as its name."""
    if level is None:
        return None
    name = logging.getLevelName(level) if isinstance(level, int) and not isinstance(level, bool) else str(level)
    if str(name).strip().upper() not in LEVELS:
        raise ValueError(f"log_level {level!r}: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return LEVELS[str(name).strip().upper()]


def apply_log_level(args: Mapping[str, Any]) -> None:
    """Under the gateway: Python's root logger follows the level the app chose in code (the
    gateway set the command line's, or the default, before the app file ran)."""
    if args.get("log_level"):
        logging.getLogger().setLevel(args["log_level"])


def gateway_command(
    app_path: str,
    argv: List[str],
    environ: Mapping[str, str],
    package_dir: str,
    executable: Optional[str] = None,
) -> List[str]:
    """The command that serves `app_path` through the gateway; raises GatewayError when none is found.
    --python goes after the user's arguments (the app's sys.argv starts as typed), but before a `--`:
    after it, the gateway would leave it to the app."""
    import shlex  # here, not at the top: a worker imports this module but never launches (bench/memory.sh)
    import shutil

    python = [] if _gives_python(argv) or environ.get("ROBYN_PYTHON") or not executable else ["--python", executable]
    prefix = environ.get(COMMAND_ENV, "").strip()
    if prefix:
        return [*shlex.split(prefix), app_path, *_with_python(argv, python)]
    bundled = bundled_gateway(package_dir)
    if bundled and not environ.get("ROBYN_GATEWAY_DLL", "").strip():
        return [bundled, app_path, *_with_python(argv, python)]
    from robyn._embedded import find_gateway_dll  # loads no .NET: it only looks for files

    dll = find_gateway_dll(environ, package_dir, with_package=True)
    return [shutil.which("dotnet") or "dotnet", dll, app_path, *_with_python(argv, python)]


def bundled_gateway(package_dir: str) -> Optional[str]:
    """The self-contained gateway the robyn-gateway wheel installs beside this package
    (site-packages/robyn_gateway/bin/RobynGateway), if it is there."""
    path = os.path.join(os.path.dirname(os.path.abspath(package_dir)), "robyn_gateway", "bin", "RobynGateway")
    return path if os.access(path, os.X_OK) else None


def _with_python(argv: List[str], python: List[str]) -> List[str]:
    cut = argv.index("--") if "--" in argv else len(argv)
    return [*argv[:cut], *python, *argv[cut:]]


def _gives_python(argv: List[str]) -> bool:
    own = argv[: argv.index("--")] if "--" in argv else argv  # after "--": the app's, not the gateway's
    return any(arg == "--python" or arg.startswith("--python=") for arg in own)


def exec_gateway(app_path: str, argv: List[str]) -> NoReturn:
    import shutil

    from robyn._embedded import GatewayError

    package_dir = os.path.dirname(os.path.abspath(__file__))
    command: Optional[List[str]] = None
    try:
        command = gateway_command(app_path, argv, os.environ, package_dir, sys.executable)
        reason = f"{command[0]} is not on PATH"
    except GatewayError as error:
        reason = str(error)
    if command is None or shutil.which(command[0]) is None:
        print(
            f"robyn: cannot start the server: {reason}; or {COMMAND_ENV} to the gateway command "
            "(e.g. 'dotnet /path/RobynGateway.dll'). The robyn package of a RobynGateway checkout "
            "(PYTHONPATH=<repo>/src/python, or pip install -e <repo>/src/python) finds its gateway "
            "itself, with `dotnet` on PATH.",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(command[0], command)
