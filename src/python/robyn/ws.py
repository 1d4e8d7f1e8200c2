"""WebSockets: Robyn's two APIs (docs/bridge-protocol.md, "WebSockets"), served by the gateway.

- `@app.websocket("/path")` (Robyn 0.88): one `async def handler(websocket, ...)` runs per
  connection and pulls messages with `await websocket.receive_text()`; the decorated function
  gains `.on_connect` and `.on_close` decorators.
- `ws = WebSocket(app, "/path")` with `@ws.on("connect" | "message" | "close")` (Robyn <= 0.79,
  the seed's): one handler per event; a returned str (or bytes) is sent to that client.

Both register a `SocketEndpoint` on the router. Connections, frames, ping/pong and size limits
live in C#; robyn._sockets runs the handlers when the gateway reports an event. Sends never
block: they queue the frame in C# and return an already-finished awaitable, so `ws.send_to(...)`
and `await ws.send_to(...)` both work."""

import json
from typing import Any, Callable, Dict, List, Optional, Union

from robyn.coercion import QueryParamValidationError  # noqa: F401 - Robyn's module exposes it
from robyn.function_info import FunctionInfo  # noqa: F401 - likewise
from robyn.query_params import QueryParams

Payload = Union[str, bytes]

EVENTS = ("connect", "message", "close")
LEGACY = "legacy"  # WebSocket(app, path) + on(event)
DECORATOR = "decorator"  # @app.websocket(path)


class WebSocketDisconnect(Exception):
    """Raised by `receive_*` once the client has gone (Robyn 0.88)."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(f"websocket disconnected (code {code})")
        self.code = code
        self.reason = reason


class Done:
    """The result of a send: usable as a value, or awaited (it is already finished)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self):
        return self.value
        yield  # makes this a generator: awaiting it finishes at once

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"Done({self.value!r})"


class SocketLink:
    """The gateway's functions for one app's connections, by connection id (str)."""

    def __init__(self, send: Callable, close: Callable, broadcast: Callable, ids: Callable) -> None:
        self.send = send  # (id, str | bytes) -> bool
        self.close = close  # (id, code, reason) -> bool
        self.broadcast = broadcast  # (endpoint index, str | bytes) -> number of connections
        self.ids = ids  # (endpoint index) -> tuple of ids


class _Unattached:
    """Before the gateway serves the app (e.g. a unit test): nobody is connected."""

    @staticmethod
    def send(conn_id: str, payload: Payload) -> bool:
        return False

    @staticmethod
    def close(conn_id: str, code: int, reason: str) -> bool:
        return False

    @staticmethod
    def broadcast(index: int, payload: Payload) -> int:
        return 0

    @staticmethod
    def ids(index: int) -> tuple:
        return ()


def _checked(payload: Any) -> Payload:
    if not isinstance(payload, (str, bytes)):
        raise TypeError(f"a websocket message must be str or bytes, not {type(payload).__name__}")
    return payload


class SocketEndpoint:
    """One websocket path of an app: its handlers, and where the gateway numbered it."""

    def __init__(self, path: str, kind: str, router: Any) -> None:
        self.path = path
        self.kind = kind
        self.router = router
        self.handlers: Dict[str, Callable[..., Any]] = {}
        self.index = -1  # set when the app is loaded
        self.link: Any = _Unattached

    def dependencies(self) -> Dict[str, Dict[str, Any]]:
        return self.router.dependencies.get_dependency_map(self.router)


