"""OpenAPI 3.1 for the app's routes, and the /docs page, with Robyn 0.88's API.

The spec is `OpenAPI.openapi_spec`, a dict filled the way Robyn fills it: the skeleton when the
object is made, then one operation per route (`add_openapi_path_obj`, which
`app.router.prepare_routes_openapi` calls). Unless `--disable-openapi`, the gateway serves
`GET /openapi.json` and `GET /docs` as const routes: the spec is completed once, after the startup
handler, and answered from C# from then on. A JSON file given by `Robyn(openapi_file_path=...)`,
or an `openapi.json` beside the app, replaces the generated spec.

Documentation never stops an app: an annotation that can't be described gives `{}` for its
schema, a route that can't be described is documented bare, a spec file that can't be read is
ignored, and a spec that can't be built at all is served as its skeleton; each with a warning."""

import copy
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field, is_dataclass
from html import escape
from typing import Any, Callable, Dict, List, Optional, TypedDict, Union

from robyn._openapi_operation import handler_operation, path_obj, responses_of
from robyn._openapi_schema import Schemas
from robyn.pydantic_support import get_pydantic_openapi_schema, is_pydantic_model
from robyn.jsonify import dumps
from robyn.query_params import QueryParams  # noqa: F401 - Robyn's robyn.openapi has these names
from robyn.response import Response
from robyn.responses import html
from robyn.types import Body, JsonBody  # noqa: F401

__all__ = [
    "Components", "Contact", "ExternalDocumentation", "License", "OpenAPI", "OpenAPIInfo",
    "RouteOpenAPIMeta", "Server", "get_pydantic_openapi_schema", "install_docs", "is_pydantic_model",
    "str_typed_dict",
]

_logger = logging.getLogger(__name__)

SPEC_PATH = "/openapi.json"
DOCS_PATH = "/docs"


class str_typed_dict(TypedDict):  # noqa: N801 - Robyn's name
    key: str
    value: str


@dataclass
class RouteOpenAPIMeta:
    """What a route decorator says about the route's documentation (Robyn 0.88)."""

    status_code: Optional[int] = None
    deprecated: bool = False
    include_in_schema: bool = True
    response_model: Any = None
    responses: Optional[Dict[Union[int, str], Any]] = None
    summary: Optional[str] = None
    description: Optional[str] = None
    operation_id: Optional[str] = None


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
class Components:
    schemas: Optional[Dict[str, dict]] = field(default_factory=dict)
    responses: Optional[Dict[str, dict]] = field(default_factory=dict)
    parameters: Optional[Dict[str, dict]] = field(default_factory=dict)
    examples: Optional[Dict[str, dict]] = field(default_factory=dict)
    requestBodies: Optional[Dict[str, dict]] = field(default_factory=dict)  # noqa: N815 - OpenAPI's
    securitySchemes: Optional[Dict[str, dict]] = field(default_factory=dict)  # noqa: N815
    links: Optional[Dict[str, dict]] = field(default_factory=dict)
    callbacks: Optional[Dict[str, dict]] = field(default_factory=dict)
    pathItems: Optional[Dict[str, dict]] = field(default_factory=dict)  # noqa: N815


@dataclass
class OpenAPIInfo:
    title: str = "Robyn API"
    version: str = "1.0.0"
    description: Optional[str] = None
    termsOfService: Optional[str] = None  # noqa: N815 - OpenAPI's
    contact: Contact = field(default_factory=Contact)
    license: License = field(default_factory=License)
    servers: List[Server] = field(default_factory=list)
    externalDocs: Optional[ExternalDocumentation] = field(default_factory=ExternalDocumentation)  # noqa: N815
    components: Union[Components, Dict[str, Any]] = field(default_factory=Components)


