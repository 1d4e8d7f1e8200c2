"""Annotations that select what a handler parameter receives (see injection.py)."""

from dataclasses import dataclass
from typing import Dict, NewType, Optional, TypedDict

from robyn.coercion import QueryParamValidationError
from robyn.url import Url

PathParams = NewType("PathParams", Dict[str, str])
Method = NewType("Method", str)
FormData = NewType("FormData", Dict[str, str])
Files = NewType("Files", Dict[str, bytes])
IPAddress = NewType("IPAddress", Optional[str])
RequestMethod = NewType("RequestMethod", str)
RequestURL = NewType("RequestURL", Url)


class Body:
    """Subclass (with annotations, for OpenAPI) to receive the raw request body."""


class RequestBody(Body):
    """Alias of Body."""


class JsonBody:
    """Subclass to receive the request body parsed as JSON (400 when invalid)."""


class JSONResponse(TypedDict):
    """Base for typed JSON response declarations (OpenAPI only)."""


@dataclass
class Directory:
    """A static directory mount registered with `serve_directory`."""

    route: str
    directory_path: str
    show_files_listing: bool
    index_file: Optional[str]

    def as_list(self) -> list:
        return [self.route, self.directory_path, self.show_files_listing, self.index_file]


__all__ = [
    "Body",
    "Directory",
    "Files",
    "FormData",
    "IPAddress",
    "JSONResponse",
    "JsonBody",
    "Method",
    "PathParams",
    "QueryParamValidationError",
    "RequestBody",
    "RequestMethod",
    "RequestURL",
]
