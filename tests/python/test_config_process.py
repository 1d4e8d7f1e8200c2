"""Configuration as Robyn apps write it, on real gateway processes: `app.config` replaced by a dict,
a Config subclass choosing processes/workers/log_level in code, robyn.env, and the timeouts.

Each test starts its server(s) on loopback and stops them by pid."""

import concurrent.futures
import os
import shutil
import socket
import sys
import time

import pytest

from gateway_process import Server, free_port, gateway_dll, user_env


# The deep-dive document's shape: a dict config, then app.start(host=, port=) at module level.
DICT_APP = '''
import os
from robyn import Robyn

app = Robyn(__file__)
app.config = {
    "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///app.db"),
    "JWT_SECRET": os.environ.get("JWT_SECRET", "change-me"),
}

@app.get("/")
def index():
    return {"database": app.config["DATABASE_URL"], "secret_set": bool(app.config["JWT_SECRET"])}

app.start(host="127.0.0.1", port=PORT)
'''


def _commands(app: str):
    return {"python app.py": [sys.executable, app], "dotnet RobynGateway.dll app.py": [shutil.which("dotnet") or "dotnet", gateway_dll(), app]}


@pytest.mark.parametrize("how", ["python app.py", "dotnet RobynGateway.dll app.py"])
def test_a_dict_config_app_starts_and_serves(tmp_path, how):
    port = free_port()
    (tmp_path / "app.py").write_text(DICT_APP.replace("PORT", str(port)))
    with Server(_commands("app.py")[how], port, str(tmp_path), user_env(DATABASE_URL="postgresql://db/app")) as server:
        assert server.wait_ready().get_json("/") == {"database": "postgresql://db/app", "secret_set": True}
        assert server.stop() == 0
        assert "AttributeError" not in server.output


# A Config subclass, as Robyn's docs write one: the settings chosen in code.
CODE_CONFIG_APP = '''
import logging
import os
import threading
import time
from robyn import Config, Robyn


class AppConfig(Config):
    def __init__(self):
        super().__init__()
        self.processes = 2
        self.workers = 2
        self.log_level = "WARNING"


app = Robyn(__file__, config=AppConfig())
log = logging.getLogger("app")


@app.get("/who")
def who():
    log.info("INFO-MARKER")
    log.warning("WARNING-MARKER")
    time.sleep(0.3)  # long enough for concurrent requests to need both sync workers
    return {"pid": os.getpid(), "thread": threading.get_ident()}


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=PORT)
'''


