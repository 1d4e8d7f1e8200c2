"""`python3 app.py` as a Robyn user runs it: the robyn package on PYTHONPATH hands over to the gateway.

Real processes on loopback: each test starts one and ends it by its pid."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "src", "python"))

APP = '''
import os
from robyn import Robyn

app = Robyn(__file__)

@app.get("/")
def index():
    return {"log_level": app.config.log_level, "env": os.environ.get("LAUNCHER_TEST", ""),
            "pid": os.getpid(), "argv_tail": __import__("sys").argv[1:]}

if __name__ == "__main__":
    app.start(host="127.0.0.1", port=1)  # the command line's --port wins
'''


def interpreters():
    """Debian's python3 and the python3 on PATH (pyenv here), each once, by its real executable."""
    found = {}
    for candidate in ("/usr/bin/python3", "python3"):
        try:
            executable = subprocess.run([candidate, "-c", "import sys; print(sys.executable)"], capture_output=True,
                                        text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if executable:
            found.setdefault(os.path.realpath(executable), executable)
    return list(found.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(port: int, deadline: float):
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                import json
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.mark.parametrize("python", interpreters())
def test_python_app_py_execs_the_gateway_with_the_same_interpreter(python, tmp_path):
    app = tmp_path / "app.py"
    app.write_text(APP)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": SRC, "LAUNCHER_TEST": "kept", "ROBYN_CLI": ""}
    for name in ("ROBYN_PYTHON", "ROBYN_GATEWAY", "ROBYN_GATEWAY_CMD", "ROBYN_PORT", "ROBYN_HOST", "VIRTUAL_ENV"):
        env.pop(name, None)
    process = subprocess.Popen([python, str(app), "--port", str(port), "--log-level", "WARNING", "--mine"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        answer = get_json(port, time.monotonic() + 120)
        assert answer["pid"] == process.pid  # exec: the server is the process we started
        assert answer["log_level"] == "WARNING" and answer["env"] == "kept"
        assert answer["argv_tail"][:5] == ["--port", str(port), "--log-level", "WARNING", "--mine"]
        with open(f"/proc/{process.pid}/cmdline", "rb") as f:
            cmdline = f.read().split(b"\0")
        assert any(arg.endswith(b"RobynGateway.dll") for arg in cmdline)
        assert cmdline[cmdline.index(b"--python") + 1].decode() == python  # the same interpreter, embedded
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def test_without_a_gateway_the_user_is_told_what_to_set(tmp_path):
    package = tmp_path / "site" / "robyn"
    package.parent.mkdir()
    os.symlink(os.path.join(SRC, "robyn"), package)  # an installed copy: no checkout, no build beside it
    app = tmp_path / "app.py"
    app.write_text(APP)
    env = {k: v for k, v in os.environ.items() if k not in ("ROBYN_GATEWAY_DLL", "ROBYN_GATEWAY_CMD", "ROBYN_GATEWAY")}
    done = subprocess.run([sys.executable, "-S", str(app)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**env, "PYTHONPATH": str(package.parent)})
    assert done.returncode == 2
    assert "cannot start the server" in done.stderr and "ROBYN_GATEWAY_DLL" in done.stderr
