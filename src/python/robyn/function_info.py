"""What Robyn records about a registered function (handler, middleware, event)."""

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class FunctionInfo:
    handler: Callable[..., Any]
    is_async: bool
    number_of_params: int
    args: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)

    @classmethod
    def of(cls, handler: Callable[..., Any]) -> "FunctionInfo":
        """Introspect `handler` once, at registration."""
        params = dict(inspect.signature(handler).parameters)
        return cls(handler, is_coroutine_function(handler), len(params), params)


def is_coroutine_function(fn: Callable[..., Any]) -> bool:
    # Callable objects with an `async def __call__` count as async too.
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)
    )
