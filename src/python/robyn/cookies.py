"""Cookie and Cookies: what `Response.set_cookie` stores and renders as Set-Cookie."""

from typing import Dict, Iterator, List, Optional

_SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
# A name is an HTTP token; a value or attribute may hold anything a browser keeps in one
# attribute: no ';' (it would start another attribute, e.g. "a; Domain=evil.example") and no
# control characters (CR/LF would start another header).
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _check(what: str, text: str) -> str:
    text = str(text)
    if any(c == ";" or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValueError(f"cookie {what} {text!r} contains ';' or a control character")
    return text


def check_name(name: str) -> str:
    if not name or not set(name) <= _TOKEN:
        raise ValueError(f"cookie name {name!r} is not a token (letters, digits and !#$%&'*+-.^_`|~)")
    return name


class Cookie:
    __slots__ = ("value", "path", "domain", "max_age", "expires", "secure", "http_only", "same_site")

    def __init__(
        self,
        value: str,
        path: Optional[str] = None,
        domain: Optional[str] = None,
        max_age: Optional[int] = None,
        expires: Optional[str] = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: Optional[str] = None,
    ) -> None:
        self.value = _check("value", value)
        self.path = _check("path", path) if path is not None else None
        self.domain = _check("domain", domain) if domain is not None else None
        self.max_age = int(max_age) if max_age is not None else None
        self.expires = _check("expires", expires) if expires is not None else None
        self.secure, self.http_only, self.same_site = secure, http_only, same_site

    @classmethod
    def deleted(cls) -> "Cookie":
        """A cookie that makes the browser drop the one it has."""
        return cls("", max_age=0)

    def render(self, name: str) -> Optional[str]:
        """The Set-Cookie value, or None when `same_site` is not a valid value
        (Robyn silently drops such a cookie). `expires` is never emitted, as in Robyn."""
        parts = [f"{name}={self.value}"]
        if self.path is not None:
            parts.append(f"Path={self.path}")
        if self.domain is not None:
            parts.append(f"Domain={self.domain}")
        if self.max_age is not None:
            parts.append(f"Max-Age={self.max_age}")
        if self.secure:
            parts.append("Secure")
        if self.http_only:
            parts.append("HttpOnly")
        if self.same_site is not None:
            same_site = _SAME_SITE.get(str(self.same_site).lower())
            if same_site is None:
                return None
            parts.append(f"SameSite={same_site}")
        return "; ".join(parts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cookie):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in self.__slots__)

    def __repr__(self) -> str:
        return f"Cookie({self.value!r})"


class Cookies:
    """Cookies by name; setting a name again replaces it."""

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: Dict[str, Cookie] = {}

    def set(self, name: str, cookie: Cookie) -> None:
        self._d[check_name(name)] = cookie

    def get(self, name: str) -> Optional[Cookie]:
        return self._d.get(name)

    def remove(self, name: str) -> Optional[Cookie]:
        """Forget a cookie this response would have set."""
        return self._d.pop(name, None)

    def delete(self, name: str) -> None:
        """Tell the browser to drop `name`."""
        self._d[name] = Cookie.deleted()

    def keys(self) -> List[str]:
        return list(self._d)

    def is_empty(self) -> bool:
        return not self._d

    def _set_cookie_values(self) -> List[str]:
        rendered = (cookie.render(name) for name, cookie in self._d.items())
        return [value for value in rendered if value is not None]

    __setitem__ = set

    def __getitem__(self, name: str) -> Cookie:
        return self._d[name]

    def __delitem__(self, name: str) -> None:
        del self._d[name]

    def __contains__(self, name: object) -> bool:
        return name in self._d

    def __iter__(self) -> "CookiesIter":
        return CookiesIter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        return f"Cookies({self._d!r})"


class CookiesIter:
    """Iterates over a Cookies' names (Robyn's `robyn.robyn.CookiesIter`)."""

    __slots__ = ("_names",)

    def __init__(self, cookies: Dict[str, "Cookie"]) -> None:
        self._names = iter(list(cookies))

    def __iter__(self) -> "CookiesIter":
        return self

    def __next__(self) -> str:
        return next(self._names)
