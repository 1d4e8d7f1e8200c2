"""Checks on the users API's input. Every problem becomes one entry of a 422's `detail` list,
in the shape the gateway gives pydantic's errors: {"loc": [...], "msg": "..."}."""

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PER_PAGE = 100

Problems = List[Dict[str, Any]]


def user_fields(data: Any) -> Tuple[Optional[Dict[str, str]], Problems]:
    """(name, email) from a request's JSON, cleaned; or the problems with it."""
    if not isinstance(data, dict):
        return None, [{"loc": ["body"], "msg": "expected a JSON object"}]
    problems: Problems = []
    name, email = data.get("name"), data.get("email")
    if not isinstance(name, str) or not name.strip():
        problems.append({"loc": ["body", "name"], "msg": "a non-empty string is required"})
    elif len(name.strip()) > 100:
        problems.append({"loc": ["body", "name"], "msg": "at most 100 characters"})
    if not isinstance(email, str) or not EMAIL.match(email.strip()) or len(email.strip()) > 254:
        problems.append({"loc": ["body", "email"], "msg": "a valid email address is required"})
    if problems:
        return None, problems
    return {"name": name.strip(), "email": email.strip().lower()}, []


def pagination(query: Mapping[str, Optional[str]]) -> Tuple[Optional[Tuple[int, int]], Problems]:
    """(page, per_page) from `?page=&per_page=` (defaults 1 and 20); or the problems with them."""
    values, problems = {}, []
    for name, default, top in (("page", 1, None), ("per_page", 20, MAX_PER_PAGE)):
        text = query.get(name)
        try:
            value = default if text in (None, "") else int(text)
        except ValueError:
            value = None
        if value is None or value < 1 or (top is not None and value > top):
            limit = f"from 1 to {top}" if top else "1 or more"
            problems.append({"loc": ["query", name], "msg": f"a whole number {limit} is required"})
        values[name] = value
    return (None if problems else (values["page"], values["per_page"])), problems
