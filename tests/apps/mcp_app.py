"""An MCP server as a Robyn 0.88 user writes one: resources, tools and prompts on app.mcp.

Served by tests/python/test_mcp_client.py (the official TypeScript SDK connects to it) and
loaded by tests/python/test_mcp.py (TestClient)."""

import asyncio
from typing import Dict, List, Optional

from robyn import Robyn

app = Robyn(__file__)

NOTES = {"1": "buy milk", "2": "call ann"}


@app.get("/")
def index():
    return "an ordinary route beside MCP"


@app.mcp.resource("config://app", name="App config", mime_type="application/json")
def config():
    return {"name": "notes", "version": 2}


@app.mcp.resource("notes://{note_id}")
def note(note_id: str) -> str:
    """One note by its id."""
    if note_id not in NOTES:
        raise KeyError(note_id)
    return NOTES[note_id]


@app.mcp.resource("user://{user_id}/posts/{post_id}")
async def user_post(user_id: int, post_id: str) -> str:
    return f"post {post_id} of user {user_id:03d}"  # an int: the format fails on a str


@app.mcp.resource("file://{+path}")
def file(path: str) -> str:
    return f"file at {path}"


@app.mcp.tool()
def add(a: int, b: int = 0) -> int:
    """Adds two integers."""
    return a + b


@app.mcp.tool(description="Divides a by b.")
async def divide(a: float, b: float) -> float:
    await asyncio.sleep(0)
    if b == 0:
        raise ValueError("Division by zero")
    return a / b


@app.mcp.tool()
def tag(text: str, tags: Optional[List[str]] = None, upper: bool = False, meta: Optional[Dict[str, int]] = None) -> dict:
    """Tags a text."""
    return {"text": text.upper() if upper else text, "tags": tags or [], "meta": meta or {}}


@app.mcp.tool("calculate", "Evaluates a sum of numbers", {
    "type": "object",
    "properties": {"numbers": {"type": "array", "items": {"type": "number"}}},
    "required": ["numbers"],
})
def calculate(args):
    return sum(args["numbers"])


@app.mcp.prompt()
def code_review(code: str, language: str = "python") -> str:
    """Asks for a review of some code."""
    return f"Please review this {language} code:\n{code}"


@app.mcp.prompt(name="repeat")
def repeat(word: str, times: int = 2) -> list:
    return [word] * times + [{"role": "assistant", "content": {"type": "text", "text": "ok"}}]


@app.mcp.prompt()
def broken_prompt() -> str:
    raise RuntimeError("secret internals /etc/passwd")


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
