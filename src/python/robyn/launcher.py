"""How `app.start()` hands the app to the gateway.

Under the gateway (ROBYN_GATEWAY=1, set by robyn._bridge.load) start() records
its arguments and raises HandOver, which load() catches: the gateway serves.
Run as `python app.py`, start() replaces the process with the gateway, which
then loads the same file again."""

import os
import shlex
import shutil
import sys
from typing import Any, Dict, List, Mapping, NoReturn, Optional

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
) -> Dict[str, Any]:
    """What the gateway needs from start(); None where nothing was given.

    ROBYN_HOST / ROBYN_PORT beat the arguments (as in Robyn); so do --processes
    / --workers on the command line (explicit at run time beats code)."""
    port_text = environ.get("ROBYN_PORT")
    return {
        "host": environ.get("ROBYN_HOST") or host,
        "port": int(port_text) if port_text else port,
        "processes": config.processes if "processes" in config.given else processes,
        "workers": config.workers if "workers" in config.given else workers,
        "log_level": config.log_level,
    }


def gateway_command(
    app_path: str, argv: List[str], environ: Mapping[str, str], package_dir: str
) -> Optional[List[str]]:
    """The command that serves `app_path` through the gateway, or None if none is found.

    ROBYN_GATEWAY_CMD (a command prefix) wins; else the gateway project that sits
    beside this package in the repository (<repo>/src/python/robyn -> <repo>/src/RobynGateway)."""
    prefix = environ.get(COMMAND_ENV, "").strip()
    if prefix:
        return [*shlex.split(prefix), app_path, *argv]
    project = os.path.normpath(os.path.join(package_dir, os.pardir, os.pardir, "RobynGateway"))
    if os.path.isfile(os.path.join(project, "RobynGateway.csproj")):
        return ["dotnet", "run", "--project", project, "--", app_path, *argv]
    return None


def exec_gateway(app_path: str, argv: List[str]) -> NoReturn:
    package_dir = os.path.dirname(os.path.abspath(__file__))
    command = gateway_command(app_path, argv, os.environ, package_dir)
    if command is None or shutil.which(command[0]) is None:
        print(
            "robyn: cannot start the server: no RobynGateway found. Set "
            f"{COMMAND_ENV} to the gateway command (e.g. 'dotnet /path/RobynGateway.dll') "
            "or run the app from a RobynGateway checkout with `dotnet` on PATH.",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(command[0], command)
