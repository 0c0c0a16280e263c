"""Reply planning: what the fake model answers to a request (content, refusal or tool calls).

The plan is provider-neutral; a provider contributes only its reasoning-token budget, its default
output cap and whether `stop` reaches the model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .conversation import REFUSAL_TEXT, REFUSE_MARKER, Conversation, read_conversation
from .schema import json_object_reply, schema_instance
from .text import text_reply
from .tokens import count_tokens, truncate_tokens
from .tool_calls import ToolCall, tool_calls


@dataclass
class Plan:
    """One answer: `content` or `refusal` or `tool_calls`, with its hidden reasoning."""

    content: str | None
    refusal: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str = "stop"
    reasoning_tokens: int = 0
    #: scripted reasoning text (`reasoning_content`); counted in `reasoning_tokens`
    reasoning: str | None = None

    def completion_tokens(self) -> int:
        total = self.reasoning_tokens
        if self.content:
            total += count_tokens(self.content)
        if self.refusal:
            total += count_tokens(self.refusal)
        for call in self.tool_calls:
            total += count_tokens(call.name) + count_tokens(call.arguments) + 4
        return total


@dataclass(frozen=True)
class ModelRules:
    """What a provider changes about the fake model's answer."""

    reasoning_tokens: Mapping[str, int] = field(default_factory=dict)
    default_max_tokens: int | None = None
    honours_stop: bool = True
    reasoning: str | None = None


def _structured_content(body: dict[str, Any], conv: Conversation) -> str | None:
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            schema = {"type": "object"}
        value = schema_instance(schema, conv.user.text)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if fmt.get("type") == "json_object":
        return json.dumps(json_object_reply(conv.user.text), ensure_ascii=False)
    return None


def _stop_list(body: dict[str, Any]) -> list[str]:
    stop = body.get("stop")
    if isinstance(stop, str):
        return [stop] if stop else []
    if isinstance(stop, list):
        return [s for s in stop if isinstance(s, str) and s]
    return []


def output_cap(body: dict[str, Any]) -> int | None:
    """The smaller of `max_tokens` and `max_completion_tokens` (`None`: neither is set)."""
    caps = [
        max(int(value), 0)
        for value in (body.get("max_tokens"), body.get("max_completion_tokens"))
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    ]
    return min(caps) if caps else None


def plan(body: dict[str, Any], rules: ModelRules) -> Plan:
    """The answer to a validated request `body`."""
    messages = body.get("messages")
    conv = read_conversation(messages if isinstance(messages, list) else [])
    effort = body.get("reasoning_effort")
    reasoning = rules.reasoning_tokens.get(effort, 0) if isinstance(effort, str) else 0
    thought = rules.reasoning
    if thought:
        reasoning = max(reasoning, count_tokens(thought))
    cap = output_cap(body)
    if cap is None:
        cap = rules.default_max_tokens
    if cap is not None and reasoning >= cap:
        return Plan(
            content="",
            refusal=None,
            finish_reason="length",
            reasoning_tokens=cap,
            reasoning=thought,
        )
    budget = None if cap is None else cap - reasoning

    if conv.last_role == "user" and REFUSE_MARKER in conv.user.text:
        return Plan(
            content=None, refusal=REFUSAL_TEXT, reasoning_tokens=reasoning, reasoning=thought
        )

    calls = tool_calls(body, conv)
    if calls:
        return Plan(
            content=None,
            refusal=None,
            tool_calls=calls,
            finish_reason="tool_calls",
            reasoning_tokens=reasoning,
            reasoning=thought,
        )

    content = _structured_content(body, conv)
    if content is None:
        content = text_reply(conv)
    finish = "stop"
    stops = _stop_list(body) if rules.honours_stop else []
    if stops:
        cut = min((i for i in (content.find(s) for s in stops) if i >= 0), default=-1)
        if cut >= 0:
            content = content[:cut]
    if budget is not None and count_tokens(content) > budget:
        content = truncate_tokens(content, budget)
        finish = "length"
    return Plan(
        content=content,
        refusal=None,
        finish_reason=finish,
        reasoning_tokens=reasoning,
        reasoning=thought,
    )
