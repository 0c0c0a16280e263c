"""Plain-text replies of the fake model."""

from __future__ import annotations

import re

from .conversation import ContentInfo, Conversation

_GREETING_RE = re.compile(
    r"^\W*(?:hello|hi|hey|greetings|good (?:morning|afternoon|evening))\b", re.I
)
_HOW_ARE_YOU_RE = re.compile(r"\bhow are you\b", re.I)
_ARITH_RE = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x\u00d7])\s*(-?\d+(?:\.\d+)?)")
_ECHO_LIMIT = 400
_RESULT_LIMIT = 300


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _attachments_sentence(info: ContentInfo) -> str:
    parts: list[str] = []
    if info.images:
        parts.append(_plural(info.images, "image"))
    if info.files:
        names = f" ({', '.join(info.filenames)})" if info.filenames else ""
        parts.append(_plural(info.files, "file") + names)
    if info.audio:
        parts.append(_plural(info.audio, "audio clip"))
    if not parts:
        return ""
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"I see {joined}."


def _format_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _arithmetic(text: str) -> str | None:
    match = _ARITH_RE.search(text)
    if match is None:
        return None
    left, op, right = float(match.group(1)), match.group(2), float(match.group(3))
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op in ("*", "x", "\u00d7"):
        result = left * right
    else:
        if right == 0:
            return None
        result = left / right
    return f"{_format_number(left)} {op} {_format_number(right)} = {_format_number(result)}."


def tool_results_reply(results: list[tuple[str, str]]) -> str:
    """Final answer quoting tool results (ends a ReAct loop)."""

    def clip(text: str) -> str:
        text = text.strip()
        return text if len(text) <= _RESULT_LIMIT else text[:_RESULT_LIMIT] + "..."

    if len(results) == 1:
        name, content = results[0]
        return f"The {name} tool returned: {clip(content)}"
    quoted = "; ".join(f"{name}: {clip(content)}" for name, content in results)
    return f"The tools returned: {quoted}"


def text_reply(conv: Conversation) -> str:
    """The deterministic plain-text answer for a conversation."""
    if conv.last_role == "tool" and conv.tool_results:
        return tool_results_reply(conv.tool_results)
    text = " ".join(conv.user.text.split())
    attachments = _attachments_sentence(conv.user)
    if not text:
        return attachments or "Hello! How can I help you today?"
    if _HOW_ARE_YOU_RE.search(text):
        answer = "I'm doing well, thanks for asking! How can I help you today?"
    elif _GREETING_RE.match(text) and len(text) <= 40:
        answer = "Hello! How can I help you today?"
    else:
        arithmetic = _arithmetic(text) if len(text) <= 200 else None
        if arithmetic is not None:
            answer = arithmetic
        else:
            echoed = text if len(text) <= _ECHO_LIMIT else text[:_ECHO_LIMIT] + "..."
            answer = f'You said: "{echoed}"'
    return f"{answer} {attachments}" if attachments else answer
