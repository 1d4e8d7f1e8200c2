"""`python -m robyn app.py [flags]`, `python -m robyn --create`, ...: see robyn.cli."""

from robyn.cli import run

if __name__ == "__main__":
    run()
