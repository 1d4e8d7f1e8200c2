"""The gateway as a .NET tool: packed by scripts/build-tool.sh, installed with `dotnet tool install`
from that local folder into a tool path, and serving an app from a folder outside the checkout."""

import os
import shutil
import subprocess
import sys

import pytest

from gateway_process import Server, free_port

# The Python version cannot matter here: the tool is packed and installed by .NET, and the app it serves
# is a one-line handler (every other test serves apps on each version). scripts/test.sh runs it on 3.11 only.
pytestmark = pytest.mark.version_independent

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))

APP = '''from robyn import Robyn

app = Robyn(__file__)


@app.get("/")
def index():
    return "served by the dotnet tool"
'''


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    if shutil.which("dotnet") is None:
        pytest.skip("the .NET SDK packs the tool")
    feed = tmp_path_factory.mktemp("feed")
    packed = subprocess.run(["bash", os.path.join(REPO, "scripts", "build-tool.sh"), str(feed)],
                            capture_output=True, text=True, timeout=900)
    assert packed.returncode == 0, packed.stdout + packed.stderr[-3000:]
    assert packed.stdout.strip().endswith(".nupkg"), packed.stdout
    tools = tmp_path_factory.mktemp("tools")
    installed = subprocess.run(["dotnet", "tool", "install", "RobynGateway", "--tool-path", str(tools),
                                "--add-source", str(feed), "--ignore-failed-sources"],
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return tools / "robyn-gateway"


def test_the_tool_installs_from_a_folder_and_serves_an_app(tool, tmp_path):
    (tmp_path / "app.py").write_text(APP)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROBYN_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    with Server([str(tool), "app.py", "--port", str(port), "--python", sys.executable], port, str(tmp_path), env) as server:
        server.wait_ready()
        assert server.request("/") == (200, b"served by the dotnet tool")
        assert server.stop() == 0, server.output


def test_the_tool_says_its_version(tool):
    done = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("RobynGateway "), done.stdout + done.stderr
