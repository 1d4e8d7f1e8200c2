"""Streaming responses and server-sent events.

A handler returns `StreamingResponse(generator)`; the gateway sends the status and headers at
once, then pulls the generator one item per trip into Python (sync generators on a sync
worker, async ones on the loop) and flushes each item as it comes. When the client goes away
the gateway stops pulling and drops the generator, which closes it."""

from typing import Any, AsyncIterable, Dict, Iterable, Optional, Union

from robyn.headers import Headers

__all__ = ["SSEMessage", "SSEResponse", "StreamingResponse"]

_NO_CACHE = "no-cache, no-store, must-revalidate"


class StreamingResponse:
    __slots__ = ("content", "status_code", "headers", "media_type")

    def __init__(
        self,
        content: Union[Iterable[Union[str, bytes]], AsyncIterable[Union[str, bytes]]],
        status_code: Optional[int] = None,
        headers: Optional[Union[Headers, Dict[str, Any]]] = None,
        media_type: str = "text/event-stream",
    ) -> None:
        self.content = content
        self.status_code = status_code if status_code is not None else 200
        self.headers = headers if isinstance(headers, Headers) else Headers(headers or {})
        self.media_type = media_type
        # Robyn's streaming headers; a value the handler gave wins.
        for name, value in (
            ("content-type", media_type),
            ("x-accel-buffering", "no"),
            ("cache-control", _NO_CACHE),
            ("pragma", "no-cache"),
            ("expires", "0"),
        ):
            if not self.headers.contains(name):
                self.headers.set(name, value)

    @property
    def is_async(self) -> bool:
        return hasattr(self.content, "__aiter__")

    def iterator(self) -> Any:
        return self.content.__aiter__() if self.is_async else iter(self.content)


def SSEResponse(
    content: Union[Iterable[str], AsyncIterable[str]],
    status_code: Optional[int] = None,
    headers: Optional[Union[Headers, Dict[str, Any]]] = None,
) -> StreamingResponse:
    merged = headers if isinstance(headers, Headers) else Headers(headers or {})
    if not merged.contains("cache-control"):
        merged.append("cache-control", "no-cache")
        merged.append("cache-control", _NO_CACHE)  # Robyn sends both values
    return StreamingResponse(content, status_code, merged, media_type="text/event-stream")


def SSEMessage(data: Any, event: Optional[str] = None, id: Optional[str] = None, retry: Optional[int] = None) -> str:
    """One server-sent event: optional event/id/retry lines, a data line per line of data, a blank line."""
    lines = []
    if event:
        lines.append(f"event: {event}")
    if id:
        lines.append(f"id: {id}")
    if retry:
        lines.append(f"retry: {retry}")
    text = str(data).replace("\r\n", "\n").replace("\r", "\n")
    for line in text.split("\n") if text else [""]:
        lines.append(f"data: {line}")
    return "\n".join(lines) + "\n\n"


def chunk_bytes(item: Any) -> bytes:
    """One streamed item as bytes."""
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode()
    if isinstance(item, (bytearray, memoryview)):
        return bytes(item)
    return str(item).encode()
