"""TestClient: a process that never closed its client still exits cleanly, shutdown handler run."""

import os
import subprocess
import sys
import textwrap

SRC = os.path.normpath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir, "src", "python"))


def test_an_unclosed_client_is_closed_at_exit_and_the_exit_code_is_kept(tmp_path):
    script = tmp_path / "app_test.py"
    script.write_text(textwrap.dedent("""
        import sys
        from robyn import Robyn
        from robyn.testing import TestClient

        app = Robyn(__file__)

        @app.shutdown_handler
        def shutdown():
            print("shutdown ran", flush=True)

        @app.get("/")
        def index():
            return "up"

        client = TestClient(app)  # never closed, as in Robyn's own examples
        print(client.get("/").text, flush=True)
        sys.exit(3)
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": SRC, "ROBYN_CLI": "1"})
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines() == ["up", "shutdown ran"], done.stderr
