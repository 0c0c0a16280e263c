"""Upstream OpenAI rules that apply behind every provider (checked after its own schema)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from langchain_gpt52.providers._types import (
    EffortIn,
    ModelRow,
    OnlyDefault,
    SamplingNeedsNoReasoning,
    UpstreamRule,
)

from .fake_model.conversation import AUDIO_PART_TOKENS, FILE_PART_TOKENS, IMAGE_PART_TOKENS
from .fake_model.usage import prompt_tokens
from .rejection import RequestRejected, js_number


def tool_names(body: dict[str, Any]) -> list[str]:
    """The function names of `body["tools"]`."""
    names: list[str] = []
    tools = body.get("tools")
    if isinstance(tools, list):
        for tool in tools:
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                names.append(fn["name"])
    return names


def upstream_checks(body: dict[str, Any], reject: Callable[[str], RequestRejected]) -> None:
    """`tool_choice` needs `tools` and must name one of them; `reject` builds the 400."""
    choice = body.get("tool_choice")
    if choice is not None and not body.get("tools"):
        raise reject(
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
            "specified."
        )
    if isinstance(choice, dict):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, dict) else None
        if isinstance(name, str) and name not in tool_names(body):
            raise reject(
                f"Invalid value for 'tool_choice': function '{name}' not found in 'tools'."
            )


# -- the catalog's models and their rules ------------------------------------------------------


@functools.cache
def served_models(route: str) -> dict[str, ModelRow]:
    """The Chat Completions models of the catalog provider whose `ls_provider` is `route`,
    by id: the emulated provider serves each of them with that model's own rules."""
    from langchain_gpt52.providers import PROVIDERS

    return {
        row.model: row
        for provider in PROVIDERS
        if provider.ls_provider == route
        for row in provider.models
        if row.chat_completions
    }


def model_checks(
    row: ModelRow, body: dict[str, Any], reject: Callable[[str], RequestRejected]
) -> None:
    """The upstream model's own refusals for `row`, in OpenAI's words: its output cap, its
    reasoning efforts, its upstream-only rules and its context window."""
    for key in ("max_tokens", "max_completion_tokens"):
        cap = body.get(key)
        limit = row.max_output_tokens
        if isinstance(cap, int) and limit is not None and cap > limit:
            raise reject(
                f"{key} is too large: {cap}. This model supports at most {limit} completion "
                f"tokens, whereas you provided {cap}."
            )
    effort = body.get("reasoning_effort")
    if effort is not None and row.efforts is not None and effort not in row.efforts:
        raise reject(_effort_message(effort, row.efforts))
    for rule in row.upstream:
        message = _rule_message(rule, body, row)
        if message is not None:
            raise reject(message)
    overflow = context_overflow(row, body)
    if overflow is not None:
        raise reject(overflow)


def _effort_message(effort: Any, efforts: tuple[str, ...]) -> str:
    allowed = ", ".join(f"'{e}'" for e in efforts)
    return (
        f"Unsupported value: 'reasoning_effort' does not support {json.dumps(effort)} with "
        f"this model. Supported values are: {allowed}."
    )


def _only_default(key: str, value: Any, default: Any) -> str:
    return (
        f"Unsupported value: '{key}' does not support {js_number(value)} with this model. "
        f"Only the default ({js_number(default)}) value is supported."
    )


def _rule_message(rule: UpstreamRule, body: dict[str, Any], row: ModelRow) -> str | None:
    """What upstream answers when `body` breaks `rule` (None when it does not)."""
    if isinstance(rule, OnlyDefault):
        value = body.get(rule.param)
        if value is not None and value != rule.default:
            return _only_default(rule.param, value, rule.default)
    elif isinstance(rule, EffortIn):
        effort = body.get("reasoning_effort")
        if effort is not None and effort not in rule.efforts:
            return _effort_message(effort, rule.efforts)
    elif isinstance(rule, SamplingNeedsNoReasoning):
        if (body.get("reasoning_effort") or row.default_effort) in (None, "none"):
            return None
        for key in ("temperature", "top_p"):
            value = body.get(key)
            if value is not None and value != 1:
                return _only_default(key, value, 1)
        if body.get("logprobs") is True:
            return "Unsupported parameter: 'logprobs' is not supported with this model."
    return None


def context_overflow(row: ModelRow, body: dict[str, Any]) -> str | None:
    """OpenAI's refusal of a prompt longer than the model's context window, or None.

    Tokens are counted only when the text could overflow: a token is at least one character,
    so a prompt of no more characters than the window fits without counting.
    """
    window = row.context_window
    if window is None or _characters(body) <= window:
        return None
    tokens = prompt_tokens(body)
    if tokens <= window:
        return None
    return (
        f"This model's maximum context length is {window} tokens. However, your messages "
        f"resulted in {tokens} tokens. Please reduce the length of the messages."
    )


def _characters(body: dict[str, Any]) -> int:
    """An upper bound of the prompt's tokens that needs no counting: the characters of every
    text, plus the fixed tokens of each message and media part (see `prompt_tokens`)."""
    total = 3
    messages = body.get("messages")
    for msg in messages if isinstance(messages, list) else []:
        if not isinstance(msg, dict):
            continue
        total += 4
        content = msg.get("content")
        if isinstance(content, str):
            total += len(content)
        elif isinstance(content, list):
            total += sum(_MEDIA_TOKENS + len(json.dumps(part)) for part in content)
        if msg.get("tool_calls"):
            total += len(json.dumps(msg["tool_calls"]))
    for key in ("tools", "response_format"):
        if body.get(key):
            total += 8 * len(body[key]) + len(json.dumps(body[key]))
    return total


_MEDIA_TOKENS = max(IMAGE_PART_TOKENS, FILE_PART_TOKENS, AUDIO_PART_TOKENS)
