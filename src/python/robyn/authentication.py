"""Authentication: a handler that turns a request into an Identity, and the
token getters it reads credentials with. `auth_required=True` routes get it as a before hook
bound to that route (see hooks.py and robyn._bridge): None answers the handler's
`unauthorized_response`, an Identity goes on as `request.identity`."""

from abc import ABC, abstractmethod
from typing import Any, Awaitable, Optional, Union

from robyn.headers import Headers
from robyn.request import Request
from robyn.response import Response
from robyn.status_codes import HTTP_401_UNAUTHORIZED
from robyn.url import Identity

__all__ = ["AuthenticationHandler", "AuthenticationNotConfiguredError", "BearerGetter", "Identity", "TokenGetter"]


class AuthenticationNotConfiguredError(Exception):
    """An auth_required route was requested but no authentication handler was configured."""

    def __init__(self, message: str = "auth_required is set on this route, but configure_authentication() was never called") -> None:
        super().__init__(message)


class TokenGetter(ABC):
    """Reads a credential from a request (and writes one back)."""

    @property
    def scheme(self) -> str:
        """The WWW-Authenticate challenge of the 401 answer; Robyn uses the getter's class name."""
        return type(self).__name__

    @classmethod
    @abstractmethod
    def get_token(cls, request: Request) -> Optional[str]: ...

    @classmethod
    @abstractmethod
    def set_token(cls, request: Request, token: str) -> None: ...


class BearerGetter(TokenGetter):
    """`Authorization: Bearer <token>`."""

    @classmethod
    def get_token(cls, request: Request) -> Optional[str]:
        authorization = request.headers.get("authorization")
        if authorization and authorization.startswith("Bearer "):
            return authorization[len("Bearer "):]
        return None

    @classmethod
    def set_token(cls, request: Request, token: str) -> None:
        request.headers.set("authorization", f"Bearer {token}")


class AuthenticationHandler(ABC):
    """Subclass and implement `authenticate` (sync or async)."""

    def __init__(self, token_getter: TokenGetter) -> None:
        self.token_getter = token_getter

    @property
    def unauthorized_response(self) -> Response:
        return Response(HTTP_401_UNAUTHORIZED, Headers({"www-authenticate": self.token_getter.scheme}), "Unauthorized")

    @abstractmethod
    def authenticate(self, request: Request) -> Union[Optional[Identity], Awaitable[Optional[Identity]]]:
        """The request's Identity, or None to refuse it with `unauthorized_response`."""


def identify(handler: Any, request: Request, identity: Any) -> Any:
    """What an auth hook returns: the request with its identity, or the 401 answer."""
    if identity is None:
        return handler.unauthorized_response
    request.identity = identity
    return request
