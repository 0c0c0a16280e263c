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


def _as_number(text: str) -> float | None:
    try:
        value = float(text.strip().rstrip(".").replace(",", ""))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def tool_results_reply(results: list[tuple[str, str]]) -> str:
    """The final answer after tool calls: a sentence built on the results (ends a ReAct loop).

    Numeric results answer with the last one ("Add gave 7, then multiply gave 35, so the answer
    is 35."); other results are reported by tool ("Here is what I found: get_weather reports
    21 °C, sunny.").
    """

    def clip(text: str) -> str:
        text = " ".join(text.split()).rstrip(".")
        return text if len(text) <= _RESULT_LIMIT else text[:_RESULT_LIMIT] + "..."

    numbers = [_as_number(content) for _, content in results]
    if all(n is not None for n in numbers):
        values = [_format_number(n) for n in numbers if n is not None]
        if len(results) == 1:
            return f"The answer is {values[0]}."
        steps = ", then ".join(
            f"{name} gave {v}" for (name, _), v in zip(results, values, strict=True)
        )
        return f"{steps[0].upper()}{steps[1:]}, so the answer is {values[-1]}."
    facts = "; ".join(f"{name} reports {clip(content)}" for name, content in results)
    return f"Here is what I found: {facts}."


_HAIKU_RE = re.compile(r"\bhaikus?\b", re.I)
_HAIKU_TOPIC_RE = re.compile(r"\b(?:about|on|of)\s+((?:[^?!.;:\n()\"]|\.(?=\w))+)", re.I)


def haiku(text: str) -> str:
    """Three short lines about the topic of a haiku request (deterministic)."""
    match = _HAIKU_TOPIC_RE.search(text)
    topic = " ".join(match.group(1).split()) if match else "a quiet page"
    return f"{topic[:40]}, softly,\nwords arrive one at a time,\na small light goes on."


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
    elif _HAIKU_RE.search(text):
        answer = haiku(text)
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
