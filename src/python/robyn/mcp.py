"""MCP (Model Context Protocol) servers as in Robyn 0.88, on MCP's Streamable HTTP transport.

    @app.mcp.resource("user://{user_id}/profile")   # a URI template; `{+path}` may hold "/"
    def profile(user_id: str) -> str: ...

    @app.mcp.tool()                                 # input schema from the signature
    def add(a: int, b: int = 0) -> int: ...

    @app.mcp.prompt()                               # arguments from the signature
    def review(code: str) -> str: ...

The first use of `app.mcp` adds three ordinary routes, so the gateway serves MCP like any
handler (hooks, CORS, --processes) and an app without MCP has no extra route:

* POST /mcp: one JSON-RPC 2.0 message (or a batch, for protocol versions before 2025-06-18).
  A request gets its response as application/json (the transport lets a server answer a
  request with JSON instead of an event stream); notifications and responses get 202.
* GET /mcp: 405, as the transport allows a server without server-initiated messages.
* DELETE /mcp: ends the session named by Mcp-Session-Id.

Errors are answered as the transport and JSON-RPC say: a body that is not JSON is -32700 and a
message that is not JSON-RPC is -32600, both with HTTP 400; a well-formed request that fails
(-32601 unknown method, -32602 bad params, -32002 unknown resource, -32603 a handler that
raised) is a JSON-RPC error response with HTTP 200. A tool that raises is a result with
`isError: true` and the exception's type and message, never its traceback (that goes to the log).

Sessions live in each process: `initialize` issues an Mcp-Session-Id, DELETE ends it, and a
request naming an ended session gets 404. A session this process never issued (made by another
--processes worker, or before a restart) is served, since a session carries nothing but the
negotiated protocol version, which MCP-Protocol-Version also tells.

Everything about a handler (schema, how to call it, its URI pattern) is worked out once, when
it is registered; a request only looks things up and calls.
"""

import asyncio
import base64
import collections
import inspect
import json
import logging
import re
import secrets
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

from robyn.request import Request
from robyn.response import Response

__all__ = ["MCPApp", "MCPError", "MCPHandler"]

_logger = logging.getLogger(__name__)

ENDPOINT = "/mcp"
# Newest first. A client asking for one of these gets it back; any other gets the newest.
SUPPORTED_VERSIONS = ("2025-06-18", "2025-03-26", "2024-11-05")
# Without MCP-Protocol-Version or a known session, the transport says to assume 2025-03-26.
DEFAULT_VERSION = "2025-03-26"
# JSON-RPC batches were allowed until 2025-06-18 removed them.
_BATCH_VERSIONS = frozenset({"2025-03-26", "2024-11-05"})

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002  # MCP's own code for resources/read
_SESSION_NOT_FOUND = -32001  # the code the official SDKs use beside HTTP 404
_SERVER_ERROR = -32000  # JSON-RPC's range for transport-level refusals

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_MAX_SESSIONS = 10_000  # per process; the oldest is forgotten first


# Robyn 0.88's descriptions of what is registered, as `MCPHandler.*_metadata` hands them out.


@dataclass
class MCPResource:
    uri: str
    name: str
    description: Optional[str] = None
    mimeType: Optional[str] = None


@dataclass
class MCPTool:
    name: str
    description: str
    inputSchema: Dict[str, Any]


@dataclass
class MCPPrompt:
    name: str
    description: str
    arguments: Optional[List[Dict[str, Any]]] = None


@dataclass
class MCPMessage:
    """A JSON-RPC 2.0 message."""

    jsonrpc: str = "2.0"
    id: Optional[Union[str, int]] = None
    method: Optional[str] = None
    params: Optional[Dict[str, Any]] = None
    result: Any = None
    error: Optional[Dict[str, Any]] = None


