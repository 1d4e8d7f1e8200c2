"""Lifecycle events an app can attach a handler to."""

from enum import Enum


class Events(Enum):
    STARTUP = "startup"
    SHUTDOWN = "shutdown"
