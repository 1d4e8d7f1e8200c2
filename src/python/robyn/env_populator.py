"""Loading `robyn.env` (KEY=VALUE lines) from the app's directory, as Robyn does."""

import os
from typing import Dict


def parse_env_file(text: str) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep and key.strip():
            values[key.strip()] = value.strip()
    return values


def load_vars(project_root: str) -> None:
    """Set the file's variables; variables already in the environment win."""
    path = os.path.join(project_root, "robyn.env")
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as f:
        for key, value in parse_env_file(f.read()).items():
            os.environ.setdefault(key, value)
