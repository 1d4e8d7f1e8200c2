"""The gateway's entry point into Python: the contract in docs/bridge-protocol.md.

The gateway calls `load` once per app on its start-up thread, then
`dispatch_sync` from its sync workers and `dispatch_async` from the app's loop
thread (via its `drain` reader). Dispatch never raises: every failure is a
result tuple. All state lives on the LoadedApp, so several apps can share one
interpreter (tests do)."""

import asyncio
import contextvars
import functools
import inspect
import logging
import os
import runpy
import sys
import traceback
import weakref
from typing import Any, Callable, Dict, List, Optional, Tuple

from robyn import _logging
from robyn import app as app_module
from robyn._logging import LogFunction, install
from robyn._loop import LoopThread
from robyn._sockets import SocketRuntime
from robyn.argument_parser import Config
from robyn.dispatch import internal_error
from robyn.authentication import AuthenticationNotConfiguredError, identify
from robyn.events import Events
from robyn.function_info import is_coroutine_function
from robyn.health import HealthRunner
from robyn.hooks import (CONTINUE, Exchange, Hook, HookChains, run_after, run_after_async, run_before,
                         run_before_async)
from robyn.launcher import GATEWAY_ENV, HandOver, start_args
from robyn.openapi import install_docs
from robyn.request import Request, request_from_bridge
from robyn.results import CONST_HEADERS, KIND_ASYNC_STREAM, KIND_ERROR, KIND_STREAM, Result
from robyn.streaming import chunk_bytes

__all__ = ["HandOver", "LoadedApp", "attach", "load"]

_logger = logging.getLogger("robyn.bridge")

Complete = Callable[[int, Result], None]
RouteEntry = Tuple[str, str, int, bool, Tuple[str, ...], Optional[float]]

_new = object.__new__
TASK_NAME = "robyn-request"  # the name of a request's task on 3.11 (see _new_task)

# A request's task: made here unless the app set a task factory (then the factory makes it).
# On 3.12+ it starts eagerly. On 3.11 it is named: a Task made without a name formats
# "Task-<n>" at once there (about a thousand instructions a request; 3.12 formats it when
# asked), and uvloop's create_task names a task only after making it.
if sys.version_info >= (3, 12):
    def _new_task(loop: Any, coroutine: Any, context: Optional[contextvars.Context]) -> Any:
        if loop.get_task_factory() is None:
            return asyncio.Task(coroutine, loop=loop, context=context, eager_start=True)
        return loop.create_task(coroutine, context=context)
else:
    def _new_task(loop: Any, coroutine: Any, context: Optional[contextvars.Context]) -> Any:
        if loop.get_task_factory() is None:
            return asyncio.Task(coroutine, loop=loop, context=context, name=TASK_NAME)
        return loop.create_task(coroutine, context=context)


def load(app_path: str, argv: List[str], complete: Complete, log: LogFunction) -> "LoadedApp":
    """Run the app file as __main__ and return what the gateway serves."""
    app_path = os.path.abspath(app_path)
    app_dir = os.path.dirname(app_path)
    if sys.path[:1] != [app_dir]:
        sys.path.insert(0, app_dir)
    sys.argv = [app_path, *argv]
    os.environ[GATEWAY_ENV] = "1"
    # Before the file runs, so its import-time logging is already bridged and
    # filtered; set once, so the app may still change levels itself.
    install(log, Config(list(argv)).log_level)

    constructed: List[Any] = []
    hook = constructed.append
    app_module.construction_hooks.append(hook)
    try:
        runpy.run_path(app_path, run_name="__main__")
        app, args = None, None
    except HandOver as handover:
        app, args = handover.app, handover.start_args
    finally:
        app_module.construction_hooks.remove(hook)

    if app is None:
        if not constructed:
            raise RuntimeError(f"{app_path} defines no Robyn app: no Robyn(...) was constructed")
        app = constructed[-1]
        args = start_args(app.config)
    install_docs(app)
    return LoadedApp(app, args, complete)


