"""Agents with memory, as Robyn 0.88's experimental `robyn.ai`.

    from robyn.ai import agent, configure, memory

    mem = memory(provider="inmemory", user_id="ann")        # a conversation log for one user
    chat = agent(runner="simple", memory=mem)                # OPENAI_API_KEY from the environment
    result = await chat.run("Hello", history=True)           # inside an async handler
    # {"response": "...", "query": "Hello", "metadata": {"runner_type": "simple_openai", ...}}

The "simple" runner asks an OpenAI-compatible chat-completions API. It uses the `openai` package
when that is installed (imported at the first request, never at import), and otherwise posts
the same JSON with urllib. Either way the blocking call runs on a thread, so the event loop
keeps serving. `base_url` (or OPENAI_BASE_URL) points it at another server, such as a local
model or a test double.
"""

import asyncio
import json
import logging
import os
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = [
    "AIConfig",
    "MemoryProvider",
    "InMemoryProvider",
    "Memory",
    "AgentRunner",
    "SimpleRunner",
    "Agent",
    "memory",
    "configure",
    "agent",
]

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o"
DEFAULT_TEMPERATURE = 0.7
DEFAULT_MAX_TOKENS = 1000
DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT = 600.0  # seconds, as the openai package's default
HISTORY_LIMIT = 10  # memory entries sent along with a query

# The variables Robyn reads, and the config keys they fill (a keyword argument wins).
_ENV_KEYS = {
    "OPENAI_API_KEY": "openai_api_key",
    "ANTHROPIC_API_KEY": "anthropic_api_key",
    "GOOGLE_API_KEY": "google_api_key",
    "AI_MODEL": "model",
    "AI_TEMPERATURE": "temperature",
    "AI_MAX_TOKENS": "max_tokens",
}
_ENV_NUMBERS = {"temperature": float, "max_tokens": int}


# --- configuration --------------------------------------------------------------------------


class AIConfig:
    """Settings for a runner: the keyword arguments given, then Robyn's environment variables
    for the keys not given (read once, here). AI_TEMPERATURE and AI_MAX_TOKENS become numbers
    when they parse as such and stay strings otherwise."""

    def __init__(self, **kwargs: Any) -> None:
        self.config: Dict[str, Any] = dict(kwargs)
        for variable, key in _ENV_KEYS.items():
            if key in self.config or variable not in os.environ:
                continue
            value: Any = os.environ[variable]
            if key in _ENV_NUMBERS:
                try:
                    value = _ENV_NUMBERS[key](value)
                except ValueError:
                    pass
            self.config[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.config[key] = value

    def update(self, **kwargs: Any) -> None:
        self.config.update(kwargs)

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.config)

    def __repr__(self) -> str:
        return f"AIConfig({_redacted(self.config)!r})"


def _redacted(config: Dict[str, Any]) -> Dict[str, Any]:
    """The config with API keys hidden, for logs and debug output."""
    return {k: ("***" if k.endswith("api_key") and v else v) for k, v in config.items()}


def configure(**kwargs: Any) -> AIConfig:
    """An AIConfig: `configure(openai_api_key="sk-...", model="gpt-4o", temperature=0.2)`."""
    return AIConfig(**kwargs)


# --- memory ---------------------------------------------------------------------------------


class MemoryProvider(ABC):
    """Where memories live, per user id. Subclass it to keep them in a database."""

    @abstractmethod
    async def store(self, user_id: str, data: Dict[str, Any]) -> None: ...

    @abstractmethod
    async def retrieve(self, user_id: str, query: Optional[str] = None) -> List[Dict[str, Any]]: ...

    @abstractmethod
    async def clear(self, user_id: str) -> None: ...


class InMemoryProvider(MemoryProvider):
    """A dict in this process: lost at restart, not shared between worker processes. `query`
    does not filter (as in Robyn): every entry of the user comes back, oldest first."""

    def __init__(self) -> None:
        self._entries: Dict[str, List[Dict[str, Any]]] = {}

    async def store(self, user_id: str, data: Dict[str, Any]) -> None:
        self._entries.setdefault(user_id, []).append(data)

    async def retrieve(self, user_id: str, query: Optional[str] = None) -> List[Dict[str, Any]]:
        return list(self._entries.get(user_id, ()))

    async def clear(self, user_id: str) -> None:
        self._entries.pop(user_id, None)


