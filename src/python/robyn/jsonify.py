"""Compact JSON, as Robyn's orjson produces it: no spaces, UTF-8 not escaped."""

import dataclasses
import enum
import json
import sys
from typing import Any


def _default(value: Any) -> Any:
    # The extra types orjson serialises natively, plus pydantic models. datetime and uuid are
    # looked up, not imported: a value of theirs exists only once its module is, and an app that
    # never imports them keeps them (uuid brings platform) out of every worker's memory.
    dt = sys.modules.get("datetime")
    if dt is not None and isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    uuid = sys.modules.get("uuid")
    if uuid is not None and isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    model_dump = getattr(value, "model_dump", None)  # pydantic models, e.g. in a list
    if callable(model_dump):
        return model_dump(mode="json")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# Built once: `encode` then runs the C encoder without per-call setup.
dumps = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, check_circular=False, default=_default
).encode


def jsonify(value: Any) -> str:
    """Serialise to a compact JSON string (returning it from a handler gives text/plain)."""
    return dumps(value)
