"""What a call cost in USD, a tracker of the calls made in a block, and a budget that stops them.

Cost of one response (``response_metadata["cost"] = {"usd": ..., "source": ...}``):

* ``"provider"``: the provider reported it (AI/ML API's ``usd_spent``, or ``credits_used`` at
  2,000,000 credits per USD, from ``meta.usage`` or the ``x-aimlapi-*`` headers).
* ``"price_table"``: the model's price per 1M tokens times the token usage: input tokens at the
  input price, cached input tokens at the cached price, output tokens (reasoning included) at the
  output price.
* ``"fetched_price"``: as ``"price_table"``, with the price the gateway publishes on its models
  endpoint (fetched by ``list_models`` / ``get_model_details``) in place of the catalog's.
* ``"cache"``: the reply came from a LangChain cache (``set_llm_cache``): 0 USD.

A model with no known price and no provider figure gets no ``cost`` key (never a made-up 0).

```python
from langchain_gpt52 import ChatAIMLAPI, track_cost

with track_cost(max_usd=0.50) as cost:
    ChatAIMLAPI().invoke("Hello!")
print(cost.total_usd, cost.by_model)
```
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation, LLMResult

from langchain_gpt52._prices import Price

__all__ = [
    "CREDITS_PER_USD",
    "BudgetExceededError",
    "CostTracker",
    "ModelCost",
    "StreamCost",
    "attach_cost",
    "mark_cached",
    "price_usd",
    "provider_usd",
    "response_cost",
    "track_cost",
]

logger = logging.getLogger("langchain_gpt52")

CREDITS_PER_USD = 2_000_000
"""AI/ML API credits per US dollar."""

CostSource = Literal["provider", "price_table", "fetched_price", "cache"]


PROVIDER_COST_KEYS = ("credits_used", "usd_spent")
"""The ``response_metadata`` keys that carry a provider's own figure for a call."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


# -- pure arithmetic -----------------------------------------------------------------------


def provider_usd(metadata: Mapping[str, Any]) -> float | None:
    """The provider's own figure from ``response_metadata``: ``usd_spent``, else
    ``credits_used`` / 2,000,000; None when it reported neither."""
    usd = _number(metadata.get("usd_spent"))
    if usd is not None:
        return usd
    credits = _number(metadata.get("credits_used"))
    return None if credits is None else credits / CREDITS_PER_USD


def price_usd(usage: Mapping[str, Any], price: Price) -> float:
    """USD of ``usage`` (LangChain ``UsageMetadata``) at ``price`` (USD per 1M tokens).

    Cached input tokens (``input_token_details.cache_read``) are billed at the cached price and
    the rest of the input at the input price; output tokens include reasoning tokens (as OpenAI
    counts them), and reasoning tokens are never billed below their own count.
    """
    inp = int(usage.get("input_tokens") or 0)
    out = int(usage.get("output_tokens") or 0)
    cached = int((usage.get("input_token_details") or {}).get("cache_read") or 0)
    reasoning = int((usage.get("output_token_details") or {}).get("reasoning") or 0)
    cached = min(cached, inp)
    out = max(out, reasoning)
    total = (inp - cached) * price.input + cached * price.cached_input + out * price.output
    return total / 1_000_000


def response_cost(
    metadata: Mapping[str, Any], usage: Mapping[str, Any] | None, price: Price | None
) -> dict[str, Any] | None:
    """``{"usd", "source"}`` for one response, or None when nothing is known."""
    usd = provider_usd(metadata)
    if usd is not None:
        return {"usd": usd, "source": "provider"}
    if usage is not None and price is not None:
        source = "fetched_price" if price.fetched else "price_table"
        return {"usd": price_usd(usage, price), "source": source}
    return None


def attach_cost(message: BaseMessage, price: Price | None) -> None:
    """Set ``message.response_metadata["cost"]`` from its metadata and usage, when known."""
    usage = message.usage_metadata if isinstance(message, AIMessage) else None
    cost = response_cost(message.response_metadata, usage, price)
    if cost is not None:
        message.response_metadata["cost"] = cost


