"""Pydantic models as handler parameters and return values (Robyn's `robyn.pydantic_support`).

pydantic is optional: nothing here imports it until a question about a model is asked, and
every answer is "no" when it is not installed. The request path calls only
`validate_pydantic_body`; the rest runs when routes are registered or the spec is built."""

import importlib.util
import inspect
import json
import sys
from typing import Any, Dict, List, Mapping, Optional, Tuple

from robyn.jsonify import dumps

__all__ = [
    "MultiplePydanticBodyError",
    "PydanticBodyValidationError",
    "PydanticNotInstalledError",
    "check_pydantic_installed_for_handler",
    "detect_pydantic_params",
    "get_pydantic_openapi_schema",
    "is_pydantic_available",
    "is_pydantic_model",
    "serialize_pydantic_response",
    "validate_pydantic_body",
]


def _base_model() -> Optional[type]:
    # Never imported here: a class can be a model only if its app imported pydantic already, so
    # an app without models pays nothing (pydantic's import is slow) when its routes are read.
    return getattr(sys.modules.get("pydantic"), "BaseModel", None)


def is_pydantic_available() -> bool:
    return importlib.util.find_spec("pydantic") is not None


def is_pydantic_model(annotation: Any) -> bool:
    base = _base_model()
    return base is not None and inspect.isclass(annotation) and issubclass(annotation, base)


def is_pydantic_v2_model(annotation: Any) -> bool:
    """A model with pydantic 2's API (model_json_schema, model_validate), which the spec and
    response_model use; Debian 12's pydantic is 1.10."""
    return is_pydantic_model(annotation) and callable(getattr(annotation, "model_json_schema", None))


def detect_pydantic_params(handler_params: Mapping[str, inspect.Parameter]) -> Dict[str, type]:
    """The parameters (of `inspect.signature(handler).parameters`) annotated with a model."""
    return {name: p.annotation for name, p in handler_params.items() if is_pydantic_model(p.annotation)}


def _json_errors(error: Any) -> List[Any]:
    # `.json()` makes every field serialisable (bytes input, tuple locations, exception contexts).
    return json.loads(error.json(include_url=False)) if hasattr(error, "json") else [str(error)]


def validate_pydantic_body(model_class: Any, body: Any) -> Tuple[Any, Optional[dict]]:
    """(model, None) when the body validates, else (None, Robyn's 422 body as a dict)."""
    try:
        return model_class.model_validate_json(body), None
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        return None, {"detail": _json_errors(error), "error": "Validation Error"}


def get_pydantic_openapi_schema(model_class: Any) -> Tuple[dict, dict]:
    """(the model's schema, the schemas it refers to), refs pointing into components.schemas."""
    if not is_pydantic_v2_model(model_class):
        return {}, {}
    schema = model_class.model_json_schema(ref_template="#/components/schemas/{model}")
    return schema, schema.pop("$defs", {})


def serialize_pydantic_response(value: Any) -> Optional[str]:
    """JSON text for a model or a list of models; None for anything else."""
    base = _base_model()
    if base is None:
        return None
    if isinstance(value, base):
        return value.model_dump_json()
    if isinstance(value, list) and value and isinstance(value[0], base):
        return dumps([item.model_dump(mode="json") for item in value])
    return None


class PydanticBodyValidationError(Exception):
    """A body that did not validate; `error_detail` is the 422 answer's body."""

    def __init__(self, error_detail: dict) -> None:
        self.error_detail = error_detail
        super().__init__(error_detail.get("error", "Validation Error"))


class PydanticNotInstalledError(ImportError):
    def __init__(self, handler_name: str, param_name: str, model_name: str) -> None:
        super().__init__(
            f"Handler '{handler_name}' has parameter '{param_name}' annotated with pydantic model "
            f"'{model_name}', but pydantic is not installed in the Python the gateway runs"
        )


class MultiplePydanticBodyError(TypeError):
    def __init__(self, handler_name: str, param_names: List[str]) -> None:
        super().__init__(
            f"Handler '{handler_name}' has several pydantic body parameters {param_names}; "
            "the request body can fill only one"
        )


def check_pydantic_installed_for_handler(handler: Any, pydantic_params: Dict[str, type]) -> None:
    if not pydantic_params:
        return
    if not is_pydantic_available():
        name, model = next(iter(pydantic_params.items()))
        raise PydanticNotInstalledError(handler.__name__, name, model.__name__)
    if len(pydantic_params) > 1:
        raise MultiplePydanticBodyError(handler.__name__, list(pydantic_params))
