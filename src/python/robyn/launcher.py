"""How `app.start()` hands the app to the gateway.

Under the gateway (ROBYN_GATEWAY=1, set by robyn._bridge.load) start() records
its arguments and raises HandOver, which load() catches: the gateway serves.
Run as `python app.py`, start() replaces the process with the gateway (exec: same
pid, same environment, the same arguments), which then loads the same file again.

The gateway, first match wins: ROBYN_GATEWAY_CMD (a command prefix); else
`dotnet RobynGateway.dll`, the dll found as the TestClient finds it
(robyn._embedded.find_gateway_dll: ROBYN_GATEWAY_DLL, beside this package in a
gateway build, or a checkout's build, brought up to date with `dotnet build`
first). It embeds the interpreter that ran the file (`--python sys.executable`)
unless the command line has --python or ROBYN_PYTHON is set."""

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
    app_path: str,
    argv: List[str],
    environ: Mapping[str, str],
    package_dir: str,
    executable: Optional[str] = None,
) -> List[str]:
    """The command that serves `app_path` through the gateway; raises GatewayError when none is found."""
    python = [] if _gives_python(argv) or environ.get("ROBYN_PYTHON") or not executable else ["--python", executable]
    prefix = environ.get(COMMAND_ENV, "").strip()
    if prefix:
        return [*shlex.split(prefix), app_path, *argv, *python]
    from robyn._embedded import find_gateway_dll  # loads no .NET: it only looks for files

    dll = find_gateway_dll(environ, package_dir, with_package=True)
    return [shutil.which("dotnet") or "dotnet", dll, app_path, *argv, *python]


def _gives_python(argv: List[str]) -> bool:
    return any(arg == "--python" or arg.startswith("--python=") for arg in argv)


def exec_gateway(app_path: str, argv: List[str]) -> NoReturn:
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
