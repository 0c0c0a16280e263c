"""What a call cost in USD, a tracker of the calls made in a block, and a budget that stops them.

Cost of one response (`response_metadata["cost"] = {"usd": ..., "source": ...}`):

* `"provider"`: the provider reported it (read by its descriptor's `body_cost` and
  `cost_headers`, converted by its `cost_units`: AI/ML API's `usd_spent`, or `credits_used`
  at 2,000,000 credits per USD, from `meta.usage` or the `x-aimlapi-*` headers).
* `"price_table"`: the model's price per 1M tokens times the token usage: input tokens at the
  input price, cached input tokens at the cached price, output tokens (reasoning included) at the
  output price.
* `"fetched_price"`: as `"price_table"`, with the price the gateway publishes on its models
  endpoint (fetched by `list_models` / `get_model_details`) in place of the catalog's.
* `"cache"`: the reply came from a LangChain cache (`set_llm_cache`): 0 USD.
* `"estimate"` (the tracker's own, for a stream cut before any figure or usage arrived): the
  offline input count plus the output streamed so far, at the list price.

A model with no known price and no provider figure gets no `cost` key (never a made-up 0).

```python
from langchain_gpt52 import ChatAIMLAPI, track_cost

with track_cost(max_usd=0.50) as cost:
    ChatAIMLAPI(max_tokens=1_000).invoke("Hello!")
print(cost.total_usd, cost.by_model)
```
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation, LLMResult

from langchain_gpt52 import _tokens
from langchain_gpt52._prices import Price
from langchain_gpt52.budget import (
    BudgetStore,
    BudgetStoreUnavailableError,
    InMemoryBudgetStore,
    RedisBudgetStore,
    to_decimal,
)
from langchain_gpt52.providers import PROVIDERS

__all__ = [
    "BudgetExceededError",
    "BudgetStore",
    "BudgetStoreUnavailableError",
    "CostTracker",
    "InMemoryBudgetStore",
    "ModelCost",
    "RedisBudgetStore",
    "UnpricedCallError",
    "price_usd",
    "track_cost",
]

logger = logging.getLogger("langchain_gpt52")

CostSource = Literal["provider", "price_table", "fetched_price", "cache", "estimate"]


_UNITS: dict[str, float] = {k: v for p in PROVIDERS for k, v in p.cost_units.items()}
"""The built-in providers' cost figures (`response_metadata` key -> USD per unit), for callers
that do not know which provider answered."""
PROVIDER_COST_KEYS = tuple(_UNITS)
"""The `response_metadata` keys that carry a built-in provider's own figure for a call."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _figure(value: Any, what: str) -> float | None:
    """`value` as USD when it is a finite number >= 0; None when absent or not a number, and
    None with a warning when it is a number that cannot be a cost (NaN, infinite, negative)."""
    number = _number(value)
    if number is None:
        return None
    if not math.isfinite(number) or number < 0:
        logger.warning(
            "ignored the provider's %s=%r (not a finite number >= 0); the price table is used",
            what,
            value,
        )
        return None
    return number


# -- pure arithmetic -----------------------------------------------------------------------


def provider_usd(metadata: Mapping[str, Any], units: Mapping[str, float] = _UNITS) -> float | None:
    """The provider's own figure from `response_metadata` in USD: the first key of `units`
    (the provider's `cost_units`: key -> USD per unit) that holds a number; None when it
    reported none (a figure that is not a finite number >= 0 is ignored with a warning)."""
    for key, usd_per_unit in units.items():
        figure = _figure(metadata.get(key), key)
        if figure is not None:
            return figure * usd_per_unit
    return None