class MCPError(Exception):
    """A JSON-RPC error answer: raise it from a handler to choose the code and message."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> Dict[str, Any]:
        error: Dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.data is not None and _jsonable(self.data):
            error["data"] = self.data
        return error


# ---- Schemas from signatures ------------------------------------------------------------------

_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
_ARRAYS = (list, tuple, set, frozenset)
_UnionType = getattr(types, "UnionType", Union)  # `int | None` (3.10+) is its own origin


def _parameters(func: Callable) -> List[inspect.Parameter]:
    """The parameters a caller names: not *args or **kwargs, not a bound method's self."""
    return [p for p in inspect.signature(func).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"]


def _hints(func: Callable) -> Dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception:  # a forward reference that does not resolve: take the raw annotations
        return {name: p.annotation for name, p in inspect.signature(func).parameters.items()}


def schema_for(annotation: Any) -> Dict[str, Any]:
    """The JSON schema of one parameter's annotation. Unannotated is a string, as in Robyn;
    Optional[X] also takes null; Any and unknown classes take anything."""
    if annotation is inspect.Parameter.empty:
        return {"type": "string"}
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if annotation in _ARRAYS:
        return {"type": "array"}
    if annotation is dict:
        return {"type": "object"}
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Union or origin is _UnionType:
        choices = [arg for arg in args if arg is not type(None)]
        nullable = len(choices) < len(args)
        options = [schema_for(arg) for arg in choices]
        if any(not option for option in options):
            return {}  # one choice takes anything, so the union does
        if len(options) == 1:
            base = options[0]
            if not nullable:
                return base
            if isinstance(base.get("type"), str):
                return {**base, "type": [base["type"], "null"]}
            return {"anyOf": [base, {"type": "null"}]}
        return {"anyOf": options + ([{"type": "null"}] if nullable else [])}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in _ARRAYS:
        homogeneous = origin is not tuple or (len(args) == 2 and args[1] is Ellipsis)
        return {"type": "array", "items": schema_for(args[0])} if args and homogeneous else {"type": "array"}
    if origin is dict:
        values = schema_for(args[1]) if len(args) == 2 else {}
        return {"type": "object", "additionalProperties": values} if values else {"type": "object"}
    return {}


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def schema_from_function(func: Callable) -> Dict[str, Any]:
    """A tool's input schema: one property per parameter, required unless it has a default."""
    hints = _hints(func)
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for param in _parameters(func):
        schema = schema_for(hints.get(param.name, param.annotation))
        if param.default is param.empty:
            required.append(param.name)
        elif param.default is not None and _jsonable(param.default):
            schema = {**schema, "default": param.default}
        properties[param.name] = schema
    return {"type": "object", "properties": properties, "required": required}


def prompt_arguments_from_function(func: Callable) -> List[Dict[str, Any]]:
    return [{"name": p.name, "description": f"Parameter {p.name}", "required": p.default is p.empty}
            for p in _parameters(func)]


# ---- Checking arguments against a schema ------------------------------------------------------


class _Invalid(Exception):
    pass


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "null":
        return value is None
    return True  # a type this checker does not know is the handler's business


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def check(value: Any, schema: Dict[str, Any], where: str) -> Any:
    """`value` if it fits `schema` (type, enum, anyOf, array items, object properties), with a
    JSON integer written as 3.0 made an int; else _Invalid saying what is wrong where."""
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            try:
                return check(value, option, where)
            except _Invalid:
                pass
        raise _Invalid(f"{where}: {_json_type(value)} does not match any allowed schema")
    if "enum" in schema and value not in schema["enum"]:
        raise _Invalid(f"{where}: must be one of {json.dumps(schema['enum'])}")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        kind = next((k for k in kinds if _type_ok(value, k)), None)
        if kind is None:
            raise _Invalid(f"{where}: expected {' or '.join(kinds)}, got {_json_type(value)}")
        if kind == "integer":
            value = int(value)
        if kind == "array" and isinstance(schema.get("items"), dict):
            value = [check(item, schema["items"], f"{where}[{i}]") for i, item in enumerate(value)]
        if kind == "object" and isinstance(value, dict):
            value = _check_object(value, schema, where)
    return value


def _check_object(value: Dict[str, Any], schema: Dict[str, Any], where: str) -> Dict[str, Any]:
    properties = schema.get("properties") or {}
    missing = [name for name in schema.get("required") or () if name not in value]
    if missing:
        raise _Invalid(f"{where}: missing required argument(s): {', '.join(missing)}")
    others = schema.get("additionalProperties")
    if others is False:
        extra = [name for name in value if name not in properties]
        if extra:
            raise _Invalid(f"{where}: unexpected argument(s): {', '.join(extra)}")
    checked = {}
    for name, item in value.items():
        rule = properties.get(name, others)
        checked[name] = check(item, rule, f"{where}.{name}") if isinstance(rule, dict) else item
    return checked


# ---- Registered handlers ----------------------------------------------------------------------


class _Callable:
    """A user function and how to call it: async ones are awaited, sync ones run on a thread
    so they do not hold up the event loop other requests share."""

    def __init__(self, func: Callable) -> None:
        self.func = func
        self.is_async = inspect.iscoroutinefunction(func)
        params = _parameters(func)
        self.names = frozenset(p.name for p in params)
        self.takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(func).parameters.values())

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_async:
            return await self.func(*args, **kwargs)
        result = await asyncio.to_thread(self.func, *args, **kwargs)
        return await result if inspect.isawaitable(result) else result


