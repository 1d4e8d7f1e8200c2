"""robyn.ai: config, per-user memory, agents with custom runners, and the "simple" runner
against a local server that speaks OpenAI's chat-completions JSON (no internet)."""

import asyncio
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from robyn import Request, Robyn
from robyn.ai import (
    Agent,
    AgentRunner,
    AIConfig,
    InMemoryProvider,
    Memory,
    MemoryProvider,
    SimpleRunner,
    agent,
    configure,
    memory,
)

ENV = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "AI_MODEL", "AI_TEMPERATURE",
       "AI_MAX_TOKENS", "OPENAI_BASE_URL")


@pytest.fixture(autouse=True)
def _no_ai_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


class ChatAPI:
    """A loopback server answering POST {url}/chat/completions as OpenAI does: the reply is
    "echo: <last message>". Set `status`/`error` for an error answer, `raw` for a broken one."""

    def __init__(self):
        self.requests = []
        self.status, self.error, self.raw, self.delay = 200, "", None, 0.0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append({"path": self.path, "authorization": self.headers["Authorization"], "body": body})
                time.sleep(api.delay)
                if api.raw is not None:
                    data = api.raw
                elif api.status != 200:
                    data = json.dumps({"error": {"message": api.error, "type": "invalid_request_error"}}).encode()
                else:
                    n = len(body["messages"])
                    data = json.dumps({
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {
                            "role": "assistant", "content": "echo: " + body["messages"][-1]["content"]}}],
                        "usage": {"prompt_tokens": n, "completion_tokens": 2, "total_tokens": n + 2},
                    }).encode()
                self.send_response(api.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat_api():
    api = ChatAPI()
    yield api
    api.close()


# --- config ---------------------------------------------------------------------------------


def test_config_reads_robyns_environment_variables(monkeypatch):
    for name, value in {"OPENAI_API_KEY": "sk-env", "ANTHROPIC_API_KEY": "a-env", "GOOGLE_API_KEY": "g-env",
                        "AI_MODEL": "gpt-env", "AI_TEMPERATURE": "0.25", "AI_MAX_TOKENS": "64"}.items():
        monkeypatch.setenv(name, value)
    assert configure().to_dict() == {
        "openai_api_key": "sk-env", "anthropic_api_key": "a-env", "google_api_key": "g-env",
        "model": "gpt-env", "temperature": 0.25, "max_tokens": 64,
    }


def test_keyword_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("AI_MODEL", "gpt-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    config = configure(model="gpt-kw", debug=True)
    assert config.get("model") == "gpt-kw" and config.get("openai_api_key") == "sk-env"
    assert config.get("debug") is True and config.get("missing", "default") == "default"


def test_a_number_that_does_not_parse_stays_a_string(monkeypatch):
    monkeypatch.setenv("AI_TEMPERATURE", "warm")
    monkeypatch.setenv("AI_MAX_TOKENS", "1.5")
    assert configure().to_dict() == {"temperature": "warm", "max_tokens": "1.5"}


def test_set_update_and_a_copy_of_the_dict():
    config = AIConfig(model="a")
    config.set("temperature", 0.1)
    config.update(model="b", max_tokens=5)
    snapshot = config.to_dict()
    snapshot["model"] = "changed"
    assert config.to_dict() == {"model": "b", "temperature": 0.1, "max_tokens": 5}
    assert "sk-secret" not in repr(configure(openai_api_key="sk-secret"))


# --- memory ---------------------------------------------------------------------------------


def test_memory_add_get_clear():
    async def scenario():
        mem = memory(provider="inmemory", user_id="ann")
        await mem.add("Hello")
        await mem.add("Fine", {"mood": "good"})
        stored = await mem.get()
        await mem.clear()
        return stored, await mem.get()

    stored, cleared = asyncio.run(scenario())
    assert stored == [{"message": "Hello", "metadata": {}}, {"message": "Fine", "metadata": {"mood": "good"}}]
    assert cleared == []


def test_users_sharing_a_provider_see_only_their_own_memories():
    async def scenario():
        store = InMemoryProvider()
        ann, bob = Memory(provider=store, user_id="ann"), Memory(provider=store, user_id="bob")
        await ann.add("ann's")
        await bob.add("bob's")
        await bob.clear()
        return await ann.get(), await bob.get(), await memory(user_id="ann").get()

    ann, bob, fresh = asyncio.run(scenario())
    assert ann == [{"message": "ann's", "metadata": {}}]
    assert bob == []
    assert fresh == []  # memory() makes a new store each time


def test_a_custom_memory_provider():
    class Recorder(MemoryProvider):
        def __init__(self):
            self.calls = []

        async def store(self, user_id, data):
            self.calls.append(("store", user_id, data["message"]))

        async def retrieve(self, user_id, query=None):
            self.calls.append(("retrieve", user_id, query))
            return []

        async def clear(self, user_id):
            self.calls.append(("clear", user_id))

    provider = Recorder()
    mem = Memory(provider=provider, user_id="u1")
    asyncio.run(mem.add("hi"))
    asyncio.run(mem.get("hi?"))
    asyncio.run(mem.clear())
    assert provider.calls == [("store", "u1", "hi"), ("retrieve", "u1", "hi?"), ("clear", "u1")]


def test_unknown_providers_and_runners_are_refused():
    with pytest.raises(ValueError, match="Unknown memory provider: 'redis'"):
        memory(provider="redis")
    with pytest.raises(ValueError, match="Unknown runner type: 'magic'"):
        agent(runner="magic")
    with pytest.raises(TypeError, match="runner must be 'simple' or an AgentRunner"):
        Agent(runner=42)
    with pytest.raises(TypeError):
        AgentRunner()  # abstract


# --- agents with a custom runner ------------------------------------------------------------


class EchoRunner(AgentRunner):
    def __init__(self):
        self.calls = []

    async def run(self, query, **kwargs):
        self.calls.append((query, kwargs))
        return {"response": f"echo: {query}", "processed": True}


def test_a_custom_runner_and_what_the_agent_remembers():
    runner = EchoRunner()
    mem = memory(user_id="ann")
    chat = agent(runner=runner, memory=mem)
    first = asyncio.run(chat.run("one", tone="dry"))
    second = asyncio.run(chat.run("two", history=True))
    assert first == {"response": "echo: one", "processed": True}
    assert second["response"] == "echo: two"
    assert runner.calls[0] == ("one", {"tone": "dry"})  # no history asked for: no context
    assert runner.calls[1] == ("two", {"context": {"history": [
        {"message": "Query: one", "metadata": {}}, {"message": "Response: echo: one", "metadata": {}}]}})
    assert [m["message"] for m in asyncio.run(mem.get())] == [
        "Query: one", "Response: echo: one", "Query: two", "Response: echo: two"]


def test_an_agent_without_memory_and_a_result_without_response():
    class Silent(AgentRunner):
        async def run(self, query, **kwargs):
            return {"status": "queued"}

    mem = memory()
    assert asyncio.run(Agent(runner=Silent()).run("x", history=True)) == {"status": "queued"}
    asyncio.run(Agent(runner=Silent(), memory=mem).run("y"))
    assert asyncio.run(mem.get()) == [{"message": "Query: y", "metadata": {}}]


# --- the simple runner over HTTP ------------------------------------------------------------


def test_simple_runner_asks_the_chat_completions_api(chat_api):
    chat = agent(runner="simple", config=configure(openai_api_key="sk-test", base_url=chat_api.url))
    result = asyncio.run(chat.run("Hello"))
    assert result == {"response": "echo: Hello", "query": "Hello", "metadata": {
        "runner_type": "simple_openai", "model": "gpt-4o",
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}}
    [sent] = chat_api.requests
    assert sent["path"] == "/v1/chat/completions" and sent["authorization"] == "Bearer sk-test"
    assert sent["body"] == {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}],
                            "temperature": 0.7, "max_tokens": 1000}