class Memory:
    """One user's memories in a provider: "inmemory" (a new, private store) or a MemoryProvider
    instance, which several Memory objects (one per user) may share."""

    def __init__(self, provider: Union[str, MemoryProvider], user_id: str, **kwargs: Any) -> None:
        if isinstance(provider, str):
            if provider != "inmemory":
                raise ValueError(f"Unknown memory provider: {provider!r} (use 'inmemory' or a MemoryProvider)")
            provider = InMemoryProvider()
        self.provider = provider
        self.user_id = user_id

    async def add(self, message: str, metadata: Optional[Dict[str, Any]] = None) -> None:
        await self.provider.store(self.user_id, {"message": message, "metadata": metadata or {}})

    async def get(self, query: Optional[str] = None) -> List[Dict[str, Any]]:
        return await self.provider.retrieve(self.user_id, query)

    async def clear(self) -> None:
        await self.provider.clear(self.user_id)


def memory(provider: Union[str, MemoryProvider] = "inmemory", user_id: str = "default", **kwargs: Any) -> Memory:
    """A Memory: `memory(provider="inmemory", user_id="ann")`."""
    return Memory(provider=provider, user_id=user_id, **kwargs)


# --- runners --------------------------------------------------------------------------------


class AgentRunner(ABC):
    """What answers a query. `run` gets the query and the agent's keyword arguments (with
    `context={"history": [...]}` when history was asked for) and returns a dict; its
    "response" is what the agent remembers."""

    @abstractmethod
    async def run(self, query: str, **kwargs: Any) -> Dict[str, Any]: ...


