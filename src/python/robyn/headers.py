"""Headers: a case-insensitive multimap (names stored lower-case).

A request's headers come from the gateway as one block of `name:value` lines and stay that block
until something needs the whole map: `get`, `contains` and `set`, what hooks and handlers mostly
do, work on the block as it is (a hook that only sets one header spared parsing four lines was a
fifth of a hooked request's Python)."""

from typing import Dict, Iterable, List, Optional, Tuple, Union

HeaderValues = Union[str, Iterable[str]]


class Headers:
    # _raw: None, or the unparsed block ("\n" before each line); then _d holds only the names
    # `set` since, which replace the block's values when _map parses it (in the order a dict
    # keeps them: as if each set had been made on the parsed map).
    __slots__ = ("_d", "_raw")

    def __init__(self, default_headers: Optional[Union[Dict[str, HeaderValues], "Headers"]] = None) -> None:
        self._d: Dict[str, List[str]] = {}
        self._raw: Optional[str] = None
        if isinstance(default_headers, Headers):
            self._d = {k: list(v) for k, v in default_headers._map().items()}
        elif default_headers:
            self.populate_from_dict(default_headers)

    @classmethod
    def _from_raw(cls, raw: str) -> "Headers":
        """The bridge's header block: `name:value` lines, names already lower-case, parsed when
        first needed."""
        headers = cls.__new__(cls)
        headers._d = {}
        headers._raw = "\n" + raw if raw else None
        return headers

    def _map(self) -> Dict[str, List[str]]:
        """The whole map, parsing the block first if it is still one."""
        raw = self._raw
        if raw is None:
            return self._d
        d: Dict[str, List[str]] = {}
        for line in raw.split("\n"):
            name, sep, value = line.partition(":")
            if sep:
                values = d.get(name)
                if values is None:
                    d[name] = [value]
                else:
                    values.append(value)
        d.update(self._d)
        self._d, self._raw = d, None
        return d

    @classmethod
    def _from_flat(cls, flat: Tuple[str, ...]) -> "Headers":
        """The inverse of `_flat`."""
        if len(flat) == 2:  # one header, as most answers have (their content type): no loop
            d: Dict[str, List[str]] = {flat[0]: [flat[1]]}
        else:
            d = {}
            for i in range(0, len(flat) - 1, 2):
                d.setdefault(flat[i], []).append(flat[i + 1])
        headers = cls.__new__(cls)
        headers._d, headers._raw = d, None
        return headers

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The last value; Robyn has no default argument, the seed API passes one."""
        key = key.lower()
        values = self._d.get(key)
        if values is None:
            raw = self._raw
            # The block's last line of that name, found without parsing (a name with a line's
            # separators in it is no line's name).
            if raw is not None and "\n" not in key and ":" not in key:
                at = raw.rfind("\n" + key + ":")
                if at >= 0:
                    start = at + len(key) + 2
                    end = raw.find("\n", start)
                    return raw[start:] if end < 0 else raw[start:end]
            return default
        return values[-1] if values else default

    def __getitem__(self, key: str) -> Optional[str]:
        return self.get(key)

    def set(self, key: str, value: str) -> None:
        self._d[key.lower()] = [str(value)]  # on a block, too: it replaces the block's values

    __setitem__ = set

    def append(self, key: str, value: str) -> None:
        self._map().setdefault(key.lower(), []).append(str(value))

    def get_all(self, key: str) -> List[str]:
        return list(self._map().get(key.lower(), ()))

    def contains(self, key: str) -> bool:
        key = key.lower()
        if key in self._d:
            return True
        return self._raw is not None and "\n" not in key and ":" not in key and self._raw.find("\n" + key + ":") >= 0

    __contains__ = contains

    def get_headers(self) -> Dict[str, List[str]]:
        return {k: list(v) for k, v in self._map().items()}

    def to_dict(self) -> Dict[str, str]:
        return {k: ", ".join(v) for k, v in self._map().items()}

    def keys(self) -> List[str]:
        return list(self._map())

    def values(self) -> List[str]:
        return [v[-1] for v in self._map().values()]

    def items(self) -> List[Tuple[str, str]]:
        return [(k, v[-1]) for k, v in self._map().items()]

    def multi_items(self) -> List[Tuple[str, str]]:
        return [(k, value) for k, v in self._map().items() for value in v]

    def populate_from_dict(self, headers: Dict[str, HeaderValues]) -> None:
        """Add every value of `headers` (a value may be a str or a list of str)."""
        d = self._map()
        for key, value in headers.items():
            values = d.setdefault(key.lower(), [])
            if isinstance(value, str):
                values.append(value)
            else:
                values.extend(str(v) for v in value)

    def is_empty(self) -> bool:
        return not self._map()

    def _flat(self) -> Tuple[str, ...]:
        """The bridge form: (name, value, name, value, ...)."""
        flat: List[str] = []
        for name, values in self._map().items():
            for value in values:
                flat.append(name)
                flat.append(value)
        return tuple(flat)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._map() == other._map()

    def __repr__(self) -> str:
        return f"Headers({self._map()!r})"