class StreamCost:
    """Collects a stream's provider figures and usage; ``chunk()`` reports its cost once."""

    __slots__ = ("_metadata", "_price", "_usage")

    def __init__(self, price: Price | None) -> None:
        self._price = price
        self._metadata: dict[str, Any] = {}
        self._usage: Mapping[str, Any] | None = None

    def observe(self, message: BaseMessage) -> None:
        md = message.response_metadata
        for key in PROVIDER_COST_KEYS:
            if key in md:
                self._metadata[key] = md[key]
        if isinstance(message, AIMessageChunk) and message.usage_metadata:
            self._usage = message.usage_metadata

    def chunk(self) -> ChatGenerationChunk | None:
        """The closing chunk carrying ``response_metadata["cost"]``, or None when unknown."""
        cost = response_cost(self._metadata, self._usage, self._price)
        if cost is None:
            return None
        return ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata={"cost": cost})
        )


def mark_cached(generations: Sequence[Generation]) -> None:
    """A reply from a LangChain cache cost nothing now: ``cost`` 0 USD from ``"cache"``,
    and the provider's figures of the original call removed."""
    for gen in generations:
        if isinstance(gen, ChatGeneration):
            md = {
                k: v
                for k, v in gen.message.response_metadata.items()
                if k not in PROVIDER_COST_KEYS
            }
            md["cost"] = {"usd": 0.0, "source": "cache"}
            gen.message = gen.message.model_copy(update={"response_metadata": md})


# -- tracker and budget --------------------------------------------------------------------


class BudgetExceededError(RuntimeError):
    """A call would start after the ``track_cost(max_usd=...)`` budget was spent."""

    def __init__(self, spent_usd: float, limit_usd: float) -> None:
        super().__init__(
            f"cost budget spent: ${spent_usd:.6f} of ${limit_usd:.6f}; the next model call was "
            "not sent (raise max_usd to continue)"
        )
        self.spent_usd = spent_usd
        self.limit_usd = limit_usd

    def __reduce__(self) -> Any:
        return (type(self), (self.spent_usd, self.limit_usd))


@dataclass
class ModelCost:
    """What the calls to one ``"<provider>/<model>"`` cost and used."""

    usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    calls: int = 0


