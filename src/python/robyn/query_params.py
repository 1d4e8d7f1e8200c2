"""QueryParams: the query string as a multimap of decoded values."""

from typing import Dict, List, Optional, Tuple
from urllib.parse import unquote_plus


class QueryParams:
    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: Dict[str, List[str]] = {}

    @classmethod
    def _parse(cls, raw: str) -> "QueryParams":
        """Split on `&` and the first `=`, then decode as browsers encode (`%XX`, `+` is a space).

        Robyn hands handlers the raw text (`John%20Doe`); users of every other framework
        expect decoded values, so we decode. Parts without `%` or `+` skip the decoder.
        """
        d: Dict[str, List[str]] = {}
        if raw:
            for part in raw.split("&"):
                if part:
                    key, _, value = part.partition("=")
                    if "%" in part or "+" in part:
                        key, value = unquote_plus(key), unquote_plus(value)
                    values = d.get(key)
                    if values is None:
                        d[key] = [value]
                    else:
                        values.append(value)
        params = cls.__new__(cls)
        params._d = d
        return params

    def set(self, key: str, value: str) -> None:
        """Append a value (Robyn's `set` does not replace)."""
        self._d.setdefault(key, []).append(value)

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        values = self._d.get(key)
        return values[-1] if values else default

    def get_first(self, key: str) -> Optional[str]:
        values = self._d.get(key)
        return values[0] if values else None

    def get_all(self, key: str) -> Optional[List[str]]:
        values = self._d.get(key)
        return list(values) if values is not None else None

    def contains(self, key: str) -> bool:
        return key in self._d

    __contains__ = contains

    def empty(self) -> bool:
        return not self._d

    def keys(self) -> List[str]:
        return list(self._d)

    def values(self) -> List[str]:
        return [v[-1] for v in self._d.values()]

    def items(self) -> List[Tuple[str, str]]:
        return [(k, v[-1]) for k, v in self._d.items()]

    def multi_items(self) -> List[Tuple[str, str]]:
        return [(k, value) for k, v in self._d.items() for value in v]

    def to_dict(self) -> Dict[str, List[str]]:
        return {k: list(v) for k, v in self._d.items()}

    def extend(self, other: "QueryParams") -> None:
        for key, values in other._d.items():
            self._d.setdefault(key, []).extend(values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryParams):
            return NotImplemented
        return self._d == other._d

    def __repr__(self) -> str:
        return f"QueryParams({self._d!r})"
