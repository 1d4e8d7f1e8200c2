"""Real gateway processes for the tests: started as a user starts them, stopped by their pid.

Every wait is bounded; a process still running when its test ends is killed (by pid)."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "src", "python"))
START_DEADLINE = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_env(**extra: str) -> Dict[str, str]:
    """The environment of a user who has the package on PYTHONPATH, and no test harness settings but
    the build under test (ROBYN_GATEWAY_DLL, scripts/test.sh's Debug build): a user's checkout runs
    its Release build, which the suite does not build."""
    env = {k: v for k, v in os.environ.items()
           if (not k.startswith("ROBYN_") or k == "ROBYN_GATEWAY_DLL") and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PYTHONPATH"] = SRC
    env.update(extra)
    return env


def gateway_dll() -> str:
    sys.path.insert(0, SRC)
    from robyn._embedded import find_gateway_dll

    return find_gateway_dll(os.environ, os.path.join(SRC, "robyn"), with_package=True)


class Server:
    """A command that ends up serving HTTP on 127.0.0.1:port; output goes to a file (no pipe to fill)."""

    def __init__(self, command: List[str], port: int, cwd: str, env: Dict[str, str], pass_fds=()) -> None:
        self.port = port
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, text=True,
                                        pass_fds=pass_fds)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def output(self) -> str:
        # The child writes through this same open file, so the two share one file offset: seeking it
        # back to read made the child's next line land at the start, over the first lines (CI lost the
        # "Using .../libpython" line so). pread reads at its own offset and leaves the shared one alone.
        fd = self._log.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, path: str, data: Optional[bytes] = None, method: Optional[str] = None, timeout: float = 10):
        """(status, body bytes); HTTP errors are answers too."""
        req = urllib.request.Request(self.url(path), data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get_json(self, path: str):
        status, body = self.request(path)
        assert status == 200, (status, body)
        return json.loads(body)

    def wait_ready(self, path: str = "/", deadline: float = START_DEADLINE) -> "Server":
        end = time.monotonic() + deadline
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"exited with {self.process.returncode} before serving:\n{self.output}")
            try:
                self.request(path, timeout=5)
                return self
            except OSError:
                if time.monotonic() > end:
                    raise AssertionError(f"not serving {path} within {deadline} s:\n{self.output}")
                time.sleep(0.05)  # a refused connect is cheap: ask often

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            raise AssertionError(f"did not stop within {timeout} s of SIGTERM:\n{self.output}")

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self._log.close()


def pid_exited(pid: int) -> bool:
    """Gone, or a zombie waiting for whoever inherited it to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2:].startswith("Z")
