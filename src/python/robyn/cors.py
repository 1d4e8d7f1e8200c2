"""ALLOW_CORS: recorded on the app as data; the gateway implements it (contract §15)."""

from typing import Iterable, List, Optional, Union


def ALLOW_CORS(app, origins: Union[str, Iterable[str]], headers: Optional[Union[str, Iterable[str]]] = None) -> None:
    app.cors = (_as_list(origins), _as_list(headers) if headers is not None else [])


def _as_list(value: Union[str, Iterable[str]]) -> List[str]:
    return [value] if isinstance(value, str) else list(value)
