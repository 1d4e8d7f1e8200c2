"""Routing Python logging to the gateway's logger."""

import logging
from typing import Callable

LogFunction = Callable[..., None]


def _no_call() -> int:
    return 0


# Set by robyn._bridge: the gateway's token of the async call a record is logged from (0: none, or
# a sync worker's, which the gateway knows by its thread), so the record gets that request's id.
current_call: Callable[[], int] = _no_call


class BridgeLogHandler(logging.Handler):
    """Calls `log(levelno, logger_name, message, call)`; the message is `%(message)s`
    plus the traceback when the record has exc_info, `call` the async call it was logged from."""

    def __init__(self, log: LogFunction) -> None:
        super().__init__()
        self._log = log
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._log(record.levelno, record.name, self.format(record), current_call())
        except Exception:
            self.handleError(record)


original_basic_config = logging.basicConfig


def _basic_config(**kwargs) -> None:
    """`logging.basicConfig` as if the bridge were not there: it does nothing when the root logger
    has a handler, and ours is always there, so an app's `basicConfig(...)` (a JSON formatter, a
    file) would be silently ignored. The app's handler is added and the bridge stays beside it,
    even with `force=True`, so the gateway's log still gets every record that reaches the root."""
    root = logging.getLogger()
    bridges = [h for h in root.handlers if isinstance(h, BridgeLogHandler)]
    for handler in bridges:
        root.removeHandler(handler)
    try:
        original_basic_config(**kwargs)
    finally:
        for handler in bridges:
            if handler not in root.handlers:
                root.addHandler(handler)


def install(log: LogFunction, level: str) -> BridgeLogHandler:
    """Make `log` the root logger's bridge (replacing one installed earlier, so
    loading several apps in one interpreter does not duplicate lines)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, BridgeLogHandler)]:
        root.removeHandler(handler)
    handler = BridgeLogHandler(log)
    root.addHandler(handler)
    root.setLevel(level)
    logging.basicConfig = _basic_config
    return handler
