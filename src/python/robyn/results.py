"""Turning what a handler returned into the bridge's result tuple
(docs/bridge-protocol.md, "Result tuple").

A result is `(status, headers, body)` or `(status, headers, body, kind, aux)`;
headers are flat `(name, value, ...)` with lower-case names. The common content
types are module constants so the gateway can cache their converted form by
identity (`LoadedApp.const_headers`)."""

from typing import Any, Tuple

from robyn._wire import RESULT_KINDS
from robyn.headers import Headers
from robyn.jsonify import dumps
from robyn.response import Response
from robyn.responses import FileResponse
from robyn.streaming import StreamingResponse

KIND_ERROR = RESULT_KINDS["ERROR"]
KIND_FILE = RESULT_KINDS["FILE"]
KIND_STREAM = RESULT_KINDS["STREAM"]  # aux: an iterator the gateway pulls with stream_next
KIND_ASYNC_STREAM = RESULT_KINDS["ASYNC_STREAM"]  # aux: an async iterator, pulled on the loop with stream_next_async

TEXT_PLAIN = ("content-type", "text/plain")
APPLICATION_JSON = ("content-type", "application/json")
OCTET_STREAM = ("content-type", "application/octet-stream")
CONST_HEADERS = (TEXT_PLAIN, APPLICATION_JSON, OCTET_STREAM)

Result = Tuple[Any, ...]


def to_result(value: Any, status: int = 200) -> Result:
    """`status` (the decorator's status_code) applies to everything but
    Response, file and tuple returns, which carry their own."""
    kind = type(value)
    if kind is str:
        return status, TEXT_PLAIN, value.encode()
    if kind is dict or kind is list:
        return status, APPLICATION_JSON, dumps(value).encode()
    if isinstance(value, Response):
        return value._to_result()
    if kind is bytes:
        return status, OCTET_STREAM, value
    if kind is tuple:
        return _from_tuple(value)
    return _from_other(value, status)


class BadRequest(Exception):
    """A parameter could not be injected; carries the ready 400/422 result."""

    def __init__(self, result: Result) -> None:
        super().__init__(result[2])
        self.result = result


def text_result(status: int, text: str) -> Result:
    return status, TEXT_PLAIN, text.encode()


def _from_tuple(value: tuple) -> Result:
    if len(value) != 3:
        raise ValueError("Tuple should have 3 elements: (body, headers, status_code)")
    body, headers, status = value
    if not isinstance(headers, Headers):
        headers = Headers(headers or {})
    # The body is formatted as a handler return would be, but its content type
    # comes only from the given headers, as in Robyn.
    return int(status), headers._flat(), to_result(body)[2]


def _from_other(value: Any, status: int) -> Result:
    if isinstance(value, FileResponse):
        return value.status_code, value.headers._flat(), b"", KIND_FILE, value.file_path
    if isinstance(value, StreamingResponse):
        kind = KIND_ASYNC_STREAM if value.is_async else KIND_STREAM
        return value.status_code, value.headers._flat(), b"", kind, value.iterator()
    if isinstance(value, str):
        return status, TEXT_PLAIN, value.encode()
    if isinstance(value, (dict, list)):
        return status, APPLICATION_JSON, dumps(value).encode()
    if isinstance(value, bytes):
        return status, OCTET_STREAM, value
    model_dump_json = getattr(value, "model_dump_json", None)  # a pydantic model
    if callable(model_dump_json) and not isinstance(value, type):
        return status, APPLICATION_JSON, model_dump_json().encode()
    return status, TEXT_PLAIN, str(value).encode()
