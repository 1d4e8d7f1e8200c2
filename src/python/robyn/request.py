"""Request: built per call from the bridge's raw fields, parsed lazily.

The dispatcher creates one with `request_from_bridge`, which only stores the raw
strings; headers, query string, path params, body and multipart parts are parsed
on first access and cached in their slots (None = not parsed yet)."""

import json
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import parse_qsl

from robyn.headers import Headers
from robyn.query_params import QueryParams
from robyn.url import Identity, Url


def _traceparent_part(traceparent: Optional[str], index: int) -> Optional[str]:
    """A field of a W3C traceparent (`00-<32 hex trace id>-<16 hex span id>-<flags>`), or None."""
    parts = traceparent.split("-") if traceparent else ()
    if len(parts) < 4 or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    return parts[index]


class Request:
    __slots__ = (
        "_method", "_scheme", "_host", "_path", "_url", "_ip_addr",
        "_raw_query", "_query_params", "_raw_headers", "_headers",
        "_param_names", "_param_values", "_path_params",
        "_raw_body", "_body", "_form_data", "_files",
        "identity", "session",
        # An app's own attributes (`request.start_time = ...` in a before hook, read in the
        # after hook, as Robyn's docs do). Python allocates the dict only when one is set.
        "__dict__",
    )

    def __init__(
        self,
        query_params: QueryParams,
        headers: Union[Headers, Dict[str, Any]],
        path_params: Dict[str, str],
        body: Union[str, bytes],
        method: str,
        url: Url,
        form_data: Optional[Dict[str, str]] = None,
        files: Optional[Dict[str, bytes]] = None,
        identity: Optional[Identity] = None,
        ip_addr: Optional[str] = None,
        session: Any = None,
    ) -> None:
        self._method, self._url, self._ip_addr = method, url, ip_addr
        self._scheme, self._host, self._path = url.scheme, url.host, url.path
        self._raw_query = self._raw_headers = ""
        self._param_names = self._param_values = ()
        self._raw_body = b""
        self.query_params = query_params
        self.headers = headers
        self.path_params = path_params
        self.body = body
        self._form_data = form_data if form_data is not None else {}
        self._files = files if files is not None else {}
        self.identity, self.session = identity, session

    @property
    def method(self) -> str:
        return self._method

    @property
    def url(self) -> Url:
        url = self._url
        if url is None:
            url = self._url = Url(self._scheme, self._host, self._path)
        return url

    @property
    def ip_addr(self) -> Optional[str]:
        return self._ip_addr or None

    @property
    def request_id(self) -> Optional[str]:
        """The request's X-Request-ID (beyond Robyn): the client's or nginx's when it is safe, else
        one the gateway made; the same id is on the response and in the access log. None outside
        the gateway when the request has no such header."""
        return self.headers.get("x-request-id")

    # Trace context (beyond Robyn). With tracing on (--otlp-endpoint, OTEL_EXPORTER_OTLP_ENDPOINT)
    # the gateway replaces the request's `traceparent` with its own server span, so these name the
    # span this request runs in, and `traceparent` is what to send on to the services it calls.
    # Without tracing they read the client's header as it came (None when there is none).

    @property
    def traceparent(self) -> Optional[str]:
        return self.headers.get("traceparent")

    @property
    def trace_id(self) -> Optional[str]:
        return _traceparent_part(self.traceparent, 1)

    @property
    def span_id(self) -> Optional[str]:
        return _traceparent_part(self.traceparent, 2)

    @property
    def headers(self) -> Headers:
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers._from_raw(self._raw_headers)
        return headers

    @headers.setter
    def headers(self, value: Union[Headers, Dict[str, Any]]) -> None:
        self._headers = value if isinstance(value, Headers) else Headers(value)

    @property
    def query_params(self) -> QueryParams:
        params = self._query_params
        if params is None:
            params = self._query_params = QueryParams._parse(self._raw_query)
        return params

    @query_params.setter
    def query_params(self, value: QueryParams) -> None:
        self._query_params = value

    @property
    def path_params(self) -> Dict[str, str]:
        params = self._path_params
        if params is None:
            params = self._path_params = dict(zip(self._param_names, self._param_values))
        return params

    @path_params.setter
    def path_params(self, value: Dict[str, str]) -> None:
        self._path_params = value

    @property
    def body(self) -> Union[str, bytes]:
        """str when the bytes are valid UTF-8, else bytes; "" when empty."""
        if self._body is None:
            self._decode_body()
        return self._body

    @body.setter
    def body(self, value: Union[str, bytes]) -> None:
        if not isinstance(value, (str, bytes)):
            raise TypeError(f"body must be str or bytes, not {type(value).__name__}")
        self._body = value

    @property
    def form_data(self) -> Dict[str, str]:
        # Multipart bodies arrive parsed (by the gateway's C# reader), so form and files are set
        # already. An urlencoded body stays raw in `body` (as in Robyn) and is parsed here too, on
        # first use only (beyond Robyn: its users parse it by hand); a repeated name keeps its
        # last value.
        if self._form_data is None:
            self._form_data = _urlencoded(self) if self._raw_body else {}
        return self._form_data

    @property
    def files(self) -> Dict[str, bytes]:
        if self._files is None:
            self._files = {}
        return self._files

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"Invalid JSON: {exc}") from None

    def _decode_body(self) -> None:
        # The raw bytes become str when they are valid UTF-8 (a multipart body's raw bytes are the
        # parts' payloads joined, as in Robyn).
        self._body = _text_or_bytes(self._raw_body)

    def __repr__(self) -> str:
        return f"Request(method={self._method!r}, url={self.url!r})"


def _urlencoded(request: Request) -> Dict[str, str]:
    content_type = request.headers.get("content-type") or ""
    if content_type.split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        return {}
    text = request._raw_body.decode("utf-8", "replace")
    return dict(parse_qsl(text, keep_blank_values=True))


def _text_or_bytes(raw: bytes) -> Union[str, bytes]:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


_new = object.__new__


def request_from_bridge(
    method: str, path: str, query: str, headers: str, body: bytes,
    param_names: Tuple[str, ...], params: Tuple[str, ...],
    client_ip: str, host: str, scheme: str, parts: Optional[Tuple[Tuple[str, ...], Tuple[Any, ...]]] = None,
) -> Request:
    """Build a Request from the bridge's raw fields without parsing anything. `parts` is the
    multipart form the gateway parsed: (name, value, ...) text fields and (filename, bytes, ...)
    files."""
    request = _new(Request)
    # One store each: a tuple assignment of four or more builds and unpacks a tuple (0.9k
    # instructions more per request, of 2.3k).
    request._method = method
    request._path = path
    request._host = host
    request._scheme = scheme
    request._raw_query = query
    request._raw_headers = headers
    request._raw_body = body
    request._param_names = param_names
    request._param_values = params
    request._ip_addr = client_ip
    request._url = request._query_params = request._headers = request._path_params = None
    request._body = request._form_data = request._files = None
    if parts is not None:
        form, files = parts
        request._form_data = {form[i]: form[i + 1] for i in range(0, len(form), 2)}
        request._files = {files[i]: files[i + 1] for i in range(0, len(files), 2)}
    request.identity = request.session = None
    return request
