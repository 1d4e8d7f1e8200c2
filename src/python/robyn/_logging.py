"""Routing Python logging to the gateway's logger."""

import logging
from typing import Callable

LogFunction = Callable[[int, str, str], None]


class BridgeLogHandler(logging.Handler):
    """Calls `log(levelno, logger_name, message)`; the message is `%(message)s`
    plus the traceback when the record has exc_info."""

    def __init__(self, log: LogFunction) -> None:
        super().__init__()
        self._log = log
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._log(record.levelno, record.name, self.format(record))
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
