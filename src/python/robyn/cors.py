"""ALLOW_CORS: the headers Robyn puts on every answer, plus the policy the gateway enforces.

As in Robyn, the CORS headers become global response headers (`app.response_headers`), so every
answer carries them, requests without an `Origin` included. The gateway's CORS middleware
(ASP.NET Core's, configured from `app.cors`) answers preflights, refuses other origins with 403
and covers static files. Two departures, both for safety:
- several origins: Robyn sends `Access-Control-Allow-Origin: *`, which browsers refuse with
  credentials; the gateway echoes the request's origin when it is one of them instead;
- `"*"`: the answer is a literal `*` (Robyn's), never the caller's origin echoed with
  credentials, so no site can read a logged-in user's responses."""

from typing import Iterable, List, Optional, Union

METHODS = "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS"
DEFAULT_HEADERS = ["Content-Type", "Authorization"]


def ALLOW_CORS(app, origins: Union[str, Iterable[str]], headers: Optional[Union[str, Iterable[str]]] = None) -> None:
    origins = _as_list(origins)
    extra = [h.strip() for h in headers.split(",") if h.strip()] if isinstance(headers, str) else list(headers or [])
    app.cors = (origins, extra)
    if len(origins) == 1:
        app.set_response_header("Access-Control-Allow-Origin", origins[0])
    app.set_response_header("Access-Control-Allow-Methods", METHODS)
    app.set_response_header("Access-Control-Allow-Headers", _header_list(headers))
    app.set_response_header("Access-Control-Allow-Credentials", "true")


def _header_list(headers: Optional[Union[str, Iterable[str]]]) -> str:
    if headers is None:
        return ", ".join(DEFAULT_HEADERS)
    if isinstance(headers, str):
        return headers  # Robyn sends a string as given
    names = list(headers)
    known = {name.lower() for name in names}
    return ", ".join(names + [h for h in DEFAULT_HEADERS if h.lower() not in known])


def _as_list(value: Union[str, Iterable[str]]) -> List[str]:
    return [value] if isinstance(value, str) else list(value)
