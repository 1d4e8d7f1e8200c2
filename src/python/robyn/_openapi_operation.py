"""One OpenAPI operation from a route's handler and decorator options (see robyn.openapi).

What a handler takes is read from its annotations, as Robyn 0.88 does: a QueryParams subclass
gives query parameters; a Body/JsonBody (bare or subclassed), a TypedDict or a pydantic model the
request body; the return annotation (or response_model) the success response. Path parameters
come from the route, typed by a handler parameter of the same name."""

import copy
import inspect
import re
import typing
from typing import Any, Callable, Dict, List, Optional

from robyn._openapi_schema import Schemas, type_hints
from robyn.pydantic_support import is_pydantic_v2_model
from robyn.query_params import QueryParams
from robyn.response import Response
from robyn.responses import FileResponse
from robyn.streaming import StreamingResponse
from robyn.types import Body, JsonBody

_NO_SCHEMA_RETURNS = (Response, StreamingResponse, FileResponse)


def handler_operation(security: List[str], schemas: Schemas, endpoint: str, name: str, tags: List[str],
                      handler: Callable[..., Any], auth_required: bool, meta: Any) -> Dict[str, Any]:
    """Reads what the handler takes and returns from its annotations, as Robyn does."""
    hints = type_hints(handler, schemas.problems)
    query_params = request_body = None
    for annotation in (hints.get(p) for p in inspect.signature(handler).parameters):
        if not isinstance(annotation, type):
            continue
        if issubclass(annotation, QueryParams):
            query_params = annotation
        elif issubclass(annotation, (Body, JsonBody)) or is_pydantic_v2_model(annotation) or typing.is_typeddict(annotation):
            request_body = annotation
    returned = meta.response_model if meta.response_model is not None else hints.get("return", inspect.Parameter.empty)
    summary = meta.summary if meta.summary is not None else (name or getattr(handler, "__name__", ""))
    description = meta.description if meta.description is not None else inspect.getdoc(handler)
    return path_obj(security, schemas, endpoint, summary, description, tags, query_params, request_body, returned,
                    auth_required, meta, hints)


def path_obj(security: List[str], schemas: Schemas, endpoint: str, summary: str, description: Optional[str],
             tags: List[str], query_params: Any, request_body: Any, returned: Any, auth_required: bool,
             meta: Any, hints: Dict[str, Any]) -> Dict[str, Any]:
    """The operation object; `security` is the spec's security scheme names."""
    operation: Dict[str, Any] = {
        "summary": summary,
        "description": description or "No description provided",
        "parameters": [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                       for n in re.findall(r"(?<=/)[:*](\w+)", endpoint)],
        "tags": list(tags or []),
    }
    if meta.operation_id is not None:
        operation["operationId"] = meta.operation_id
    if meta.deprecated:
        operation["deprecated"] = True
    if auth_required and security:
        operation["security"] = [{scheme: []} for scheme in security]
    for parameter in operation["parameters"]:  # `def h(book_id: int)` on /books/:book_id
        if parameter["name"] in hints:
            parameter["schema"] = schemas.of(hints[parameter["name"]]) or parameter["schema"]
    if query_params is not None:
        operation["parameters"] += _query_parameters(query_params, schemas)
    if request_body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schemas.of(request_body)}}}
    operation["responses"] = {str(meta.status_code or 200): _success(returned, schemas)}
    if meta.responses:
        operation["responses"].update(responses_of(meta.responses, schemas))
    return operation


def _query_parameters(params: type, schemas: Schemas) -> List[Dict[str, Any]]:
    if params is QueryParams:
        return []
    return [{"name": name, "in": "query", "required": not hasattr(params, name), "schema": schemas.of(kind)}
            for name, kind in type_hints(params, schemas.problems).items()]


def _success(returned: Any, schemas: Schemas) -> Dict[str, Any]:
    if returned is inspect.Parameter.empty or returned is None or returned is type(None) or (
            isinstance(returned, type) and issubclass(returned, _NO_SCHEMA_RETURNS)):
        media, schema = "text/plain", {}
    elif returned is str:
        media, schema = "text/plain", {"type": "string"}
    elif returned is bytes:
        media, schema = "application/octet-stream", {"type": "string", "format": "binary"}
    else:
        media, schema = "application/json", schemas.of(returned)
    return {"description": "Successful Response", "content": {media: {"schema": schema}}}


def responses_of(responses: Any, schemas: Schemas) -> Dict[str, Any]:
    """`responses=` in Robyn's documented forms: `{404: "description"}`, `{422: {"description":
    ..., "model": Model}}` (other keys are OpenAPI's response object), and also a bare type."""
    if not isinstance(responses, dict):
        schemas.problems.append(f"responses={responses!r} is not a dict")
        return {}
    built = {}
    for status, value in responses.items():
        key = str(int(status)) if isinstance(status, int) else str(status)
        if isinstance(value, str):
            built[key] = {"description": value}
        elif isinstance(value, dict):
            response = {k: copy.deepcopy(v) for k, v in value.items() if k != "model"}
            response.setdefault("description", "")
            if value.get("model") is not None:
                content = response.get("content") if isinstance(response.get("content"), dict) else {}
                content["application/json"] = {"schema": schemas.of(value["model"])}
                response["content"] = content
            built[key] = response
        elif isinstance(value, type) or typing.get_origin(value) is not None:
            built[key] = {"description": inspect.getdoc(value) if isinstance(value, type) and value.__doc__ else "",
                          "content": {"application/json": {"schema": schemas.of(value)}}}
        else:
            schemas.problems.append(f"responses[{status!r}]: {value!r} is not a description, a dict or a type")
    return built