def test_simple_runner_from_the_environment_with_history(chat_api, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", chat_api.url + "/")
    monkeypatch.setenv("AI_MODEL", "gpt-local")
    monkeypatch.setenv("AI_MAX_TOKENS", "50")
    mem = memory(user_id="ann")
    asyncio.run(mem.add("a note, not a turn"))
    chat = agent(memory=mem, temperature=0.0)
    asyncio.run(chat.run("first", history=True))
    asyncio.run(chat.run("second", history=True))
    body = chat_api.requests[-1]["body"]
    assert chat_api.requests[-1]["authorization"] == "Bearer sk-env"
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("gpt-local", 0.0, 50)
    assert body["messages"] == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "echo: first"},
        {"role": "user", "content": "second"},
    ]


def test_only_the_last_ten_memories_go_along(chat_api):
    mem = memory()
    for i in range(8):
        asyncio.run(mem.add(f"Query: q{i}"))
        asyncio.run(mem.add(f"Response: r{i}"))
    chat = agent(memory=mem, openai_api_key="k", base_url=chat_api.url)
    asyncio.run(chat.run("now", history=True))
    messages = chat_api.requests[0]["body"]["messages"]
    assert [m["content"] for m in messages] == ["q3", "r3", "q4", "r4", "q5", "r5", "q6", "r6", "q7", "r7", "now"]


