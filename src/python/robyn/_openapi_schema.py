"""JSON schemas for Python annotations, for the OpenAPI spec (see robyn.openapi).

`Schemas.of(annotation)` never raises: an annotation it cannot describe gives `{}` and a line in
`problems`, which the caller turns into one warning naming the route. Pydantic 2 models give
their own `model_json_schema()`, inline, with the models they nest put in
`components.schemas` (as Robyn 0.88 does)."""

import dataclasses
import enum
import inspect
import json
import sys
import types
import typing
from collections import abc
from typing import Any, Dict, List, Optional

from robyn.pydantic_support import get_pydantic_openapi_schema, is_pydantic_v2_model

# Stdlib leaf types, as pydantic (and Robyn 0.88) writes them, by module and name. datetime
# before date: a subclass. They are looked up in sys.modules, never imported: an annotation can
# name uuid.UUID only once uuid is imported, and an app that never does (a hello app) keeps
# uuid, decimal and what they import out of its memory.
_LEAVES = (
    ("datetime", "datetime", {"type": "string", "format": "date-time"}),
    ("datetime", "date", {"type": "string", "format": "date"}),
    ("datetime", "time", {"type": "string", "format": "time"}),
    ("datetime", "timedelta", {"type": "string", "format": "duration"}),
    ("uuid", "UUID", {"type": "string", "format": "uuid"}),
    ("decimal", "Decimal", {"type": "number"}),
    ("builtins", "bytes", {"type": "string", "format": "binary"}),
    ("builtins", "bytearray", {"type": "string", "format": "binary"}),
)
# bool before int: a subclass.
_PRIMITIVES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))
# Generic origins that are arrays or objects; bare, only the concrete classes count (a TypedDict
# or a pydantic model is iterable too).
_ARRAYS = (list, set, frozenset, tuple, abc.Sequence, abc.Set, abc.Iterable)
_OBJECTS = (dict, abc.Mapping)
_UNIONS = (typing.Union, types.UnionType)


UNRESOLVED = typing.Any  # an annotation that could not be resolved (already reported): {}


def type_hints(target: Any, problems: List[str]) -> Dict[str, Any]:
    """`target`'s annotations, resolved one by one: one that can't be (a forward reference to a
    name that does not exist) is UNRESOLVED, with a line in `problems`."""
    try:
        return typing.get_type_hints(target)
    except Exception:  # noqa: BLE001 - resolve what can be, below
        pass
    try:
        raw = dict(getattr(target, "__annotations__", None) or {})
    except Exception as error:  # noqa: BLE001 - a raising __annotations__
        problems.append(f"the annotations of {_name(target)}: {error!r}")
        return {}
    namespace = _namespace(target)
    hints = {}
    for name, annotation in raw.items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # noqa: S307 - what get_type_hints does
            except Exception as error:  # noqa: BLE001
                problems.append(f"{name}: {annotation!r}: {error!r}")
                annotation = UNRESOLVED
        hints[name] = annotation
    return hints


def _namespace(target: Any) -> Dict[str, Any]:
    function = inspect.unwrap(target) if callable(target) and not isinstance(target, type) else target
    if isinstance(function, type):
        return dict(vars(sys.modules.get(function.__module__, None) or types.ModuleType("_")))
    return dict(getattr(function, "__globals__", None) or {})


def _name(target: Any) -> str:
    return getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or type(target).__name__


