"""bench/overload.sh's app: a sync handler that waits WORK_MS milliseconds (a database call, say).
time.sleep releases the GIL, so --workers W serve W of them at once."""

import os
import time

from robyn import Robyn

app = Robyn(__file__)
WORK = float(os.environ.get("WORK_MS", "5")) / 1000


@app.get("/work")
def work():
    time.sleep(WORK)
    return "done"
