"""OpenAPI 3.1 for the app's routes, and the /docs page (contract §21).

Unless `--disable-openapi`, the gateway serves `GET /openapi.json` and `GET /docs` as const routes:
the spec is built once, after the startup handler, from the routes the app registered, and is
answered from C# from then on. A file given by `Robyn(openapi_file_path=...)`, or an
`openapi.json` beside the app, replaces the generated spec."""

import inspect
import json
import logging
import os
import typing
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from robyn.query_params import QueryParams
from robyn.types import Body, JsonBody

_logger = logging.getLogger(__name__)

SPEC_PATH = "/openapi.json"
DOCS_PATH = "/docs"


@dataclass
class Contact:
    name: Optional[str] = None
    url: Optional[str] = None
    email: Optional[str] = None


@dataclass
class License:
    name: Optional[str] = None
    url: Optional[str] = None


@dataclass
class Server:
    url: str = "/"
    description: Optional[str] = None


@dataclass
class ExternalDocumentation:
    description: Optional[str] = None
    url: Optional[str] = None


@dataclass
class OpenAPIInfo:
    title: str = "Robyn API"
    version: str = "1.0.0"
    description: Optional[str] = None
    termsOfService: Optional[str] = None
    contact: Contact = field(default_factory=Contact)
    license: License = field(default_factory=License)
    servers: List[Server] = field(default_factory=list)
    externalDocs: Optional[ExternalDocumentation] = field(default_factory=ExternalDocumentation)
    components: Dict[str, Any] = field(default_factory=dict)


class OpenAPI:
    def __init__(self, info: Optional[OpenAPIInfo] = None) -> None:
        self.info = info or OpenAPIInfo()
        # Robyn's attributes: the spec served (a file's, once override_openapi loaded one; else
        # the generated one, filled in when the app is served).
        self.openapi_spec: Dict[str, Any] = {}
        self.openapi_file_override = False

    def override_openapi(self, path: str) -> None:
        """Serve this JSON file as the spec instead of the generated one."""
        with open(path, encoding="utf-8") as f:
            self.openapi_spec = json.load(f)
        self.openapi_file_override = True

    def build(self, app: Any) -> Dict[str, Any]:
        info = {k: v for k, v in asdict(self.info).items() if k not in ("servers", "externalDocs", "components")}
        spec: Dict[str, Any] = {
            "openapi": "3.1.0",
            "info": _prune(info),
            "paths": {},
            "components": {"schemas": {}, **self.info.components},
            "servers": [_prune(asdict(s)) for s in self.info.servers],
            "externalDocs": _prune(asdict(self.info.externalDocs)) if self.info.externalDocs else {},
        }
        schemas = spec["components"]["schemas"]
        if any(route.auth_required for route in app.routes):
            spec["components"].setdefault("securitySchemes", {})["BearerAuth"] = {"type": "http", "scheme": "bearer"}
        for route in app.routes:
            if not route.include_in_schema or route.path in (SPEC_PATH, DOCS_PATH):
                continue
            path = "/".join("{" + s[1:] + "}" if s[:1] in (":", "*") and len(s) > 1 else s for s in route.path.split("/"))
            spec["paths"].setdefault(path or "/", {})[route.method.lower()] = _described(route, schemas)
        return spec


def _described(route: Any, schemas: Dict[str, Any]) -> Dict[str, Any]:
    """The route's operation; one the spec cannot describe is documented bare, with a warning:
    the docs never stop an app."""
    try:
        operation = _operation(route, schemas)
        json.dumps(operation)  # an annotation that slipped through as a Python object
        return operation
    except Exception as error:  # noqa: BLE001 - any failure here is a documentation gap
        _logger.warning("OpenAPI: %s %s is documented without schemas: %s", route.method, route.path, error)
        return {"summary": getattr(route.handler, "__name__", ""), "responses": {"200": {"description": "Successful Response"}}}


