"""Starts the apps under tests/wild as their READMEs do, on a free loopback port, with this
repository's robyn package and gateway, and stops them with SIGTERM (asserting a clean exit)."""

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Dict, Iterator, List, Optional

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
PACKAGE = os.path.join(REPO, "src", "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    def __init__(self, process: subprocess.Popen, port: int, log: str) -> None:
        self.process, self.port, self.log = process, port, log
        self.base = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()


def start(command: List[str], cwd: str, tmp_path, env: Optional[Dict[str, str]] = None, timeout: float = 120) -> Running:
    port = free_port()
    log = str(tmp_path / "server.log")
    # A user's shell: none of the ROBYN_* state other tests in this process may have left behind
    # (the gateway's own ROBYN_GATEWAY=1 would make app.start() hand over instead of exec).
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROBYN_") or k == "ROBYN_GATEWAY_DLL"}
    environ.update(PYTHONPATH=PACKAGE, ROBYN_HOST="127.0.0.1", ROBYN_PORT=str(port), **(env or {}))
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=cwd, env=environ, stdout=out, stderr=subprocess.STDOUT)
    running = Running(process, port, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"{command} exited with {process.returncode} before serving:\n{running.output()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return running
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"{command} did not listen within {timeout} s:\n{running.output()}")
            time.sleep(0.05)


def stop(running: Running) -> str:
    running.process.send_signal(signal.SIGTERM)
    try:
        running.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        running.process.kill()
        pytest.fail("SIGTERM did not stop the app within 60 s")
    output = running.output()
    assert running.process.returncode == 0, output
    return output


def serving(tmp_path) -> Iterator:
    started: List[Running] = []

    def run(command: List[str], cwd: str, env: Optional[Dict[str, str]] = None, timeout: float = 120) -> Running:
        running = start(command, cwd, tmp_path, env, timeout)
        started.append(running)
        return running

    yield run
    for running in started:
        if running.process.poll() is None:
            stop(running)


python = sys.executable
