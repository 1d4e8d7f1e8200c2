"""Asks for its worker processes in code, as Robyn apps do: app.start(processes=2)."""

import os

from robyn import Robyn

app = Robyn(__file__)

# No flush: with stdout a pipe, Python keeps this line in its buffer.
print(f"app file read in {os.getpid()}")


@app.get("/pid")
def pid():
    return {"pid": os.getpid()}


if __name__ == "__main__":
    app.start(processes=2)
