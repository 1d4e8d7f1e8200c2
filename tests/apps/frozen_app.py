"""Routes that freeze the interpreter, as user code does by accident.

* /validate runs a regular expression with a nested quantifier over the query: on a long value
  that fails at its end it backtracks for longer than anyone waits, inside C, holding the GIL
  the whole time.
* /legacy calls a C function through ctypes.PyDLL, which (unlike ctypes.CDLL) keeps the GIL
  during the call: a blocking C library call freezes every thread for its duration.
* /report is an async handler that calls time.sleep: the GIL is free, but the event loop is not.
* /wait is only slow: time.sleep in a def handler releases the GIL, and everything else runs.
"""

import ctypes
import os
import re
import time

from robyn import Robyn

app = Robyn(__file__)
libc = ctypes.PyDLL(None)

USERNAME = re.compile(r"^([a-z]+)+$")


@app.get("/pid")
def pid():
    return {"pid": os.getpid()}


@app.get("/async-pid")
async def async_pid():
    return {"pid": os.getpid()}


@app.get("/validate")
def validate(request):
    value = request.query_params.get("value", "")
    return {"valid": USERNAME.match(value) is not None}


@app.get("/legacy")
def legacy(request):
    seconds = int(request.query_params.get("seconds", "1"))
    libc.sleep(seconds)
    return {"slept": seconds}


@app.get("/report")
async def report(request):
    seconds = float(request.query_params.get("seconds", "1"))
    time.sleep(seconds)
    return {"slept": seconds}


@app.get("/wait")
def wait(request):
    seconds = float(request.query_params.get("seconds", "1"))
    time.sleep(seconds)
    return {"slept": seconds}


@app.shutdown_handler
def stopped():
    print(f"shutdown handler ran in {os.getpid()}", flush=True)


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