def attach(app: Any, complete: Complete) -> "LoadedApp":
    """The TestClient's entry: serve an app object already live in this interpreter. Nothing is
    run and no process state (argv, environ, logging) is touched; the test process keeps its own."""
    install_docs(app)
    return LoadedApp(app, start_args(app.config), complete)


def _hooks(middlewares: List[Any], bound: List[Hook] = ()) -> HookChains:
    return HookChains([Hook(m.function.handler, m.function.is_async, m.function.number_of_params, m.endpoint)
                       for m in middlewares] + list(bound))


def _auth_hooks(app: Any) -> List[Hook]:
    """One before hook per auth_required route, bound to it."""
    hooks = []
    for index, route in enumerate(app.routes):
        if not route.auth_required:
            continue
        handler = getattr(route.router, "authentication_handler", None) or app.authentication_handler
        hooks.append(_auth_hook(handler, index, route))
    return hooks


def _auth_hook(handler: Any, index: int, route: Any) -> Hook:
    if handler is None:
        def not_configured(request):
            raise AuthenticationNotConfiguredError()
        return Hook(not_configured, False, 1, None, index)
    if is_coroutine_function(handler.authenticate):
        async def authenticate_async(request):
            return identify(handler, request, await handler.authenticate(request))
        check = authenticate_async
    else:
        def authenticate(request):
            return identify(handler, request, handler.authenticate(request))
        check = authenticate
    check.__qualname__ = f"authentication of {route.method} {route.path}"
    return Hook(check, is_coroutine_function(handler.authenticate), 1, None, index)


def _directories(app: Any) -> List[Tuple[str, str, Optional[str], bool]]:
    """Mounts with absolute directories. A relative directory is taken from the working directory,
    as Robyn does, or else from the app file's directory (where it usually is)."""
    mounts = []
    for d in app.directories:
        path = os.path.abspath(d.directory_path)
        if not os.path.isdir(path):
            beside_app = os.path.join(app.directory_path, d.directory_path)
            if os.path.isdir(beside_app):
                path = os.path.abspath(beside_app)
        mounts.append((d.route, path, d.index_file, bool(d.show_files_listing)))
    return mounts


async def _anext_chunk(iterator: Any) -> Any:
    try:
        return chunk_bytes(await iterator.__anext__())
    except StopAsyncIteration:
        return None
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        return "".join(traceback.format_exception(exc))


class ConstEndpoint:
    """A const route after its one run: the cached answer, whatever the request."""

    is_async = False
    invoke = None
    param_names: Tuple[str, ...] = ()

    def __init__(self, result: Result) -> None:
        self.result = result

    def run_sync(self, *fields: Any) -> Result:
        return self.result

    def run_request_sync(self, request: Any) -> Result:
        return self.result

    async def run_request_async(self, request: Any) -> Result:
        return self.result


