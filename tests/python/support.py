"""Helpers that call routes exactly as the gateway does (raw bridge fields)."""

import asyncio
from typing import Dict, Optional, Tuple

from robyn import Robyn


def new_app(tmp_path=None) -> Robyn:
    return Robyn(str(tmp_path / "app.py") if tmp_path else __file__)


def raw_headers(headers: Optional[Dict[str, str]]) -> str:
    return "\n".join(f"{k.lower()}:{v}" for k, v in (headers or {}).items())


def call(
    app,
    method: str,
    pattern: str,
    *,
    path: Optional[str] = None,
    query: str = "",
    headers: Optional[Dict[str, str]] = None,
    body: bytes = b"",
    params: Tuple[str, ...] = (),
    client_ip: str = "127.0.0.1",
    host: str = "localhost:8080",
    scheme: str = "http",
):
    """Run the route registered as (method, pattern) and return its result tuple."""
    route = next(r for r in app.routes if r.method == method and r.path == pattern)
    fields = (method, path or pattern, query, raw_headers(headers), body, params, client_ip, host, scheme)
    if route.endpoint.is_async:
        return asyncio.run(route.endpoint.run_async(*fields))
    return route.endpoint.run_sync(*fields)


def header_dict(result) -> Dict[str, str]:
    flat = result[1] or ()
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
