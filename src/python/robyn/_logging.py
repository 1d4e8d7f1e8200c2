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


def install(log: LogFunction, level: str) -> BridgeLogHandler:
    """Make `log` the root logger's bridge (replacing one installed earlier, so
    loading several apps in one interpreter does not duplicate lines)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, BridgeLogHandler)]:
        root.removeHandler(handler)
    handler = BridgeLogHandler(log)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