def test_the_request_does_not_block_the_event_loop(chat_api):
    chat_api.delay = 0.3
    chat = agent(openai_api_key="k", base_url=chat_api.url)

    async def scenario():
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        await chat.run("slow")
        ticker.cancel()
        return ticks

    assert asyncio.run(scenario()) >= 5


def test_debug_adds_the_config_without_the_key(chat_api):
    chat = agent(openai_api_key="sk-secret", base_url=chat_api.url, debug=True)
    debug = asyncio.run(chat.run("x"))["metadata"]["debug_info"]
    assert debug == {"config": {"openai_api_key": "***", "base_url": chat_api.url, "debug": True}}


def test_a_missing_api_key_is_a_clear_error_before_any_request(chat_api):
    chat = agent(base_url=chat_api.url)
    with pytest.raises(ValueError, match="OpenAI API key is required: set the OPENAI_API_KEY"):
        asyncio.run(chat.run("Hello"))
    assert chat_api.requests == []


def test_an_error_answer_carries_the_apis_message(chat_api):
    chat_api.status, chat_api.error = 401, "Incorrect API key provided: sk-bad"
    with pytest.raises(RuntimeError, match=r"/v1/chat/completions answered 401: Incorrect API key provided: sk-bad"):
        asyncio.run(SimpleRunner(openai_api_key="sk-bad", base_url=chat_api.url).run("x"))


def test_a_broken_answer_is_a_clear_error(chat_api):
    runner = SimpleRunner(openai_api_key="k", base_url=chat_api.url)
    chat_api.raw = b"<html>bad gateway</html>"
    with pytest.raises(RuntimeError, match="answered with something other than JSON"):
        asyncio.run(runner.run("x"))
    chat_api.raw = b'{"choices": []}'
    with pytest.raises(RuntimeError, match=r"answered without choices\[0\].message.content"):
        asyncio.run(runner.run("x"))


def test_an_unreachable_api_is_a_clear_error():
    closed = ChatAPI()
    closed.close()  # its port now refuses connections
    with pytest.raises(RuntimeError, match=f"cannot reach {closed.url}/chat/completions"):
        asyncio.run(SimpleRunner(openai_api_key="k", base_url=closed.url, timeout=5).run("x"))