class _Tool:
    def __init__(self, name: str, func: Callable, description: str, schema: Dict[str, Any],
                 from_signature: bool) -> None:
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise ValueError(f"MCP tool {name!r}: input_schema must be a JSON schema with \"type\": \"object\"")
        self.name = name
        self.call = _Callable(func)
        self.description = description
        self.schema = schema
        # A signature-made schema names every parameter, so nothing else may come in. Robyn's
        # docstring also shows a hand-written schema with a function taking one dict
        # (`def calc(args)`): when that one parameter is no property, it gets the whole dict.
        props = schema.get("properties") or {}
        params = _parameters(func)
        self.whole_dict = not from_signature and len(params) == 1 and params[0].name not in props
        self.closed = from_signature and not self.call.takes_kwargs
        self.signature = inspect.signature(func)
        # A float parameter given 2 gets 2.0, as Python's own float() would make it.
        self.floats = frozenset(n for n, p in props.items()
                                if from_signature and p.get("type") in ("number", ["number", "null"]))

    def listing(self) -> Dict[str, Any]:
        return {"name": self.name, "description": self.description, "inputSchema": self.schema}

    def arguments(self, given: Any) -> Dict[str, Any]:
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise _Invalid("arguments must be an object")
        if self.closed:
            extra = sorted(set(given) - self.call.names)
            if extra:
                raise _Invalid(f"unexpected argument(s): {', '.join(extra)}")
        checked = _check_object(given, self.schema, "arguments")
        for name in self.floats & checked.keys():
            if isinstance(checked[name], int):
                checked[name] = float(checked[name])
        if not self.whole_dict:
            try:  # a hand-written schema may not match the function: refuse before calling it
                self.signature.bind(**checked)
            except TypeError as problem:
                raise _Invalid(f"arguments: {problem}") from None
        return checked