class LoadedApp:
    def __init__(self, app: Any, start_args: Dict[str, Any], complete: Complete) -> None:
        _LIVE.add(self)
        self.app = app
        self.routes: List[RouteEntry] = [
            (r.method, r.path, i, r.is_async, r.param_names, r.timeout) for i, r in enumerate(app.routes)
        ]
        self.start_args = start_args
        self.const_headers = CONST_HEADERS
        self._endpoints = [r.endpoint for r in app.routes]
        self._complete = complete
        self._loop = LoopThread()
        self._callback_context = contextvars.Context()
        self._tasks: Dict[int, Any] = {}  # token -> running task, so a request timeout can cancel it
        self._lag: Optional[Tuple[Callable[[int], Any], float]] = None  # watch_loop_lag's (record, interval)

        # What the gateway serves without entering Python (docs/bridge-protocol.md).
        self.directories = _directories(app)
        self.cors = None if app.cors is None else (tuple(app.cors[0]), tuple(app.cors[1]))
        self.response_headers = app.response_headers._flat()
        self.request_headers = tuple(
            (name, value, name in app.request_headers_set) for name, value in app.request_headers.multi_items()
        )
        self.excluded_paths = tuple(app.excluded_response_headers_paths or ())

        # Hooks: C# numbers them in this order and passes masks over it.
        self._before = _hooks(app.before_request_middlewares, _auth_hooks(app))
        self._after = _hooks(app.after_request_middlewares)
        self.hooks = tuple(
            (kind, h.pattern, h.is_async, h.route) for kind, chain in (("before", self._before), ("after", self._after))
            for h in chain.hooks
        )
        self.exchange_type = Exchange
        self.continue_result = CONTINUE
        # WebSockets: C# owns the connections and reports OPEN / MESSAGE / CLOSE events.
        self._sockets = SocketRuntime(app.websockets, lambda: self._loop.loop, self._finish)
        self.websockets = self._sockets.declarations
        self.socket_event_sync = self._sockets.event_sync
        self.socket_event_async = self._sockets.event_async
        self.attach_sockets = self._sockets.attach

        # @app.health_check: (name, timeout) each, for the gateway's HealthChecks registrations.
        self._health = HealthRunner(getattr(app, "health_checks", ()), lambda: self._loop.loop)
        self.health_checks = tuple((c.name, c.timeout) for c in self._health.checks)

        self._excluded = set(self.excluded_paths)
        self._globals = None if app.response_headers.is_empty() else app.response_headers

    def dispatch_sync(self, index, method, path, query, headers, body, params, client_ip, host, scheme, parts=None) -> Result:
        try:
            endpoint = self._endpoints[index]
        except Exception as exc:  # a bad index from the gateway still gets an answer
            return internal_error("".join(traceback.format_exception(exc)))
        return endpoint.run_sync(method, path, query, headers, body, params, client_ip, host, scheme, parts)

    def dispatch_async(self, token, index, method, path, query, headers, body, params, client_ip, host, scheme, parts=None) -> None:
        """On the loop thread: start the handler as a task; `complete` fires when it ends."""
        try:
            # A task runs in a copy of the current context: a fresh one per request.
            # (Loop and endpoint are looked up before the coroutine exists, so a
            # failure here leaves no coroutine un-awaited.)
            loop, endpoint = self._loop.loop, self._endpoints[index]
            if loop is None:  # _running_loop, inline: one call less per request
                raise RuntimeError("the app's event loop is not running")
            self._spawn(loop, token, endpoint.run_async(
                method, path, query, headers, body, params, client_ip, host, scheme, parts
            ))
        except Exception as exc:
            self._finish(token, internal_error("".join(traceback.format_exception(exc))))

    # ---- Hook stages (C# calls them only for requests some hook applies to) -------------------
    # The trailing request fields come with the first stage of a request only: later stages find
    # the request in the exchange.

    def before_sync(self, exchange, mask, index, *fields) -> Result:
        try:
            self._open(exchange, index, fields)
            return exchange.context.run(run_before, exchange, self._before[mask])
        except Exception as exc:
            return internal_error("".join(traceback.format_exception(exc)))

    def before_async(self, token, exchange, mask, index, *fields) -> None:
        self._start(token, exchange, index, fields, lambda: run_before_async(exchange, self._before[mask]))

    def handle_sync(self, exchange, mask, index, *fields) -> Result:
        try:
            endpoint = self._endpoints[index]
            self._open(exchange, index, fields)
            request = self._for_handler(exchange, endpoint)
            exchange.result = exchange.context.run(endpoint.run_request_sync, request)
            return exchange.result
        except Exception as exc:
            return internal_error("".join(traceback.format_exception(exc)))

    def handle_async(self, token, exchange, mask, index, *fields) -> None:
        def handle():
            endpoint = self._endpoints[index]
            return self._handled(exchange, endpoint.run_request_async(self._for_handler(exchange, endpoint)))
        self._start(token, exchange, index, fields, handle)

    def after_sync(self, exchange, mask, index, *fields) -> Result:
        try:
            self._open(exchange, index, fields)
            return exchange.context.run(run_after, exchange, self._after[mask], self._globals_for(exchange.request))
        except Exception as exc:
            return internal_error("".join(traceback.format_exception(exc)))

    def after_async(self, token, exchange, mask, index, *fields) -> None:
        self._start(token, exchange, index, fields, lambda: run_after_async(
            exchange, self._after[mask], self._globals_for(exchange.request)))

    def hooked_sync(self, before, after, index, method, path, query, headers, body, params, client_ip, host, scheme,
                    parts=None) -> Tuple[Result, bool]:
        """A sync route's before hooks, handler and after hooks, all sync, in ONE trip from a sync
        worker: what before_sync, handle_sync and after_sync do one after the other, with the
        gateway's choices between them made here (a failed before hook skips the after hooks, a
        streaming answer skips them too), in one run of the request's context. Returns (answer,
        whether the after hooks made it): the gateway adds the global response headers only to an
        answer they did not make. The request's only trip: its Exchange is made here (as
        Exchange() would, without the call) and dropped when it returns."""
        try:
            endpoint = self._endpoints[index]
            exchange = _new(Exchange)
            exchange.request = request_from_bridge(
                method, path, query, headers, body, endpoint.param_names, params, client_ip, host, scheme, parts)
            exchange.params, exchange.context, exchange.result = params, contextvars.Context(), None
            return exchange.context.run(self._hooked, exchange, endpoint, before, after)
        except Exception as exc:
            return internal_error("".join(traceback.format_exception(exc))), False

    def _hooked(self, exchange: Exchange, endpoint: Any, before: int, after: int) -> Tuple[Result, bool]:
        if before:
            result = run_before(exchange, self._before[before])
            if result is not CONTINUE:
                if len(result) == 5 and result[3] == KIND_ERROR:
                    return result, False
                return self._after_stage(exchange, after, result)
        try:
            result = exchange.result = endpoint.run_request_sync(self._for_handler(exchange, endpoint))
        except Exception as exc:
            result = internal_error("".join(traceback.format_exception(exc)))
        return self._after_stage(exchange, after, result)

    def _after_stage(self, exchange: Exchange, after: int, result: Result) -> Tuple[Result, bool]:
        # As in Robyn, after hooks do not see streaming answers (the body does not exist yet).
        if not after or len(result) == 5 and result[3] in (KIND_STREAM, KIND_ASYNC_STREAM):
            return result, False
        return run_after(exchange, self._after[after], self._globals_for(exchange.request)), True

    def _globals_for(self, request: Request) -> Any:
        """The global response headers for the after hooks, unless the request's path is excluded."""
        path = request._path if request._url is None else request._url.path
        return None if path in self._excluded else self._globals

    def _open(self, exchange: Exchange, index: int, fields: tuple) -> None:
        """Builds the request from the first stage's fields."""
        if fields:
            method, path, query, headers, body, params, client_ip, host, scheme, *parts = fields
            names = self._endpoints[index].param_names if index >= 0 else ()
            exchange.request = request_from_bridge(
                method, path, query, headers, body, names, params, client_ip, host, scheme, parts[0] if parts else None)
            exchange.params = params

    def _for_handler(self, exchange: Exchange, endpoint: Any) -> Optional[Request]:
        """The request the handler gets (the exchange's, opened by the first stage)."""
        if endpoint.invoke is None:
            return None
        request = exchange.request
        # The handler sees its route's parameters, whatever a scoped hook's pattern filled in.
        request._param_names, request._param_values, request._path_params = endpoint.param_names, exchange.params, None
        return request

    @staticmethod
    async def _handled(exchange: Exchange, running: Any) -> Result:
        exchange.result = await running
        return exchange.result

    def _start(self, token: int, exchange: Exchange, index: int, fields: tuple, make: Callable[[], Any]) -> None:
        """On the loop thread: runs a stage as a task in the request's context; complete() follows."""
        try:
            self._open(exchange, index, fields)
            loop = self._running_loop()
            task = _new_task(loop, make(), exchange.context)
        except Exception as exc:
            self._finish(token, internal_error("".join(traceback.format_exception(exc))))
            return
        if task.done():  # started eagerly (3.12+) and already ended: its context is left by now
            self._task_done(token, task)
            return
        self._tasks[token] = task
        # A stage's task must call complete() from outside the request's context, which the next
        # stage (maybe on a worker, before this callback returns) enters. Done callbacks run on
        # the loop thread one at a time, never in the request's context: one reused context
        # spares the copy add_done_callback would make for each task.
        task.add_done_callback(functools.partial(self._task_done, token), context=self._callback_context)

    def _task_done(self, token: int, task: Any) -> None:
        self._tasks.pop(token, None)
        try:
            result = task.result()  # the stages never raise; only cancellation lands here
        except BaseException as exc:
            result = internal_error("".join(traceback.format_exception(exc)))
        self._finish(token, result)

    def _running_loop(self) -> Any:
        """The loop, looked up before any coroutine exists, so a failure leaves none un-awaited."""
        loop = self._loop.loop
        if loop is None:
            raise RuntimeError("the app's event loop is not running")
        return loop

    def _spawn(self, loop: Any, token: int, coroutine: Any) -> None:
        """On the loop thread: runs `coroutine` as a task, in a fresh copy of the context, that
        calls complete() itself when it ends, from inside its last step: no done callback, so no
        extra loop iteration per request. (Nothing else enters that context, so completing from
        inside it is safe; a hook stage's shared context is not: see _start.) On 3.12+ the task
        starts eagerly, here and now, until it first suspends (a handler that never awaits is done
        before this returns); current_task() is that task either way."""
        task = _new_task(loop, self._completing(token, coroutine), None)
        if not task.done():
            self._tasks[token] = task

    async def _completing(self, token: int, coroutine: Any) -> None:
        try:
            result = await coroutine  # run_async never raises; only cancellation lands below
        except asyncio.CancelledError as exc:
            self._tasks.pop(token, None)
            self._finish(token, internal_error("".join(traceback.format_exception(exc))))
            raise  # the task ends cancelled, as its canceller expects
        except BaseException as exc:
            result = internal_error("".join(traceback.format_exception(exc)))
        self._tasks.pop(token, None)
        try:  # _finish, inline: one call less per request
            self._complete(token, result)
        except Exception:
            _logger.exception("complete(%s) failed", token)

    # ---- Streaming responses: one item per trip (docs/bridge-protocol.md) ---------------------

    @staticmethod
    def stream_next(iterator: Any) -> Any:
        """The next item as bytes; None at the end; a str (the traceback) if the generator raised."""
        try:
            return chunk_bytes(next(iterator))
        except StopIteration:
            return None
        except (Exception, SystemExit, KeyboardInterrupt) as exc:
            return "".join(traceback.format_exception(exc))

    def stream_next_async(self, token: int, iterator: Any) -> None:
        """On the loop thread: the same for an async iterator; complete(token, item) follows."""
        try:
            loop = self._running_loop()
            self._spawn(loop, token, _anext_chunk(iterator))
        except Exception as exc:
            self._finish(token, "".join(traceback.format_exception(exc)))

    def cancel_task(self, token: int) -> None:
        """On the loop thread: the request of `token` was answered 504. Cancel its task, so its
        `finally` blocks and `except asyncio.CancelledError` run; complete() follows as usual."""
        task = self._tasks.get(token)
        if task is None:
            return
        wrapper = task.get_coro()
        if wrapper.cr_code is _COMPLETING and inspect.getcoroutinestate(wrapper) == inspect.CORO_CREATED:
            # Not started yet: cancelling ends it before its try block, and nobody would call
            # complete(). Answer for it, and close the handler's coroutine, which will never run.
            self._tasks.pop(token, None)
            task.cancel()
            inner = wrapper.cr_frame.f_locals.get("coroutine")
            if inner is not None:
                inner.close()
            self._finish(token, internal_error("asyncio.exceptions.CancelledError: cancelled before it started\n"))
            return
        task.cancel()

    def _finish(self, token: int, result: Result) -> None:
        try:
            self._complete(token, result)
        except Exception:
            _logger.exception("complete(%s) failed", token)

    def start_loop(self) -> None:
        self._loop.start()
        if self._lag is not None:
            self._start_lag_timer()

    def watch_loop_lag(self, record: Callable[[int], Any], interval: float) -> None:
        """Metrics on: every `interval` seconds a timer on the loop reports how late it ran, in
        microseconds (what an async request waits for the loop). Requests pay nothing for it."""
        self._lag = (record, interval)
        if self._loop.loop is not None:
            self._start_lag_timer()

    def _start_lag_timer(self) -> None:
        record, interval = self._lag
        loop = self._loop.loop

        def tick(due: float) -> None:
            now = loop.time()
            try:
                record(max(0, int((now - due) * 1_000_000)))
            finally:
                loop.call_at(now + interval, tick, now + interval)

        def first() -> None:
            due = loop.time() + interval
            loop.call_at(due, tick, due)
        loop.call_soon_threadsafe(first)

    def attach_wakeup(self, fd: int, drain: Callable[[], Any]) -> None:
        self._loop.add_reader(fd, drain)

    def run_startup(self) -> None:
        self._run_event(Events.STARTUP)

    def run_consts(self) -> List[Tuple[int, Result]]:
        """Runs each const route's handler once at start, with an empty GET request, and
        returns `(index, result)` for each: the gateway answers them from C# from now on. The
        route's endpoint becomes the cached answer, for requests that hooks apply to (they still
        reach Python, but the handler does not run again). A handler that fails raises here."""
        answers = []
        for index, route in enumerate(self.app.routes):
            if not route.is_const:
                continue
            endpoint = self._endpoints[index]
            request = None
            if endpoint.invoke is not None:
                names = endpoint.param_names
                request = request_from_bridge("GET", route.path, "", "", b"", names, ("",) * len(names), "", "", "http")
            if endpoint.is_async:
                result = self._loop.run(endpoint.run_request_async(request))
            else:
                result = endpoint.run_request_sync(request)
            if len(result) == 5 and result[3] == KIND_ERROR:
                raise RuntimeError(f"The const route GET {route.path} failed when run at start:\n{result[4]}")
            if len(result) == 5 and result[3] in (KIND_STREAM, KIND_ASYNC_STREAM):
                raise RuntimeError(f"The const route GET {route.path} returned a streaming response, which can't be cached")
            self._endpoints[index] = ConstEndpoint(result)
            answers.append((index, result))
        return answers

    def run_health_checks(self) -> List[Tuple[str, bool, str]]:
        """On the gateway's health thread: every check's (name, healthy, text), each within its timeout."""
        return self._health.run()

    def run_shutdown(self) -> None:
        self._run_event(Events.SHUTDOWN)

    def _run_event(self, event: Events) -> None:
        info = self.app.event_handlers.get(event)
        if info is None:
            return
        if info.is_async:
            self._loop.run(info.handler())
        else:
            info.handler()

    def stop_loop(self) -> Optional[str]:
        """None once stopped; else the stack of the loop thread that outlived the bounded wait."""
        return self._loop.stop()

    @property
    def loop(self) -> Optional[Any]:
        """The app's asyncio loop (None until start_loop)."""
        return self._loop.loop


