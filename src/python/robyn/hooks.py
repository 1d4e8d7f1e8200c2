"""before_request / after_request hooks, run as the gateway's pipeline stages
(docs/bridge-protocol.md, "Hook stages").

The gateway matches hook patterns against the request path in C#, so Python is entered for hooks
only when one applies, and then once per stage: the applying hooks arrive as a bit mask over the
published hook order (bit i = the i-th before hook, or the i-th after hook). A request with hooks
keeps one Exchange from its first stage to its last: the Request the before hooks pass on, the
contextvars.Context that hooks and handler share, and the answer so far (for the after hooks).

Stage answers are result tuples (results.py). The before stage answers CONTINUE (this very object)
to go on to the handler; a short-circuit answer for the after hooks to see; or a KIND_ERROR answer
that ends the request at once (a hook that raised or returned None or junk: Robyn skips the after
hooks then too)."""

import traceback
from contextvars import Context
from typing import Any, List, Optional, Tuple

from robyn.dispatch import internal_error
from robyn.headers import Headers
from robyn.request import Request
from robyn.response import Response
from robyn.responses import FileResponse
from robyn.results import KIND_ERROR, KIND_FILE, TEXT_PLAIN, Result, to_result

CONTINUE: Result = (0, None, b"", 3, "")
NOT_FOUND: Result = (404, TEXT_PLAIN, b"Not found")

# What a before hook may return to answer the request itself (besides a Request, which goes on).
_ANSWERS = (Response, FileResponse, dict, list, str, bytes, tuple)
# As in dispatch: a hook that calls sys.exit() is a failed request, not a dead worker or loop.
_FAILURES = (Exception, SystemExit, KeyboardInterrupt)


class Exchange:
    """One request's state across its stages. The gateway creates it before the first stage (by
    calling this class with no arguments) and drops it after the last."""

    __slots__ = ("request", "params", "context", "result")

    def __init__(self) -> None:
        self.request: Optional[Request] = None
        self.params: Tuple[str, ...] = ()  # the route's path parameter values
        self.context = Context()
        self.result: Optional[Result] = None


class Hook:
    """One registered hook, introspected once."""

    __slots__ = ("function", "is_async", "arity", "pattern", "route", "name", "_params", "direct")

    def __init__(self, function: Any, is_async: bool, arity: int, pattern: Optional[str], route: int = -1) -> None:
        self.function = function
        self.is_async = is_async
        self.arity = arity
        self.pattern = pattern  # None: every path (unless bound to a route)
        self.route = route  # >= 0: this route (method and path) only, e.g. its auth check
        self.name = getattr(function, "__qualname__", repr(function))
        self._params = _param_slots(pattern)
        # The usual hook takes the one thing its kind gives (the request before, the response
        # after) and no pattern parameters: the stages call it directly, one Python call less.
        self.direct = function if arity == 1 and not self._params else None

    @property
    def order(self) -> int:
        """Global hooks first, then route-bound ones (authentication), then scoped ones."""
        return 0 if self.pattern is None and self.route < 0 else 1 if self.route >= 0 else 2

    def before(self, request: Request) -> Any:
        if self._params:
            self._fill_params(request)
        return self.function(request) if self.arity else self.function()

    def after(self, request: Request, response: Response) -> Any:
        if self._params:
            self._fill_params(request)
        if self.arity >= 2:
            return self.function(request, response)
        return self.function(response) if self.arity == 1 else self.function()

    def _fill_params(self, request: Request) -> None:
        # Robyn gives a scoped hook the parameters of its own pattern.
        segments = request.url.path.split("/")
        request.path_params = {
            name: "/".join(segments[i:]) if rest else segments[i] for name, i, rest in self._params
        }


def _param_slots(pattern: Optional[str]) -> Tuple[Tuple[str, int, bool], ...]:
    if not pattern:
        return ()
    return tuple(
        (segment[1:], i, segment[0] == "*")
        for i, segment in enumerate(pattern.split("/"))
        if segment[:1] in (":", "*") and len(segment) > 1
    )


class HookChains(dict):
    """The app's hooks in the order the gateway numbers them: global ones first, then the
    route-bound authentication checks, then scoped ones, each in registration order.
    Indexed by mask, each chain made once (a dict: a chain made before is found without a Python
    call)."""

    def __init__(self, hooks: List[Hook]) -> None:
        super().__init__()
        self.hooks = sorted(hooks, key=lambda h: h.order)  # stable
        if len(self.hooks) > 64:
            raise ValueError(f"{len(self.hooks)} hooks of one kind; the gateway supports at most 64")

    def __missing__(self, mask: int) -> Tuple[Hook, ...]:
        chain = self[mask] = tuple(h for i, h in enumerate(self.hooks) if mask >> i & 1)
        return chain


# ---- Before hooks -------------------------------------------------------------------------


