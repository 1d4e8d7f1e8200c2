"""Parameters read by name from the path or the query string, converted to
their annotated type (Robyn's "easy access" parameters).

`named_resolver` / `coercion_for` run once per parameter at registration; the
resolver they build runs per request and raises BadRequest (a ready 400)."""

import inspect
import types
import typing
from typing import Any, Callable, NamedTuple, Optional

from robyn.results import BadRequest, text_result

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_NONE_TYPE = type(None)

Converter = Optional[Callable[[str], Any]]  # None: keep the string as it is


class QueryParamValidationError(BadRequest):
    """A path or query parameter that is missing or cannot be converted (Robyn's name; exported
    from robyn.types). Its `detail` is the text of the 400 answer."""

    def __init__(self, param_name: str, value: Optional[str], expected_type: Any, message: Optional[str] = None) -> None:
        self.param_name, self.value, self.expected_type = param_name, value, expected_type
        if message:
            self.detail = message
        elif value is None:
            self.detail = f"Missing required parameter: '{param_name}'"
        else:
            expected = getattr(expected_type, "__name__", str(expected_type))
            self.detail = f"Invalid value '{value}' for parameter '{param_name}': expected {expected}"
        super().__init__(text_result(400, self.detail))
        self.args = (self.detail,)


class Coercion(NamedTuple):
    convert: Converter
    many: bool  # list[T]: every value of the name, each converted
    optional: bool  # Optional[T] / T | None: missing gives None
    expected: str  # the type name shown in the 400 message


def named_resolver(param: inspect.Parameter, from_path: bool) -> Callable[[Any], Any]:
    name, default = param.name, param.default
    convert, many, optional, expected = coercion_for(param.annotation)

    def missing() -> Any:
        if default is not inspect.Parameter.empty:
            return default
        if optional:
            return None
        raise QueryParamValidationError(name, None, expected)

    def converted(raw: str) -> Any:
        try:
            return convert(raw)
        except (ValueError, TypeError):
            raise QueryParamValidationError(name, raw, expected) from None

    if many:
        def resolve_all(request: Any) -> Any:
            raw = request.path_params.get(name) if from_path else None
            values = [raw] if raw is not None else request.query_params.get_all(name)
            if values is None:
                return missing()
            return values if convert is None else [converted(v) for v in values]

        return resolve_all

    def resolve(request: Any) -> Any:
        raw = (request.path_params if from_path else request.query_params).get(name)
        if raw is None:
            return missing()
        return raw if convert is None else converted(raw)

    return resolve


def coercion_for(annotation: Any) -> Coercion:
    inner, optional = _unwrap_optional(annotation)
    many = inner is list or typing.get_origin(inner) is list
    if many:
        args = typing.get_args(inner)
        inner, _ = _unwrap_optional(args[0] if args else str)
    return Coercion(_converter(inner), many, optional, _type_name(inner))


def to_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"not a boolean: {raw!r}")


def _unwrap_optional(annotation: Any) -> "tuple[Any, bool]":
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return annotation, False
    members = typing.get_args(annotation)
    rest = tuple(m for m in members if m is not _NONE_TYPE)
    optional = len(rest) != len(members)
    return (rest[0] if len(rest) == 1 else typing.Union[rest]), optional


def _converter(annotation: Any) -> Converter:
    if annotation is inspect.Parameter.empty or annotation is str or annotation is Any:
        return None
    if not callable(annotation):
        return None  # a string annotation that could not be resolved
    if annotation is bool:
        return to_bool
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return _first_that_fits([_converter(m) for m in typing.get_args(annotation)])
    return annotation  # int, float, Enum, UUID, ...: called with the string


def _first_that_fits(converters: "list[Converter]") -> Callable[[str], Any]:
    def convert(raw: str) -> Any:
        for converter in converters:
            if converter is None:
                return raw
            try:
                return converter(raw)
            except (ValueError, TypeError):
                continue
        raise ValueError(raw)

    return convert


def _type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return "str"
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " | ".join(_type_name(m) for m in typing.get_args(annotation))
    return getattr(annotation, "__name__", str(annotation))
