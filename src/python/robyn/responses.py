"""Response helpers: files (streamed by the gateway) and HTML."""

import asyncio
import mimetypes
import os
import threading
from typing import Any, AsyncIterator, Dict, Optional

from robyn.headers import Headers
from robyn.response import Response
from robyn.streaming import SSEMessage, SSEResponse, StreamingResponse  # noqa: F401 - Robyn exports them here


class FileResponse:
    """A file the gateway streams as the body (result kind FILE)."""

    __slots__ = ("file_path", "status_code", "headers")

    def __init__(self, file_path: str, status_code: int = 200, headers: Optional[Headers] = None) -> None:
        self.file_path = os.path.abspath(file_path)
        self.status_code = status_code
        self.headers = headers if headers is not None else Headers()


def serve_file(file_path: str, file_name: Optional[str] = None) -> FileResponse:
    """Send a file as a download (`Content-Disposition: attachment`)."""
    name = file_name or os.path.basename(file_path)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    headers: Dict[str, str] = {
        "content-type": content_type,
        "content-disposition": f"attachment; filename={name}",
    }
    return FileResponse(file_path, headers=Headers(headers))


def serve_html(file_path: str) -> FileResponse:
    return FileResponse(file_path, headers=Headers({"content-type": "text/html"}))


def html(text: str) -> Response:
    return Response(200, Headers({"content-type": "text/html"}), text)


class AsyncGeneratorWrapper:
    """An async generator that can also be iterated synchronously (Robyn's wrapper).

    The gateway streams it as what it is, an async iterable, on the app's loop: no thread waits
    for it. Iterated synchronously (`for chunk in wrapper`, from a thread), each step runs on the
    loop that was running when the wrapper was made, or, made outside any loop, on a private
    loop in a background thread that stops when the generator ends or the wrapper is dropped."""

    def __init__(self, async_gen: Any) -> None:
        self._async_gen = async_gen
        self._iterator: Optional[AsyncIterator[Any]] = None
        self._own_loop = False
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = asyncio.new_event_loop()
            self._own_loop = True
            threading.Thread(target=_run_until_stopped, args=(self._loop,), name="robyn-async-gen", daemon=True).start()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._async_gen.__aiter__()

    def __iter__(self) -> "AsyncGeneratorWrapper":
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = self._async_gen.__aiter__()
        step = asyncio.run_coroutine_threadsafe(self._iterator.__anext__(), self._loop)
        try:
            return step.result()
        except StopAsyncIteration:
            self._stop()
            raise StopIteration from None
        except BaseException:
            self._stop()
            raise

    def _stop(self) -> None:
        if self._own_loop and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)

    def __del__(self) -> None:
        self._stop()


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_forever()
    finally:
        loop.close()
