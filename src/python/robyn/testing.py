"""TestClient: requests to an app through the gateway's real pipeline, inside the test process.

    from robyn.testing import TestClient      # also robyn.TestClient and robyn.test.TestClient

    with TestClient(app) as client:           # the startup handler runs here, once
        response = client.post("/items", json={"name": "pen"}, headers={"X-Token": "t"})
        assert response.status_code == 200 and response.json()["name"] == "pen"
        with client.websocket_connect("/ws") as ws:   # see robyn._test_socket
            ws.send_text("hi")
            assert ws.receive_text() == "echo: hi"
                                              # the shutdown handler runs at close()

Nothing is re-implemented here: the client hosts the gateway (.NET, through robyn._embedded)
in this process and hands it the app object itself. A request goes through the very code the
server runs (405 filter, CORS, static files, routing, hooks, handler, global headers, 404 and
500 answers), on ASP.NET's in-memory TestServer instead of a socket. This module only encodes
requests (query string, JSON, multipart) and decodes answers.
"""

import atexit
import contextlib
import json as _json
import threading
import uuid
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote, urlencode, urlsplit

from robyn._test_socket import WebSocketTestSession
from robyn.enums import MiddlewareType  # noqa: F401 - Robyn's testing module exposes these
from robyn.headers import Headers
from robyn.query_params import QueryParams  # noqa: F401
from robyn.request import Request  # noqa: F401
from robyn.response import Response  # noqa: F401
from robyn.url import Url  # noqa: F401

__all__ = ["TestClient", "TestResponse", "WebSocketTestSession"]

HeadersInput = Union[Mapping[str, str], Headers, Iterable[Tuple[str, str]], None]

DEFAULT_TIMEOUT = 30.0
_UNSET: Any = object()
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class TestResponse:
    """What the gateway answered: status, headers (case-insensitive) and body."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return _json.loads(self.content)

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    def __repr__(self) -> str:
        return f"<TestResponse [{self.status_code}]>"


class TestClient:
    """Serves `app` with the gateway for the life of the client (see the module's docstring).

    `timeout` (seconds) bounds every request: one without a complete answer by then raises
    TimeoutError. `workers` is the gateway's `--workers` (threads running sync handlers)."""

    __test__ = False

    def __init__(self, app: Any, *, timeout: float = DEFAULT_TIMEOUT, workers: int = 1) -> None:
        from robyn import _embedded  # .NET is loaded by the first client, not at import

        self.app = app
        self.timeout = timeout
        self._gateway = _embedded.gateway()
        self._state = threading.Condition()
        self._in_flight = 0  # close() waits for these: the handle must outlive every request
        self._sockets: "set[WebSocketTestSession]" = set()  # closed by close(), before the host stops
        self._client: Optional[int] = self._gateway.open(app, workers)
        _track(self)

    # ---- Lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Stops serving the app once requests in flight have their answers (or timed out); the
        shutdown handler runs. Further calls do nothing."""
        with self._state:
            sockets = list(self._sockets)
        for socket in sockets:
            try:
                socket.close()
            except Exception:
                pass  # the host's stop below closes it from the server's side anyway
        with self._state:
            client, self._client = self._client, None
            self._state.wait_for(lambda: self._in_flight == 0)
        _unclosed.discard(self)
        if client is not None:
            self._gateway.close(client)

    def __enter__(self) -> "TestClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ---- Requests -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: HeadersInput = None,
        query_params: Optional[Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]] = None,
        body: Union[str, bytes, None] = None,
        json: Any = _UNSET,
        json_data: Any = None,
        form_data: Optional[Mapping[str, Any]] = None,
        files: Optional[Mapping[str, Any]] = None,
        timeout: Optional[float] = None,
    ) -> TestResponse:
        target, pairs = _request_head(path, query_params, headers)
        content, content_type = _body(body, json, json_data, form_data, files)
        if content_type and not _has(pairs, "content-type"):
            pairs.append(("content-type", content_type))
        with self._in_use() as client:
            status, answer, data = self._gateway.send(
                client, method.upper(), target, pairs, content, self.timeout if timeout is None else timeout)
        return TestResponse(status, Headers._from_flat(tuple(_flatten(answer))), data)

    def websocket_connect(
        self,
        path: str,
        *,
        headers: HeadersInput = None,
        query_params: Optional[Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]] = None,
    ) -> WebSocketTestSession:
        """Opens a websocket to `path` (a query string in it works) through the gateway's websocket
        stage; use it as a context manager, or call close(). A path that is not a websocket
        endpoint raises robyn._embedded.GatewayError with the HTTP status it got."""
        target, pairs = _request_head(path, query_params, headers)
        with self._in_use() as client:
            handle = self._gateway.ws_open(client, target, pairs, self.timeout)
            socket = WebSocketTestSession(self, self._gateway, handle, self.timeout)
            with self._state:
                self._sockets.add(socket)
        return socket

    @contextlib.contextmanager
    def _in_use(self) -> Iterator[Any]:
        """The open client's handle, counted as in flight until the block ends (close() waits for it)."""
        with self._state:
            client = self._client
            if client is None:
                raise RuntimeError("this TestClient is closed")
            self._in_flight += 1
        try:
            yield client
        finally:
            with self._state:
                self._in_flight -= 1
                self._state.notify_all()

    def _forget_socket(self, socket: WebSocketTestSession) -> None:
        with self._state:
            self._sockets.discard(socket)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("HEAD", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("OPTIONS", path, **kwargs)

    def post(self, path: str, json_data: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, json_data=json_data, **kwargs)

    def put(self, path: str, json_data: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, json_data=json_data, **kwargs)

    def patch(self, path: str, json_data: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, json_data=json_data, **kwargs)

    def delete(self, path: str, json_data: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, json_data=json_data, **kwargs)


# Clients a test never closed: closed (shutdown handlers run) before the interpreter exits, while
# Python can still run them and no gateway thread is left to meet a finalizing interpreter.
_unclosed: "set[TestClient]" = set()


def _track(client: TestClient) -> None:
    if not _unclosed and not getattr(_track, "registered", False):
        atexit.register(_close_unclosed)
        _track.registered = True  # type: ignore[attr-defined]
    _unclosed.add(client)


def _close_unclosed() -> None:
    for client in list(_unclosed):
        try:
            client.close()
        except Exception:
            pass


# ---- Encoding a request -------------------------------------------------------------------


def _request_head(path: str, query_params: Any, headers: HeadersInput) -> Tuple[str, List[Tuple[str, str]]]:
    """The request target and header pairs (with Host, unless given) shared by requests and websockets."""
    target, host = _target(path, query_params)
    pairs = _header_pairs(headers)
    if host and not _has(pairs, "host"):
        pairs.append(("host", host))
    return target, pairs


def _target(path: str, query_params: Any) -> Tuple[str, Optional[str]]:
    """`/path?query`, percent-encoded, with `query_params` appended; and the host of a full URL."""
    host = None
    if path.startswith(("http://", "https://")):
        url = urlsplit(path)
        host, path = url.netloc or None, url.path + ("?" + url.query if url.query else "")
    path = path.split("#", 1)[0]
    path, _, query = path.partition("?")
    if not path.startswith("/"):
        path = "/" + path
    extra = urlencode(list(query_params.items()) if isinstance(query_params, Mapping) else list(query_params),
                      doseq=True) if query_params else ""
    query = "&".join(q for q in (quote(query, safe=_QUERY_SAFE), extra) if q)
    return quote(path, safe=_PATH_SAFE) + ("?" + query if query else ""), host


def _header_pairs(headers: HeadersInput) -> List[Tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Headers):
        return list(headers.multi_items())
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name), str(value)) for name, value in items]