def test_processes_workers_and_log_level_set_in_code_are_honoured(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(CODE_CONFIG_APP.replace("PORT", str(port)))
    with Server([sys.executable, "app.py"], port, str(tmp_path), user_env()) as server:
        server.wait_ready("/who")
        seen = set()
        deadline = time.monotonic() + 60
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            while time.monotonic() < deadline:
                answers = list(pool.map(lambda _: server.get_json("/who"), range(8)))
                seen |= {(a["pid"], a["thread"]) for a in answers}
                pids = {pid for pid, _ in seen}
                if len(pids) == 2 and any(len([t for p, t in seen if p == pid]) >= 2 for pid in pids):
                    break
        pids = {pid for pid, _ in seen}
        assert len(pids) == 2 and server.pid not in pids, (seen, server.output)  # two workers behind the front
        assert any(len([t for p, t in seen if p == pid]) == 2 for pid in pids), seen  # two sync threads in a process
        assert server.stop() == 0
        output = server.output
        assert "WARNING-MARKER" in output and "INFO-MARKER" not in output  # log_level="WARNING" from code
        assert "serving app.py at" not in output  # nor the start banner, the gateway's own INFO line


def test_the_command_line_beats_the_config_set_in_code(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(CODE_CONFIG_APP.replace("PORT", str(port)))
    with Server([sys.executable, "app.py", "--processes", "1", "--log-level", "INFO"], port, str(tmp_path),
                user_env()) as server:
        answer = server.wait_ready("/who").get_json("/who")
        assert answer["pid"] == server.pid  # one process: no front
        assert server.stop() == 0
        assert "INFO-MARKER" in server.output


PAYLOAD_APP = '''
from robyn import Robyn

app = Robyn(__file__)

@app.post("/echo")
def echo(request):
    return str(len(request.body))

if __name__ == "__main__":
    app.start(host="127.0.0.1", port=PORT)
'''


@pytest.mark.parametrize("how", ["python app.py", "dotnet RobynGateway.dll app.py"])
def test_robyn_env_sets_the_gateways_max_payload_size(tmp_path, how):
    port = free_port()
    (tmp_path / "app.py").write_text(PAYLOAD_APP.replace("PORT", str(port)))
    (tmp_path / "robyn.env").write_text("# read by the gateway as well as by Robyn()\nROBYN_MAX_PAYLOAD_SIZE=1000\n")
    with Server(_commands("app.py")[how], port, str(tmp_path), user_env()) as server:
        server.wait_ready("/echo")
        assert server.request("/echo", b"x" * 1000, "POST") == (200, b"1000")
        status, body = server.request("/echo", b"x" * 1001, "POST")
        assert status == 413 and b"ROBYN_MAX_PAYLOAD_SIZE" in body
        assert server.request("/echo", b"x" * 10, "POST") == (200, b"10")  # still serving
        assert server.stop() == 0


def test_the_environment_beats_robyn_env(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(PAYLOAD_APP.replace("PORT", str(port)))
    (tmp_path / "robyn.env").write_text("ROBYN_MAX_PAYLOAD_SIZE=1000\n")
    with Server([shutil.which("dotnet") or "dotnet", gateway_dll(), "app.py"], port, str(tmp_path),
                user_env(ROBYN_MAX_PAYLOAD_SIZE="5000")) as server:
        assert server.wait_ready("/echo").request("/echo", b"x" * 4000, "POST") == (200, b"4000")
        assert server.stop() == 0


def test_a_bad_value_in_robyn_env_is_a_clear_error(tmp_path):
    (tmp_path / "app.py").write_text(PAYLOAD_APP.replace("PORT", str(free_port())))
    (tmp_path / "robyn.env").write_text("ROBYN_KEEP_ALIVE_TIMEOUT=soon\n")
    import subprocess

    done = subprocess.run([shutil.which("dotnet") or "dotnet", gateway_dll(), "app.py"], cwd=tmp_path, env=user_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "ROBYN_KEEP_ALIVE_TIMEOUT soon: expected a number of seconds" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


TIMEOUT_APP = '''
from robyn import Robyn, WebSocket

app = Robyn(__file__)
echo = WebSocket(app, "/echo")

@echo.on("message")
def echo_message(ws, message):
    return message

@app.get("/")
def index():
    return "ok"

if __name__ == "__main__":
    app.start(host="127.0.0.1", port=PORT, client_timeout=30, keep_alive_timeout=2)
'''


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed the connection (reading whatever it sent first); fails after `seconds`."""
    sock.settimeout(seconds)
    start = time.monotonic()
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def test_keep_alive_and_client_timeouts_reach_kestrel(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(TIMEOUT_APP.replace("PORT", str(port)))
    # ROBYN_CLIENT_TIMEOUT beats the code's client_timeout=30; keep_alive_timeout=2 comes from code.
    with Server([sys.executable, "app.py"], port, str(tmp_path), user_env(ROBYN_CLIENT_TIMEOUT="1")) as server:
        server.wait_ready()
        request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(request)
            assert b"200 OK" in sock.recv(4096)
            time.sleep(1)  # idle, within keep_alive_timeout: the connection is still usable
            sock.sendall(request)
            assert b"200 OK" in sock.recv(4096)
            idle = _closed_within(sock, 15)  # then idle past it: Kestrel closes it
            assert 1 < idle < 6, idle
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: loc")  # a client that never finishes its headers
            slow = _closed_within(sock, 15)
            assert slow < 5, slow  # ROBYN_CLIENT_TIMEOUT=1 (plus Kestrel's 1 s heartbeat), not 30
        # An upgraded connection is no longer idle HTTP: a websocket outlives keep_alive_timeout.
        import websocket  # websocket-client (Debian's python3-websocket)

        ws = websocket.create_connection(f"ws://127.0.0.1:{port}/echo", timeout=10)
        try:
            time.sleep(4)
            ws.send("still here")
            assert ws.recv() == "still here"
        finally:
            ws.close()
        assert server.request("/") == (200, b"ok")  # still serving
        assert server.stop() == 0


def test_robyn_env_dev_mode_reloads_as_dev_does(tmp_path):
    port = free_port()
    app = tmp_path / "app.py"
    app.write_text(PAYLOAD_APP.replace("PORT", str(port)).replace(
        'if __name__', "@app.get('/pid')\ndef pid():\n    return str(__import__('os').getpid())\n\nif __name__"))
    (tmp_path / "robyn.env").write_text("ROBYN_DEV_MODE=True\n")
    with Server([shutil.which("dotnet") or "dotnet", gateway_dll(), "app.py"], port, str(tmp_path), user_env()) as server:
        child = int(server.wait_ready("/pid").request("/pid")[1])
        assert child != server.pid  # the --dev supervisor runs the app in a child it restarts
        app.write_text(app.read_text().replace("str(len(request.body))", "'edited'"))
        deadline = time.monotonic() + 90
        answer = None
        while time.monotonic() < deadline and answer != (200, b"edited"):
            try:
                answer = server.request("/echo", b"x", "POST", timeout=5)
            except OSError:
                pass  # restarting
            time.sleep(0.2)
        assert answer == (200, b"edited"), server.output
        assert server.stop() == 0


# Beyond Robyn: the request timeout and the queue bound set in code, as app.start's other settings.
LIMITS_IN_CODE_APP = '''
import time
from robyn import Robyn

app = Robyn(__file__)


@app.get("/")
def index():
    return "ready"


@app.get("/slow")
def slow():
    time.sleep(6)
    return "late"


app.start(port=PORT, timeout=1, max_queue=2)
'''


def test_timeout_and_max_queue_set_in_app_start_are_honoured(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(LIMITS_IN_CODE_APP.replace("PORT", str(port)))
    with Server([sys.executable, "app.py"], port, str(tmp_path), user_env()) as server:
        server.wait_ready()
        started = time.monotonic()
        status, body = server.request("/slow")
        assert status == 504 and b"within 1 s" in body, (status, body)
        assert time.monotonic() - started < 4  # not after the handler's 6 s
        assert server.stop() == 0


def test_the_timeout_flag_beats_app_start(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(LIMITS_IN_CODE_APP.replace("PORT", str(port)))
    with Server([sys.executable, "app.py", "--timeout", "0"], port, str(tmp_path), user_env()) as server:
        server.wait_ready()
        assert server.request("/slow") == (200, b"late")
        assert server.stop() == 0


def test_a_bad_max_queue_in_app_start_is_a_clear_error(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(LIMITS_IN_CODE_APP.replace("PORT", str(port)).replace("max_queue=2", "max_queue=-1"))
    with Server([sys.executable, "app.py"], port, str(tmp_path), user_env()) as server:
        assert server.process.wait(timeout=60) == 2
        assert "app.start(max_queue=-1): expected a whole number from 0 (unbounded) to 1000000." in server.output
        assert "Traceback" not in server.output
