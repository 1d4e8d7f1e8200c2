"""Robyn's native-module names (`from robyn.robyn import Headers, QueryParams, Url`).

In Robyn these come from the Rust extension; here they are plain Python."""

from robyn.cookies import Cookie, Cookies
from robyn.enums import HttpMethod, MiddlewareType
from robyn.function_info import FunctionInfo
from robyn.headers import Headers
from robyn.query_params import QueryParams
from robyn.request import Request
from robyn.response import Response
from robyn.url import Identity, Url
from robyn.version import get_version

__all__ = [
    "Cookie",
    "Cookies",
    "FunctionInfo",
    "Headers",
    "HttpMethod",
    "Identity",
    "MiddlewareType",
    "QueryParams",
    "Request",
    "Response",
    "Url",
    "get_version",
]