def _has(pairs: List[Tuple[str, str]], name: str) -> bool:
    return any(n.lower() == name for n, _ in pairs)


def _flatten(pairs: List[Tuple[str, str]]) -> Iterable[str]:
    for name, value in pairs:
        yield name.lower()
        yield value


def _body(body: Any, json: Any, json_data: Any, form_data: Any, files: Any) -> Tuple[bytes, Optional[str]]:
    """The request body and the content type it implies (None: leave the headers alone)."""
    if json is not _UNSET and json_data is not None:
        raise TypeError("pass json= or json_data=, not both")
    data = json_data if json is _UNSET else json
    given = [name for name, value in (("body", body), ("json", data), ("form_data/files", form_data or files))
             if value is not None]
    if len(given) > 1:
        raise TypeError(f"pass only one of {', '.join(given)}")
    if data is not None:
        return _json.dumps(data).encode(), "application/json"
    if form_data or files:
        return _multipart(form_data or {}, files or {})
    if body is None:
        return b"", None
    return (body.encode() if isinstance(body, str) else bytes(body)), None


def _multipart(form_data: Mapping[str, Any], files: Mapping[str, Any]) -> Tuple[bytes, str]:
    """multipart/form-data, which the gateway parses into request.form_data and request.files.

    A file is `files[filename] = content` (Robyn's shape), or `files[field] = (filename, content[,
    content_type])`; content is bytes, str, or a file object."""
    boundary = uuid.uuid4().hex
    parts: List[bytes] = []

    def part(disposition: str, content: bytes, content_type: Optional[str] = None) -> None:
        head = f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        parts.append(head.encode() + b"\r\n" + content + b"\r\n")

    for name, value in form_data.items():
        part(f'name="{_quoted(name)}"', str(value).encode())
    for field, value in files.items():
        filename, content, content_type = field, value, "application/octet-stream"
        if isinstance(value, tuple):
            filename, content = value[0], value[1]
            content_type = value[2] if len(value) > 2 else content_type
        if hasattr(content, "read"):
            content = content.read()
        if isinstance(content, str):
            content = content.encode()
        part(f'name="{_quoted(field)}"; filename="{_quoted(filename)}"', bytes(content), content_type)
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _quoted(name: str) -> str:
    return str(name).replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