def test_the_openai_package_is_used_when_installed(monkeypatch):
    """Debian 12 has no python3-openai, so a stand-in module checks how the package is called."""
    calls = []

    class Completions:
        def create(self, **request):
            calls.append(request)
            return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content="hi"))],
                                   usage=SimpleNamespace(prompt_tokens=1, completion_tokens=2, total_tokens=3))

    class OpenAI:
        def __init__(self, **options):
            calls.append(options)
            self.chat = SimpleNamespace(completions=Completions())

    monkeypatch.setitem(sys.modules, "openai", SimpleNamespace(OpenAI=OpenAI))
    runner = SimpleRunner(openai_api_key="sk-pkg", model="gpt-x")
    result = asyncio.run(runner.run("a"))
    asyncio.run(runner.run("b"))
    assert result == {"response": "hi", "query": "a", "metadata": {
        "runner_type": "simple_openai", "model": "gpt-x",
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}}
    assert calls[0] == {"api_key": "sk-pkg", "base_url": None, "timeout": 600.0}  # one client, reused
    assert calls[1:] == [{"model": "gpt-x", "messages": [{"role": "user", "content": q}],
                          "temperature": 0.7, "max_tokens": 1000} for q in ("a", "b")]


# --- an app that uses it, as Robyn's docs show, through the TestClient -----------------------

app = Robyn(__file__)
mem = memory(provider="inmemory", user_id="guest")
chat_agent = None


@app.startup_handler
async def startup():
    global chat_agent
    chat_agent = agent(runner="simple", memory=mem)  # OPENAI_API_KEY, OPENAI_BASE_URL


@app.post("/chat")
async def chat(request: Request):
    data = request.json()
    query = data.get("query", "")
    if not query:
        return {"error": "Query is required"}
    try:
        result = await chat_agent.run(query, history=data.get("history", True))
        return {"query": query, "response": result.get("response")}
    except Exception as e:
        return {"error": str(e)}


@app.get("/ask")
async def ask(request: Request):
    return await chat_agent.run(request.query_params.get("q", ""))


@app.get("/memory")
async def get_memory():
    memories = await mem.get()
    return {"memories": memories, "count": len(memories)}


@app.delete("/memory")
async def clear_memory():
    await mem.clear()
    return {"message": "Memory cleared"}


def test_an_app_chats_through_the_gateway(chat_api, monkeypatch):
    from robyn.testing import TestClient

    monkeypatch.setenv("OPENAI_API_KEY", "sk-app")
    monkeypatch.setenv("OPENAI_BASE_URL", chat_api.url)
    with TestClient(app) as client:
        client.delete("/memory")
        assert client.post("/chat", json_data={"query": "Hi"}).json() == {"query": "Hi", "response": "echo: Hi"}
        assert client.post("/chat", json_data={"query": ""}).json() == {"error": "Query is required"}
        answer = client.get("/ask", query_params={"q": "more"}).json()
        assert answer["response"] == "echo: more" and answer["metadata"]["runner_type"] == "simple_openai"
        assert client.get("/memory").json()["count"] == 4

        chat_api.status, chat_api.error = 429, "Rate limit reached"
        assert "answered 429: Rate limit reached" in client.post("/chat", json_data={"query": "x"}).json()["error"]
        broken = client.get("/ask", query_params={"q": "x"})  # not caught by the handler
        assert broken.status_code == 500 and broken.text == "Internal server error"

        chat_api.status = 200
        assert client.post("/chat", json_data={"query": "again"}).json()["response"] == "echo: again"
        assert client.delete("/memory").json() == {"message": "Memory cleared"}
        assert client.get("/memory").json() == {"memories": [], "count": 0}


def test_an_app_without_a_key_answers_the_error(chat_api, monkeypatch):
    from robyn.testing import TestClient

    monkeypatch.setenv("OPENAI_BASE_URL", chat_api.url)
    with TestClient(app) as client:
        assert "OpenAI API key is required" in client.post("/chat", json_data={"query": "Hi"}).json()["error"]
        assert client.get("/ask", query_params={"q": "x"}).status_code == 500
        assert client.get("/memory").status_code == 200  # still serving
    assert chat_api.requests == []
