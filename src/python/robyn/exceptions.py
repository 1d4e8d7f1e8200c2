"""Exceptions users may raise. Like Robyn, the router does not translate them
into status codes: an uncaught one goes to the exception handler or gives 500."""

from http import HTTPStatus
from typing import Optional


class HTTPException(Exception):
    def __init__(self, status_code: int, detail: Optional[str] = None) -> None:
        if detail is None:
            detail = HTTPStatus(status_code).phrase
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"


class WebSocketException(Exception):
    def __init__(self, code: int, reason: Optional[str] = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"