class _Resource:
    _PARAM = re.compile(r"\{(\+?)(\w+)\}")
    # Robyn 0.88 lets these names match across "/" without RFC 6570's `{+name}`.
    _PATH_NAMES = frozenset({"path", "file_path", "directory"})

    def __init__(self, uri: str, name: str, func: Callable, description: Optional[str],
                 mime_type: Optional[str]) -> None:
        self.uri = uri
        self.name = name
        self.call = _Callable(func)
        self.description = description
        self.mime_type = mime_type
        self.params = [m.group(2) for m in self._PARAM.finditer(uri)]
        if len(set(self.params)) < len(self.params):
            raise ValueError(f"MCP resource {uri!r}: the template names a part twice")
        unserved = set(self.params) - self.call.names
        if unserved and not self.call.takes_kwargs:
            raise ValueError(f"MCP resource {uri!r}: {func.__name__}() takes no parameter "
                             f"{', '.join(sorted(unserved))} for its template")
        self.pattern: Optional[re.Pattern] = None
        if self.params:
            parts, last = [], 0
            for m in self._PARAM.finditer(uri):
                parts.append(re.escape(uri[last:m.start()]))
                wide = m.group(1) == "+" or m.group(2) in self._PATH_NAMES
                parts.append(f"(?P<{m.group(2)}>{'.+' if wide else '[^/]+'})")
                last = m.end()
            parts.append(re.escape(uri[last:]))
            self.pattern = re.compile("".join(parts) + r"\Z", re.DOTALL)
        hints = _hints(func)
        self.types = {p.name: hints.get(p.name) for p in _parameters(func)}
        # Robyn passes a fixed resource's handler the request's params when it takes any.
        self.takes_params = not self.params and bool(self.types)

    def listing(self) -> Dict[str, Any]:
        key = "uriTemplate" if self.params else "uri"
        entry = {key: self.uri, "name": self.name, "description": self.description, "mimeType": self.mime_type}
        return {k: v for k, v in entry.items() if v is not None}

    def match(self, uri: str) -> Optional[Dict[str, Any]]:
        if self.pattern is None:
            return {} if uri == self.uri else None
        found = self.pattern.match(uri)
        if found is None:
            return None
        return {name: _coerce_text(unquote(value), self.types.get(name), name)
                for name, value in found.groupdict().items()}


class _Prompt:
    def __init__(self, name: str, func: Callable, description: str, arguments: List[Dict[str, Any]]) -> None:
        self.name = name
        self.call = _Callable(func)
        self.description = description
        self.arguments = arguments
        hints = _hints(func)
        self.types = {p.name: hints.get(p.name) for p in _parameters(func)}
        self.required = [a["name"] for a in arguments if a.get("required")]

    def listing(self) -> Dict[str, Any]:
        return {"name": self.name, "description": self.description, "arguments": self.arguments}


def _coerce_text(text: str, annotation: Any, name: str) -> Any:
    """A prompt argument or URI part (always text in MCP) as the handler's annotation asks."""
    try:
        if annotation is int:
            return int(text)
        if annotation is float:
            return float(text)
    except ValueError:
        raise _Invalid(f"{name}: expected {annotation.__name__}, got {text!r}") from None
    if annotation is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise _Invalid(f"{name}: expected bool, got {text!r}")
    return text


def _description(given: Optional[str], func: Callable, fallback: str) -> str:
    return given or (inspect.cleandoc(func.__doc__) if func.__doc__ else fallback)


# ---- The protocol: one JSON-RPC message in, its response (or None) out -------------------------


def _result_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