def price_usd(usage: Mapping[str, Any], price: Price) -> float:
    """USD of `usage` (LangChain `UsageMetadata`) at `price` (USD per 1M tokens).

    Cached input tokens (`input_token_details.cache_read`) are billed at the cached price and
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
    metadata: Mapping[str, Any],
    usage: Mapping[str, Any] | None,
    price: Price | None,
    units: Mapping[str, float] = _UNITS,
) -> dict[str, Any] | None:
    """`{"usd", "source"}` for one response, or None when nothing is known."""
    usd = provider_usd(metadata, units)
    if usd is not None:
        return {"usd": usd, "source": "provider"}
    if usage is not None and price is not None:
        source = "fetched_price" if price.fetched else "price_table"
        return {"usd": price_usd(usage, price), "source": source}
    return None


def attach_cost(
    message: BaseMessage, price: Price | None, units: Mapping[str, float] = _UNITS
) -> None:
    """Set `message.response_metadata["cost"]` from its metadata and usage, when known."""
    usage = message.usage_metadata if isinstance(message, AIMessage) else None
    cost = response_cost(message.response_metadata, usage, price, units)
    if cost is not None:
        message.response_metadata["cost"] = cost


class StreamCost:
    """Collects a stream's provider figures and usage; `chunk()` reports its cost once."""

    __slots__ = ("_metadata", "_price", "_units", "_usage")

    def __init__(self, price: Price | None, units: Mapping[str, float] = _UNITS) -> None:
        self._price = price
        self._units = units
        self._metadata: dict[str, Any] = {}
        self._usage: Mapping[str, Any] | None = None

    def observe(self, message: BaseMessage) -> None:
        md = message.response_metadata
        for key in self._units:
            if key in md:
                self._metadata[key] = md[key]
        if isinstance(message, AIMessageChunk) and message.usage_metadata:
            self._usage = message.usage_metadata

    def chunk(self) -> ChatGenerationChunk | None:
        """The closing chunk carrying `response_metadata["cost"]`, or None when unknown."""
        cost = response_cost(self._metadata, self._usage, self._price, self._units)
        if cost is None:
            return None
        return ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata={"cost": cost})
        )


def mark_cached(
    generations: Sequence[Generation], keys: Sequence[str] = PROVIDER_COST_KEYS
) -> None:
    """A reply from a LangChain cache cost nothing now: `cost` 0 USD from `"cache"`,
    and the provider's figures of the original call (its `keys`) removed."""
    for gen in generations:
        if isinstance(gen, ChatGeneration):
            md = {k: v for k, v in gen.message.response_metadata.items() if k not in keys}
            md["cost"] = {"usd": 0.0, "source": "cache"}
            gen.message = gen.message.model_copy(update={"response_metadata": md})


# -- tracker and budget --------------------------------------------------------------------


class BudgetExceededError(RuntimeError):
    """A call was refused before sending: its reservation does not fit in the budget.

    `spent_usd` is what the budget's finished calls cost, `reserved_usd` what its calls in
    flight hold, `limit_usd` the `max_usd`, `needed_usd` this call's reservation and `budget`
    the budget's `name` (None when unnamed).
    """

    def __init__(
        self,
        spent_usd: float,
        limit_usd: float,
        reserved_usd: float = 0.0,
        needed_usd: float = 0.0,
        reason: str | None = None,
        budget: str | None = None,
    ) -> None:
        label = f"cost budget {budget!r}" if budget else "cost budget"
        super().__init__(
            reason
            or f"{label}: ${spent_usd:.6f} spent and ${reserved_usd:.6f} reserved by calls "
            f"in flight of ${limit_usd:.6f}; this call needs ${needed_usd:.6f} and was not sent "
            "(raise max_usd, or lower max_tokens to reserve less)"
        )
        self.spent_usd = spent_usd
        self.limit_usd = limit_usd
        self.reserved_usd = reserved_usd
        self.needed_usd = needed_usd
        self.reason = reason
        self.budget = budget

    def __reduce__(self) -> Any:
        args = (self.spent_usd, self.limit_usd, self.reserved_usd, self.needed_usd)
        return (type(self), (*args, self.reason, self.budget))


@dataclass
class ModelCost:
    """What the calls to one `"<provider>/<model>"` cost and used."""

    usd_exact: Decimal = Decimal(0)
    """The cost in USD, exact (`usd` is the same as a float)."""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    calls: int = 0
    estimated_calls: int = 0
    """Calls whose cost is an estimate (a stream cut before the provider reported usage)."""

    @property
    def usd(self) -> float:
        return float(self.usd_exact)