_COMPLETING = LoadedApp._completing.__code__
_LIVE: "weakref.WeakSet[LoadedApp]" = weakref.WeakSet()  # the apps whose tasks _current_call searches
_STARTING = (LoadedApp._start.__code__, LoadedApp._spawn.__code__)
_FINISHING = LoadedApp._finish.__code__


def _current_call() -> int:
    """The token of the async call (request stage) a log record comes from, found when a record is
    logged, so that requests pay nothing for it; 0 when there is none (or on a sync worker, whose
    call the gateway knows by its thread). Only a token whose call has not completed is returned:
    the gateway reads the call from it."""
    loop = asyncio._get_running_loop()
    if loop is None:
        return 0
    # A task's step runs with its coroutines' frames on the stack: _completing (a plain async
    # request) holds the token; a task started eagerly (3.12+) runs inside _start or _spawn.
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code is _FINISHING:
            return 0  # completing: the token is spent
        if code is _COMPLETING:
            local = frame.f_locals
            return 0 if "result" in local or "exc" in local else local.get("token", 0)
        if code in _STARTING:
            return frame.f_locals.get("token", 0)
        frame = frame.f_back
    # A hook stage's task, after its first step: the app knows its token until it completes.
    task = asyncio.current_task(loop)
    if task is not None:
        for app in list(_LIVE):
            if app._loop.loop is loop:
                for token, running in list(app._tasks.items()):
                    if running is task:
                        return token
    return 0


_logging.current_call = _current_call
