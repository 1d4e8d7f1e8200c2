"""Signed-cookie sessions: `app.configure_sessions(secret_key)` makes every request
carry a dict-like `request.session`, kept in the client's cookie between requests.

The cookie holds the data itself: base64url of the JSON `{"d": data, "exp": unix_time}`, a `.`,
then base64url of its HMAC-SHA256. It is signed, not encrypted: the client can read the data but
cannot change it. The format, and the way the key is derived from the secret, follow Robyn's
source, so that cookies carry over between the two with the same secret.

How it runs: configure_sessions registers a global before hook (loads the session onto the
request) and a global after hook (writes the cookie back only when the session changed). Both
run in the gateway's hook stages, and the handler and after hooks see the same Request, so the
session needs nothing from the gateway itself. After hooks are skipped for streaming responses,
so a session changed by a streaming handler is not saved (as in Robyn)."""

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from collections.abc import MutableMapping
from typing import Any, Dict, Iterator, Optional, Union

from robyn.request import Request
from robyn.response import Response

__all__ = ["Session", "SessionManager"]

_logger = logging.getLogger(__name__)

_SALT = b"robyn.session"
_SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
# Browsers keep cookies up to about 4 KB, name and attributes included, and drop larger ones.
_COOKIE_LIMIT = 4093


class Session(MutableMapping):
    """The session data: a dict, plus `modified`, which every change sets.

    Changing a value in place (`session["cart"].append(x)`) is invisible to the session: set
    `modified = True` yourself then, or the cookie is not written."""

    __slots__ = ("_data", "modified")

    def __init__(self, data: Optional[Dict[str, Any]] = None) -> None:
        self._data: Dict[str, Any] = dict(data or {})
        self.modified = False

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def clear(self) -> None:
        # One step instead of MutableMapping's popitem loop; clearing nothing changes nothing.
        if self._data:
            self._data.clear()
            self.modified = True

    def to_dict(self) -> Dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Session({self._data!r})"


class SessionManager:
    """Reads and writes one app's session cookie. `configure_sessions` makes one and wires its
    `load` and `save` into hooks; it can also be used by hand."""

    def __init__(
        self,
        secret_key: Union[str, bytes],
        *,
        cookie_name: str = "session",
        max_age: Optional[int] = 1209600,
        path: str = "/",
        domain: Optional[str] = None,
        secure: bool = False,
        http_only: bool = True,
        same_site: Optional[str] = "Lax",
    ) -> None:
        if not secret_key:
            raise ValueError("configure_sessions() needs a non-empty secret_key")
        if not cookie_name or any(c in cookie_name for c in '=;, \t"'):
            raise ValueError(f"Invalid session cookie name: {cookie_name!r}")
        if same_site is not None:
            normalized = _SAME_SITE.get(str(same_site).strip().lower())
            if normalized is None:
                raise ValueError(f"same_site must be 'Strict', 'Lax', 'None' or None, not {same_site!r}")
            if normalized == "None" and not secure:
                # Browsers refuse SameSite=None cookies that are not Secure.
                raise ValueError("same_site='None' requires secure=True")
            same_site = normalized
        secret = secret_key.encode("utf-8") if isinstance(secret_key, str) else bytes(secret_key)
        self._key = hashlib.sha256(_SALT + secret).digest()
        self.cookie_name = cookie_name
        self.max_age = max_age
        self.path = path
        self.domain = domain
        self.secure = secure
        self.http_only = http_only
        self.same_site = same_site

    # ---- The cookie value ----------------------------------------------------------------------

    def dumps(self, session: Union[Session, Dict[str, Any]]) -> str:
        """The signed cookie value for this data, expiring max_age seconds from now."""
        envelope: Dict[str, Any] = {"d": dict(session)}
        if self.max_age is not None:
            envelope["exp"] = int(time.time()) + int(self.max_age)
        try:
            payload = json.dumps(envelope, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Session data must be JSON-serializable, to be kept in a cookie: {exc}") from None
        encoded = _b64encode(payload)
        return f"{encoded}.{self._signature(encoded)}"

    def loads(self, value: str) -> Session:
        """The session in a cookie value; an empty one when the value is malformed, its signature
        is wrong or it has expired. Never raises."""
        data = self._verified(value)
        return Session(data) if data is not None else Session()

    def _verified(self, value: str) -> Optional[Dict[str, Any]]:
        encoded, dot, signature = value.rpartition(".")
        if not dot or not value.isascii():
            return None
        if not hmac.compare_digest(self._signature(encoded), signature):
            return None
        try:
            envelope = json.loads(_b64decode(encoded))
        except (ValueError, binascii.Error, RecursionError):  # bad UTF-8 and bad JSON are ValueErrors
            return None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("d"), dict):
            return None
        expires = envelope.get("exp")
        if expires is not None:
            if not isinstance(expires, (int, float)) or isinstance(expires, bool) or not expires >= time.time():
                return None
        return envelope["d"]

    def _signature(self, encoded: str) -> str:
        return _b64encode(hmac.new(self._key, encoded.encode("ascii"), hashlib.sha256).digest())

    # ---- Requests and responses -----------------------------------------------------------------

    def load(self, request: Request) -> Session:
        """The request's session: from the first of its session cookies that verifies (a browser
        sends several when cookies of that name were set for several paths), else empty."""
        for value in _cookie_values(request, self.cookie_name):
            data = self._verified(value)
            if data is not None:
                return Session(data)
        return Session()

    def save(self, session: Session, response: Response) -> None:
        """Sets the cookie on the response when the session changed: the data, or an empty value
        with Max-Age=0 (the browser drops it) when the session was emptied."""
        if not session.modified:
            return
        if len(session):
            value, max_age = self.dumps(session), self.max_age
            if len(value) > _COOKIE_LIMIT:
                _logger.warning("The session cookie is %d bytes: browsers drop cookies over about 4 KB", len(value))
        else:
            value, max_age = "", 0
        response.set_cookie(
            self.cookie_name,
            value,
            path=self.path,
            domain=self.domain,
            max_age=max_age,
            secure=self.secure,
            http_only=self.http_only,
            same_site=self.same_site,
        )

    # ---- The hooks configure_sessions registers (global, in registration order) ------------------

    def _load_hook(self, request: Request) -> Request:
        request.session = self.load(request)
        return request

    def _save_hook(self, request: Request, response: Response) -> Response:
        # No session when a before hook that ran earlier answered the request itself.
        if isinstance(request.session, Session):
            self.save(request.session, response)
        return response


def _cookie_values(request: Request, name: str) -> Iterator[str]:
    """The values of the request's cookies called `name`, in the order they were sent."""
    for header in request.headers.get_all("cookie"):
        for pair in header.split(";"):
            key, eq, value = pair.partition("=")
            if eq and key.strip() == name:
                yield value.strip()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
