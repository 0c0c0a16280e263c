"""One row: pace, record the send, call the model once, and turn the outcome into a result line.

`arun_row` is the whole per-row path, usable on its own (a Ray actor calls it per row with a
cluster-wide `RateLimiter`); it never sends a row twice: the model's own retries (before a
response starts) are the only ones.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableBinding, RunnableSequence
from pydantic import BaseModel

from langchain_gpt52.bulk.pacing import RateLimiter
from langchain_gpt52.bulk.rows import Row
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.chat_models.failover import ChatGPT52Failover
from langchain_gpt52.cost import (
    BudgetExceededError,
    BudgetStoreUnavailableError,
    UnpricedCallError,
)
from langchain_gpt52.errors import APIError, APIStatusError, redact_text

__all__ = ["RowCall", "arun_row", "client_request_id", "error_record"]

_SKIP_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (UnpricedCallError, "unpriced"),  # a BudgetExceededError: checked first
    (BudgetExceededError, "budget"),
    (BudgetStoreUnavailableError, "budget_store_unavailable"),
)
"""Refusals before sending (nothing billed): the row ends `skipped` and a re-run tries again."""

_ID_SAFE = re.compile(r"[A-Za-z0-9._-]{1,80}")


def client_request_id(job: str, row_id: str, send: int = 1) -> str:
    """The deterministic `X-Client-Request-Id` of a row's `send`-th request in `job`: 1-128
    characters of `A-Z a-z 0-9 . _ : -` (the row id itself when it fits, else its hash)."""
    key = row_id if _ID_SAFE.fullmatch(row_id) else hashlib.sha256(row_id.encode()).hexdigest()[:24]
    return f"{job}:{key}" if send == 1 else f"{job}:{key}:{send}"


@dataclass(frozen=True)
class RowCall:
    """What every row of a job is sent with: the model, the structured-output binding and
    parser (from `schema=`), and the keys to keep out of result lines."""

    model: BaseChatModel
    bind_kwargs: dict[str, Any] = field(default_factory=dict)
    parser: Runnable[Any, Any] | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def build(cls, model: BaseChatModel, schema: Any = None) -> RowCall:
        """`model` alone, or with `schema` (pydantic model, TypedDict or JSON schema)."""
        secrets = tuple(_secrets(model))
        if schema is None:
            return cls(model, secrets=secrets)
        structured = model.with_structured_output(schema)
        if not (
            isinstance(structured, RunnableSequence)
            and isinstance(structured.first, RunnableBinding)
        ):
            raise TypeError(f"{type(model).__name__}.with_structured_output is not model | parser")
        steps = structured.steps[1:]
        parser = steps[0] if len(steps) == 1 else RunnableSequence(*steps)
        return cls(model, dict(structured.first.kwargs), parser, secrets)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = redact_text(text, secret)
        return text

    def served_by(self, message: BaseMessage) -> str | None:
        served = message.response_metadata.get("served_by")
        if served is None and isinstance(self.model, BaseChatGPT52):
            served = f"{self.model.provider.ls_provider}/{self.model.model_name}"
        return served


def _secrets(model: BaseChatModel) -> list[str]:
    members = model.models if isinstance(model, ChatGPT52Failover) else [model]
    keys = []
    for member in members:
        key = getattr(member, "api_key", None)
        if key is not None and key.get_secret_value():
            keys.append(key.get_secret_value())
    return keys


async def arun_row(
    call: RowCall,
    row: Row,
    client_id: str,
    *,
    limiter: RateLimiter | None = None,
    before_send: Callable[[], Awaitable[None]] | None = None,
    attempts: int = 1,
) -> dict[str, Any]:
    """Send `row` once and return its result line (`status` ok, error or skipped).

    Waits for `limiter`, calls `before_send` (the journal's durable "sent" record), then
    `ainvoke`s the model with the row's parameters and `client_request_id=client_id`. A 429
    that outlasts the model's own retries penalizes `limiter` by its `Retry-After`.
    """
    if limiter is not None:
        await limiter.acquire(row.tokens)
    if before_send is not None:
        await before_send()
    start = time.monotonic()
    base: dict[str, Any] = {"id": row.id, "client_request_id": client_id, "attempts": attempts}
    try:
        message = await call.model.ainvoke(
            row.messages, **call.bind_kwargs, **row.params, client_request_id=client_id
        )
    except (BudgetExceededError, BudgetStoreUnavailableError, UnpricedCallError) as exc:
        reason = next(why for kind, why in _SKIP_REASONS if isinstance(exc, kind))
        return {**base, "status": "skipped", "reason": reason, "message": call.redact(str(exc))}
    except Exception as exc:
        if limiter is not None and getattr(exc, "status_code", None) == 429:
            limiter.penalize(_retry_after(exc))
        latency = time.monotonic() - start
        return {**base, **error_record(exc, call.redact), "latency_s": round(latency, 4)}
    record = {**base, **_message_record(call, message), "latency_s": 0.0}
    if call.parser is not None:
        try:
            parsed = await call.parser.ainvoke(message)
        except Exception as exc:
            record.update(error_record(exc, call.redact))  # billed: usage and cost stay
        else:
            record["output"] = (
                parsed.model_dump(mode="json") if isinstance(parsed, BaseModel) else parsed
            )
    record["latency_s"] = round(time.monotonic() - start, 4)
    return record


def _message_record(call: RowCall, message: BaseMessage) -> dict[str, Any]:
    md = message.response_metadata
    cost = md.get("cost")
    return {
        "status": "ok",
        "output": message.text,
        "finish_reason": md.get("finish_reason"),
        "usage": getattr(message, "usage_metadata", None),
        "cost": cost.get("usd") if isinstance(cost, dict) else None,
        "served_by": call.served_by(message),
        "request_id": md.get("request_id"),
    }


def error_record(exc: BaseException, redact: Callable[[str], str]) -> dict[str, Any]:
    """`status: error` and `error: {type, status_code, message}` (the key redacted)."""
    record: dict[str, Any] = {
        "status": "error",
        "error": {
            "type": type(exc).__name__,
            "status_code": getattr(exc, "status_code", None),
            "message": redact(str(exc)),
        },
    }
    if isinstance(exc, APIError) and exc.request_id:
        record["request_id"] = exc.request_id
    return record


def _retry_after(exc: BaseException) -> float | None:
    headers = exc.headers if isinstance(exc, APIStatusError) else {}
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