class Schemas:
    """Describes annotations for one spec; `components` is its components.schemas."""

    def __init__(self, components: Dict[str, Any]) -> None:
        self.components = components
        self.problems: List[str] = []
        self._open: List[Any] = []  # classes being described: a self-reference stops there

    def of(self, annotation: Any) -> Dict[str, Any]:
        try:
            schema = self._schema(annotation)
            json.dumps(schema)  # e.g. an Enum whose values JSON can't hold
            return schema
        except Exception as error:  # noqa: BLE001 - a documentation gap, never a failed start
            self.problems.append(f"{annotation!r}: {error!r}")
            return {}

    def _schema(self, annotation: Any) -> Dict[str, Any]:
        if annotation is None or annotation is type(None):
            return {"type": "null"}
        if annotation is Any or annotation is inspect.Parameter.empty or isinstance(annotation, typing.TypeVar):
            return {}
        if isinstance(annotation, (str, typing.ForwardRef)):
            raise TypeError("an unresolved forward reference")
        supertype = getattr(annotation, "__supertype__", None)  # NewType
        if supertype is not None:
            return self._schema(supertype)
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is not None:
            return self._generic(annotation, origin, args)
        if not isinstance(annotation, type):
            raise TypeError("not a type")
        if is_pydantic_v2_model(annotation):
            schema, nested = get_pydantic_openapi_schema(annotation)
            self.components.update(nested)
            return schema
        for module, name, schema in _LEAVES:
            kind = getattr(sys.modules.get(module), name, None)
            if kind is not None and issubclass(annotation, kind):
                return dict(schema)
        if issubclass(annotation, enum.Enum):
            return _enum([member.value for member in annotation])
        for kind, name in _PRIMITIVES:
            if issubclass(annotation, kind):
                return {"type": name}
        if annotation in (dict, abc.Mapping):
            return {"type": "object"}
        if annotation in (list, set, frozenset, tuple):
            return {"type": "array", "items": {}}
        return self._class(annotation)

    def _generic(self, annotation: Any, origin: Any, args: tuple) -> Dict[str, Any]:
        if origin is typing.Annotated:
            return self._schema(args[0])
        if origin is typing.Literal:
            return _enum(list(args))
        if origin in _UNIONS:
            return {"anyOf": [self._schema(arg) for arg in args]}
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self._schema(args[0])}
            if args == ((),) or not args:
                return {"type": "array", "maxItems": 0}
            items = [self._schema(arg) for arg in args]
            return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
        if isinstance(origin, type) and issubclass(origin, _OBJECTS):
            schema: Dict[str, Any] = {"type": "object"}
            if len(args) == 2:
                if args[0] not in (str, Any):
                    schema["propertyNames"] = self._schema(args[0])
                schema["additionalProperties"] = self._schema(args[1])
            return schema
        if isinstance(origin, type) and issubclass(origin, _ARRAYS):
            schema = {"type": "array", "items": self._schema(args[0]) if args else {}}
            if issubclass(origin, (set, frozenset, abc.Set)):
                schema["uniqueItems"] = True
            return schema
        if isinstance(origin, type):  # a generic class of the app's, e.g. Page[Item]
            return self._schema(origin)
        raise TypeError(f"an unsupported generic ({origin!r})")

    def _class(self, cls: type) -> Dict[str, Any]:
        """TypedDicts, dataclasses, Body/JsonBody subclasses and other classes: an object with a
        property per annotated field."""
        if cls in self._open:
            return {"type": "object"}
        self._open.append(cls)
        try:
            hints = type_hints(cls, self.problems)
            properties = {name: self._schema_of_field(cls, name, kind) for name, kind in hints.items()
                          if not name.startswith("_")}
        finally:
            self._open.pop()
        schema: Dict[str, Any] = {"type": "object", "properties": properties}
        required = _required(cls, properties)
        if required:
            schema["required"] = required
        return schema

    def _schema_of_field(self, cls: type, name: str, kind: Any) -> Dict[str, Any]:
        try:
            return self._schema(kind)
        except Exception as error:  # noqa: BLE001 - this field only
            self.problems.append(f"{_name(cls)}.{name}: {error!r}")
            return {}


def _required(cls: type, properties: Dict[str, Any]) -> Optional[List[str]]:
    """The keys a TypedDict requires and the dataclass fields without defaults. Body/JsonBody
    classes declare no requirement: their bodies are not checked against them."""
    if typing.is_typeddict(cls):
        return [name for name in properties if name in getattr(cls, "__required_keys__", properties)]
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.name in properties
                and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    return None


def _enum(values: List[Any]) -> Dict[str, Any]:
    schema: Dict[str, Any] = {"enum": values}
    kinds = {type(value) for value in values}
    if len(kinds) == 1:
        kind = kinds.pop()
        name = next((name for base, name in _PRIMITIVES if issubclass(kind, base)), None)
        if name is not None:
            schema["type"] = name
        elif kind is type(None):
            schema["type"] = "null"
    return schema