INPUT_MARGIN = Decimal("1.25")
"""The offline input count is multiplied by this before it is priced (a tokenizer counts
digits, code and other scripts differently from the offline estimate)."""
PRICE_MARGIN = Decimal("1.10")
"""A reservation is the list price times this: a gateway may bill above the list price
(AI/ML API bills it + 5 %, rounded up to a whole credit)."""
MIN_OUTPUT_ALLOWANCE = 1_024
"""Output tokens reserved at least for a call without `max_tokens` (GPT-5.2 at its default
effort often spends hundreds of reasoning tokens before the answer)."""

_MILLION = Decimal(1_000_000)
_PRICES: dict[Price, tuple[Decimal, Decimal]] = {}


def _per_token(price: Price) -> tuple[Decimal, Decimal]:
    """USD per input and per output token of `price`, as Decimals (kept per price)."""
    found = _PRICES.get(price)
    if found is None:
        found = (
            to_decimal(price.input) / _MILLION,
            to_decimal(price.output) / _MILLION,
        )
        _PRICES[price] = found
    return found


def reservation_usd(price: Price, input_tokens: int, output_tokens: int) -> Decimal:
    """What a call may cost at most: `input_tokens` (the offline count) times `INPUT_MARGIN`
    at the input price, plus `output_tokens` (its `max_tokens`, or the allowance) at the output
    price, the sum times `PRICE_MARGIN`."""
    per_in, per_out = _per_token(price)
    return (input_tokens * INPUT_MARGIN * per_in + output_tokens * per_out) * PRICE_MARGIN


def estimate_usd(price: Price, input_tokens: int, output_tokens: int) -> Decimal:
    """A call's cost from offline token counts at the list price (no margin)."""
    per_in, per_out = _per_token(price)
    return input_tokens * per_in + output_tokens * per_out


def message_tokens(messages: Sequence[BaseMessage]) -> int:
    """Offline input count of LangChain messages: content, tool calls, ~3 tokens a message."""
    total = 3
    for msg in messages:
        total += 3 + _tokens.content_tokens(msg.content)
        if isinstance(msg, AIMessage):
            for call in msg.tool_calls:
                total += _tokens.estimate_tokens(json.dumps(call.get("args"), default=str))
    return total


def _request_tokens(invocation_params: Mapping[str, Any] | None) -> int:
    """Offline count of the tools and response schema sent with the messages."""
    if not invocation_params:
        return 0
    extra = [invocation_params.get(k) for k in ("tools", "functions", "response_format")]
    extra = [e for e in extra if e]
    return _tokens.estimate_tokens(json.dumps(extra, default=str)) if extra else 0


_CATALOG: dict[tuple[str, str], Price | None] = {}


def catalog_price(provider: str, model: str) -> Price | None:
    """The list price of `model` as served by the provider whose `ls_provider` is `provider`,
    else of a catalog model of that id at any provider (`ChatOpenAI(model="gpt-5.2")`)."""
    key = (provider, model)
    if key not in _CATALOG:
        from langchain_gpt52.providers import PROVIDERS

        rows = [p.row(model) for p in PROVIDERS if p.ls_provider == provider]
        rows += [p.row(model) for p in PROVIDERS]
        _CATALOG[key] = next((r.price for r in rows if r is not None and r.price), None)
    return _CATALOG[key]


class _Run:
    """A call in flight: what the tracker reserved for it and what its stream showed so far."""

    __slots__ = ("count", "figures", "key", "pieces", "price", "reserved", "via")

    def __init__(
        self,
        key: str,
        via: object,
        price: Price | None,
        reserved: Decimal,
        count: Callable[[], int],
    ) -> None:
        self.key = key
        self.via = via
        self.price = price
        self.reserved = reserved
        self.count = count
        """The offline input count (called only for a reservation or an estimate)."""
        self.pieces: list[str] | None = None
        """Text and tool-call arguments streamed so far (None: nothing streamed)."""
        self.figures: dict[str, Any] = {}
        """`cost`, provider figures and usage seen in the stream's chunks."""

    def observe(self, token: Any, chunk: Any) -> None:
        pieces = self.pieces
        if pieces is None:
            pieces = self.pieces = []
        if isinstance(token, str):
            pieces.append(token)
        message = getattr(chunk, "message", None)
        if not isinstance(message, BaseMessage):
            return
        if isinstance(message, AIMessageChunk):
            for call in message.tool_call_chunks:
                pieces.append(call.get("args") or "")
            if message.usage_metadata:
                self.figures["usage"] = message.usage_metadata
        md = message.response_metadata
        if md:
            for key in ("cost", *PROVIDER_COST_KEYS):
                if key in md:
                    self.figures[key] = md[key]


