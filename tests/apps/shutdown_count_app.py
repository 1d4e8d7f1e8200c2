# Appends one line per shutdown-handler run to /tmp/robyn-shutdowns-<pid> (the test reads it;
# the process environment can't carry the name: .NET's SetEnvironmentVariable doesn't reach C's).
import os
import tempfile

from robyn import Robyn

app = Robyn(__file__)


@app.shutdown_handler
async def shutdown():
    with open(os.path.join(tempfile.gettempdir(), f"robyn-shutdowns-{os.getpid()}"), "a") as f:
        f.write("shutdown\n")


@app.get("/")
async def index():
    return "up"