def run_before(exchange: Exchange, hooks: Tuple[Hook, ...]) -> Result:
    for hook in hooks:
        try:
            direct = hook.direct
            value = direct(exchange.request) if direct is not None else hook.before(exchange.request)
        except _FAILURES as exc:
            return _hook_raised("before_request", hook, exc)
        if isinstance(value, Request):  # the common outcome, without a call
            exchange.request = value
            continue
        answer = _before_outcome(exchange, hook, value)
        if answer is not None:
            return answer
    return CONTINUE


async def run_before_async(exchange: Exchange, hooks: Tuple[Hook, ...]) -> Result:
    for hook in hooks:
        try:
            direct = hook.direct
            value = direct(exchange.request) if direct is not None else hook.before(exchange.request)
            if hook.is_async:
                value = await value
        except _FAILURES as exc:
            return _hook_raised("before_request", hook, exc)
        answer = _before_outcome(exchange, hook, value)
        if answer is not None:
            return answer
    return CONTINUE


def _before_outcome(exchange: Exchange, hook: Hook, value: Any) -> Optional[Result]:
    """None to go on with the next hook; else the request's answer."""
    if isinstance(value, Request):
        exchange.request = value
        return None
    if isinstance(value, _ANSWERS):
        try:
            exchange.result = to_result(value)
        except Exception as exc:  # e.g. a tuple that is not (body, headers, status)
            return _hook_raised("before_request", hook, exc)
        return exchange.result
    what = "None" if value is None else f"a {type(value).__name__}"
    return internal_error(
        f"before_request hook {hook.name} returned {what}: it must return the request (to go on) "
        "or a Response, dict, list, str, bytes or (body, headers, status) tuple (to answer)\n"
    )


# ---- After hooks --------------------------------------------------------------------------


def run_after(exchange: Exchange, hooks: Tuple[Hook, ...], global_headers: Optional[Headers]) -> Result:
    response = _opening_response(exchange, global_headers)
    for hook in hooks:
        try:
            direct = hook.direct
            value = direct(response) if direct is not None else hook.after(exchange.request, response)
        except _FAILURES as exc:
            return _after_failed(response, _trace_of("after_request", hook, exc))
        if not isinstance(value, Response):
            return _after_failed(response, _returned_junk(hook, value))
        response = value
    return _closing_result(exchange, response)


async def run_after_async(exchange: Exchange, hooks: Tuple[Hook, ...], global_headers: Optional[Headers]) -> Result:
    response = _opening_response(exchange, global_headers)
    for hook in hooks:
        try:
            direct = hook.direct
            value = direct(response) if direct is not None else hook.after(exchange.request, response)
            if hook.is_async:
                value = await value
        except _FAILURES as exc:
            return _after_failed(response, _trace_of("after_request", hook, exc))
        if not isinstance(value, Response):
            return _after_failed(response, _returned_junk(hook, value))
        response = value
    return _closing_result(exchange, response)


def _opening_response(exchange: Exchange, global_headers: Optional[Headers]) -> Response:
    """The answer so far as a Response, with the global response headers it lacks (Robyn merges
    them before the after hooks run)."""
    result = exchange.result or NOT_FOUND
    status, flat, body = result[0], result[1], result[2]
    headers = Headers._from_flat(flat or ())
    if global_headers is not None:
        for name, values in global_headers._d.items():
            if name not in headers._d:
                headers._d[name] = list(values)
    response = Response._made(status, headers, body)
    if len(result) == 5 and result[3] == KIND_FILE:
        response._file_path = result[4]
        response._response_type = "static_file"
    return response


def _closing_result(exchange: Exchange, response: Response) -> Result:
    try:
        status, headers, body = response._to_result()
    except Exception as exc:
        return _after_failed(response, "".join(traceback.format_exception(exc)))
    if response._file_path is not None and not body:
        return status, headers, body, KIND_FILE, response._file_path
    before = exchange.result
    if before is not None and len(before) == 5 and before[3] == KIND_ERROR:
        return status, headers, body, KIND_ERROR, before[4]  # the handler's traceback is still logged
    return status, headers, body


def _after_failed(response: Response, trace: str) -> Result:
    """500, keeping the headers the response had when the hook failed."""
    status, _, body, kind, _ = internal_error(trace)
    try:
        flat = response.headers._flat()
    except Exception:
        flat = ()
    kept = tuple(x for i in range(0, len(flat), 2) if flat[i] != "content-type" for x in flat[i:i + 2])
    return status, kept + TEXT_PLAIN, body, kind, trace


def _returned_junk(hook: Hook, value: Any) -> str:
    what = "None" if value is None else f"a {type(value).__name__}"
    return f"after_request hook {hook.name} returned {what}: it must return a Response\n"


# ---- Shared ----------------------------------------------------------------------------------


def _hook_raised(kind: str, hook: Hook, exc: BaseException) -> Result:
    return internal_error(_trace_of(kind, hook, exc))


def _trace_of(kind: str, hook: Hook, exc: BaseException) -> str:
    return f"{kind} hook {hook.name} raised:\n" + "".join(traceback.format_exception(exc))

