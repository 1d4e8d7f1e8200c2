"""Robyn's colourful logger (`from robyn.logger import logger, Colors`).

Records go to the standard `logging` module under the name `robyn.logger`, so under the
gateway they come out through Serilog like every other record; the colours are ANSI codes
put around the message, as Robyn does."""

import logging
from enum import Enum
from typing import Any, Optional


class Colors(Enum):
    BLUE = "\033[94m"
    CYAN = "\033[96m"
    GREEN = "\033[92m"
    YELLOW = "\033[93m"
    RED = "\033[91m"


class Logger:
    HEADER = "\033[95m"
    ENDC = "\033[0m"
    BOLD = "\033[1m"
    UNDERLINE = "\033[4m"

    def __init__(self) -> None:
        self.logger = logging.getLogger(__name__)

    def _styled(self, msg: str, color: Optional[Colors], bold: bool, underline: bool) -> str:
        if color is not None:
            msg = f"{color.value}{msg}{self.ENDC}"
        if bold:
            msg = f"{self.BOLD}{msg}"
        if underline:
            msg = f"{self.UNDERLINE}{msg}"
        return msg

    def _log(self, level: int, msg: str, args: Any, color: Optional[Colors], bold: bool, underline: bool) -> None:
        if self.logger.isEnabledFor(level):
            self.logger.log(level, self._styled(msg, color, bold, underline), *args, stacklevel=3)

    def error(self, msg: str, *args: Any, color: Optional[Colors] = Colors.RED, bold: bool = False, underline: bool = False) -> None:
        self._log(logging.ERROR, msg, args, color, bold, underline)

    def warn(self, msg: str, *args: Any, color: Optional[Colors] = Colors.YELLOW, bold: bool = False, underline: bool = False) -> None:
        self._log(logging.WARNING, msg, args, color, bold, underline)

    warning = warn

    def info(self, msg: str, *args: Any, color: Optional[Colors] = Colors.GREEN, bold: bool = False, underline: bool = False) -> None:
        self._log(logging.INFO, msg, args, color, bold, underline)

    def debug(self, msg: str, *args: Any, color: Optional[Colors] = Colors.BLUE, bold: bool = False, underline: bool = False) -> None:
        self._log(logging.DEBUG, msg, args, color, bold, underline)


logger = Logger()