def _operation(route: Any, schemas: Dict[str, Any]) -> Dict[str, Any]:
    handler = route.handler
    operation: Dict[str, Any] = {
        "summary": route.openapi_name or getattr(handler, "__name__", ""),
        "description": inspect.getdoc(handler) or "No description provided",
        "tags": list(route.openapi_tags),
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in route.param_names
        ],
    }
    hints = _hints(handler)
    for name, annotation in hints.items():
        if name == "return" or not isinstance(annotation, type):
            continue
        if issubclass(annotation, QueryParams) and annotation is not QueryParams:
            for field_name, field_type in _hints(annotation).items():
                required = not hasattr(annotation, field_name)
                operation["parameters"].append(
                    {"name": field_name, "in": "query", "required": required, "schema": _schema(field_type, schemas)})
        elif _is_body(annotation):
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _schema(annotation, schemas)}}}
    status = str(route.status_code or 200)
    returned = hints.get("return")
    media = "text/plain" if returned in (None, str) else "application/json"
    success: Dict[str, Any] = {"description": "Successful Response"}
    success["content"] = {media: {"schema": _schema(returned, schemas) if returned is not None else {"type": "string"}}}
    operation["responses"] = {status: success}
    for code, detail in (route.responses or {}).items():
        if isinstance(detail, dict):
            operation["responses"][str(code)] = detail
        else:
            operation["responses"][str(code)] = {
                "description": getattr(detail, "__doc__", None) or "Response",
                "content": {"application/json": {"schema": _schema(detail, schemas)}},
            }
    if route.deprecated:
        operation["deprecated"] = True
    if route.auth_required:
        operation["security"] = [{"BearerAuth": []}]
    return operation


def _is_body(annotation: type) -> bool:
    return (issubclass(annotation, (Body, JsonBody)) and annotation not in (Body, JsonBody)) or typing.is_typeddict(
        annotation) or callable(getattr(annotation, "model_json_schema", None))


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", bytes: "string"}


def _schema(annotation: Any, schemas: Dict[str, Any]) -> Dict[str, Any]:
    """A JSON schema for a Python annotation; pydantic models go to components.schemas."""
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if callable(getattr(annotation, "model_json_schema", None)) and isinstance(annotation, type):
        schema = annotation.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[annotation.__name__] = schema
        return {"$ref": f"#/components/schemas/{annotation.__name__}"}
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, List) or annotation is list:
        return {"type": "array", "items": _schema(args[0], schemas) if args else {}}
    if origin is typing.Union:
        return {"anyOf": [{"type": "null"} if a is type(None) else _schema(a, schemas) for a in args]}
    if origin in (dict, Dict) or annotation is dict:
        return {"type": "object"}
    if isinstance(annotation, type) and (typing.is_typeddict(annotation) or issubclass(annotation, (Body, JsonBody))):
        properties = {name: _schema(kind, schemas) for name, kind in _hints(annotation).items()}
        return {"type": "object", "properties": properties, "required": list(properties)}
    return {}


def _hints(target: Any) -> Dict[str, Any]:
    try:
        return typing.get_type_hints(target)
    except Exception:  # an annotation that can't be resolved: document what can be
        return dict(getattr(target, "__annotations__", {}))


def _prune(value: Dict[str, Any]) -> Dict[str, Any]:
    """Drops unset (None / empty) fields, recursively."""
    pruned = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _prune(item)
        if item not in (None, {}, []):
            pruned[key] = item
    return pruned


def spec_file(app: Any) -> Optional[str]:
    """The JSON file that replaces the generated spec, if any (relative paths from the app's folder)."""
    given = getattr(app, "openapi_file_path", None)
    candidate = os.path.join(app.directory_path, given) if given else os.path.join(app.directory_path, "openapi.json")
    return candidate if os.path.isfile(candidate) else None


def install_docs(app: Any) -> None:
    """Registers GET /openapi.json and GET /docs as const routes, unless disabled or taken."""
    if app.config.disable_openapi:
        return
    taken = {route.path for route in app.routes if route.method == "GET"}
    openapi = app.openapi if isinstance(app.openapi, OpenAPI) else OpenAPI()
    override = spec_file(app)
    if override is not None and not openapi.openapi_file_override:
        openapi.override_openapi(override)

    def openapi_json() -> Dict[str, Any]:
        if not openapi.openapi_file_override:
            openapi.openapi_spec = openapi.build(app)
        return openapi.openapi_spec

    def docs():
        from robyn.responses import html

        return html(_DOCS_PAGE.replace("{title}", openapi.info.title).replace("{spec}", SPEC_PATH))

    if SPEC_PATH not in taken:
        app.add_route("GET", SPEC_PATH, openapi_json, is_const=True, include_in_schema=False)
    if DOCS_PATH not in taken:
        app.add_route("GET", DOCS_PATH, docs, is_const=True, include_in_schema=False)


# Swagger UI from its CDN, as Robyn's and FastAPI's docs pages do: nothing to ship or serve here.
_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
  <script>
    window.onload = () => { window.ui = SwaggerUIBundle({ url: "{spec}", dom_id: "#swagger-ui" }); };
  </script>
</body>
</html>
"""
