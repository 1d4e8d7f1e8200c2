"""Response: what a handler returns when it wants a status, headers or cookies."""

from typing import Any, Dict, Optional, Tuple, Union

from robyn.cookies import Cookie, Cookies
from robyn.headers import Headers

_MISSING: Any = object()


class Response:
    __slots__ = ("_status_code", "_headers", "_description", "_undecoded", "_response_type", "_file_path", "_cookies")

    def __init__(
        self,
        status_code: int,
        headers: Optional[Union[Headers, Dict[str, Any]]] = None,
        description: Union[str, bytes] = _MISSING,
        *,
        body: Union[str, bytes] = _MISSING,
    ) -> None:
        # `description` is Robyn's legacy name (and may be positional); `body` the new one.
        if (description is _MISSING) == (body is _MISSING):
            raise TypeError("Response() takes exactly one of 'description' or 'body'")
        self._status_code = int(status_code)
        self.headers = headers if headers is not None else Headers()
        self._undecoded = False
        self.description = body if description is _MISSING else description
        self._response_type = "text"
        self._file_path: Optional[str] = None
        self._cookies: Optional[Cookies] = None  # made on first use: most answers set none

    @classmethod
    def _made(cls, status_code: int, headers: Headers, body: bytes) -> "Response":
        """The answer so far, as the after hooks get it: built from a result tuple whose values
        are already checked, so without __init__'s checks (about 0.2 µs less per after-hooked answer).
        The body stays bytes until a hook reads `description` (then text, if it is UTF-8): most
        after hooks touch only headers, and the bytes go back to the gateway as they came."""
        response = object.__new__(cls)
        response._status_code, response._headers, response._description = status_code, headers, body
        response._undecoded, response._response_type, response._file_path, response._cookies = True, "text", None, None
        return response

    @property
    def cookies(self) -> Cookies:
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = Cookies()
        return cookies

    @cookies.setter
    def cookies(self, value: Cookies) -> None:
        self._cookies = value

    @property
    def status_code(self) -> int:
        return self._status_code

    @status_code.setter
    def status_code(self, value: int) -> None:
        # After hooks change the status this way (docs/bridge-protocol.md, "Hook stages").
        self._status_code = int(value)

    @property
    def headers(self) -> Headers:
        return self._headers

    @headers.setter
    def headers(self, value: Union[Headers, Dict[str, Any]]) -> None:
        self._headers = value if isinstance(value, Headers) else Headers(value)

    @property
    def description(self) -> Union[str, bytes]:
        if self._undecoded:
            self._undecoded = False
            try:
                self._description = self._description.decode("utf-8")
            except UnicodeDecodeError:
                pass  # binary: the hook gets the bytes
        return self._description

    @description.setter
    def description(self, value: Union[str, bytes]) -> None:
        if not isinstance(value, (str, bytes)):
            raise ValueError(f"Response body must be str or bytes, not {type(value).__name__}")
        self._description, self._undecoded = value, False

    @property
    def response_type(self) -> str:
        return self._response_type

    @property
    def file_path(self) -> Optional[str]:
        return self._file_path

    @file_path.setter
    def file_path(self, path: str) -> None:
        """Setting a path reads that file into the body, as Robyn does."""
        with open(path, "rb") as f:
            self._description = f.read()
        self._undecoded = False
        self._file_path = path
        self._response_type = "static_file"

    def set_cookie(
        self,
        key: str,
        value: str,
        path: Optional[str] = None,
        domain: Optional[str] = None,
        max_age: Optional[int] = None,
        expires: Optional[str] = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: Optional[str] = None,
    ) -> None:
        self.cookies[key] = Cookie(value, path, domain, max_age, expires, secure, http_only, same_site)

    def _to_result(self) -> Tuple[int, Tuple[str, ...], bytes]:
        headers = self._headers._flat()
        cookies = self._cookies
        if cookies:
            headers += tuple(x for v in cookies._set_cookie_values() for x in ("set-cookie", v))
        body = self._description
        return self._status_code, headers, body.encode() if isinstance(body, str) else body

    def __repr__(self) -> str:
        return f"Response(status_code={self._status_code}, headers={self._headers!r})"
