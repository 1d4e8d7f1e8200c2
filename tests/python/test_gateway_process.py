"""The tests' Server helper: what a server printed is read back whole, however often it is read."""

import sys

import pytest

from gateway_process import Server

pytestmark = pytest.mark.version_independent


def test_reading_the_output_while_the_server_writes_loses_no_line():
    # The child shares the log file with the reader; a read must not move where the child writes next.
    printer = "import time\nfor n in range(400):\n    print(f'line {n}', flush=True)\n    time.sleep(0.0005)\n"
    server = Server([sys.executable, "-c", printer], 0, ".", {})
    with server:
        while server.process.poll() is None:
            server.output
        server.process.wait(timeout=30)
        assert server.output.splitlines() == [f"line {n}" for n in range(400)]
