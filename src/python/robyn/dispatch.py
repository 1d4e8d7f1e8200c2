"""Running one route: build the request, call the handler, format the result.

An endpoint is compiled once, when its route is registered; `run_sync` /
`run_async` are the per-request path the bridge calls with the raw fields. They
never raise: an injection failure returns its 400, an exception from the handler
(or from formatting its return) goes to the exception handler captured at
registration, else becomes a 500; both carry kind ERROR and the traceback."""

import os
import traceback
from typing import Any, Callable, Dict, Optional, Tuple

from robyn.function_info import is_coroutine_function
from robyn.injection import plan_injection
from robyn.request import Request, request_from_bridge
from robyn.results import KIND_ERROR, TEXT_PLAIN, BadRequest, Result, to_result

ExceptionHandler = Callable[[Exception], Any]


class Endpoint:
    """A sync handler. `run_async` exists so the loop may run it too."""

    __slots__ = ("handler", "invoke", "param_names", "status", "on_error")
    is_async = False

    def __init__(
        self,
        handler: Callable[..., Any],
        invoke: Optional[Callable[..., Any]],
        param_names: Tuple[str, ...],
        status: int,
        on_error: Optional[ExceptionHandler],
    ) -> None:
        self.handler = handler
        self.invoke = invoke  # None: the handler takes no parameters, build no Request
        self.param_names = param_names
        self.status = status
        self.on_error = on_error

    def run_sync(self, method, path, query, headers, body, params, client_ip, host, scheme, parts=None) -> Result:
        request = None if self.invoke is None else request_from_bridge(
            method, path, query, headers, body, self.param_names, params, client_ip, host, scheme, parts
        )
        return self.run_request_sync(request)

    def run_request_sync(self, request: Optional[Request]) -> Result:
        """Runs the handler with a request already built (None when it takes no parameters)."""
        try:
            value = self.handler() if request is None else self.invoke(request)
            return to_result(value, self.status)
        except BadRequest as exc:
            return exc.result
        except Exception as exc:
            return self.failed(exc)
        except _STOPPERS as exc:
            return _stopped(exc)

    async def run_async(self, *fields: Any) -> Result:
        return self.run_sync(*fields)

    async def run_request_async(self, request: Optional[Request]) -> Result:
        return self.run_request_sync(request)

    def failed(self, exc: BaseException) -> Result:
        trace = "".join(traceback.format_exception(exc))
        if self.on_error is not None:
            try:
                return to_result(self.on_error(exc))[:3] + (KIND_ERROR, trace)
            except Exception as handler_exc:
                trace += "\nThe exception handler raised in turn:\n\n"
                trace += "".join(traceback.format_exception(handler_exc))
        return internal_error(trace)


class AsyncEndpoint(Endpoint):
    __slots__ = ()
    is_async = True

    def run_sync(self, *fields: Any) -> Result:
        return self.run_request_sync(None)

    async def run_async(self, method, path, query, headers, body, params, client_ip, host, scheme, parts=None) -> Result:
        request = None if self.invoke is None else request_from_bridge(
            method, path, query, headers, body, self.param_names, params, client_ip, host, scheme, parts
        )
        # run_request_async's body, inline: one coroutine less per request on the plain path.
        try:
            value = await (self.handler() if request is None else self.invoke(request))
            return to_result(value, self.status)
        except BadRequest as exc:
            return exc.result
        except Exception as exc:
            return self.failed(exc)
        except _STOPPERS as exc:
            return _stopped(exc)

    def run_request_sync(self, request: Optional[Request]) -> Result:
        # The gateway routes async handlers to the loop; reaching here is a bug there.
        return internal_error("RuntimeError: an async route was dispatched with dispatch_sync\n")

    async def run_request_async(self, request: Optional[Request]) -> Result:
        try:
            value = await (self.handler() if request is None else self.invoke(request))
            return to_result(value, self.status)
        except BadRequest as exc:
            return exc.result
        except Exception as exc:
            return self.failed(exc)
        except _STOPPERS as exc:
            return _stopped(exc)


# A handler that calls sys.exit() or raises KeyboardInterrupt must not stop the thread that runs
# it: escaping a task, either one ends the app's event loop, and every later async request
# would wait forever. They become a 500 like any error (not passed to the exception handler,
# which Robyn gives only Exceptions). CancelledError still propagates: it is how stop_loop ends
# tasks.
_STOPPERS = (SystemExit, KeyboardInterrupt)


def _stopped(exc: BaseException) -> Result:
    return internal_error("".join(traceback.format_exception(exc)))


def internal_error(trace: str) -> Result:
    """The 500 answer; with --dev (ROBYN_DEV=1) its body is the traceback."""
    body = trace if os.environ.get("ROBYN_DEV") == "1" else "Internal server error"
    return 500, TEXT_PLAIN, body.encode(), KIND_ERROR, trace


def compile_endpoint(
    handler: Callable[..., Any],
    path: str,
    param_names: Tuple[str, ...],
    status_code: Optional[int],
    on_error: Optional[ExceptionHandler],
    dependencies: Dict[str, Dict[str, Any]],
) -> Endpoint:
    cls = AsyncEndpoint if is_coroutine_function(handler) else Endpoint
    invoke = plan_injection(handler, path, param_names, dependencies)
    return cls(handler, invoke, param_names, status_code or 200, on_error)
