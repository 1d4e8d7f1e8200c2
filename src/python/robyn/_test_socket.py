"""The TestClient's websocket: `client.websocket_connect(path)`, as Starlette's test client has it.

    with TestClient(app) as client:
        with client.websocket_connect("/chat?name=ann") as ws:
            assert ws.receive_text() == "welcome ann"
            ws.send_text("hi")
            assert ws.receive_text() == "echo: hi"
                                            # closed (1000) at the end of the block

The connection goes through the gateway's own websocket stage on the in-memory server, so the
app's handlers run exactly as for a real client. Once the server has closed the connection,
every receive raises WebSocketDisconnect with its close code.
"""

import json as _json
from typing import Any, Optional, Union

from robyn.ws import WebSocketDisconnect

TEXT, BINARY, CLOSE = 0, 1, 2


class WebSocketTestSession:
    """One open websocket of a TestClient; made by `TestClient.websocket_connect`."""

    __test__ = False

    def __init__(self, client: Any, gateway: Any, handle: int, timeout: float) -> None:
        self._client = client
        self._gateway = gateway
        self._handle: Optional[int] = handle
        self.timeout = timeout
        self.close_code: Optional[int] = None  # set once the server closed the connection
        self.close_reason = ""

    # ---- Sending ----

    def send_text(self, data: str) -> None:
        self._gateway.ws_send(self._open(), data.encode(), False, self.timeout)

    def send_bytes(self, data: bytes) -> None:
        self._gateway.ws_send(self._open(), bytes(data), True, self.timeout)

    def send_json(self, data: Any, mode: str = "text") -> None:
        text = _json.dumps(data, separators=(",", ":"))
        self.send_bytes(text.encode()) if mode == "binary" else self.send_text(text)

    # ---- Receiving ----

    def receive(self, timeout: Optional[float] = None) -> Union[str, bytes]:
        """The next message: `str` for a text frame, `bytes` for a binary one. Raises
        WebSocketDisconnect once the server has closed, TimeoutError after `timeout` seconds
        (the client's by default) without a message; a later call still gets that message."""
        if self.close_code is not None:
            raise WebSocketDisconnect(self.close_code, self.close_reason)
        kind, code, payload = self._gateway.ws_receive(self._open(), self.timeout if timeout is None else timeout)
        if kind == CLOSE:
            self.close_code, self.close_reason = code, payload.decode("utf-8", "replace")
            raise WebSocketDisconnect(code, self.close_reason)
        return payload.decode("utf-8") if kind == TEXT else payload

    def receive_text(self, timeout: Optional[float] = None) -> str:
        message = self.receive(timeout)
        if not isinstance(message, str):
            raise TypeError(f"expected a text message, got a binary one: {message[:60]!r}")
        return message

    def receive_bytes(self, timeout: Optional[float] = None) -> bytes:
        message = self.receive(timeout)
        if not isinstance(message, bytes):
            raise TypeError(f"expected a binary message, got a text one: {message[:60]!r}")
        return message

    def receive_json(self, timeout: Optional[float] = None) -> Any:
        return _json.loads(self.receive(timeout))

    # ---- Closing ----

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Sends a close frame (unless the server closed first) and waits, bounded by the client's
        timeout, for the server's. The app's close handler runs right after, on the server's
        side (not awaited here). Further calls do nothing."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        self._client._forget_socket(self)
        self._gateway.ws_close(handle, code, reason, self.timeout)

    def __enter__(self) -> "WebSocketTestSession":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _open(self) -> int:
        if self._handle is None:
            raise RuntimeError("this websocket is closed")
        return self._handle

    def __repr__(self) -> str:
        state = "open" if self._handle is not None and self.close_code is None else "closed"
        return f"<WebSocketTestSession {state}>"
