"""Response helpers: files (streamed by the gateway) and HTML."""

import mimetypes
import os
from typing import Dict, Optional

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
