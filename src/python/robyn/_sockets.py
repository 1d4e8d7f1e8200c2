"""The gateway's side of WebSockets: runs an app's websocket handlers when C# reports an event
(docs/bridge-protocol.md, "WebSockets").

C# owns the connections: it accepts, reads frames (in order, one message at a time per
connection), answers pings, enforces the size limit and sends what handlers queue. For each
connection it reports three events, each awaited before the next, on one session object:

- OPEN (payload `(endpoint, id, query, headers, client_ip)`): returns the session, the
  `WebSocketConnector` the handlers see.
- MESSAGE (payload str or bytes).
- CLOSE (payload the close code: the client's, or 1006 when it vanished). Exactly once.

`WebSocket(app, path)` endpoints run their event handlers then (sync ones on the sync workers,
async ones on the loop). `@app.websocket(path)` endpoints run on the loop: OPEN runs on_connect
and starts the handler as a task; MESSAGE drops the message in the connection's inbox, which the
handler's `receive_*` reads; CLOSE ends the inbox, waits up to 5 s for the handler and runs
on_close. A handler that raises closes its connection with 1011 and logs the traceback."""

import asyncio
import inspect
import json
import logging
from collections import deque
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from robyn.coercion import named_resolver
from robyn.headers import Headers
from robyn.results import BadRequest
from robyn.ws import DECORATOR, LEGACY, SocketEndpoint, SocketLink, WebSocketConnector, WebSocketDisconnect

_logger = logging.getLogger("robyn.ws")

OPEN, MESSAGE, CLOSE = 0, 1, 2
INTERNAL_ERROR, POLICY_VIOLATION, NORMAL = 1011, 1008, 1000
HANDLER_GRACE = 5.0  # Robyn waits this long for the handler task after a close
INBOX_LIMIT = 16 * 1024 * 1024  # characters/bytes received but not yet read by the handler

_CONNECTOR_NAMES = frozenset({"ws", "websocket", "websocket_connector", "connector", "socket"})
_MESSAGE_NAMES = frozenset({"msg", "message"})


class Plan(NamedTuple):
    handler: Callable[..., Any]
    is_async: bool
    arguments: Callable[[WebSocketConnector, Any], List[Any]]


def plan_handler(endpoint: SocketEndpoint, event: str, handler: Callable[..., Any]) -> Plan:
    """Decides once what each parameter of a websocket handler receives, by name first:
    the connection (`ws`, `websocket`, or a WebSocketConnector annotation), the message
    (`msg`, `message`; legacy message handlers only), `global_dependencies`,
    `router_dependencies`, `query_params`; then by position (the connection, then the message);
    any other name is a query parameter, converted to its annotation."""
    takes_message = event == "message" and endpoint.kind == LEGACY
    dependencies = endpoint.dependencies()
    pickers: List[Callable[[WebSocketConnector, Any], Any]] = []
    positional = ["connector", "message"] if takes_message else ["connector"]
    named = set()
    params = list(inspect.signature(handler).parameters.values())
    for p in params:
        if p.annotation is WebSocketConnector or p.name in _CONNECTOR_NAMES:
            named.add("connector")
        elif takes_message and p.name in _MESSAGE_NAMES:
            named.add("message")
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.annotation is WebSocketConnector or p.name in _CONNECTOR_NAMES:
            pickers.append(lambda c, m: c)
        elif takes_message and p.name in _MESSAGE_NAMES:
            pickers.append(lambda c, m: m)
        elif p.name in dependencies:
            deps = dependencies[p.name]
            pickers.append(lambda c, m, deps=deps: deps)
        elif p.name == "query_params":
            pickers.append(lambda c, m: c.query_params)
        elif positional and positional[0] not in named and p.default is p.empty and _plain(p):
            role = positional.pop(0)
            named.add(role)
            pickers.append((lambda c, m: c) if role == "connector" else (lambda c, m: m))
        else:
            resolve = named_resolver(p, from_path=False)
            pickers.append(lambda c, m, resolve=resolve: resolve(c))
        while positional and positional[0] in named:
            positional.pop(0)

    def arguments(connector: WebSocketConnector, message: Any) -> List[Any]:
        return [pick(connector, message) for pick in pickers]

    is_async = inspect.iscoroutinefunction(handler) or inspect.isasyncgenfunction(handler)
    return Plan(handler, is_async, arguments)