@dataclass
class OpenAPI:
    """The spec: `openapi_spec`, built from `info` (a file's once `override_openapi` loaded one)."""

    info: OpenAPIInfo = field(default_factory=OpenAPIInfo)
    openapi_spec: dict = field(init=False, default_factory=dict)
    openapi_file_override: bool = False
    # The warnings given: documenting the routes again (apps call prepare_routes_openapi too)
    # does not repeat them.
    _warned: set = field(init=False, default_factory=set, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.info is None:
            self.info = OpenAPIInfo()
        if not self.openapi_file_override:
            self.openapi_spec = _skeleton(self.info)

    # Robyn 0.88's methods -------------------------------------------------------------

    def add_security_scheme(self, name: str, scheme: dict) -> None:
        if not self.openapi_file_override:
            self._components().setdefault("securitySchemes", {})[name] = scheme

    @property
    def _security_scheme_names(self) -> List[str]:
        return list(self._components().get("securitySchemes") or {})

    def prune_empty_components(self) -> None:
        """Drops empty component buckets (an empty securitySchemes shows an empty Authorize popup)."""
        if not self.openapi_file_override:
            components = self._components()
            for key in [k for k, v in components.items() if not v]:
                del components[key]

    def add_openapi_path_obj(
        self,
        route_type: str,
        endpoint: str,
        openapi_name: str,
        openapi_tags: List[str],
        handler: Callable[..., Any],
        auth_required: bool = False,
        meta: Optional[RouteOpenAPIMeta] = None,
    ) -> None:
        """Documents one route. Never raises: what can't be described is left out, with one warning."""
        meta = meta if meta is not None else RouteOpenAPIMeta()
        if self.openapi_file_override or not meta.include_in_schema:
            return
        method = str(getattr(route_type, "value", route_type)).lower()
        label = f"{method.upper()} {endpoint}"
        try:
            schemas = Schemas(self._schemas())
            try:
                operation = handler_operation(self._security_scheme_names, schemas, endpoint, openapi_name,
                                              openapi_tags, handler, auth_required, meta)
                dumps(operation)  # a value given in responses= that JSON can't hold
            except Exception as error:  # noqa: BLE001 - a documentation gap, never a failed start
                self._warn(f"OpenAPI: {label} is documented without schemas: {error!r}")
                operation = {"summary": openapi_name or getattr(handler, "__name__", ""),
                             "responses": {"200": {"description": "Successful Response"}}}
            else:
                if schemas.problems:
                    self._warn(f"OpenAPI: {label}: these are documented as {{}}: {'; '.join(schemas.problems)}")
            self.openapi_spec.setdefault("paths", {}).setdefault(openapi_path(endpoint), {})[method] = operation
        except Exception as error:  # noqa: BLE001 - e.g. a spec whose "paths" the app replaced
            self._warn(f"OpenAPI: {label} is not documented: {error!r}")

    def get_path_obj(
        self,
        endpoint: str,
        name: str,
        description: str,
        tags: List[str],
        query_params: Any,
        request_body: Any,
        return_annotation: Any,
        auth_required: bool = False,
        meta: Optional[RouteOpenAPIMeta] = None,
    ) -> "tuple[str, dict]":
        """Robyn's: the operation for what a handler was found to take and return."""
        schemas = Schemas(self._schemas())
        meta = meta if meta is not None else RouteOpenAPIMeta()
        operation = path_obj(self._security_scheme_names, schemas, endpoint, name, description, tags, query_params,
                             request_body, return_annotation, auth_required, meta, {})
        if schemas.problems:
            self._warn(f"OpenAPI: {endpoint}: these are documented as {{}}: {'; '.join(schemas.problems)}")
        return openapi_path(endpoint), operation

    def _build_responses(self, responses: Dict[Union[int, str], Any]) -> Dict[str, dict]:
        return responses_of(responses, Schemas(self._schemas()))

    def _merge_component_schemas(self, incoming: Dict[str, Any]) -> None:
        existing = self._schemas()
        for name, schema in incoming.items():
            if name in existing and existing[name] != schema:
                self._warn(f"OpenAPI: component schema {name!r} is defined twice with different shapes; the later is used")
            existing[name] = schema

    def add_subrouter_paths(self, subrouter_openapi: "OpenAPI") -> None:
        if self.openapi_file_override or subrouter_openapi is self:
            return
        self.openapi_spec.setdefault("paths", {}).update(subrouter_openapi.openapi_spec.get("paths", {}))
        self._merge_component_schemas(subrouter_openapi.openapi_spec.get("components", {}).get("schemas", {}))

    def get_schema_object(self, parameter: str, param_type: Any) -> dict:
        return Schemas(self._schemas()).of(param_type)

    def get_openapi_type(self, typed_dict: Any) -> str:
        return Schemas({}).of(typed_dict).get("type", "string")

    def override_openapi(self, openapi_json_spec_path: Any) -> None:
        """Serve this JSON file as the spec. One that can't be read (missing, not JSON, not an
        object) is ignored with a warning: the generated spec is served."""
        try:
            with open(openapi_json_spec_path, encoding="utf-8") as spec_file_:
                spec = json.load(spec_file_)
            if not isinstance(spec, dict):
                raise ValueError(f"a JSON {type(spec).__name__}, not an object")
        except Exception as error:  # noqa: BLE001 - never a failed start
            _logger.warning("OpenAPI: the spec file %s is not used, the generated spec is served: %s",
                            openapi_json_spec_path, error)
            return
        self.openapi_spec = spec
        self.openapi_file_override = True

    def get_openapi_docs_page(self) -> Response:
        return html(_DOCS_PAGE.replace("{title}", escape(_title(self))).replace("{spec}", SPEC_PATH))

    def get_openapi_config(self) -> dict:
        return self.openapi_spec

    # RobynGateway's -------------------------------------------------------------------

    def build(self, app: Any) -> Dict[str, Any]:
        """The spec with every route of `app` documented (what /openapi.json serves). Never
        raises: a spec that can't be completed is served as it stands, with a warning."""
        try:
            if not self.openapi_file_override:
                self.add_routes(app.routes)
                self.prune_empty_components()
            spec = self.get_openapi_config()  # what Robyn serves; a subclass may change it
            if not isinstance(spec, dict):
                raise TypeError(f"get_openapi_config() gave a {type(spec).__name__}, not a dict")
            json.loads(dumps(spec))
            return spec
        except Exception as error:  # noqa: BLE001 - e.g. something the app put in openapi_spec
            _logger.warning("OpenAPI: the spec could not be completed, its skeleton is served: %r", error)
            self.openapi_spec = _bare_skeleton(_title(self))
            return self.openapi_spec

    def add_routes(self, routes: List[Any]) -> None:
        """Documents each route (robyn.routes.Route) but the docs' own."""
        for route in routes:
            if route.path not in (SPEC_PATH, DOCS_PATH):
                self.add_openapi_path_obj(route.method, route.path, route.openapi_name, list(route.openapi_tags),
                                          route.handler, route.auth_required, route_meta(route))

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            _logger.warning("%s", message)

    def _schemas(self) -> Dict[str, Any]:
        return self._components().setdefault("schemas", {})

    def _components(self) -> Dict[str, Any]:
        components = self.openapi_spec.setdefault("components", {})
        if not isinstance(components, dict):
            components = self.openapi_spec["components"] = {}
        return components


def route_meta(route: Any) -> RouteOpenAPIMeta:
    return RouteOpenAPIMeta(status_code=route.status_code, deprecated=route.deprecated,
                            include_in_schema=route.include_in_schema, response_model=route.response_model,
                            responses=route.responses)


def openapi_path(endpoint: str) -> str:
    """`/items/:id` and `/files/*rest` as OpenAPI writes them: `/items/{id}`, `/files/{rest}`."""
    return re.sub(r"(?<=/)[:*](\w+)", r"{\1}", endpoint)


def _title(openapi: OpenAPI) -> str:
    try:
        info = openapi.openapi_spec.get("info") if isinstance(openapi.openapi_spec, dict) else None
        return str((info or {}).get("title") or getattr(openapi.info, "title", None) or "Robyn API")
    except Exception:  # noqa: BLE001 - a spec file's odd "info"
        return "Robyn API"


def _skeleton(info: OpenAPIInfo) -> Dict[str, Any]:
    try:
        described = {k: v for k, v in asdict(info).items() if k not in ("servers", "externalDocs", "components")}
        components = info.components
        components = asdict(components) if is_dataclass(components) else dict(components or {})
        external = asdict(info.externalDocs) if info.externalDocs else {}
        return {
            "openapi": "3.1.0",
            "info": _prune(described),
            "paths": {},
            "components": {"schemas": {}, **copy.deepcopy(components)},
            "servers": [_prune(asdict(s)) for s in info.servers],
            "externalDocs": _prune(external),
        }
    except Exception as error:  # noqa: BLE001 - an OpenAPIInfo built with odd values
        _logger.warning("OpenAPI: the info given can't be used, a default one is: %r", error)
        return _bare_skeleton("Robyn API")


def _bare_skeleton(title: str) -> Dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": title, "version": "1.0.0"}, "paths": {},
            "components": {"schemas": {}}, "servers": [], "externalDocs": {}}