# Run id -> the trackers that admitted it (so one tracker's refusal releases the others').
_ADMITTED: dict[UUID, list[CostTracker]] = {}


def _unwind_start() -> None:
    """Undo the rest of a start event this handler is about to stop by raising.

    langchain-core's callback manager starts one run per message list (`generate` with several)
    and, when async, creates every handler's start event before awaiting them. Once a handler
    raises, the runs already started never end (their reservations are released here) and the
    start events not yet awaited are closed (else: `coroutine 'ahandle_event' was never
    awaited`). Found by walking up to the manager's frame; nothing happens when it is not there.
    """
    frame = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return
        local = frame.f_locals
        if frame.f_code.co_name in ("on_chat_model_start", "on_llm_start") and "managers" in local:
            for manager in local.get("managers") or ():
                run_id = getattr(manager, "run_id", None)
                if isinstance(run_id, UUID):
                    _abandon(run_id)
            for name in ("inline_tasks", "non_inline_tasks"):
                for coro in local.get(name) or ():
                    if (
                        inspect.iscoroutine(coro)
                        and inspect.getcoroutinestate(coro) == inspect.CORO_CREATED
                    ):
                        coro.close()
            return
        frame = frame.f_back  # type: ignore[assignment]


def _checked_max_usd(max_usd: Any) -> Decimal | None:
    if max_usd is None:
        return None
    if (
        isinstance(max_usd, bool)
        or not isinstance(max_usd, (int, float, Decimal))
        or not math.isfinite(max_usd)
        or max_usd < 0
    ):
        raise ValueError(
            f"max_usd must be a finite number of USD >= 0 (or None for no budget), got {max_usd!r}"
        )
    return to_decimal(max_usd)


def _store(store: BudgetStore | str | None, name: str | None) -> BudgetStore:
    if store is None:
        return InMemoryBudgetStore()
    if isinstance(store, str):
        if not store.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"store must be a BudgetStore or a Redis URL (redis://host:6379/0), got {store!r}"
            )
        if not name:
            raise ValueError(
                "track_cost: a Redis store needs name= (the budget's key, e.g. 'team-daily')"
            )
        return RedisBudgetStore(store, name)
    if not isinstance(store, BudgetStore):
        raise TypeError(
            "store must be a BudgetStore (reserve, settle, release, totals) or a Redis URL, "
            f"got {type(store).__name__}"
        )
    return store


