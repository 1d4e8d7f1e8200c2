import logging
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir, "src", "python"))
for path in (HERE, SRC):
    if path in sys.path:
        sys.path.remove(path)
sys.path.insert(0, HERE)
sys.path.insert(0, SRC)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "version_independent: the Python version cannot change the outcome (C# behind a trivial app, or files); "
        "scripts/test.sh runs these on 3.11 only, not again on 3.13 and 3.14",
    )


@pytest.fixture(autouse=True)
def _isolated_process_state(monkeypatch):
    """load() and Robyn() touch process state (argv, environ, sys.path, the root
    logger); give every test a clean copy and restore it afterwards."""
    monkeypatch.setattr(sys, "argv", ["pytest"])
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("ROBYN_GATEWAY", "ROBYN_DEV", "ROBYN_HOST", "ROBYN_PORT", "ROBYN_GATEWAY_CMD", "ROBYN_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROBYN_CLI", "1")  # no robyn.env lookups unless a test asks
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