class MCPHandler:
    """The registered resources, tools and prompts, and the MCP methods over them."""

    def __init__(self) -> None:
        self.resources: Dict[str, _Resource] = {}
        self.tools: Dict[str, _Tool] = {}
        self.prompts: Dict[str, _Prompt] = {}
        self.server_info = {"name": "robyn-mcp-server", "version": "1.0.0"}
        self.instructions: Optional[str] = None
        self._methods = {
            "initialize": self._initialize,
            "ping": self._ping,
            "tools/list": self._list_tools,
            "tools/call": self._call_tool,
            "resources/list": self._list_resources,
            "resources/templates/list": self._list_templates,
            "resources/read": self._read_resource,
            "prompts/list": self._list_prompts,
            "prompts/get": self._get_prompt,
        }

    # Registration (Robyn 0.88's names and arguments)

    def register_resource(self, uri: str, name: str, handler: Callable, description: Optional[str] = None,
                          mime_type: Optional[str] = None) -> None:
        self.resources[uri] = _Resource(uri, name, handler, description, mime_type)

    def register_tool(self, name: str, handler: Callable, description: str,
                      input_schema: Optional[Dict[str, Any]] = None) -> None:
        schema = input_schema if input_schema is not None else schema_from_function(handler)
        self.tools[name] = _Tool(name, handler, description, schema, from_signature=input_schema is None)

    def register_prompt(self, name: str, handler: Callable, description: str,
                        arguments: Optional[List[Dict[str, Any]]] = None) -> None:
        self.prompts[name] = _Prompt(name, handler, description,
                                     arguments if arguments is not None else prompt_arguments_from_function(handler))

    # Robyn 0.88's views of what is registered

    @property
    def resource_metadata(self) -> Dict[str, MCPResource]:
        return {uri: MCPResource(uri, r.name, r.description, r.mime_type) for uri, r in self.resources.items()}

    @property
    def tool_metadata(self) -> Dict[str, MCPTool]:
        return {name: MCPTool(name, t.description, t.schema) for name, t in self.tools.items()}

    @property
    def prompt_metadata(self) -> Dict[str, MCPPrompt]:
        return {name: MCPPrompt(name, p.description, p.arguments) for name, p in self.prompts.items()}

    # Dispatch

    async def handle_request(self, message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The response to one JSON-RPC request object (None for a notification). The message
        must already be a valid JSON-RPC request; the transport checks that."""
        request_id = message.get("id")
        method = message.get("method")
        params = message.get("params")
        if "id" not in message:  # a notification: nothing to answer; none needs acting on
            return None
        try:
            if params is None:
                params = {}
            elif not isinstance(params, dict):
                raise MCPError(INVALID_PARAMS, "params must be an object")
            handler = self._methods.get(method)
            if handler is None:
                raise MCPError(METHOD_NOT_FOUND, f"Method not found: {method}")
            result = await handler(params)
            if not _jsonable(result):  # e.g. a prompt message holding an object JSON cannot carry
                raise TypeError(f"the result of {method} is not JSON-serialisable")
            return {"jsonrpc": "2.0", "id": request_id, "result": result}
        except MCPError as error:
            return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}
        except _Invalid as problem:
            return {"jsonrpc": "2.0", "id": request_id, "error": {"code": INVALID_PARAMS, "message": str(problem)}}
        except Exception:
            _logger.exception("MCP %s failed", method)
            return {"jsonrpc": "2.0", "id": request_id, "error": {"code": INTERNAL_ERROR, "message": "Internal error"}}

    @staticmethod
    def negotiate(params: Dict[str, Any]) -> str:
        asked = params.get("protocolVersion")
        if not isinstance(asked, str):
            raise MCPError(INVALID_PARAMS, "initialize: protocolVersion must be a string")
        return asked if asked in SUPPORTED_VERSIONS else SUPPORTED_VERSIONS[0]

    async def _initialize(self, params: Dict[str, Any]) -> Dict[str, Any]:
        result = {
            "protocolVersion": self.negotiate(params),
            "capabilities": {
                "resources": {"subscribe": False, "listChanged": False},
                "tools": {"listChanged": False},
                "prompts": {"listChanged": False},
            },
            "serverInfo": dict(self.server_info),
        }
        if self.instructions:
            result["instructions"] = self.instructions
        return result

    async def _ping(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return {}

    async def _list_tools(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return {"tools": [tool.listing() for tool in self.tools.values()]}

    async def _call_tool(self, params: Dict[str, Any]) -> Dict[str, Any]:
        name = params.get("name")
        tool = self.tools.get(name) if isinstance(name, str) else None
        if tool is None:
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {name}")
        arguments = tool.arguments(params.get("arguments"))
        try:
            value = await (tool.call(arguments) if tool.whole_dict else tool.call(**arguments))
        except MCPError:
            raise  # the tool chose a JSON-RPC error itself
        except Exception as exc:
            # The model sees what went wrong and may try again; the traceback is for the log only.
            _logger.exception("MCP tool %r raised", name)
            return {"content": [{"type": "text", "text": f"{type(exc).__name__}: {exc}"}], "isError": True}
        result: Dict[str, Any] = {"content": [{"type": "text", "text": _result_text(value)}]}
        if isinstance(value, dict) and _jsonable(value):
            result["structuredContent"] = value
        return result

    async def _list_resources(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return {"resources": [r.listing() for r in self.resources.values() if not r.params]}

    async def _list_templates(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return {"resourceTemplates": [r.listing() for r in self.resources.values() if r.params]}

    async def _read_resource(self, params: Dict[str, Any]) -> Dict[str, Any]:
        uri = params.get("uri")
        if not isinstance(uri, str) or not uri:
            raise MCPError(INVALID_PARAMS, "uri must be a non-empty string")
        found = self._find_resource(uri)
        if found is None:
            raise MCPError(RESOURCE_NOT_FOUND, "Resource not found", {"uri": uri})
        resource, values = found
        if values:
            content = await resource.call(**values)
        elif resource.takes_params:
            content = await resource.call(params)
        else:
            content = await resource.call()
        entry: Dict[str, Any] = {"uri": uri, "mimeType": resource.mime_type or "text/plain"}
        if isinstance(content, (bytes, bytearray)):
            entry["blob"] = base64.b64encode(bytes(content)).decode("ascii")
        else:
            entry["text"] = _result_text(content)
        return {"contents": [entry]}

    def _find_resource(self, uri: str) -> Optional[Tuple[_Resource, Dict[str, Any]]]:
        exact = self.resources.get(uri)
        if exact is not None and not exact.params:
            return exact, {}
        for resource in self.resources.values():
            if resource.params:
                values = resource.match(uri)
                if values is not None:
                    return resource, values
        return None

    async def _list_prompts(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return {"prompts": [p.listing() for p in self.prompts.values()]}

    async def _get_prompt(self, params: Dict[str, Any]) -> Dict[str, Any]:
        name = params.get("name")
        prompt = self.prompts.get(name) if isinstance(name, str) else None
        if prompt is None:
            raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name}")
        given = params.get("arguments") or {}
        if not isinstance(given, dict):
            raise _Invalid("arguments must be an object")
        missing = [n for n in prompt.required if n not in given]
        if missing:
            raise _Invalid(f"missing required argument(s): {', '.join(missing)}")
        unknown = sorted(set(given) - set(prompt.types)) if not prompt.call.takes_kwargs else []
        if unknown:
            raise _Invalid(f"unexpected argument(s): {', '.join(unknown)}")
        arguments = {}
        for key, value in given.items():
            if not isinstance(value, str):
                raise _Invalid(f"{key}: prompt arguments are strings, got {_json_type(value)}")
            arguments[key] = _coerce_text(value, prompt.types.get(key), key)
        result = await prompt.call(**arguments)
        return {"description": prompt.description, "messages": _messages(result)}


def _messages(result: Any) -> List[Dict[str, Any]]:
    """A prompt's return as MCP messages: a str is one user message, a list may mix str and
    ready-made messages, as in Robyn."""
    items = result if isinstance(result, list) else [result]
    return [item if isinstance(item, dict) else
            {"role": "user", "content": {"type": "text", "text": _result_text(item)}} for item in items]


# ---- The transport: Streamable HTTP on /mcp ---------------------------------------------------


def _json_answer(status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> Response:
    head = {"Content-Type": "application/json"}
    head.update(headers or {})
    return Response(status, head, json.dumps(body, ensure_ascii=False))


def _refusal(status: int, code: int, message: str, headers: Optional[Dict[str, str]] = None) -> Response:
    return _json_answer(status, {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}, headers)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _valid_id(value: Any) -> bool:
    # MCP: a request id is a string or an integer, never null.
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _invalid_message(message: Any) -> Optional[str]:
    """Why `message` is not a JSON-RPC 2.0 request, notification or response; None if it is one."""
    if not isinstance(message, dict):
        return "a JSON-RPC message must be an object"
    if message.get("jsonrpc") != "2.0":
        return 'jsonrpc must be "2.0"'
    if "method" in message:
        if not isinstance(message["method"], str):
            return "method must be a string"
        if "id" in message and not _valid_id(message["id"]):
            return "id must be a string or an integer"
        return None
    if "id" in message and ("result" in message or "error" in message):
        return None  # a response to a request of ours; we send none, so it is only acknowledged
    return "a JSON-RPC message needs a method (or, for a response, an id and a result or error)"


class _Sessions:
    """This process's sessions (id -> protocol version) and the ids ended here, both bounded."""

    def __init__(self) -> None:
        self.live: "collections.OrderedDict[str, str]" = collections.OrderedDict()
        self.ended: "collections.OrderedDict[str, None]" = collections.OrderedDict()

    def start(self, version: str) -> str:
        session = secrets.token_urlsafe(24)  # URL-safe base64: visible ASCII, as the transport asks
        self.live[session] = version
        if len(self.live) > _MAX_SESSIONS:
            self.live.popitem(last=False)
        return session

    def end(self, session: str) -> None:
        self.live.pop(session, None)
        self.ended[session] = None
        if len(self.ended) > _MAX_SESSIONS:
            self.ended.popitem(last=False)


class MCPApp:
    """`app.mcp`: the decorators, and the /mcp routes (added on first use)."""

    def __init__(self, robyn_app: Any, endpoint: str = ENDPOINT) -> None:
        self.app = robyn_app
        self.endpoint = endpoint
        self.handler = MCPHandler()
        # Web pages that may call /mcp besides those on localhost ("*": any). Browsers send
        # Origin; a DNS-rebinding page's is its own site, so it is refused (the transport asks
        # servers to check Origin for this). With ALLOW_CORS on the app, its list decides.
        self.allowed_origins: List[str] = []
        self._sessions = _Sessions()
        self._setup_routes()

    # ---- Decorators (Robyn 0.88) ----

    def resource(self, uri: Optional[str] = None, name: Optional[str] = None, description: Optional[str] = None,
                 mime_type: Optional[str] = None) -> Callable[[Callable], Callable]:
        """Registers a resource: a fixed URI (`config://app`) or a template (`user://{id}/posts`,
        `file://{+path}` for values with "/"), whose parts become the handler's arguments."""

        def decorator(func: Callable) -> Callable:
            actual_name = name or func.__name__.replace("_", " ").title()
            self.handler.register_resource(uri or f"function://{func.__name__}", actual_name, func,
                                           _description(description, func, f"Resource: {actual_name}"),
                                           mime_type or "text/plain")
            return func

        return decorator

    def tool(self, name: Optional[str] = None, description: Optional[str] = None,
             input_schema: Optional[Dict[str, Any]] = None) -> Callable[[Callable], Callable]:
        """Registers a tool; its input schema comes from the signature unless given."""

        def decorator(func: Callable) -> Callable:
            self.handler.register_tool(name or func.__name__, func,
                                       _description(description, func, f"Tool: {func.__name__}"), input_schema)
            return func

        return decorator

    def prompt(self, name: Optional[str] = None, description: Optional[str] = None,
               arguments: Optional[List[Dict[str, Any]]] = None) -> Callable[[Callable], Callable]:
        """Registers a prompt; its arguments come from the signature unless given."""

        def decorator(func: Callable) -> Callable:
            self.handler.register_prompt(name or func.__name__, func,
                                         _description(description, func, f"Prompt: {func.__name__}"), arguments)
            return func

        return decorator

    # ---- Routes ----

    def _setup_routes(self) -> None:
        app, path = self.app, self.endpoint

        async def mcp_post(request: Request) -> Response:
            return await self._post(request)

        # All three are async so the session table is only touched on the event loop's thread.
        async def mcp_get(request: Request) -> Response:
            # No server-initiated stream: the transport's answer for that is 405.
            return _refusal(405, _SERVER_ERROR, "Method not allowed: this server sends no server-initiated messages",
                            {"Allow": "POST, DELETE"})

        async def mcp_delete(request: Request) -> Response:
            return self._delete(request)

        app.add_route("POST", path, mcp_post)
        app.add_route("GET", path, mcp_get, include_in_schema=False)
        app.add_route("DELETE", path, mcp_delete, include_in_schema=False)

    def _origin_refused(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None or getattr(self.app, "cors", None) is not None:
            return False  # not a browser; or ALLOW_CORS's middleware, which runs first, let it in
        if origin in self.allowed_origins or "*" in self.allowed_origins:
            return False
        try:
            return urlsplit(origin).hostname not in _LOOPBACK_NAMES
        except ValueError:
            return True

    def _version(self, request: Request) -> Tuple[Optional[str], Optional[Response]]:
        """The protocol version this request speaks and, if it must be refused, the answer."""
        session = request.headers.get("mcp-session-id")
        if session is not None and session in self._sessions.ended:
            return None, _refusal(404, _SESSION_NOT_FOUND, "Session not found")
        header = request.headers.get("mcp-protocol-version")
        if header is not None:
            if header not in SUPPORTED_VERSIONS:
                return None, _refusal(400, _SERVER_ERROR,
                                      f"Unsupported MCP-Protocol-Version: {header} "
                                      f"(supported: {', '.join(SUPPORTED_VERSIONS)})")
            return header, None
        return (self._sessions.live.get(session) if session else None) or DEFAULT_VERSION, None

    async def _post(self, request: Request) -> Response:
        if self._origin_refused(request):
            return _refusal(403, _SERVER_ERROR, "Forbidden: origin not allowed")
        content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _refusal(415, _SERVER_ERROR, "Unsupported Media Type: send application/json")
        accept = (request.headers.get("accept") or "*/*").lower()
        if not any(kind in accept for kind in ("application/json", "application/*", "*/*")):
            return _refusal(406, _SERVER_ERROR, "Not Acceptable: this server answers with application/json")
        version, refused = self._version(request)
        if refused is not None:
            return refused
        body = request.body
        try:
            message = json.loads(body, parse_constant=_no_constants)
        except (ValueError, TypeError, RecursionError):
            return _refusal(400, PARSE_ERROR, "Parse error: the body is not valid JSON")

        if isinstance(message, list):
            if version not in _BATCH_VERSIONS:
                return _refusal(400, INVALID_REQUEST,
                                f"Invalid Request: protocol version {version} has no JSON-RPC batches")
            if not message:
                return _refusal(400, INVALID_REQUEST, "Invalid Request: empty batch")
            answers = [answer for answer in [await self._one(m, in_batch=True) for m in message] if answer is not None]
            return _json_answer(200, answers) if answers else Response(202, {}, "")

        problem = _invalid_message(message)
        if problem is not None:
            return _refusal(400, INVALID_REQUEST, f"Invalid Request: {problem}")
        answer = await self._one(message, in_batch=False)
        if answer is None:
            return Response(202, {}, "")
        headers = {}
        if message.get("method") == "initialize" and "result" in answer:
            version = answer["result"]["protocolVersion"]
            headers["Mcp-Session-Id"] = self._sessions.start(version)
        return _json_answer(200, answer, headers)

    async def _one(self, message: Any, in_batch: bool) -> Optional[Dict[str, Any]]:
        problem = _invalid_message(message)
        if problem is not None:
            request_id = message.get("id") if isinstance(message, dict) and _valid_id(message.get("id")) else None
            return {"jsonrpc": "2.0", "id": request_id,
                    "error": {"code": INVALID_REQUEST, "message": f"Invalid Request: {problem}"}}
        if "method" not in message:
            return None  # a client's response: acknowledged
        if in_batch and message["method"] == "initialize" and "id" in message:
            return {"jsonrpc": "2.0", "id": message["id"],
                    "error": {"code": INVALID_REQUEST,
                              "message": "Invalid Request: initialize must not be part of a batch"}}
        return await self.handler.handle_request(message)

    def _delete(self, request: Request) -> Response:
        if self._origin_refused(request):
            return _refusal(403, _SERVER_ERROR, "Forbidden: origin not allowed")
        session = request.headers.get("mcp-session-id")
        if not session:
            return _refusal(400, _SERVER_ERROR, "Bad Request: Mcp-Session-Id header is required")
        if session in self._sessions.ended:
            return _refusal(404, _SESSION_NOT_FOUND, "Session not found")
        self._sessions.end(session)
        return Response(204, {}, "")
