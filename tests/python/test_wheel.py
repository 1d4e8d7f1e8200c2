"""The robyn-gateway wheel as a user installs it: built by scripts/build-wheel.sh (its slow .NET
publish is cached by a hash of the sources), installed with `pip install --no-index` into a fresh
virtualenv, and serving an app from a folder outside the checkout, with no .NET and no checkout on
PATH or PYTHONPATH: `robyn app.py --processes 2`, `python app.py`, `python -m robyn app.py`."""

import os
import shutil
import subprocess
import sys
import time

import pytest

from gateway_process import Server, free_port

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))

APP = '''import os
from robyn import Robyn

app = Robyn(__file__)


@app.get("/")
def index():
    return {"hello": "wheel", "pid": os.getpid()}


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=int(os.environ.get("APP_PORT", "8080")))
'''


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    if shutil.which("dotnet") is None:
        pytest.skip("the .NET SDK builds the wheel")
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(["bash", os.path.join(REPO, "scripts", "build-wheel.sh"), str(dist)],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = built.stdout.strip().splitlines()[-1]
    assert wheel.endswith("-py3-none-linux_x86_64.whl") and os.path.isfile(wheel), built.stdout

    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    installed = subprocess.run([str(root / "bin" / "pip"), "install", "-q", "--no-index", wheel],
                               capture_output=True, text=True, timeout=600, env=user_env(root))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return root


def user_env(root, **extra):
    """Only the virtualenv on PATH: no dotnet, no checkout, no harness variables."""
    env = {k: v for k, v in os.environ.items()
           if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "TERM")}
    env.update(PATH=f"{root}/bin", VIRTUAL_ENV=str(root), **extra)
    return env


@pytest.fixture
def project(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert not str(tmp_path).startswith(REPO)
    return tmp_path


def serve(command, project, env):
    port = free_port()
    server = Server([*command, "--port", str(port)], port, str(project), env)
    return server, port


def test_the_console_script_serves_an_app_with_two_processes(venv, project):
    port = free_port()
    with Server([str(venv / "bin" / "robyn"), "app.py", "--processes", "2", "--port", str(port)], port,
                str(project), user_env(venv)) as server:
        server.wait_ready()
        # Under --balance kernel each worker binds its own socket: the first answer says one is
        # listening, not both (a fresh-clone run saw 40 answers from w0 while w1 was still binding).
        pids, deadline = set(), time.monotonic() + 15
        while len(pids) < 2 and time.monotonic() < deadline:
            pids.add(server.get_json("/")["pid"])
        assert len(pids) == 2, server.output
        # the front and its workers run the wheel's NativeAOT image (the console script started the
        # self-contained gateway, which read the app and replaced its image)
        for pid in pids:
            exe = os.readlink(f"/proc/{pid}/exe")
            assert exe.startswith(str(venv)) and exe.endswith("robyn_gateway/bin/front/RobynGateway"), exe
        exe = os.readlink(f"/proc/{server.pid}/exe")
        assert exe.startswith(str(venv)) and exe.endswith("robyn_gateway/bin/front/RobynGateway"), exe
        assert server.stop() == 0, server.output


@pytest.mark.parametrize("command", [["python", "app.py"], ["python", "-m", "robyn", "app.py"]])
def test_python_app_py_and_python_m_robyn_find_the_bundled_gateway(venv, project, command):
    port = free_port()
    with Server([str(venv / "bin" / command[0]), *command[1:], "--port", str(port)], port, str(project),
                user_env(venv)) as server:
        server.wait_ready()
        assert server.get_json("/")["hello"] == "wheel"
        assert os.readlink(f"/proc/{server.pid}/exe").endswith("robyn_gateway/bin/RobynGateway")
        # the interpreter embedded is the virtualenv's (python app.py passes sys.executable)
        assert str(venv) in server.output, server.output
        assert server.stop() == 0, server.output


def test_the_wheels_gateway_answers_version_and_help(venv):
    gateway = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages" / "robyn_gateway" / "bin" / "RobynGateway"
    done = subprocess.run([str(gateway), "--version"], capture_output=True, text=True, timeout=60, env=user_env(venv))
    assert done.returncode == 0 and done.stdout.startswith("RobynGateway "), done.stdout + done.stderr
