"""The app's own readiness checks: `@app.health_check`, run by the gateway's readiness endpoint.

A check is a function without parameters, sync or async, that returns something truthy while
what it watches is usable (a DB pool, a cache, a queue) and something falsy, or raises, when not.
The gateway runs every check when its readiness endpoint is asked (ASP.NET Core's HealthChecks,
one entry per check) and answers 503 if one fails.

Where a check runs: an async check on the app's event loop (where an async pool made in the
startup handler lives); a sync check on a short-lived daemon thread of its own, so that a check
that hangs holds nothing but that thread. Each has a deadline (`timeout`, 5 s by default): past
it the check counts as failed; an async one is cancelled, a sync one (which cannot be) is not
started again until it returns, and counts as failed meanwhile. A raising check's traceback goes
to the log; the client only sees the exception's type.
"""

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from robyn.function_info import is_coroutine_function

__all__ = ["DEFAULT_TIMEOUT", "HealthCheck", "HealthRunner", "health_check_decorator"]

DEFAULT_TIMEOUT = 5.0

_logger = logging.getLogger("robyn.health")


@dataclass(frozen=True)
class HealthCheck:
    name: str
    function: Callable[[], Any]
    is_async: bool
    timeout: float


def health_check_decorator(checks: List[HealthCheck], name_or_function: Union[str, Callable, None] = None,
                           *, name: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """`@app.health_check`, `@app.health_check("db")`, `@app.health_check(name="db", timeout=2)`."""
    if callable(name_or_function):
        return _register(checks, name_or_function, name, timeout)
    if name_or_function is not None and not isinstance(name_or_function, str):
        raise TypeError(f"@app.health_check: the check's name must be a str, not {type(name_or_function).__name__}")
    given = name_or_function if name_or_function is not None else name

    def decorator(function: Callable[[], Any]) -> Callable[[], Any]:
        return _register(checks, function, given, timeout)
    return decorator


def _register(checks: List[HealthCheck], function: Callable[[], Any], name: Optional[str], timeout: float) -> Callable:
    if not callable(function):
        raise TypeError("@app.health_check decorates a function")
    name = name if name is not None else getattr(function, "__name__", None) or repr(function)
    if not name or any(c in name for c in "\r\n") or name.startswith("robyn."):
        raise ValueError(f"@app.health_check: {name!r} is not a usable check name")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise ValueError(f"@app.health_check({name!r}): timeout must be a number of seconds in (0, 300], not {timeout!r}")
    if any(c.name == name for c in checks):
        raise ValueError(f"@app.health_check: there is already a check named {name!r}")
    checks.append(HealthCheck(name, function, is_coroutine_function(function), float(timeout)))
    return function


Outcome = Tuple[str, bool, str]  # (name, healthy, what to say about it)


class HealthRunner:
    """Runs an app's checks for one readiness answer; called by the gateway on its health thread."""

    def __init__(self, checks: List[HealthCheck], loop: Callable[[], Any]) -> None:
        self.checks = list(checks)
        self._loop = loop
        # A check still running from an earlier answer (a sync one that hangs): not started twice.
        self._running: Dict[str, Tuple[concurrent.futures.Future, float]] = {}
        self._failing: set = set()  # checks whose last answer was falsy: logged once, when they turn

    def run(self) -> List[Outcome]:
        now = time.monotonic()
        started = [self._start(check, now) for check in self.checks]
        return [self._outcome(check, future, since) for check, (future, since) in zip(self.checks, started)]

    def _start(self, check: HealthCheck, now: float) -> Tuple[concurrent.futures.Future, float]:
        previous = self._running.get(check.name)
        if previous is not None and not previous[0].done():
            return previous
        if check.is_async:
            loop = self._loop()
            if loop is None or loop.is_closed():
                future: concurrent.futures.Future = concurrent.futures.Future()
                future.set_exception(RuntimeError("the app's event loop is not running"))
            else:
                future = asyncio.run_coroutine_threadsafe(_call_async(check.function), loop)
        else:
            future = concurrent.futures.Future()
            threading.Thread(target=_call_sync, args=(check.function, future), daemon=True,
                             name=f"robyn-health-{check.name}").start()
        entry = (future, now)
        self._running[check.name] = entry
        return entry

    def _outcome(self, check: HealthCheck, future: concurrent.futures.Future, since: float) -> Outcome:
        left = since + check.timeout - time.monotonic()
        try:
            value = future.result(timeout=max(left, 0.0))
        except concurrent.futures.TimeoutError:
            if check.is_async:
                future.cancel()  # cancels its task on the loop; the next answer starts it afresh
            _logger.warning("Health check %r gave no answer within %g s", check.name, check.timeout)
            return check.name, False, f"no answer within {check.timeout:g} s"
        except BaseException as exc:  # noqa: BLE001 - a check's failure is an unhealthy answer
            _logger.error("Health check %r raised", check.name, exc_info=exc)
            return check.name, False, f"raised {type(exc).__name__} (traceback in the server log)"
        try:
            healthy = bool(value)
        except Exception as exc:  # noqa: BLE001 - a result whose truth can't be told is a failure
            _logger.error("Health check %r returned %s, whose truth value raised", check.name, type(value).__name__, exc_info=exc)
            return check.name, False, f"returned a {type(value).__name__} that is neither true nor false"
        if not healthy and check.name not in self._failing:
            _logger.warning("Health check %r returned %s: not ready", check.name, _short(value))
        (self._failing.discard if healthy else self._failing.add)(check.name)
        if healthy:
            return check.name, True, "healthy"
        return check.name, False, f"returned {_short(value)}"


async def _call_async(function: Callable[[], Any]) -> Any:
    return await function()


def _call_sync(function: Callable[[], Any], future: concurrent.futures.Future) -> None:
    try:
        result = function()
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting answer
        future.set_exception(exc)
    else:
        future.set_result(result)


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."
