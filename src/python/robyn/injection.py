"""Deciding, once per handler, what each parameter receives.

`plan_injection` inspects the signature at registration and returns an invoker
`invoke(request)` that only executes: each parameter has a resolver
`resolver(request) -> value` chosen by annotation, then by reserved name, else
"by name" from the path or the query string with type coercion."""

import inspect
import json
import logging
import typing
from operator import attrgetter
from typing import Any, Callable, Dict, List, Optional, Tuple

from robyn.coercion import named_resolver
from robyn.headers import Headers
from robyn.jsonify import dumps
from robyn.query_params import QueryParams
from robyn.request import Request
from robyn.pydantic_support import validate_pydantic_body
from robyn.results import APPLICATION_JSON, BadRequest
from robyn.types import Body, Files, FormData, IPAddress, JsonBody, Method, PathParams, RequestMethod, RequestURL
from robyn.url import Identity, Url

_logger = logging.getLogger(__name__)

Resolver = Callable[[Request], Any]
_EMPTY = inspect.Parameter.empty


def _itself(request: Request) -> Request:
    return request


_query_params = attrgetter("query_params")
_headers = attrgetter("headers")
_path_params = attrgetter("path_params")
_body = attrgetter("body")
_method = attrgetter("method")
_url = attrgetter("url")
_ip_addr = attrgetter("ip_addr")
_identity = attrgetter("identity")
_form_data = attrgetter("form_data")
_files = attrgetter("files")

_BY_NEWTYPE: Dict[Any, Resolver] = {
    PathParams: _path_params,
    Method: _method,
    RequestMethod: _method,
    RequestURL: _url,
    FormData: _form_data,
    Files: _files,
    IPAddress: _ip_addr,
}

# Checked in order: the first base class the annotation derives from wins.
_BY_CLASS: List[Tuple[type, Resolver]] = [
    (Request, _itself),
    (QueryParams, _query_params),
    (Headers, _headers),
    (Body, _body),
    (Url, _url),
    (Identity, _identity),
]

_BY_RESERVED_NAME: Dict[str, Resolver] = {
    "request": _itself,
    "req": _itself,
    "r": _itself,
    "query_params": _query_params,
    "headers": _headers,
    "path_params": _path_params,
    "body": _body,
    "method": _method,
    "url": _url,
    "ip_addr": _ip_addr,
    "identity": _identity,
    "form_data": _form_data,
    "files": _files,
}


def plan_injection(
    handler: Callable[..., Any],
    path: str,
    param_names: Tuple[str, ...],
    dependencies: Dict[str, Dict[str, Any]],
) -> Optional[Callable[[Request], Any]]:
    """The invoker for `handler`, or None when it takes no parameters (then the
    dispatcher calls it bare and never builds a Request).

    `dependencies` maps "global_dependencies" / "router_dependencies" to the dicts
    a parameter of that name receives (by reference: later injections show)."""
    positional: List[Resolver] = []
    keyword: List[Tuple[str, Resolver]] = []
    params = _signature(handler).parameters
    for param in params.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        resolver = _resolver_for(param, param_names, dependencies)
        if param.kind is param.KEYWORD_ONLY:
            keyword.append((param.name, resolver))
        else:
            positional.append(resolver)
    _warn_unreachable_params(handler, path, param_names, params, positional + [r for _, r in keyword])
    if not positional and not keyword:
        return None
    return _invoker(handler, tuple(positional), tuple(keyword))


def _signature(handler: Callable[..., Any]) -> inspect.Signature:
    try:  # resolves `from __future__ import annotations` strings
        return inspect.signature(handler, eval_str=True)
    except Exception:
        return inspect.signature(handler)


def _resolver_for(
    param: inspect.Parameter, param_names: Tuple[str, ...], dependencies: Dict[str, Dict[str, Any]]
) -> Resolver:
    resolver = _by_annotation(param.annotation)
    if resolver is not None:
        return resolver
    resolver = _BY_RESERVED_NAME.get(param.name)
    if resolver is not None:
        return resolver
    if param.name in dependencies:
        deps = dependencies[param.name]
        return lambda request: deps
    return named_resolver(param, param.name in param_names)


def _by_annotation(annotation: Any) -> Optional[Resolver]:
    if annotation is _EMPTY:
        return None
    try:
        resolver = _BY_NEWTYPE.get(annotation)
    except TypeError:  # unhashable annotation
        resolver = None
    if resolver is not None or not isinstance(annotation, type):
        return resolver
    for base, resolver in _BY_CLASS:
        if issubclass(annotation, base):
            return resolver
    if issubclass(annotation, JsonBody) or typing.is_typeddict(annotation):
        return _json_body
    if callable(getattr(annotation, "model_validate_json", None)):  # a pydantic model
        return _model_body(annotation)
    if hasattr(annotation, "__fields__") and callable(getattr(annotation, "parse_raw", None)):
        # Debian 12's python3-pydantic is 1.10: say so at registration, not with a 500 later.
        raise TypeError(
            f"{annotation.__name__} is a pydantic 1 model; model parameters need pydantic 2 "
            "(model_validate_json). Run the app with a Python that has pydantic 2, e.g. "
            "--python pointing at a virtualenv with `pip install 'pydantic>=2'`."
        )
    return None


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        body = dumps({"error": f"Invalid JSON body: {exc}"}).encode()
        raise BadRequest((400, APPLICATION_JSON, body)) from None


def _model_body(model: Any) -> Resolver:
    def resolve(request: Request) -> Any:
        value, error = validate_pydantic_body(model, request.body)
        if error is not None:
            raise BadRequest((422, APPLICATION_JSON, dumps(error).encode()))
        return value

    return resolve


def _invoker(
    handler: Callable[..., Any], positional: Tuple[Resolver, ...], keyword: Tuple[Tuple[str, Resolver], ...]
) -> Callable[[Request], Any]:
    if not keyword and len(positional) == 1:
        (only,) = positional
        if only is _itself:
            return handler  # the common `def h(request)`: no wrapper at all
        return lambda request: handler(only(request))
    if not keyword:
        return lambda request: handler(*[r(request) for r in positional])
    return lambda request: handler(
        *[r(request) for r in positional], **{n: r(request) for n, r in keyword}
    )


def _warn_unreachable_params(
    handler: Callable[..., Any],
    path: str,
    param_names: Tuple[str, ...],
    accepted: "typing.Mapping[str, inspect.Parameter]",
    resolvers: List[Resolver],
) -> None:
    if not param_names or _itself in resolvers or _path_params in resolvers:
        return
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return
    unreachable = [n for n in param_names if n not in accepted]
    if unreachable:
        _logger.warning(
            "Route %s: handler %s cannot receive path parameter(s) %s",
            path, getattr(handler, "__name__", handler), ", ".join(unreachable),
        )
