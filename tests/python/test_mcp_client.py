"""A real MCP client against a real gateway: the official TypeScript SDK (@modelcontextprotocol/sdk,
pinned in tests/mcp-client/package-lock.json) connects over Streamable HTTP to
tests/apps/mcp_app.py served by `dotnet RobynGateway.dll` on a free loopback port.

tests/mcp-client/client.mjs does the MCP work and prints JSON; this test checks it. It needs
Node.js and npm (`npm ci` runs here when node_modules is missing) and is skipped only when
`node` is not on PATH."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from robyn._embedded import find_gateway_dll

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.path.normpath(os.path.join(HERE, os.pardir, "mcp-client"))
APP = os.path.normpath(os.path.join(HERE, os.pardir, "apps", "mcp_app.py"))

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="node is not on PATH: the MCP client test runs the official TypeScript SDK "
                                       "(install Node.js 18+ and npm)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install_sdk() -> None:
    if os.path.isdir(os.path.join(CLIENT_DIR, "node_modules", "@modelcontextprotocol", "sdk")):
        return
    npm = shutil.which("npm")
    assert npm is not None, "npm is not on PATH: it installs the MCP SDK (tests/mcp-client, npm ci)"
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENT_DIR, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"npm ci failed in {CLIENT_DIR}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


def wait_until_serving(port: int, process: subprocess.Popen, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None:
            pytest.fail(f"the gateway exited with {process.returncode}:\n{process.stdout.read()[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail("the gateway did not answer within 120 s")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server():
    install_sdk()
    dotnet = shutil.which("dotnet")
    assert dotnet is not None, "dotnet is not on PATH"
    port = free_port()
    process = subprocess.Popen(
        [dotnet, find_gateway_dll(with_package=True), APP, "--port", str(port), "--log-level", "WARNING",
         "--python", sys.executable],
        cwd=os.path.dirname(APP), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_serving(port, process, time.monotonic() + 120)
        yield f"http://127.0.0.1:{port}/mcp", process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def seen(server):
    url, _ = server
    done = subprocess.run([shutil.which("node"), "client.mjs", url], cwd=CLIENT_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"client.mjs failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return json.loads(done.stdout)


def test_the_sdk_connects_and_negotiates_a_version(seen):
    # The SDK asks for its newest revision (2025-11-25 in 1.32); we answer with our newest.
    assert seen["protocolVersion"] == "2025-06-18"
    assert seen["sessionId"]
    assert seen["serverVersion"] == {"name": "robyn-mcp-server", "version": "1.0.0"}
    assert set(seen["capabilities"]) == {"tools", "resources", "prompts"}
    assert seen["ping"] == {}
    assert seen["transportErrors"] == []  # GET /mcp's 405 is taken as "no server stream"


def test_the_sdk_lists_and_calls_tools(seen):
    assert set(seen["tools"]) == {"add", "divide", "tag", "calculate"}
    assert seen["tools"]["add"] == {"type": "object", "required": ["a"],
                                    "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "default": 0}}}
    assert seen["add"] == {"content": [{"type": "text", "text": "5"}]}
    assert seen["tag"]["structuredContent"] == {"text": "HI", "tags": ["x"], "meta": {}}
    assert seen["divideByZero"] == {"content": [{"type": "text", "text": "ValueError: Division by zero"}], "isError": True}
    assert seen["badArguments"]["code"] == -32602 and "arguments.a: expected integer" in seen["badArguments"]["message"]
    assert seen["unknownTool"]["code"] == -32602


def test_the_sdk_reads_resources_by_template(seen):
    assert seen["resources"] == ["config://app"]
    assert seen["templates"] == ["notes://{note_id}", "user://{user_id}/posts/{post_id}", "file://{+path}"]
    assert seen["note"]["contents"] == [{"uri": "notes://2", "mimeType": "text/plain", "text": "call ann"}]
    assert seen["post"]["contents"][0]["text"] == "post abc of user 007"
    assert seen["missingResource"]["code"] == -32002


def test_the_sdk_gets_prompts(seen):
    assert [p["name"] for p in seen["prompts"]] == ["code_review", "repeat", "broken_prompt"]
    assert seen["prompts"][0]["arguments"][0] == {"name": "code", "description": "Parameter code", "required": True}
    assert seen["prompt"]["messages"] == [
        {"role": "user", "content": {"type": "text", "text": "Please review this js code:\nx = 1"}}]


def test_a_terminated_session_is_404_for_the_sdk(seen):
    assert seen["afterTerminate"]["code"] == 404 and "Session not found" in seen["afterTerminate"]["message"]


def test_the_gateway_kept_serving_after_the_session(server, seen):
    url, process = server
    with urllib.request.urlopen(url.replace("/mcp", "/"), timeout=10) as response:
        assert response.read() == b"an ordinary route beside MCP"
    assert process.poll() is None
