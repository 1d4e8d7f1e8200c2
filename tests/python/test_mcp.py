"""MCP at /mcp (robyn.mcp) through the gateway's pipeline: every method, every bad input.

The app is tests/apps/mcp_app.py, written as a Robyn user writes one; the official TypeScript
SDK drives the same app in test_mcp_client.py."""

import importlib.util
import json
import os
from typing import Any, Dict, List, Optional

import pytest

from robyn import MCPApp, Robyn
from robyn.mcp import schema_for, schema_from_function
from robyn.testing import TestClient

APP_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "apps", "mcp_app.py")


def load_app():
    spec = importlib.util.spec_from_file_location("mcp_test_app", APP_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture(scope="module")
def client():
    with TestClient(load_app()) as c:
        yield c


def post(client, message: Any, headers: Optional[Dict[str, str]] = None):
    return client.post("/mcp", json=message, headers=headers)


def rpc(client, method: str, params: Any = None, id: Any = 1, headers: Optional[Dict[str, str]] = None):
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    response = post(client, message, headers)
    assert response.status_code == 200, response.text
    assert response.headers.get("content-type").startswith("application/json")
    answer = response.json()
    assert answer["jsonrpc"] == "2.0" and answer["id"] == id
    return answer


def result(client, method: str, params: Any = None) -> Dict[str, Any]:
    answer = rpc(client, method, params)
    assert "error" not in answer, answer
    return answer["result"]


def error(client, method: str, params: Any = None) -> Dict[str, Any]:
    answer = rpc(client, method, params)
    assert "result" not in answer, answer
    return answer["error"]


def call(client, name: str, arguments: Any) -> Dict[str, Any]:
    return result(client, "tools/call", {"name": name, "arguments": arguments})


def refused(response, status: int, code: int) -> str:
    """A transport-level refusal: the HTTP status, and a JSON-RPC error without an id."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["jsonrpc"] == "2.0" and body["id"] is None and body["error"]["code"] == code
    return body["error"]["message"]


def still_serving(client):
    assert call(client, "add", {"a": 1, "b": 1})["content"] == [{"type": "text", "text": "2"}]


# ---- Lifecycle -------------------------------------------------------------------------------


@pytest.mark.parametrize("asked, agreed", [
    ("2025-06-18", "2025-06-18"), ("2025-03-26", "2025-03-26"), ("2024-11-05", "2024-11-05"),
    ("2025-11-25", "2025-06-18"), ("1999-01-01", "2025-06-18"),
])
def test_initialize_echoes_a_supported_version_else_offers_the_newest(client, asked, agreed):
    params = {"protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}
    response = post(client, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params})
    assert response.status_code == 200
    init = response.json()["result"]
    assert init["protocolVersion"] == agreed
    assert set(init["capabilities"]) == {"tools", "resources", "prompts"}
    assert init["serverInfo"] == {"name": "robyn-mcp-server", "version": "1.0.0"}
    session = response.headers.get("mcp-session-id")
    assert session and all(0x21 <= ord(c) <= 0x7E for c in session)


def test_initialize_needs_a_protocol_version_string(client):
    assert error(client, "initialize", {"protocolVersion": 2025})["code"] == -32602
    assert error(client, "initialize", {})["code"] == -32602


def test_notifications_and_client_responses_get_202_without_a_body(client):
    for message in ({"jsonrpc": "2.0", "method": "notifications/initialized"},
                    {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}},
                    {"jsonrpc": "2.0", "method": "notifications/unheard-of"},
                    {"jsonrpc": "2.0", "id": 5, "result": {}},
                    {"jsonrpc": "2.0", "id": 6, "error": {"code": -1, "message": "no"}}):
        response = post(client, message)
        assert (response.status_code, response.content) == (202, b""), message


def test_ping(client):
    assert result(client, "ping") == {}


def test_methods_work_without_initialize_or_session_as_robyns_curl_example(client):
    response = client.post("/mcp", body='{"jsonrpc": "2.0", "id": 1, "method": "resources/list", "params": {}}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and "resources" in response.json()["result"]


# ---- Tools -----------------------------------------------------------------------------------


def test_tools_list_has_schemas_from_signatures(client):
    tools = {t["name"]: t for t in result(client, "tools/list")["tools"]}
    assert set(tools) == {"add", "divide", "tag", "calculate"}
    assert tools["add"] == {"name": "add", "description": "Adds two integers.", "inputSchema": {
        "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "default": 0}},
        "required": ["a"]}}
    assert tools["divide"]["description"] == "Divides a by b."
    assert tools["divide"]["inputSchema"]["properties"] == {"a": {"type": "number"}, "b": {"type": "number"}}
    tag = tools["tag"]["inputSchema"]
    assert tag["required"] == ["text"]
    assert tag["properties"] == {
        "text": {"type": "string"},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
        "upper": {"type": "boolean", "default": False},
        "meta": {"type": ["object", "null"], "additionalProperties": {"type": "integer"}},
    }
    assert tools["calculate"]["inputSchema"]["required"] == ["numbers"]  # given, kept as is


def test_tools_call_returns_text_content(client):
    assert call(client, "add", {"a": 2, "b": 3}) == {"content": [{"type": "text", "text": "5"}]}
    assert call(client, "add", {"a": 2})["content"][0]["text"] == "2"  # the default
    assert call(client, "add", {"a": 2.0, "b": 1})["content"][0]["text"] == "3"  # 2.0 is an integer in JSON
    assert call(client, "divide", {"a": 5, "b": 2})["content"][0]["text"] == "2.5"
    assert call(client, "calculate", {"numbers": [1, 2, 3.5]})["content"][0]["text"] == "6.5"


def test_a_dict_result_is_json_text_and_structured_content(client):
    answer = call(client, "tag", {"text": "hi", "tags": ["a"], "upper": True, "meta": {"n": 1}})
    expected = {"text": "HI", "tags": ["a"], "meta": {"n": 1}}
    assert json.loads(answer["content"][0]["text"]) == expected
    assert answer["structuredContent"] == expected
    assert call(client, "tag", {"text": "x", "tags": None})["structuredContent"]["tags"] == []


def test_a_tool_that_raises_is_an_error_result_without_a_traceback(client):
    answer = call(client, "divide", {"a": 1, "b": 0})
    assert answer["isError"] is True
    assert answer["content"] == [{"type": "text", "text": "ValueError: Division by zero"}]
    still_serving(client)


@pytest.mark.parametrize("name, arguments, words", [
    ("add", {}, "missing required argument(s): a"),
    ("add", {"b": 1}, "missing required argument(s): a"),
    ("add", {"a": "1"}, "arguments.a: expected integer, got string"),
    ("add", {"a": True}, "arguments.a: expected integer, got boolean"),
    ("add", {"a": 1.5}, "arguments.a: expected integer, got number"),
    ("add", {"a": None}, "arguments.a: expected integer, got null"),
    ("add", {"a": 1, "c": 2}, "unexpected argument(s): c"),
    ("add", [1, 2], "arguments must be an object"),
    ("add", "a=1", "arguments must be an object"),
    ("divide", {"a": "x", "b": 1}, "arguments.a: expected number, got string"),
    ("tag", {"text": "x", "tags": [1]}, "arguments.tags[0]: expected string, got number"),
    ("tag", {"text": "x", "tags": "a"}, "arguments.tags: expected array or null, got string"),
    ("tag", {"text": "x", "meta": {"n": "1"}}, "arguments.meta.n: expected integer, got string"),
    ("tag", {"text": "x", "upper": "yes"}, "arguments.upper: expected boolean, got string"),
    ("calculate", {"numbers": ["1"]}, "arguments.numbers[0]: expected number, got string"),
    ("calculate", {}, "missing required argument(s): numbers"),
])
def test_missing_and_ill_typed_arguments_are_invalid_params(client, name, arguments, words):
    failure = error(client, "tools/call", {"name": name, "arguments": arguments})
    assert failure["code"] == -32602
    assert words in failure["message"]
    still_serving(client)


@pytest.mark.parametrize("params", [{"name": "nope", "arguments": {}}, {"arguments": {}}, {"name": 3}])
def test_an_unknown_tool_is_invalid_params(client, params):
    failure = error(client, "tools/call", params)
    assert failure["code"] == -32602 and failure["message"].startswith("Unknown tool")
    still_serving(client)


# ---- Resources -------------------------------------------------------------------------------


def test_resources_list_has_fixed_uris_and_templates_list_the_rest(client):
    assert result(client, "resources/list")["resources"] == [
        {"uri": "config://app", "name": "App config", "description": "Resource: App config",
         "mimeType": "application/json"}]
    templates = result(client, "resources/templates/list")["resourceTemplates"]
    assert [t["uriTemplate"] for t in templates] == ["notes://{note_id}", "user://{user_id}/posts/{post_id}",
                                                     "file://{+path}"]
    assert templates[0] == {"uriTemplate": "notes://{note_id}", "name": "Note", "description": "One note by its id.",
                            "mimeType": "text/plain"}


@pytest.mark.parametrize("uri, text", [
    ("config://app", '{"name": "notes", "version": 2}'),
    ("notes://2", "call ann"),
    ("user://7/posts/abc", "post abc of user 007"),
    ("file://docs/a/b.txt", "file at docs/a/b.txt"),
    ("file://with%20space", "file at with space"),
])
def test_resources_read_matches_uri_templates(client, uri, text):
    contents = result(client, "resources/read", {"uri": uri})["contents"]
    assert len(contents) == 1 and contents[0]["uri"] == uri and contents[0]["text"] == text
    assert contents[0]["mimeType"] == ("application/json" if uri == "config://app" else "text/plain")


def test_a_simple_template_part_does_not_span_slashes(client):
    failure = error(client, "resources/read", {"uri": "notes://1/2"})
    assert failure == {"code": -32002, "message": "Resource not found", "data": {"uri": "notes://1/2"}}


@pytest.mark.parametrize("params, code", [
    ({"uri": "nothing://here"}, -32002),
    ({}, -32602),
    ({"uri": ""}, -32602),
    ({"uri": 5}, -32602),
    ({"uri": "user://ann/posts/1"}, -32602),  # user_id: int
])
def test_bad_resource_reads(client, params, code):
    assert error(client, "resources/read", params)["code"] == code
    still_serving(client)


def test_a_resource_that_raises_is_an_internal_error_without_details(client):
    assert error(client, "resources/read", {"uri": "notes://404"}) == {"code": -32603, "message": "Internal error"}
    still_serving(client)


# ---- Prompts ---------------------------------------------------------------------------------


def test_prompts_list_has_arguments_from_signatures(client):
    prompts = {p["name"]: p for p in result(client, "prompts/list")["prompts"]}
    assert set(prompts) == {"code_review", "repeat", "broken_prompt"}
    assert prompts["code_review"] == {"name": "code_review", "description": "Asks for a review of some code.",
                                      "arguments": [
                                          {"name": "code", "description": "Parameter code", "required": True},
                                          {"name": "language", "description": "Parameter language", "required": False}]}


def test_prompts_get_renders_messages(client):
    answer = result(client, "prompts/get", {"name": "code_review", "arguments": {"code": "x = 1"}})
    assert answer == {"description": "Asks for a review of some code.", "messages": [
        {"role": "user", "content": {"type": "text", "text": "Please review this python code:\nx = 1"}}]}
    messages = result(client, "prompts/get", {"name": "repeat", "arguments": {"word": "hi", "times": "3"}})["messages"]
    assert [m["content"]["text"] for m in messages] == ["hi", "hi", "hi", "ok"]
    assert messages[-1]["role"] == "assistant"


@pytest.mark.parametrize("params, words", [
    ({"name": "nope"}, "Unknown prompt: nope"),
    ({}, "Unknown prompt"),
    ({"name": "code_review"}, "missing required argument(s): code"),
    ({"name": "code_review", "arguments": {"code": 1}}, "code: prompt arguments are strings, got number"),
    ({"name": "code_review", "arguments": {"code": "x", "tone": "kind"}}, "unexpected argument(s): tone"),
    ({"name": "code_review", "arguments": ["x"]}, "arguments must be an object"),
    ({"name": "repeat", "arguments": {"word": "a", "times": "many"}}, "times: expected int, got 'many'"),
])
def test_bad_prompt_gets_are_invalid_params(client, params, words):
    failure = error(client, "prompts/get", params)
    assert failure["code"] == -32602 and words in failure["message"]
    still_serving(client)


def test_a_result_json_cannot_carry_is_an_internal_error():
    app = Robyn(__file__)

    @app.mcp.prompt()
    def odd() -> list:
        return [{"role": "user", "content": {"type": "text", "text": object()}}]

    with TestClient(app) as client:
        assert error(client, "prompts/get", {"name": "odd"}) == {"code": -32603, "message": "Internal error"}
        assert rpc(client, "ping")["result"] == {}


def test_a_handler_raising_mcp_error_chooses_the_json_rpc_error():
    from robyn.mcp import MCPError
    app = Robyn(__file__)

    @app.mcp.tool()
    def strict(n: int) -> int:
        raise MCPError(-32602, "n must be even", {"n": n})

    @app.mcp.resource("odd://{n}")
    def odd(n: str) -> str:
        raise MCPError(-32002, "no such odd", object())  # data JSON cannot carry is left out

    with TestClient(app) as client:
        assert error(client, "tools/call", {"name": "strict", "arguments": {"n": 3}}) == {
            "code": -32602, "message": "n must be even", "data": {"n": 3}}
        assert error(client, "resources/read", {"uri": "odd://1"}) == {"code": -32002, "message": "no such odd"}


def test_a_prompt_that_raises_leaks_nothing(client):
    response = post(client, {"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "broken_prompt"}})
    assert response.json()["error"] == {"code": -32603, "message": "Internal error"}
    assert "passwd" not in response.text and "Traceback" not in response.text
    still_serving(client)


# ---- JSON-RPC errors -------------------------------------------------------------------------


def test_an_unknown_method_is_method_not_found(client):
    assert error(client, "tools/destroy") == {"code": -32601, "message": "Method not found: tools/destroy"}
    still_serving(client)


def test_params_that_are_not_an_object_are_invalid_params(client):
    assert error(client, "tools/list", [1, 2])["code"] == -32602


@pytest.mark.parametrize("body", ["{", "", "nul", '{"jsonrpc": "2.0", "id": 1, "method": "ping"', "NaN",
                                  '{"jsonrpc": "2.0", "id": NaN, "method": "ping"}', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_parse_error_with_400(client, body):
    response = client.post("/mcp", body=body, headers={"Content-Type": "application/json"})
    assert refused(response, 400, -32700).startswith("Parse error")
    still_serving(client)


@pytest.mark.parametrize("message, words", [
    ({"jsonrpc": "1.0", "id": 1, "method": "ping"}, 'jsonrpc must be "2.0"'),
    ({"id": 1, "method": "ping"}, 'jsonrpc must be "2.0"'),
    ({"jsonrpc": "2.0", "id": 1, "method": 7}, "method must be a string"),
    ({"jsonrpc": "2.0", "id": None, "method": "ping"}, "id must be a string or an integer"),
    ({"jsonrpc": "2.0", "id": True, "method": "ping"}, "id must be a string or an integer"),
    ({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}, "id must be a string or an integer"),
    ({"jsonrpc": "2.0", "id": 1}, "needs a method"),
    ("ping", "must be an object"),
    (42, "must be an object"),
])
def test_a_message_that_is_not_json_rpc_is_an_invalid_request_with_400(client, message, words):
    assert words in refused(post(client, message), 400, -32600)
    still_serving(client)


def test_string_ids_are_echoed(client):
    assert rpc(client, "ping", id="abc-1")["result"] == {}


# ---- Batches (2025-03-26 and older) ----------------------------------------------------------

OLD = {"MCP-Protocol-Version": "2025-03-26"}


def test_a_batch_answers_its_requests_in_order(client):
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 2}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": "two", "method": "nope"},
        {"jsonrpc": "1.0", "id": 3, "method": "ping"},
        {"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": {"protocolVersion": "2025-03-26"}},
        17,
    ]
    response = post(client, batch, OLD)
    assert response.status_code == 200
    answers = response.json()
    assert answers[0] == {"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": "3"}]}}
    assert answers[1]["id"] == "two" and answers[1]["error"]["code"] == -32601
    assert answers[2]["id"] == 3 and answers[2]["error"]["code"] == -32600
    assert answers[3]["id"] == 4 and "initialize must not be part of a batch" in answers[3]["error"]["message"]
    assert answers[4]["id"] is None and answers[4]["error"]["code"] == -32600
    assert len(answers) == 5


def test_a_batch_without_a_version_header_is_taken_as_2025_03_26(client):
    response = post(client, [{"jsonrpc": "2.0", "id": 1, "method": "ping"}])
    assert response.status_code == 200 and response.json() == [{"jsonrpc": "2.0", "id": 1, "result": {}}]


def test_a_batch_of_notifications_gets_202(client):
    response = post(client, [{"jsonrpc": "2.0", "method": "notifications/initialized"},
                             {"jsonrpc": "2.0", "id": 9, "result": {}}], OLD)
    assert (response.status_code, response.content) == (202, b"")


def test_an_empty_batch_is_an_invalid_request(client):
    assert "empty batch" in refused(post(client, [], OLD), 400, -32600)


def test_2025_06_18_has_no_batches(client):
    response = post(client, [{"jsonrpc": "2.0", "id": 1, "method": "ping"}], {"MCP-Protocol-Version": "2025-06-18"})
    assert "has no JSON-RPC batches" in refused(response, 400, -32600)


def test_a_session_remembers_its_version_for_batches(client):
    init = post(client, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}})
    session = {"Mcp-Session-Id": init.headers.get("mcp-session-id")}
    refused(post(client, [{"jsonrpc": "2.0", "id": 1, "method": "ping"}], session), 400, -32600)


# ---- Transport: headers, sessions, GET and DELETE --------------------------------------------


def test_an_unsupported_protocol_version_header_is_400(client):
    response = post(client, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"MCP-Protocol-Version": "1999-01-01"})
    assert "Unsupported MCP-Protocol-Version: 1999-01-01" in refused(response, 400, -32000)


def test_the_streamable_http_accept_header_is_served_json(client):
    response = post(client, {"jsonrpc": "2.0", "id": 1, "method": "ping"},
                    {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"})
    assert response.status_code == 200 and response.headers.get("content-type").startswith("application/json")


def test_an_accept_without_json_is_406(client):
    response = post(client, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"Accept": "text/event-stream"})
    refused(response, 406, -32000)


def test_a_body_that_is_not_json_by_content_type_is_415(client):
    response = client.post("/mcp", body='{"jsonrpc": "2.0", "id": 1, "method": "ping"}',
                           headers={"Content-Type": "text/plain"})
    refused(response, 415, -32000)


def test_get_is_405_as_no_server_stream_is_offered(client):
    response = client.get("/mcp", headers={"Accept": "text/event-stream"})
    refused(response, 405, -32000)
    assert response.headers.get("allow") == "POST, DELETE"


def test_a_session_ends_with_delete_and_is_then_404(client):
    init = post(client, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}})
    session = {"Mcp-Session-Id": init.headers.get("mcp-session-id"), "MCP-Protocol-Version": "2025-06-18"}
    assert post(client, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, session).status_code == 200
    response = client.delete("/mcp", headers=session)
    assert (response.status_code, response.content) == (204, b"")
    refused(post(client, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, session), 404, -32001)
    refused(client.delete("/mcp", headers=session), 404, -32001)
    still_serving(client)


def test_delete_without_a_session_is_400(client):
    assert "Mcp-Session-Id header is required" in refused(client.delete("/mcp"), 400, -32000)


def test_a_session_this_process_never_issued_is_served(client):
    # Another --processes worker may have issued it: the session carries nothing needed here.
    assert post(client, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"Mcp-Session-Id": "elsewhere"}).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "http://evil.example:8080", "null", "http://[::1"])
def test_a_web_page_elsewhere_than_localhost_is_403(client, origin):
    # The DNS-rebinding shape too: the page's own name, also in Host.
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    refused(post(client, ping, {"Origin": origin, "Host": "evil.example:8080"}), 403, -32000)
    refused(client.delete("/mcp", headers={"Origin": origin, "Mcp-Session-Id": "x"}), 403, -32000)
    still_serving(client)


@pytest.mark.parametrize("origin", ["http://localhost:8080", "http://127.0.0.1:3000", "https://[::1]"])
def test_a_page_on_localhost_is_served(client, origin):
    assert post(client, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"Origin": origin}).status_code == 200


def test_allowed_origins_let_a_foreign_origin_in():
    app = Robyn(__file__)
    app.mcp.allowed_origins.append("https://ide.example")

    @app.mcp.tool()
    def hello() -> str:
        return "hi"

    with TestClient(app) as client:
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        assert post(client, ping, {"Origin": "https://ide.example"}).status_code == 200
        assert post(client, ping, {"Origin": "https://other.example"}).status_code == 403
        assert call(client, "hello", {})["content"][0]["text"] == "hi"


def test_ordinary_routes_are_untouched(client):
    assert client.get("/").text == "an ordinary route beside MCP"


# ---- Registration ----------------------------------------------------------------------------


def test_an_app_without_mcp_has_no_mcp_routes():
    app = Robyn(__file__)

    @app.get("/")
    def index():
        return "x"

    assert [r.path for r in app.routes] == ["/"]
    with TestClient(app) as client:
        assert client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}).status_code == 404


def test_app_mcp_is_one_object_and_adds_its_routes_once():
    app = Robyn(__file__)
    assert isinstance(app.mcp, MCPApp) and app.mcp is app.mcp
    assert sorted((r.method, r.path) for r in app.routes) == [("DELETE", "/mcp"), ("GET", "/mcp"), ("POST", "/mcp")]


def test_a_hand_written_schema_must_be_an_object_schema():
    app = Robyn(__file__)
    with pytest.raises(ValueError, match='"type": "object"'):
        app.mcp.tool("t", "d", {"type": "string"})(lambda x: x)


def test_a_resource_template_the_handler_cannot_take_fails_at_registration():
    app = Robyn(__file__)
    with pytest.raises(ValueError, match="takes no parameter id"):
        app.mcp.resource("user://{id}")(lambda user_id: user_id)
    with pytest.raises(ValueError, match="names a part twice"):
        app.mcp.resource("pair://{a}/{a}")(lambda a: a)
    app.mcp.resource("any://{a}/{b}")(lambda **parts: parts)  # **kwargs takes every part


def test_a_hand_written_schema_that_misses_a_parameter_is_refused_before_the_call():
    app = Robyn(__file__)

    @app.mcp.tool("pair", "d", {"type": "object", "properties": {"a": {"type": "string"}}})
    def pair(a, b):
        return a + b

    with TestClient(app) as client:
        failure = error(client, "tools/call", {"name": "pair", "arguments": {"a": "x"}})
        assert failure["code"] == -32602 and "missing a required argument: 'b'" in failure["message"]
        assert call(client, "pair", {"a": "x", "b": "y"})["content"][0]["text"] == "xy"


def test_schema_for_annotations():
    from typing import Any as AnyType, Literal, Tuple, Union
    assert schema_for(int) == {"type": "integer"}
    assert schema_for(float) == {"type": "number"}
    assert schema_for(Optional[str]) == {"type": ["string", "null"]}
    assert schema_for(int | None) == {"type": ["integer", "null"]}
    assert schema_for(List[int]) == {"type": "array", "items": {"type": "integer"}}
    assert schema_for(list) == {"type": "array"}
    assert schema_for(Tuple[int, ...]) == {"type": "array", "items": {"type": "integer"}}
    assert schema_for(Tuple[int, str]) == {"type": "array"}
    assert schema_for(Dict[str, int]) == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert schema_for(dict) == {"type": "object"}
    assert schema_for(Literal["a", "b"]) == {"enum": ["a", "b"]}
    assert schema_for(Union[int, str]) == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert schema_for(Union[int, AnyType]) == {}
    assert schema_for(AnyType) == {}


def test_schema_from_function_skips_star_args_and_keeps_unannotated_as_string():
    def f(a, b: int = 3, *rest, c: Optional[float] = None, **more):
        pass

    assert schema_from_function(f) == {"type": "object", "properties": {
        "a": {"type": "string"}, "b": {"type": "integer", "default": 3}, "c": {"type": ["number", "null"]}},
        "required": ["a"]}


def test_robyns_docstring_shapes_work():
    # robyn/__init__.py's app.mcp docstring: a fixed resource whose handler takes the request's
    # params, and a tool with a hand-written schema whose function takes the arguments as one dict.
    app = Robyn(__file__)

    @app.mcp.resource("file://documents", "Documents", "Access to document files")
    def get_documents(params):
        return f"documents for {params['uri']}"

    @app.mcp.tool("calculate", "Perform calculations", {
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "Math expression to evaluate"}},
        "required": ["expression"],
    })
    def calculate_tool(args):
        return len(args["expression"])

    with TestClient(app) as client:
        resources = result(client, "resources/list")["resources"]
        assert resources == [{"uri": "file://documents", "name": "Documents",
                              "description": "Access to document files", "mimeType": "text/plain"}]
        read = result(client, "resources/read", {"uri": "file://documents"})
        assert read["contents"][0]["text"] == "documents for file://documents"
        assert call(client, "calculate", {"expression": "1+2"})["content"][0]["text"] == "3"
        assert error(client, "tools/call", {"name": "calculate", "arguments": {"expression": 3}})["code"] == -32602


def test_a_before_hook_guards_mcp_like_any_route():
    from robyn import Request, Response
    app = Robyn(__file__)

    @app.before_request("/mcp")
    def require_token(request: Request):
        if request.headers.get("authorization") != "Bearer s3cret":
            return Response(401, {"WWW-Authenticate": "Bearer"}, "Unauthorized")
        return request

    @app.mcp.tool()
    def secret() -> str:
        return "42"

    with TestClient(app) as client:
        message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "secret", "arguments": {}}}
        assert post(client, message).status_code == 401
        answer = post(client, message, {"Authorization": "Bearer s3cret"}).json()
        assert answer["result"]["content"] == [{"type": "text", "text": "42"}]


def test_sync_tools_run_off_the_event_loop():
    import asyncio
    import threading
    app = Robyn(__file__)
    seen = {}

    @app.mcp.tool()
    def where() -> str:
        seen["sync"] = threading.get_ident()
        return "ok"

    @app.mcp.tool()
    async def where_async() -> str:
        asyncio.get_running_loop()
        seen["async"] = threading.get_ident()
        return "ok"

    with TestClient(app) as client:
        call(client, "where", {})
        call(client, "where_async", {})
    assert seen["sync"] != seen["async"]