def _prune(value: Dict[str, Any]) -> Dict[str, Any]:
    """Drops unset (None / empty) fields, recursively."""
    pruned = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _prune(item)
        if item not in (None, {}, []):
            pruned[key] = item
    return pruned


# Serving it --------------------------------------------------------------------------------

def spec_file(app: Any) -> Optional[str]:
    """The JSON file that replaces the generated spec, if any (relative paths from the app's folder)."""
    given = getattr(app, "openapi_file_path", None)
    candidate = os.path.join(app.directory_path, given) if given else os.path.join(app.directory_path, "openapi.json")
    if os.path.isfile(candidate):
        return candidate
    if given:
        _logger.warning("OpenAPI: the spec file %s does not exist; the generated spec is served", candidate)
    return None


def install_docs(app: Any) -> None:
    """Registers GET /openapi.json and GET /docs as const routes, unless disabled or taken. Their
    handlers never raise, so the docs never fail a start."""
    if getattr(app.config, "disable_openapi", False):
        return
    taken = {route.path for route in app.routes if route.method == "GET"}
    openapi = app.openapi if isinstance(app.openapi, OpenAPI) else OpenAPI()

    def openapi_json() -> Dict[str, Any]:
        return openapi.build(app)

    if SPEC_PATH not in taken:
        app.add_route("GET", SPEC_PATH, openapi_json, is_const=True, include_in_schema=False)
    if DOCS_PATH not in taken:
        app.add_route("GET", DOCS_PATH, openapi.get_openapi_docs_page, is_const=True, include_in_schema=False)


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