def _plain(p: inspect.Parameter) -> bool:
    return p.annotation in (p.empty, str, bytes, Any) or isinstance(p.annotation, str)


class Inbox:
    """Messages of one `@app.websocket` connection not yet read by its handler."""

    def __init__(self) -> None:
        self._items: deque = deque()
        self._size = 0
        self._waiter: Optional[asyncio.Future] = None
        self.closed_with: Optional[int] = None

    def put(self, item: Any) -> bool:
        """False when the handler has fallen too far behind (the caller closes the connection)."""
        self._items.append(item)
        self._size += len(item)
        self._wake()
        return self._size <= INBOX_LIMIT

    def end(self, code: int) -> None:
        self.closed_with = code
        self._wake()

    async def get(self) -> Any:
        while not self._items:
            if self.closed_with is not None:
                raise WebSocketDisconnect(self.closed_with if self.closed_with != 1006 else 1000, "")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        self._size -= len(item)
        return item

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class SocketRuntime:
    """One app's websocket endpoints and the events C# reports for them."""

    def __init__(self, endpoints: List[SocketEndpoint], loop: Callable[[], Any], finish: Callable[[int, Any], None]) -> None:
        self.endpoints = endpoints
        self._loop = loop
        self._finish = finish
        self._plans: List[Dict[str, Plan]] = []
        for index, endpoint in enumerate(endpoints):
            endpoint.index = index
            self._plans.append({event: plan_handler(endpoint, event, fn) for event, fn in endpoint.handlers.items()})
        self.declarations = tuple((e.path, *self._on_loop(e, plans)) for e, plans in zip(endpoints, self._plans))

    @staticmethod
    def _on_loop(endpoint: SocketEndpoint, plans: Dict[str, Plan]) -> Tuple[bool, bool, bool]:
        """Where C# runs each event: the loop, or a sync worker (a legacy sync handler, or none)."""
        if endpoint.kind == DECORATOR:
            return True, True, True
        return tuple(event in plans and plans[event].is_async for event in ("connect", "message", "close"))

    def attach(self, send: Callable, close: Callable, broadcast: Callable, ids: Callable) -> None:
        link = SocketLink(send, close, broadcast, ids)
        for endpoint in self.endpoints:
            endpoint.link = link

    # ---- events ------------------------------------------------------------------------------

    def event_sync(self, session: Any, event: int, payload: Any) -> Any:
        """On a sync worker: a legacy endpoint's sync handler (or none). Returns the session for OPEN."""
        try:
            connector = self._open(payload) if event == OPEN else session
            name = ("connect", "message", "close")[event]
            if event == CLOSE:
                connector.closed = True
            plan = self._plans[connector._endpoint.index].get(name)
            if plan is not None:
                self._run_sync(connector, name, plan, payload if event == MESSAGE else None)
            return connector if event == OPEN else None
        except Exception:
            _logger.exception("websocket event %d failed", event)
            return session

    def event_async(self, token: int, session: Any, event: int, payload: Any) -> None:
        """On the loop thread: runs the event; finish(token, session or None) follows."""
        try:
            if event == MESSAGE and session._inbox is not None:
                if not session._inbox.put(payload):
                    self._close(session, POLICY_VIOLATION, "too many unread messages")
                self._finish(token, None)
                return
            if event == OPEN:
                connector = self._open(payload)
                work = self._open_decorator(connector) if connector._endpoint.kind == DECORATOR \
                    else self._legacy_async(connector, "connect", None)
            else:
                connector = session
                if event == CLOSE:
                    work = self._close_event(connector, payload)
                else:
                    work = self._legacy_async(connector, "message", payload)
            task = self._loop().create_task(work)
        except Exception:
            _logger.exception("websocket event %d failed", event)
            self._finish(token, session)
            return
        task.add_done_callback(lambda t: self._done(t, token, connector if event == OPEN else None))

    def _done(self, task: Any, token: int, answer: Any) -> None:
        if not task.cancelled() and task.exception() is not None:
            _logger.error("websocket event failed", exc_info=task.exception())
        self._finish(token, answer)

    def _open(self, payload: Tuple[Any, ...]) -> WebSocketConnector:
        index, conn_id, query, headers, client_ip = payload
        return WebSocketConnector(self.endpoints[index], conn_id, query, Headers._from_raw(headers), client_ip)

    # ---- WebSocket(app, path): one handler per event -----------------------------------------

    def _run_sync(self, connector: WebSocketConnector, name: str, plan: Plan, message: Any) -> None:
        args = self._arguments(connector, plan, message)
        if args is None:
            return
        try:
            result = plan.handler(*args)
            if inspect.isgenerator(result):
                for item in result:
                    self._reply(connector, name, item)
            else:
                self._reply(connector, name, result)
        except Exception:
            self._failed(connector, name)

    async def _legacy_async(self, connector: WebSocketConnector, name: str, message: Any) -> None:
        plan = self._plans[connector._endpoint.index].get(name)
        if plan is None:
            return
        if not plan.is_async:  # a sync handler in an event C# sent to the loop: run it here
            self._run_sync(connector, name, plan, message)
            return
        args = self._arguments(connector, plan, message)
        if args is None:
            return
        try:
            result = plan.handler(*args)
            if inspect.isasyncgen(result):
                async for item in result:
                    self._reply(connector, name, item)
            else:
                self._reply(connector, name, await result)
        except Exception:
            self._failed(connector, name)

    def _reply(self, connector: WebSocketConnector, name: str, value: Any) -> None:
        """What a handler returned (or yielded) goes to its client; None sends nothing."""
        if value is None or name == "close" or connector.closed:
            return
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        elif not isinstance(value, (str, bytes)):
            value = str(value)
        connector._send(connector.id, value)

    # ---- @app.websocket(path): a handler task per connection ---------------------------------

    async def _open_decorator(self, connector: WebSocketConnector) -> None:
        plans = self._plans[connector._endpoint.index]
        connector._inbox = Inbox()
        handler = plans["message"]
        args = self._arguments(connector, handler, None)
        if args is None:
            return
        connect = plans.get("connect")
        if connect is not None:
            connect_args = self._arguments(connector, connect, None)
            if connect_args is None:
                return
            try:
                value = connect.handler(*connect_args)
                self._reply(connector, "connect", await value if inspect.isawaitable(value) else value)
            except Exception:
                self._failed(connector, "on_connect")
                return
        connector._task = self._loop().create_task(self._run_handler(connector, handler, args))

    async def _run_handler(self, connector: WebSocketConnector, plan: Plan, args: List[Any]) -> None:
        try:
            value = plan.handler(*args)
            if inspect.isawaitable(value):
                await value
        except WebSocketDisconnect:
            return
        except asyncio.CancelledError:
            return
        except Exception:
            self._failed(connector, "handler")
            return
        if not connector.closed:  # the handler is done with this connection
            self._close(connector, NORMAL, "")

    async def _close_event(self, connector: WebSocketConnector, code: int) -> None:
        connector.closed = True
        if connector._endpoint.kind == LEGACY:
            await self._legacy_async(connector, "close", None)
            return
        if connector._inbox is not None:
            connector._inbox.end(code)
        task = connector._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=HANDLER_GRACE)
            if not task.done():
                task.cancel()
        plan = self._plans[connector._endpoint.index].get("close")
        if plan is not None:
            args = self._arguments(connector, plan, None)
            if args is None:
                return
            try:
                value = plan.handler(*args)
                if inspect.isawaitable(value):
                    await value
            except Exception:
                _logger.exception("websocket %s: on_close of %s raised", connector.path, connector.id)

    # ---- shared -----------------------------------------------------------------------------

    def _arguments(self, connector: WebSocketConnector, plan: Plan, message: Any) -> Optional[List[Any]]:
        """The handler's arguments; None after telling the client a query parameter is wrong."""
        try:
            return plan.arguments(connector, message)
        except BadRequest as bad:
            detail = bad.result[2].decode("utf-8", "replace")
            connector._send(connector.id, f"Error: {detail}")
            self._close(connector, POLICY_VIOLATION, detail[:120])
            return None

    def _failed(self, connector: WebSocketConnector, where: str) -> None:
        _logger.exception("websocket %s: the %s of connection %s raised; closing it with 1011",
                          connector.path, where, connector.id)
        self._close(connector, INTERNAL_ERROR, "Internal error")

    @staticmethod
    def _close(connector: WebSocketConnector, code: int, reason: str) -> None:
        if not connector.closed:
            connector.closed = True
            connector._endpoint.link.close(connector.id, code, reason)
