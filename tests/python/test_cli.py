"""The Robyn CLI: `python -m robyn ...` (and the `robyn` console script) as users type it.

The serving tests start real gateways on loopback and stop them by pid."""

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from gateway_process import SRC, Server, free_port, pid_exited, user_env
from robyn import cli

REPO = os.path.normpath(os.path.join(SRC, os.pardir, os.pardir))


def robyn(*args: str, cwd=None, env=None, timeout: float = 60, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "robyn", *args], cwd=cwd, env=env or user_env(), capture_output=True,
                          text=True, timeout=timeout, stdin=stdin)


# ---- Commands that answer at once ---------------------------------------------------------------

def test_version():
    done = robyn("--version")
    assert (done.returncode, done.stdout.strip()) == (0, "0.88.0")


def test_help_lists_the_commands_and_the_precedence():
    done = robyn("--help")
    assert done.returncode == 0
    assert "--create" in done.stdout and "--dev" in done.stdout
    assert "the command line, the environment" in done.stdout


def test_docs_opens_robyns_documentation_in_the_browser(tmp_path):
    seen = tmp_path / "opened"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {seen}\n')
    browser.chmod(0o755)
    done = robyn("--docs", env=user_env(BROWSER=str(browser)))
    assert done.returncode == 0, done.stderr
    assert seen.read_text().strip() == cli.DOCS_URL


