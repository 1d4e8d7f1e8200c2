"""The gateway's entry point into Python: the contract in docs/bridge-protocol.md.

The gateway calls `load` once per app on its start-up thread, then
`dispatch_sync` from its sync workers and `dispatch_async` from the app's loop
thread (via its `drain` reader). Dispatch never raises: every failure is a
result tuple. All state lives on the LoadedApp, so several apps can share one
interpreter (tests do)."""

import functools
import logging
import os
import runpy
import sys
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

from robyn import app as app_module
from robyn._logging import LogFunction, install
from robyn._loop import LoopThread
from robyn.argument_parser import Config
from robyn.dispatch import internal_error
from robyn.events import Events
from robyn.launcher import GATEWAY_ENV, HandOver, start_args
from robyn.results import CONST_HEADERS, Result

__all__ = ["HandOver", "LoadedApp", "load"]

_logger = logging.getLogger("robyn.bridge")

Complete = Callable[[int, Result], None]
RouteEntry = Tuple[str, str, int, bool, Tuple[str, ...]]


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
    return LoadedApp(app, args, complete)


def not_served(app: Any) -> List[Tuple[str, bool]]:
    """What the app registered that this gateway does not run yet, as (description, unsafe).

    Unsafe means serving without it would skip a check the app relies on (a before_request
    hook, an auth_required route): the gateway refuses to start rather than serve unguarded."""
    found: List[Tuple[str, bool]] = []
    if app.before_request_middlewares:
        found.append((f"{len(app.before_request_middlewares)} before_request hook(s)", True))
    guarded = [r for r in app.routes if r.auth_required]
    if guarded:
        found.append((f"auth_required on {len(guarded)} route(s)", True))
    if app.after_request_middlewares:
        found.append((f"{len(app.after_request_middlewares)} after_request hook(s)", False))
    if not app.response_headers.is_empty() or not app.request_headers.is_empty():
        found.append(("global request/response headers", False))
    if app.cors is not None:
        found.append(("ALLOW_CORS", False))
    if app.directories:
        found.append((f"{len(app.directories)} serve_directory mount(s)", False))
    consts = [r for r in app.routes if r.is_const]
    if consts:
        found.append((f"const=True on {len(consts)} route(s) (they run on every request)", False))
    return found


class LoadedApp:
    def __init__(self, app: Any, start_args: Dict[str, Any], complete: Complete) -> None:
        self.app = app
        self.routes: List[RouteEntry] = [
            (r.method, r.path, i, r.is_async, r.param_names) for i, r in enumerate(app.routes)
        ]
        self.start_args = start_args
        self.const_headers = CONST_HEADERS
        self.not_served = not_served(app)
        self._endpoints = tuple(r.endpoint for r in app.routes)
        self._complete = complete
        self._loop = LoopThread()

    def dispatch_sync(self, index, method, path, query, headers, body, params, client_ip, host, scheme) -> Result:
        try:
            endpoint = self._endpoints[index]
        except Exception as exc:  # a bad index from the gateway still gets an answer
            return internal_error("".join(traceback.format_exception(exc)))
        return endpoint.run_sync(method, path, query, headers, body, params, client_ip, host, scheme)

    def dispatch_async(self, token, index, method, path, query, headers, body, params, client_ip, host, scheme) -> None:
        """On the loop thread: start the handler as a task; `complete` fires when it ends."""
        try:
            # A task runs in a copy of the current context: a fresh one per request.
            # (Loop and endpoint are looked up before the coroutine exists, so a
            # failure here leaves no coroutine un-awaited.)
            task = self._loop.loop.create_task(self._endpoints[index].run_async(
                method, path, query, headers, body, params, client_ip, host, scheme
            ))
        except Exception as exc:
            self._finish(token, internal_error("".join(traceback.format_exception(exc))))
            return
        task.add_done_callback(functools.partial(self._task_done, token))

    def _task_done(self, token: int, task: Any) -> None:
        try:
            result = task.result()  # run_async never raises; only cancellation lands here
        except BaseException as exc:
            result = internal_error("".join(traceback.format_exception(exc)))
        self._finish(token, result)

    def _finish(self, token: int, result: Result) -> None:
        try:
            self._complete(token, result)
        except Exception:
            _logger.exception("complete(%s) failed", token)

    def start_loop(self) -> None:
        self._loop.start()

    def attach_wakeup(self, fd: int, drain: Callable[[], Any]) -> None:
        self._loop.add_reader(fd, drain)

    def run_startup(self) -> None:
        self._run_event(Events.STARTUP)

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

    def stop_loop(self) -> None:
        self._loop.stop()

    @property
    def loop(self) -> Optional[Any]:
        """The app's asyncio loop (None until start_loop)."""
        return self._loop.loop
