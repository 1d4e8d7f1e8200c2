"""Url and Identity: the small read-mostly values a Request carries."""

from typing import Dict, NamedTuple


class Url(NamedTuple):
    """`request.url`: read-only; `host` includes the port, as the Host header does."""

    scheme: str
    host: str
    path: str


class Identity:
    """What an authentication handler attaches to `request.identity`."""

    __slots__ = ("claims",)

    def __init__(self, claims: Dict[str, str]) -> None:
        self.claims = claims

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and other.claims == self.claims

    def __repr__(self) -> str:
        return f"Identity(claims={self.claims!r})"
