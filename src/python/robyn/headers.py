"""Headers: a case-insensitive multimap (names stored lower-case)."""

from typing import Dict, Iterable, List, Optional, Tuple, Union

HeaderValues = Union[str, Iterable[str]]


class Headers:
    __slots__ = ("_d",)

    def __init__(self, default_headers: Optional[Union[Dict[str, HeaderValues], "Headers"]] = None) -> None:
        self._d: Dict[str, List[str]] = {}
        if isinstance(default_headers, Headers):
            self._d = {k: list(v) for k, v in default_headers._d.items()}
        elif default_headers:
            self.populate_from_dict(default_headers)

    @classmethod
    def _from_raw(cls, raw: str) -> "Headers":
        """Parse the bridge's header block: `name:value` lines, names already lower-case."""
        d: Dict[str, List[str]] = {}
        if raw:
            for line in raw.split("\n"):
                name, sep, value = line.partition(":")
                if sep:
                    values = d.get(name)
                    if values is None:
                        d[name] = [value]
                    else:
                        values.append(value)
        headers = cls.__new__(cls)
        headers._d = d
        return headers

    @classmethod
    def _from_flat(cls, flat: Tuple[str, ...]) -> "Headers":
        """The inverse of `_flat`."""
        d: Dict[str, List[str]] = {}
        for i in range(0, len(flat) - 1, 2):
            d.setdefault(flat[i], []).append(flat[i + 1])
        headers = cls.__new__(cls)
        headers._d = d
        return headers

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The last value; Robyn has no default argument, the seed API passes one."""
        values = self._d.get(key.lower())
        return values[-1] if values else default

    def __getitem__(self, key: str) -> Optional[str]:
        return self.get(key)

    def set(self, key: str, value: str) -> None:
        self._d[key.lower()] = [str(value)]

    __setitem__ = set

    def append(self, key: str, value: str) -> None:
        self._d.setdefault(key.lower(), []).append(str(value))

    def get_all(self, key: str) -> List[str]:
        return list(self._d.get(key.lower(), ()))

    def contains(self, key: str) -> bool:
        return key.lower() in self._d

    __contains__ = contains

    def get_headers(self) -> Dict[str, List[str]]:
        return {k: list(v) for k, v in self._d.items()}

    def to_dict(self) -> Dict[str, str]:
        return {k: ", ".join(v) for k, v in self._d.items()}

    def keys(self) -> List[str]:
        return list(self._d)

    def values(self) -> List[str]:
        return [v[-1] for v in self._d.values()]

    def items(self) -> List[Tuple[str, str]]:
        return [(k, v[-1]) for k, v in self._d.items()]

    def multi_items(self) -> List[Tuple[str, str]]:
        return [(k, value) for k, v in self._d.items() for value in v]

    def populate_from_dict(self, headers: Dict[str, HeaderValues]) -> None:
        """Add every value of `headers` (a value may be a str or a list of str)."""
        for key, value in headers.items():
            values = self._d.setdefault(key.lower(), [])
            if isinstance(value, str):
                values.append(value)
            else:
                values.extend(str(v) for v in value)

    def is_empty(self) -> bool:
        return not self._d

    def _flat(self) -> Tuple[str, ...]:
        """The bridge form: (name, value, name, value, ...)."""
        flat: List[str] = []
        for name, values in self._d.items():
            for value in values:
                flat.append(name)
                flat.append(value)
        return tuple(flat)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._d == other._d

    def __repr__(self) -> str:
        return f"Headers({self._d!r})"
