"""Rows in: a JSONL file or an iterable of dicts, read lazily, each checked before sending.

A row is `{"id"?, "prompt" | "messages", "params"?}`. `parse_row` turns one into a `Row` (the
messages, the per-row parameters, an offline token estimate) or a `RowProblem` naming what is
wrong; nothing here does network I/O.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, convert_to_messages

from langchain_gpt52 import _tokens, _wire
from langchain_gpt52._rules import check_request
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.chat_models.failover import ChatGPT52Failover

__all__ = ["Row", "RowProblem", "check_params", "parse_row", "read_rows", "row_id"]

DEFAULT_OUTPUT_ALLOWANCE = 1024
"""Output tokens assumed for pacing and budgeting when neither the row nor the model caps it."""

_KEYS = frozenset({"id", "prompt", "messages", "params"})


@dataclass(frozen=True)
class Row:
    """A row ready to send."""

    id: str
    index: int
    messages: list[BaseMessage] = field(repr=False)
    params: dict[str, Any]
    tokens: int
    """Offline estimate of the tokens the request may use: prompt plus output allowance."""


@dataclass(frozen=True)
class RowProblem:
    """A row that cannot be sent, and why (it becomes an `error` line)."""

    id: str
    index: int
    message: str


def read_rows(source: str | os.PathLike[str] | Iterable[Any]) -> Iterator[tuple[int, Any]]:
    """`(index, raw row)` one at a time: a JSONL path is read line by line, never whole.

    A line that is not JSON comes out as a `RowProblem`; blank lines are skipped.
    """
    if isinstance(source, (str, os.PathLike)):
        yield from _read_jsonl(Path(source))
        return
    if isinstance(source, Mapping):
        raise TypeError("rows must be an iterable of dicts or a JSONL path, not one dict")
    yield from enumerate(source)


def _read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"rows file not found: {path}")
    with path.open("rb") as lines:
        index = 0
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield index, json.loads(line)
            except ValueError as exc:
                digest = hashlib.sha256(line.strip()).hexdigest()[:16]
                yield index, RowProblem(digest, index, f"line {number} is not JSON: {exc}")
            index += 1


def row_id(raw: Mapping[str, Any]) -> str:
    """The row's `id`, or a stable hash of its content (the same row gets the same id)."""
    given = raw.get("id")
    if given is not None:
        return str(given)
    content = {k: raw.get(k) for k in ("prompt", "messages", "params")}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=_default)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _default(value: Any) -> Any:
    if isinstance(value, BaseMessage):
        return value.model_dump()
    return repr(value)


def parse_row(model: BaseChatModel, raw: Any, index: int) -> Row | RowProblem:
    """Check one raw row against `model` (the rules pipeline included) before anything is sent."""
    if isinstance(raw, RowProblem):
        return raw
    if not isinstance(raw, Mapping):
        digest = hashlib.sha256(repr(raw).encode()).hexdigest()[:16]
        return RowProblem(digest, index, f"row {index} is not an object: {type(raw).__name__}")
    rid = row_id(raw)
    try:
        return _parse(model, raw, rid, index)
    except (ValueError, TypeError, NotImplementedError) as exc:
        return RowProblem(rid, index, f"row {rid!r}: {exc}")


def _parse(model: BaseChatModel, raw: Mapping[str, Any], rid: str, index: int) -> Row:
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ValueError(f"unknown keys {unknown}: a row has id, prompt or messages, and params")
    prompt, messages = raw.get("prompt"), raw.get("messages")
    if (prompt is None) == (messages is None):
        raise ValueError("give exactly one of 'prompt' (a string) or 'messages' (a list)")
    if prompt is not None:
        if not isinstance(prompt, str) or not prompt:
            raise ValueError("'prompt' must be a non-empty string")
        parsed = convert_to_messages([("user", prompt)])
    else:
        if not isinstance(messages, list) or not messages:
            raise ValueError("'messages' must be a non-empty list of messages")
        parsed = convert_to_messages(messages)
    params = raw.get("params") or {}
    if not isinstance(params, Mapping):
        raise ValueError("'params' must be an object of generation parameters")
    params = dict(params)
    check_params(model, params)
    wire = _wire.format_messages(parsed)
    allowance = params.get("max_tokens") or getattr(model, "max_tokens", None)
    tokens = _tokens.prompt_tokens(wire, []) + int(allowance or DEFAULT_OUTPUT_ALLOWANCE)
    return Row(rid, index, parsed, params, tokens)


def check_params(model: BaseChatModel, params: dict[str, Any]) -> None:
    """Refuse per-row parameters the model's provider(s) would refuse (the rules pipeline)."""
    if "max_completion_tokens" in params:
        params["max_tokens"] = params.pop("max_completion_tokens")
    for name in ("stream", "model", "client_request_id"):
        if name in params:
            raise ValueError(f"{name!r} cannot be set per row")
    if isinstance(model, ChatGPT52Failover):
        model._check(dict(params), stream=False)
    elif isinstance(model, BaseChatGPT52):
        check_request(
            model.provider,
            model.model_name,
            {**model._params(), **params},
            model._endpoint(model.model_name),
        )
    else:
        raise TypeError(f"bulk runs take this package's chat models, not {type(model).__name__}")