class CostTracker(BaseCallbackHandler):
    """Callback handler that adds up the cost of chat-model calls (see ``track_cost``)."""

    raise_error = True
    """Let ``BudgetExceededError`` out of ``on_chat_model_start`` (stops the call unsent)."""
    run_inline = True

    def __init__(self, max_usd: float | None = None) -> None:
        super().__init__()
        if max_usd is not None and (_number(max_usd) is None or max_usd < 0):
            raise ValueError(f"max_usd must be a non-negative number or None, got {max_usd!r}")
        self.max_usd = max_usd
        self.total_usd = 0.0
        self.calls = 0
        """Responses received (cache hits included)."""
        self.unpriced_calls = 0
        """Responses with no known cost."""
        self.cache_hits = 0
        """Responses served from a LangChain cache (0 USD, tokens not counted)."""
        self.by_model: dict[str, ModelCost] = {}
        self._runs: dict[UUID, str] = {}
        """Run id -> ``"<provider>/<model>"`` of the calls in flight."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"CostTracker(total_usd={self.total_usd:.6f}, calls={self.calls}, "
            f"unpriced_calls={self.unpriced_calls}, max_usd={self.max_usd})"
        )

    @property
    def remaining_usd(self) -> float | None:
        """What is left of ``max_usd`` (None without a budget)."""
        return None if self.max_usd is None else max(self.max_usd - self.total_usd, 0.0)

    def _start(self, run_id: UUID, metadata: Mapping[str, Any] | None) -> None:
        with self._lock:
            if self.max_usd is not None and self.total_usd >= self.max_usd:
                error = BudgetExceededError(self.total_usd, self.max_usd)
                logger.warning("budget stop: %s", error)
                raise error
            md = metadata or {}
            provider = md.get("ls_provider") or "unknown"
            model = md.get("ls_model_name") or "unknown"
            self._runs[run_id] = f"{provider}/{model}"

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, metadata)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, metadata)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            key = self._runs.pop(run_id, "unknown/unknown")
            for gens in response.generations:
                if gens:
                    self._add(gens[0], key)

    def _add(self, gen: Generation, key: str) -> None:
        message = gen.message if isinstance(gen, ChatGeneration) else None
        if message is None:
            self.calls += 1
            self.unpriced_calls += 1
            return
        md = message.response_metadata
        key = md.get("served_by") or key
        cost = md.get("cost")
        self.calls += 1
        entry = self.by_model.setdefault(key, ModelCost())
        entry.calls += 1
        if isinstance(cost, Mapping) and cost.get("source") == "cache":
            self.cache_hits += 1
            return
        usd = _number(cost.get("usd")) if isinstance(cost, Mapping) else None
        if usd is None:
            self.unpriced_calls += 1
        else:
            self.total_usd += usd
            entry.usd += usd
        usage = message.usage_metadata if isinstance(message, AIMessage) else None
        if usage:
            entry.input_tokens += usage.get("input_tokens") or 0
            entry.output_tokens += usage.get("output_tokens") or 0
            entry.cached_tokens += (usage.get("input_token_details") or {}).get("cache_read") or 0
            entry.reasoning_tokens += (usage.get("output_token_details") or {}).get(
                "reasoning"
            ) or 0


_tracker_var: ContextVar[CostTracker | None] = ContextVar("langchain_gpt52_cost", default=None)
_hook_registered = False


def _register_hook() -> None:
    """Let LangChain's callback managers pick up the active tracker (once, on first use:
    importing langchain-core's tracers costs ~50 ms, which plain calls never pay)."""
    global _hook_registered
    if not _hook_registered:
        from langchain_core.tracers.context import register_configure_hook

        register_configure_hook(_tracker_var, inheritable=True)
        _hook_registered = True


class _BudgetStopIsNotACallbackFault(logging.Filter):
    """langchain-core logs "Error in CostTracker... callback" before re-raising a handler's
    error; a budget stop is raised on purpose (and logged by this package), so drop that line."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            len(args) == 3
            and args[0] == CostTracker.__name__
            and str(args[2]).startswith(f"{BudgetExceededError.__name__}(")
        )


logging.getLogger("langchain_core.callbacks.manager").addFilter(_BudgetStopIsNotACallbackFault())


class track_cost:
    """Add up the USD cost of every chat-model call made inside the block.

    It sees calls through LangChain callbacks: invoke, stream, batch, async, tools, structured
    output and LangGraph agents. With ``max_usd``, a call that would start once the budget is
    spent raises ``BudgetExceededError`` before anything is sent; the call that crosses the
    limit completes (its cost is known only afterwards). Works with ``with`` and ``async with``.

    ```python
    from langchain_gpt52 import BudgetExceededError, track_cost

    with track_cost(max_usd=0.05) as cost:
        try:
            agent.invoke({"messages": [("user", "Research this")]})
        except BudgetExceededError as err:
            print(f"stopped at ${err.spent_usd:.4f}")
    print(cost.total_usd, cost.calls, cost.by_model)
    ```
    """

    def __init__(self, max_usd: float | None = None) -> None:
        self.tracker = CostTracker(max_usd)
        self._tokens: list[Token[CostTracker | None]] = []

    def __enter__(self) -> CostTracker:
        _register_hook()
        self._tokens.append(_tracker_var.set(self.tracker))
        return self.tracker

    def __exit__(self, *exc: object) -> None:
        _tracker_var.reset(self._tokens.pop())

    async def __aenter__(self) -> CostTracker:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__()