class SimpleRunner(AgentRunner):
    """One chat-completions request per query, with up to the last 10 remembered exchanges.

    Config keys: openai_api_key (required), model ("gpt-4o"), temperature (0.7), max_tokens
    (1000), debug (adds the config, keys hidden, to the metadata), and, beyond Robyn, base_url
    (else OPENAI_BASE_URL, else OpenAI's) and timeout (seconds, 600)."""

    def __init__(self, **config: Any) -> None:
        self.config = AIConfig(**config)
        self._client: Any = None

    async def run(self, query: str, **kwargs: Any) -> Dict[str, Any]:
        api_key = self.config.get("openai_api_key")
        if not api_key:
            raise ValueError(
                "OpenAI API key is required: set the OPENAI_API_KEY environment variable "
                "or pass openai_api_key (configure(openai_api_key=...))"
            )
        history = (kwargs.get("context") or {}).get("history") or []
        request = {
            "model": self.config.get("model", DEFAULT_MODEL),
            "messages": _messages(query, history),
            "temperature": self.config.get("temperature", DEFAULT_TEMPERATURE),
            "max_tokens": self.config.get("max_tokens", DEFAULT_MAX_TOKENS),
        }
        try:
            content, usage = await asyncio.to_thread(self._complete, api_key, request)
        except Exception as exc:
            logger.error("SimpleRunner: %s", exc)
            raise
        metadata: Dict[str, Any] = {"runner_type": "simple_openai", "model": request["model"], "usage": usage}
        if self.config.get("debug", False):
            metadata["debug_info"] = {"config": _redacted(self.config.to_dict())}
        return {"response": content, "query": query, "metadata": metadata}

    def _complete(self, api_key: str, request: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
        """(the reply's text, its token usage). Runs on a worker thread."""
        try:
            import openai
        except ImportError:
            return _post_chat_completion(self._base_url(), api_key, request, self._timeout())
        if self._client is None:
            # base_url None lets the package read OPENAI_BASE_URL itself.
            self._client = openai.OpenAI(api_key=api_key, base_url=self.config.get("base_url"), timeout=self._timeout())
        answer = self._client.chat.completions.create(**request)
        usage = answer.usage
        return answer.choices[0].message.content, {
            name: getattr(usage, name, None) for name in ("prompt_tokens", "completion_tokens", "total_tokens")
        }

    def _base_url(self) -> str:
        return self.config.get("base_url") or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL

    def _timeout(self) -> float:
        return float(self.config.get("timeout", DEFAULT_TIMEOUT))


def _messages(query: str, history: List[Any]) -> List[Dict[str, str]]:
    """The remembered "Query: ..." and "Response: ..." entries as chat turns, then the query.
    Other entries (notes added with Memory.add) are not sent."""
    messages = []
    for entry in history[-HISTORY_LIMIT:]:
        text = entry.get("message", str(entry)) if isinstance(entry, dict) else str(entry)
        if text.startswith("Query: "):
            messages.append({"role": "user", "content": text[len("Query: "):]})
        elif text.startswith("Response: "):
            messages.append({"role": "assistant", "content": text[len("Response: "):]})
    messages.append({"role": "user", "content": query})
    return messages


def _post_chat_completion(
    base_url: str, api_key: str, request: Dict[str, Any], timeout: float
) -> Tuple[str, Dict[str, Any]]:
    """POST {base_url}/chat/completions without the openai package. Failures raise RuntimeError
    with the URL and, for an error status, the API's own message."""
    url = base_url.rstrip("/") + "/chat/completions"
    http_request = urllib.request.Request(
        url,
        data=json.dumps(request).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as answer:
            body = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"chat completion failed: {url} answered {exc.code}: {_error_message(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise RuntimeError(f"chat completion failed: cannot reach {url}: {getattr(exc, 'reason', exc)}") from None
    except ValueError:
        raise RuntimeError(f"chat completion failed: {url} answered with something other than JSON") from None
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise RuntimeError(f"chat completion failed: {url} answered without choices[0].message.content") from None
    usage = body.get("usage") or {}
    return content, {name: usage.get(name) for name in ("prompt_tokens", "completion_tokens", "total_tokens")}


def _error_message(error: urllib.error.HTTPError) -> str:
    """The "error.message" of an OpenAI-style error body, else the body's start."""
    text = error.read(2000).decode("utf-8", "replace")
    try:
        return str(json.loads(text)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return text.strip() or str(error.reason)


# --- agents ---------------------------------------------------------------------------------


class Agent:
    """A runner and, optionally, a memory. `run` sends the query (with the memory as history
    when asked), then remembers the query and the response."""

    def __init__(self, runner: Union[str, AgentRunner], memory: Optional[Memory] = None, **kwargs: Any) -> None:
        if isinstance(runner, str):
            if runner != "simple":
                raise ValueError(f"Unknown runner type: {runner!r} (use 'simple' or an AgentRunner)")
            runner = SimpleRunner(**kwargs)
        elif not callable(getattr(runner, "run", None)):
            raise TypeError(f"runner must be 'simple' or an AgentRunner, not {type(runner).__name__}")
        self.runner = runner
        self.memory = memory

    async def run(self, query: str, history: bool = False, **kwargs: Any) -> Dict[str, Any]:
        if self.memory is not None and history:
            kwargs["context"] = {"history": await self.memory.get()}
        result = await self.runner.run(query, **kwargs)
        if self.memory is not None:
            await self.memory.add(f"Query: {query}")
            if "response" in result:
                await self.memory.add(f"Response: {result['response']}")
        return result


def agent(
    runner: Union[str, AgentRunner] = "simple",
    memory: Optional[Memory] = None,
    config: Optional[AIConfig] = None,
    **kwargs: Any,
) -> Agent:
    """An Agent: `agent()`, `agent(memory=mem, config=configure(model="gpt-4o-mini"))`,
    `agent(runner=MyRunner())`. Keyword arguments are config too, and win over `config`."""
    settings = config.to_dict() if config is not None else {}
    settings.update(kwargs)
    return Agent(runner=runner, memory=memory, **settings)