class CostTracker(BaseCallbackHandler):
    """Callback handler that adds up the cost of chat-model calls and enforces a budget (see
    `track_cost`). Attach it to a model (`ChatAIMLAPI(callbacks=[tracker])`,
    `llm.with_config(callbacks=[tracker])`) to count and budget that model's calls from any
    thread or task."""

    raise_error = True
    """Let `BudgetExceededError` out of `on_chat_model_start` (stops the call unsent)."""
    run_inline = True

    def __init__(
        self,
        max_usd: float | Decimal | None = None,
        *,
        store: BudgetStore | str | None = None,
        name: str | None = None,
        unpriced: Literal["warn", "refuse"] = "warn",
    ) -> None:
        super().__init__()
        self.limit = _checked_max_usd(max_usd)
        self.max_usd = max_usd
        if unpriced not in ("warn", "refuse"):
            raise ValueError(f"unpriced must be 'warn' or 'refuse', got {unpriced!r}")
        self.unpriced = unpriced
        self.name = name
        """The budget's name (the Redis key with a Redis URL; a label in errors otherwise)."""
        self.store = _store(store, name)
        self.total = Decimal(0)
        """What this tracker's calls cost, exact (`total_usd` is the same as a float)."""
        self.calls = 0
        """Responses received (cache hits and cut streams included)."""
        self.unpriced_calls = 0
        """Calls with no known cost."""
        self.estimated_calls = 0
        """Calls whose cost is an estimate (cut streams with no provider figure or usage)."""
        self.cache_hits = 0
        """Responses served from a LangChain cache (0 USD, tokens not counted)."""
        self.by_model: dict[str, ModelCost] = {}
        self._runs: dict[UUID, _Run] = {}
        self._largest_output: dict[str, int] = {}
        """`"<provider>/<model>"` -> the largest output (reasoning included) seen."""
        self._warned: set[str] = set()
        self._stopped = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"CostTracker(total_usd={self.total_usd:.6f}, calls={self.calls}, "
            f"unpriced_calls={self.unpriced_calls}, max_usd={self.max_usd})"
        )

    @property
    def total_usd(self) -> float:
        """What this tracker's calls cost, in USD."""
        return float(self.total)

    @property
    def remaining_usd(self) -> float | None:
        """What is left of `max_usd` after what is spent and reserved (None without a budget)."""
        if self.limit is None:
            return None
        spent, reserved = self.store.totals()
        return float(max(self.limit - spent - reserved, Decimal(0)))

    # -- start: reserve --------------------------------------------------------------------

    def _start(
        self,
        run_id: UUID,
        metadata: Mapping[str, Any] | None,
        input_tokens: Any,
        invocation_params: Mapping[str, Any] | None,
        via: object,
    ) -> None:
        if run_id in self._runs:
            return  # the same tracker reached twice (attached and in a block)
        md = metadata or {}
        provider = md.get("ls_provider") or "unknown"
        model = md.get("ls_model_name") or "unknown"
        key = f"{provider}/{model}"
        price = catalog_price(provider, model)
        reserved = Decimal(0)

        def tokens() -> int:
            return int(input_tokens()) + _request_tokens(invocation_params)

        if self.limit is not None:
            if price is None:
                self._unpriced_start(run_id, key)
            else:
                allowance = self._allowance(key, md, invocation_params)
                reserved = reservation_usd(price, tokens(), allowance)
            if not self._reserve(run_id, reserved):
                self._refuse(run_id, reserved)
        run = _Run(key, via, price, reserved, tokens)
        with self._lock:
            self._runs[run_id] = run
        _ADMITTED.setdefault(run_id, []).append(self)

    def _allowance(
        self, key: str, md: Mapping[str, Any], invocation_params: Mapping[str, Any] | None
    ) -> int:
        """Output tokens reserved: `max_tokens` when set, else the larger of
        `MIN_OUTPUT_ALLOWANCE` and the largest output seen from the model; times `n`."""
        max_tokens = md.get("ls_max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 0:
            max_tokens = max(MIN_OUTPUT_ALLOWANCE, self._largest_output.get(key, 0))
        n = (invocation_params or {}).get("n")
        return max_tokens * n if isinstance(n, int) and n > 1 else max_tokens

    def _reserve(self, run_id: UUID, amount: Decimal) -> bool:
        assert self.limit is not None
        try:
            return self.store.reserve(amount, self.limit)
        except BudgetStoreUnavailableError:
            _abandon(run_id)
            logger.warning("budget stop: the budget store cannot be reached")
            _unwind_start()
            raise

    def _refuse(self, run_id: UUID, needed: Decimal, reason: str | None = None) -> None:
        assert self.limit is not None
        _abandon(run_id)
        spent, reserved = self.store.totals()
        error_cls = BudgetExceededError if reason is None else UnpricedCallError
        error = error_cls(
            float(spent), float(self.limit), float(reserved), float(needed), reason, self.name
        )
        # The first stop of a tracker is a warning, later ones (a batch's other rows) debug;
        # the message is logged, not the error (its traceback holds frames).
        level = logging.DEBUG if self._stopped else logging.WARNING
        self._stopped = True
        logger.log(level, "budget stop: %s", str(error))
        _unwind_start()
        raise error

    def _unpriced_start(self, run_id: UUID, key: str) -> None:
        if self.unpriced == "refuse":
            self._refuse(
                run_id,
                Decimal(0),
                f"cannot price {key} before sending (no list price known), and the budget "
                "refuses such calls (unpriced='refuse'); the call was not sent",
            )
        if key not in self._warned:
            self._warned.add(key)
            logger.warning(
                "budget: cannot price %s before sending; its calls are counted only when the "
                "provider reports their cost (unpriced_calls counts the rest)",
                key,
            )

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        def count() -> int:
            return message_tokens(messages[0]) if messages else 0

        self._start(run_id, metadata, count, invocation_params, self)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        def count() -> int:
            return sum(_tokens.estimate_tokens(p) for p in prompts)

        self._start(run_id, metadata, count, invocation_params, self)

    # -- stream: watch -----------------------------------------------------------------------

    def _token(self, run_id: UUID, token: Any, chunk: Any, via: object) -> None:
        run = self._runs.get(run_id)
        if run is not None and run.via is via:
            run.observe(token, chunk)

    def on_llm_new_token(
        self, token: Any, *, chunk: Any = None, run_id: UUID, **kwargs: Any
    ) -> None:
        self._token(run_id, token, chunk, self)

    # -- end: settle -------------------------------------------------------------------------

    def _pop(self, run_id: UUID, via: object) -> _Run | None:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.via is not via:
                return None
            del self._runs[run_id]
        _ADMITTED.pop(run_id, None)
        return run

    def _end(self, run_id: UUID, response: LLMResult, via: object) -> None:
        run = self._pop(run_id, via)
        if run is None:
            return
        gens = [g[0] for g in response.generations if g]
        usd = Decimal(0)
        for gen in gens:
            usd += self._add(gen, run)
        if not gens:
            self._count(None, run, None)
        self._settle(run, usd)

    def _fail(self, run_id: UUID, via: object) -> None:
        run = self._pop(run_id, via)
        if run is None:
            return
        if run.pieces is None:  # nothing came back: a failed request is billed nothing
            self._release(run)
            return
        figures = run.figures
        message = AIMessage(
            content="", response_metadata={k: v for k, v in figures.items() if k != "usage"}
        )
        if "usage" in figures:
            message.usage_metadata = figures["usage"]
        self._settle(run, self._add(ChatGeneration(message=message), run, cut=True))

    def _settle(self, run: _Run, usd: Decimal) -> None:
        try:
            self.store.settle(run.reserved, usd)
        except BudgetStoreUnavailableError as exc:
            logger.error("budget: %s; the call's reservation stays counted", exc)

    def _release(self, run: _Run) -> None:
        if not run.reserved:
            return
        try:
            self.store.release(run.reserved)
        except BudgetStoreUnavailableError as exc:
            logger.error("budget: %s; the call's reservation stays counted", exc)

    def _abandon(self, run_id: UUID) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is not None:
            self._release(run)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, response, self)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, self)

    # -- bookkeeping -------------------------------------------------------------------------

    def _add(self, gen: Generation, run: _Run, cut: bool = False) -> Decimal:
        """Count one response; its cost in USD (0 when unknown)."""
        message = gen.message if isinstance(gen, ChatGeneration) else None
        if message is None:
            self._count(None, run, None)
            return Decimal(0)
        md = message.response_metadata
        usage = message.usage_metadata if isinstance(message, AIMessage) else None
        cost = md.get("cost")
        if isinstance(cost, Mapping) and cost.get("source") == "cache":
            self._count(md.get("served_by"), run, None, cache=True)
            return Decimal(0)
        usd = _figure(cost.get("usd"), "cost.usd") if isinstance(cost, Mapping) else None
        if usd is None:
            found = response_cost(md, usage, run.price)
            usd = found["usd"] if found else None
        exact = None if usd is None else to_decimal(usd)
        estimated = False
        if exact is None and cut and run.price is not None:
            text = "".join(run.pieces or ())
            exact = estimate_usd(run.price, run.count(), _tokens.estimate_tokens(text))
            estimated = True
        self._count(md.get("served_by"), run, usage, usd=exact, estimated=estimated)
        return Decimal(0) if exact is None else exact

    def _count(
        self,
        served_by: str | None,
        run: _Run,
        usage: Mapping[str, Any] | None,
        *,
        usd: Decimal | None = None,
        cache: bool = False,
        estimated: bool = False,
    ) -> None:
        key = served_by or run.key
        with self._lock:
            self.calls += 1
            entry = self.by_model.get(key)
            if entry is None:
                entry = self.by_model[key] = ModelCost()
            entry.calls += 1
            if cache:
                self.cache_hits += 1
                return
            if usd is None:
                self.unpriced_calls += 1
            else:
                self.total += usd
                entry.usd_exact += usd
            if estimated:
                self.estimated_calls += 1
                entry.estimated_calls += 1
            if usage:
                out = usage.get("output_tokens") or 0
                entry.input_tokens += usage.get("input_tokens") or 0
                entry.output_tokens += out
                entry.cached_tokens += (usage.get("input_token_details") or {}).get(
                    "cache_read"
                ) or 0
                entry.reasoning_tokens += (usage.get("output_token_details") or {}).get(
                    "reasoning"
                ) or 0
                if out > self._largest_output.get(run.key, 0):
                    self._largest_output[run.key] = out