@pytest.mark.parametrize("args, message", [
    ([], "give an app file to serve"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--create", "--db", "mongo"], "invalid choice: 'mongo'"),
    (["--create", "--docker", "--no-docker"], "not allowed with argument"),
    (["--db", "sqlite"], "go with --create"),
    (["--create"], "interactive on a terminal only"),  # stdin is not a terminal here
    (["missing.py"], "app file not found"),
    (["app.py", "--port", "http"], "--port http: expected a whole number"),  # the gateway's own check
])
def test_bad_command_lines_exit_2_with_a_clear_message(tmp_path, args, message):
    (tmp_path / "app.py").write_text("from robyn import Robyn\napp = Robyn(__file__)\n")
    done = robyn(*args, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr


# ---- --create -----------------------------------------------------------------------------------

@pytest.mark.parametrize("db", ["no-db", "sqlite", "postgres"])
def test_create_with_options_does_not_ask(tmp_path, db):
    done = robyn("--create", "--name", "myapp", "--db", db, "--docker", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "myapp"
    assert (project / "app.py").is_file() and (project / "Dockerfile").is_file() and (project / ".dockerignore").is_file()
    dockerfile = (project / "Dockerfile").read_text()
    # The image is the gateway's (deploy/Dockerfile), which runs /app/app.py: the project goes there.
    assert "ARG ROBYN_GATEWAY_IMAGE=robyn-gateway" in dockerfile and "FROM ${ROBYN_GATEWAY_IMAGE}" in dockerfile
    assert "COPY --chown=robyn:robyn . /app/" in dockerfile
    with open(os.path.join(REPO, "deploy", "Dockerfile")) as f:
        base = f.read()
        assert 'ENTRYPOINT ["tini", "--", "robyn"]' in base and 'CMD ["app.py",' in base and "WORKDIR /app" in base
    if db == "postgres":
        assert (project / "compose.yaml").is_file() and "pip install --no-cache-dir -r /tmp/requirements.txt" in dockerfile
    compile(  # every template is valid Python
        (project / "app.py").read_text(), str(project / "app.py"), "exec")


def test_create_without_docker_and_with_defaults(tmp_path):
    done = robyn("--create", "--no-docker", cwd=tmp_path)  # one option: no questions; the rest default
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["app.py"]
    assert 'return "Hello World!"' in (tmp_path / "app.py").read_text()


def test_create_never_overwrites(tmp_path):
    (tmp_path / "app.py").write_text("mine")
    done = robyn("--create", "--name", ".", "--db", "none", cwd=tmp_path)
    assert done.returncode == 1 and "already exist" in done.stderr
    assert (tmp_path / "app.py").read_text() == "mine" and not (tmp_path / "Dockerfile").exists()


def test_create_asks_on_a_terminal(tmp_path, monkeypatch):
    answers = iter([str(tmp_path / "asked"), "n", "mongo", "sqlite"])  # a wrong choice is asked again
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert cli.main(["--create"]) == 0
    assert sorted(os.listdir(tmp_path / "asked")) == ["app.py"]
    assert "sqlite3" in (tmp_path / "asked" / "app.py").read_text()


# ---- Serving ------------------------------------------------------------------------------------

APP = '''
import os
import sys
from robyn import Robyn

app = Robyn(__file__)

@app.get("/")
def index():
    return {"pid": os.getpid(), "argv": sys.argv[1:], "dev": app.config.dev, "from_env": os.environ.get("FROM_ENV_FILE")}

if __name__ == "__main__":
    app.start(host="127.0.0.1", port=1)  # the command line's --port wins
'''


def test_python_m_robyn_serves_the_app_on_the_gateway(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "robyn.env").write_text("FROM_ENV_FILE=yes\n")
    port = free_port()
    with Server([sys.executable, "-m", "robyn", "app.py", "--port", str(port), "--mine"], port, str(tmp_path),
                user_env()) as server:
        answer = server.wait_ready().get_json("/")
        assert answer["pid"] == server.pid  # exec: the gateway is the process we started
        assert answer["argv"][:3] == ["--port", str(port), "--mine"] and answer["from_env"] == "yes"
        with open(f"/proc/{server.pid}/cmdline", "rb") as f:
            assert any(arg.endswith(b"RobynGateway.dll") for arg in f.read().split(b"\0"))
        assert server.stop() == 0


@pytest.mark.parametrize("db", ["no-db", "sqlite", "postgres"])
def test_a_scaffolded_app_starts_on_the_gateway_and_answers(tmp_path, db):
    assert robyn("--create", "--name", "proj", "--db", db, "--docker", cwd=tmp_path).returncode == 0
    port = free_port()
    # As in the Docker image: ROBYN_HOST / ROBYN_PORT win over the template's app.start(host="0.0.0.0", port=8080).
    env = user_env(ROBYN_HOST="127.0.0.1", ROBYN_PORT=str(port))
    with Server([sys.executable, "-m", "robyn", "proj/app.py"], port, str(tmp_path), env) as server:
        assert server.wait_ready().request("/") == (200, b"Hello World!")
        if db == "no-db":
            assert server.get_json("/hello/ann") == {"message": "Hello, ann!"}
        if db == "sqlite":
            status, body = server.request("/notes", json.dumps({"text": "milk"}).encode(), "POST")
            assert status == 201 and json.loads(body)["text"] == "milk"
            assert server.get_json("/notes")["notes"] == [{"id": 1, "text": "milk"}]
            status, body = server.request("/notes", b"{not json", "POST")
            assert status == 400 and b"must be JSON" in body
            assert (tmp_path / "proj" / "app.db").is_file()
        if db == "postgres":
            # No driver or server here: a clear 503, and the app keeps serving.
            status, body = server.request("/users")
            assert status == 503 and json.loads(body) == {"error": "the database is unavailable"}
            assert server.request("/") == (200, b"Hello World!")
        assert server.stop() == 0
        assert "Traceback" not in server.output


DEV_APP = '''
import os
from robyn import Robyn

app = Robyn(__file__)

@app.get("/")
def index():
    return "one"

@app.get("/pid")
def pid():
    return str(os.getpid())
'''


def test_python_m_robyn_dev_reloads_after_an_edit(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(DEV_APP)
    port = free_port()
    with Server([sys.executable, "-m", "robyn", "app.py", "--dev", "--port", str(port)], port, str(tmp_path),
                user_env()) as server:
        assert server.wait_ready().request("/") == (200, b"one")
        first_child = int(server.request("/pid")[1])
        assert first_child != server.pid  # the supervisor (this pid) runs the app in a child
        app.write_text(DEV_APP.replace('"one"', '"two"'))
        deadline = time.monotonic() + 90
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = server.request("/", timeout=5)
                if answer == (200, b"two"):
                    break
            except OSError:
                pass  # restarting
            time.sleep(0.05)
        assert answer == (200, b"two"), server.output
        second_child = int(server.request("/pid")[1])
        assert second_child != first_child and pid_exited(first_child)
        assert "app.py changed: restarting" in server.output
        assert server.stop() == 0
        assert pid_exited(second_child)


def test_open_browser_opens_the_address_once_listening(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    seen = tmp_path / "opened"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {seen}\n')
    browser.chmod(0o755)
    port = free_port()
    with Server([sys.executable, "-m", "robyn", "app.py", "--port", str(port), "--open-browser"], port, str(tmp_path),
                user_env(BROWSER=str(browser))) as server:
        server.wait_ready()
        deadline = time.monotonic() + 30
        while not seen.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen.read_text().split() == [f"http://127.0.0.1:{port}"], server.output
        assert server.stop() == 0


def test_the_console_script(tmp_path):
    """`pip install -e src/python` gives a `robyn` command (Debian's python3 has the wheel support pip needs)."""
    python = "/usr/bin/python3"
    if not os.path.exists(python):
        pytest.skip("needs Debian's python3")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-build-isolation", "--no-index", "-e", SRC],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    env = {k: v for k, v in user_env().items() if k != "PYTHONPATH"}
    done = subprocess.run([str(venv / "bin" / "robyn"), "--version"], capture_output=True, text=True, timeout=60,
                          env=env, cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, "0.88.0"), done.stderr
    done = subprocess.run([str(venv / "bin" / "robyn"), "--create", "--name", "p", "--db", "sqlite", "--docker"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "p" / ".dockerignore").is_file(), done.stderr
