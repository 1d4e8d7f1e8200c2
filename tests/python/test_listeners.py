"""Where the gateway listens besides --host/--port: a socket passed by descriptor as systemd's socket
activation passes it (LISTEN_PID, LISTEN_FDS, descriptors from 3), and --uds PATH (a Unix socket);
and the systemd units in deploy/systemd that use them."""

import configparser
import os
import re
import shlex
import socket
import stat
import subprocess
import time

import pytest

from gateway_process import Server, free_port, gateway_dll, user_env

# The Python version cannot matter here: where the gateway listens is Kestrel's (C#), the app is a
# trivial one, and the units are files. scripts/test.sh runs it on 3.11 only.
pytestmark = pytest.mark.version_independent

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))
APP = os.path.join(ROOT, "tests", "apps", "lifecycle_app.py")
SYSTEMD = os.path.join(ROOT, "deploy", "systemd")


def http_get(sock: socket.socket, path: str = "/started") -> bytes:
    sock.settimeout(10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_listening_socket_passed_as_systemd_passes_it_is_served(tmp_path, processes):
    # With --processes 2 (deploy/systemd's unit) the workers accept on it themselves (--balance kernel, the default).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    unused = free_port()  # --port names another port: the passed socket must win
    # bash puts the descriptor at 3 and sets LISTEN_PID to its own pid, which exec keeps.
    script = f'exec 3<&{fd} {fd}<&-; export LISTEN_PID=$$ LISTEN_FDS=1; exec "$@"'
    command = ["bash", "-c", script, "bash", "dotnet", gateway_dll(), APP, "--port", str(unused), "--processes", processes]
    with Server(command, port, str(tmp_path), user_env(), pass_fds=(fd,)) as server:
        listener.close()  # the parent's copy goes; the gateway holds its own
        server.wait_ready("/started")
        assert server.request("/started") == (200, b'{"started":true}')
        assert "passed by systemd" in server.output, server.output
        if processes == "2":
            assert "--balance kernel" in server.output, server.output
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", unused), timeout=2).close()
        assert server.stop() == 0, server.output


def test_listen_fds_meant_for_another_process_is_ignored(tmp_path):
    port = free_port()
    env = user_env(LISTEN_PID="1", LISTEN_FDS="1")
    with Server(["dotnet", gateway_dll(), APP, "--port", str(port)], port, str(tmp_path), env) as server:
        server.wait_ready("/started")
        assert "passed by systemd" not in server.output
        assert server.stop() == 0


def wait_for_socket(path: str, server: Server, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        assert server.process.poll() is None, server.output
        if os.path.exists(path):
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(path)
                    return
            except OSError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"no socket at {path}:\n{server.output}")


@pytest.mark.parametrize("processes", ["1", "2"])
def test_uds_serves_http_over_a_unix_socket(tmp_path, processes):
    path = str(tmp_path / "gw.sock")
    # a stale socket file (its server was killed) is replaced
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()
    command = ["dotnet", gateway_dll(), APP, "--uds", path, "--processes", processes]
    with Server(command, 0, str(tmp_path), user_env()) as server:
        wait_for_socket(path, server)
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
            answer = http_get(s)
        assert answer.startswith(b"HTTP/1.1 200 OK"), answer
        assert answer.endswith(b'{"started":true}'), answer
        for _ in range(50):
            if stat.S_IMODE(os.stat(path).st_mode) == 0o660:
                break
            time.sleep(0.1)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
        assert server.stop() == 0, server.output


def test_uds_refuses_a_path_that_is_not_a_socket(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    done = subprocess.run(["dotnet", gateway_dll(), APP, "--uds", str(path)], capture_output=True, text=True,
                          timeout=120, env=user_env(), cwd=str(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "is not a socket" in done.stderr
    assert path.read_text() == "keep me"


def units():
    parsed = {}
    for name in ("robyn-gateway.socket", "robyn-gateway.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(os.path.join(SYSTEMD, name))
        parsed[name] = parser
    return parsed["robyn-gateway.socket"], parsed["robyn-gateway.service"]


def test_the_systemd_units_activate_the_gateway_by_socket_and_stop_it_within_its_budget():
    sock, service = units()
    assert sock["Socket"]["ListenStream"]
    assert service["Unit"]["Requires"] == "robyn-gateway.socket"
    assert "robyn-gateway.socket" in service["Unit"]["After"]
    exec_start = shlex.split(service["Service"]["ExecStart"])
    assert exec_start[0].endswith("/bin/robyn") and exec_start[1] == "app.py"
    assert "--port" not in exec_start and "--host" not in exec_start  # the socket is systemd's
    graceful = float(exec_start[exec_start.index("--graceful-timeout") + 1])
    # the front waits for its workers 10 s beyond the graceful timeout
    assert float(service["Service"]["TimeoutStopSec"]) >= graceful + 10
    assert service["Service"]["KillMode"] == "mixed"
    assert re.fullmatch(r"/bin/kill -HUP \$MAINPID", service["Service"]["ExecReload"])
    assert service["Service"]["User"] != "root"