class UnpricedCallError(BudgetExceededError):
    """A budget with `unpriced="refuse"` refused a call it cannot price before sending."""


def _abandon(run_id: UUID) -> None:
    """Release what every tracker reserved for a run that will not be sent."""
    for tracker in _ADMITTED.pop(run_id, ()):
        tracker._abandon(run_id)


class _Trackers(BaseCallbackHandler):
    """The trackers of nested `track_cost` blocks, outermost first: each sees every call."""

    raise_error = True
    run_inline = True

    def __init__(self, trackers: tuple[CostTracker, ...]) -> None:
        super().__init__()
        self.trackers = trackers

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        counted: list[int] = []

        def count() -> int:
            if not counted:
                counted.append(message_tokens(messages[0]) if messages else 0)
            return counted[0]

        for tracker in self.trackers:
            tracker._start(run_id, metadata, count, invocation_params, self)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        def count() -> int:
            return sum(_tokens.estimate_tokens(p) for p in prompts)

        for tracker in self.trackers:
            tracker._start(run_id, metadata, count, invocation_params, self)

    def on_llm_new_token(
        self, token: Any, *, chunk: Any = None, run_id: UUID, **kwargs: Any
    ) -> None:
        for tracker in self.trackers:
            tracker._token(run_id, token, chunk, self)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        for tracker in self.trackers:
            tracker._end(run_id, response, self)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        for tracker in self.trackers:
            tracker._fail(run_id, self)