class WebSocketConnector:
    """One connection, as handlers see it: `id`, `query_params`, sends, broadcasts, close; and,
    under `@app.websocket`, `receive_text/bytes/json` (robyn._sockets delivers into it)."""

    def __init__(self, endpoint: SocketEndpoint, conn_id: str, query: str, headers: Any, client_ip: str) -> None:
        self.id = conn_id
        self.query_params = QueryParams._parse(query)
        self.headers = headers
        self.ip_addr = client_ip or None
        self._endpoint = endpoint
        self._inbox: Any = None  # robyn._sockets.Inbox, for @app.websocket endpoints
        self._task: Any = None  # the running @app.websocket handler
        self.closed = False

    @property
    def path(self) -> str:
        return self._endpoint.path

    # -- sends (queued in the gateway, never blocking) ---------------------------------------------

    def _send(self, conn_id: str, payload: Payload) -> Done:
        return Done(self._endpoint.link.send(conn_id, _checked(payload)))

    def _broadcast(self, payload: Payload) -> Done:
        return Done(self._endpoint.link.broadcast(self._endpoint.index, _checked(payload)))

    # Robyn 0.88 (`await websocket.send_text(...)`)
    def send_text(self, text: str) -> Done:
        if text == "Connection closed" and self._endpoint.kind == DECORATOR:
            return self.close()  # Robyn: this exact text closes the connection
        return self._send(self.id, text)

    def send_bytes(self, data: bytes) -> Done:
        return self._send(self.id, bytes(data))

    def send_json(self, value: Any) -> Done:
        return self._send(self.id, json.dumps(value))

    def broadcast(self, payload: Payload) -> Done:
        """To every connection of this endpoint, this one included."""
        return self._broadcast(payload)

    # Beyond Robyn: the endpoint's other connections (with --broadcast, on every instance)
    @property
    def active_connections(self) -> List[str]:
        """The ids of this endpoint's connections now open."""
        return list(self._endpoint.link.ids(self._endpoint.index))

    def close_connection(self, conn_id: str, code: int = 1000, reason: str = "") -> Done:
        """Close another connection by id; the value says whether it was open."""
        return Done(self._endpoint.link.close(conn_id, code, reason))

    def close(self, code: int = 1000, reason: str = "") -> Done:
        """Robyn sends the text `Connection closed`, then closes."""
        if self.closed:
            return Done(False)
        if self._endpoint.kind == DECORATOR:
            self._send(self.id, "Connection closed")
        self.closed = True
        return Done(self._endpoint.link.close(self.id, code, reason))

    # Robyn <= 0.79 (the connector of `WebSocket(app, path)`)
    def sync_send_to(self, conn_id: str, message: str) -> bool:
        return bool(self._send(conn_id, message))

    def async_send_to(self, conn_id: str, message: str) -> Done:
        return self._send(conn_id, message)

    def sync_send_to_bytes(self, conn_id: str, data: bytes) -> bool:
        return bool(self._send(conn_id, bytes(data)))

    def async_send_to_bytes(self, conn_id: str, data: bytes) -> Done:
        return self._send(conn_id, bytes(data))

    # Robyn 0.88's names for the two above
    sync_send_bytes_to = sync_send_to_bytes
    async_send_bytes_to = async_send_to_bytes

    def sync_broadcast(self, message: str) -> int:
        return self._broadcast(message).value

    def async_broadcast(self, message: str) -> Done:
        return self._broadcast(message)

    def sync_broadcast_bytes(self, data: bytes) -> int:
        return self._broadcast(bytes(data)).value

    def async_broadcast_bytes(self, data: bytes) -> Done:
        return self._broadcast(bytes(data))

    # -- receives (`@app.websocket` handlers) -----------------------------------------------------

    async def receive(self) -> Payload:
        if self._inbox is None:
            raise RuntimeError(
                f"receive() is for @app.websocket handlers; {self.path} uses WebSocket(app, path), "
                "whose messages go to its on('message') handler")
        return await self._inbox.get()

    async def receive_text(self) -> str:
        item = await self.receive()
        return item if isinstance(item, str) else item.decode("utf-8", "replace")

    async def receive_bytes(self) -> bytes:
        item = await self.receive()
        return item if isinstance(item, bytes) else item.encode()

    async def receive_json(self) -> Any:
        return json.loads(await self.receive_text())

    def __repr__(self) -> str:
        return f"<WebSocketConnector {self.id} on {self.path}>"


WebSocketAdapter = WebSocketConnector  # Robyn 0.88's name


class WebSocket:
    """The seed's (Robyn <= 0.79) endpoint object: `ws = WebSocket(app, "/ws")`, then
    `@ws.on("connect" | "message" | "close")`. Also the seed's `active_connections`,
    `send_to(id, text)` and `broadcast(text)`."""

    def __init__(self, robyn_object: Any, endpoint: str) -> None:
        self.robyn_object = robyn_object
        self.endpoint = robyn_object.add_websocket(endpoint, LEGACY)
        self.methods: Dict[str, Any] = {}

    def on(self, event: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if event not in EVENTS:
            raise ValueError(f"WebSocket.on({event!r}): the events are 'connect', 'message' and 'close'")

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.endpoint.handlers[event] = handler
            self.methods[event] = handler
            return handler

        return register

    def inject(self, **dependencies: Any) -> None:
        self.robyn_object.dependencies.add_router_dependency(self.robyn_object, **dependencies)

    def inject_global(self, **dependencies: Any) -> None:
        self.robyn_object.dependencies.add_global_dependency(**dependencies)

    @property
    def active_connections(self) -> List[str]:
        """The ids of this endpoint's connections now open."""
        return list(self.endpoint.link.ids(self.endpoint.index))

    def send_to(self, client_id: str, message: Payload) -> Done:
        """Send to one client by id; the value says whether it is connected."""
        return Done(self.endpoint.link.send(client_id, _checked(message)))

    def broadcast(self, message: Payload) -> Done:
        """Send to every client of this endpoint; the value is how many."""
        return Done(self.endpoint.link.broadcast(self.endpoint.index, _checked(message)))

    def close(self, client_id: str, code: int = 1000, reason: str = "") -> Done:
        """Beyond Robyn: close one client by id (on any instance with --broadcast); the value says
        whether it was open."""
        return Done(self.endpoint.link.close(client_id, code, reason))


def decorator_endpoint(router: Any, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@app.websocket(path)`: registers the handler; the function gains on_connect/on_close."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = router.add_websocket(path, DECORATOR)
        endpoint.handlers["message"] = handler

        def on(event: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
            def add(fn: Callable[..., Any]) -> Callable[..., Any]:
                endpoint.handlers[event] = fn
                return fn

            return add

        handler.on_connect = on("connect")
        handler.on_close = on("close")
        return handler

    return register


def create_websocket_decorator(app_instance: Any) -> Callable[[str], Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """Robyn's factory behind `app.websocket`: `create_websocket_decorator(app)("/ws")(handler)`."""
    return lambda endpoint: decorator_endpoint(app_instance, endpoint)