_tracker_var: ContextVar[BaseCallbackHandler | None] = ContextVar(
    "langchain_gpt52_cost", default=None
)
_hook_registered = False


def _register_hook() -> None:
    """Let LangChain's callback managers pick up the active trackers (once, on first use:
    plain calls never import langchain-core's tracers)."""
    global _hook_registered
    if not _hook_registered:
        from langchain_core.tracers.context import register_configure_hook

        register_configure_hook(_tracker_var, inheritable=True)
        _hook_registered = True


def _active() -> tuple[CostTracker, ...]:
    handler = _tracker_var.get()
    if isinstance(handler, CostTracker):
        return (handler,)
    if isinstance(handler, _Trackers):
        return handler.trackers
    return ()


class _BudgetStopIsNotACallbackFault(logging.Filter):
    """langchain-core logs "Error in CostTracker... callback" before re-raising a handler's
    error; a budget stop is raised on purpose (and logged by this package), so drop that line."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            len(args) == 3
            and args[0] in (CostTracker.__name__, _Trackers.__name__)
            and str(args[2]).startswith(
                (
                    f"{BudgetExceededError.__name__}(",
                    f"{UnpricedCallError.__name__}(",
                    f"{BudgetStoreUnavailableError.__name__}(",
                )
            )
        )


logging.getLogger("langchain_core.callbacks.manager").addFilter(_BudgetStopIsNotACallbackFault())


class track_cost:
    """Add up the USD cost of every chat-model call made inside the block, and hold a budget.

    It sees calls through LangChain callbacks: invoke, stream, batch, async, tools, structured
    output and LangGraph agents. Nested blocks each see every call inside them and each
    enforce their own `max_usd`. Works with `with` and `async with`; returns a `CostTracker`.

    The block follows the context: calls in the same thread or task, and in tasks and
    LangChain's own executors started from it (`batch`, `abatch`, agents). A plain
    `ThreadPoolExecutor` does not carry Python context variables: attach the tracker to the
    model instead (`ChatAIMLAPI(callbacks=[tracker])` or `llm.with_config(callbacks=[tracker])`),
    which counts and budgets its calls from any thread.

    **Budget** (`max_usd`, a finite number of USD >= 0). Before a call is sent the tracker
    reserves what it may cost: the input counted offline (`message_tokens`, tools and schema
    included) times 1.25 at the input price, plus the output allowance at the output price, the
    sum times 1.10 (a gateway's markup; AI/ML API bills list + 5 %). The call is admitted only
    if spent + reserved + its reservation <= `max_usd`; otherwise it raises
    `BudgetExceededError` (with `spent_usd`, `reserved_usd`, `limit_usd`, `needed_usd`) and
    nothing is sent. When the call ends its reservation is replaced by its real cost; when it
    fails with nothing received it is released (a failed request is billed nothing).

    - With `max_tokens` set, the allowance is `max_tokens` (times `n`): the total cannot
      exceed `max_usd`, whatever the concurrency, as long as the provider bills within the
      margins above.
    - Without it, the allowance is the larger of 1,024 tokens and the largest output
      (reasoning included) this tracker has seen from the model: an estimate; a reply longer
      than both can push the total past `max_usd` by its excess (times the calls in flight).
      The measured overshoot is in `docs/cost-and-failover.md`.

    A stream cut short (the caller stops iterating, or the server drops it) still counts: at
    the provider's figure or usage when they arrived, else input plus the output streamed so
    far at the list price (`estimated_calls`). A call the tracker cannot price logs one
    warning per model and is counted in `unpriced_calls`; `unpriced="refuse"` refuses it
    before sending (`UnpricedCallError`, a `BudgetExceededError`).

    **Stores.** `store` keeps spent and reserved (`langchain_gpt52.budget`): in this process
    by default; `store="redis://host:6379/0", name="team-daily"` (or a `RedisBudgetStore`, or
    any `BudgetStore`) shares one budget between processes and machines (`name` is required
    with a Redis URL; with any store it labels the budget in `BudgetExceededError`). When the store
    cannot be reached a call raises `BudgetStoreUnavailableError` before sending: a budget
    that cannot be checked lets nothing through.

    ```python
    import asyncio

    from langchain_gpt52 import BudgetExceededError, ChatAIMLAPI, track_cost

    llm = ChatAIMLAPI(max_tokens=500)

    async def main() -> None:
        async with track_cost(max_usd=0.05) as cost:
            results = await llm.abatch(prompts, return_exceptions=True)
        stopped = [r for r in results if isinstance(r, BudgetExceededError)]
        print(cost.total_usd, cost.calls, len(stopped))

    asyncio.run(main())
    ```
    """

    def __init__(
        self,
        max_usd: float | Decimal | None = None,
        *,
        store: BudgetStore | str | None = None,
        name: str | None = None,
        unpriced: Literal["warn", "refuse"] = "warn",
    ) -> None:
        self.tracker = CostTracker(max_usd, store=store, name=name, unpriced=unpriced)
        self._tokens: list[Token[BaseCallbackHandler | None]] = []

    def __enter__(self) -> CostTracker:
        _register_hook()
        outer = _active()
        handler = _Trackers((*outer, self.tracker)) if outer else self.tracker
        self._tokens.append(_tracker_var.set(handler))
        return self.tracker

    def __exit__(self, *exc: object) -> None:
        _tracker_var.reset(self._tokens.pop())

    async def __aenter__(self) -> CostTracker:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__()
