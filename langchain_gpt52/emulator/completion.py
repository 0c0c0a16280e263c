"""Answers as JSON: `chat.completion` bodies and `chat.completion.chunk` lists.

Provider-neutral: what a provider adds (ids, usage fields, cost, stream quirks) comes from its
`langchain_gpt52.emulator.providers.base.EmulatedProvider` hooks.
"""

from __future__ import annotations

import time
from typing import Any

from .fake_model.planning import ModelRules, Plan, plan
from .fake_model.tokens import tokenize
from .fake_model.usage import prompt_tokens
from .providers import provider_named
from .providers.base import EmulatedProvider
from .randomness import random_text
from .settings import Settings

PIECE_TOKENS = 4


def _provider(provider: EmulatedProvider | str) -> EmulatedProvider:
    return provider_named(provider) if isinstance(provider, str) else provider


def _plan_for(provider: EmulatedProvider, body: dict[str, Any], settings: Settings) -> Plan:
    rules = ModelRules(
        reasoning_tokens=provider.reasoning_tokens,
        default_max_tokens=provider.default_max_tokens,
        honours_stop=provider.honours_stop,
        reasoning=settings.reasoning_content,
    )
    return plan(body, rules)


# --------------------------------------------------------------------------------------
# Logprobs
# --------------------------------------------------------------------------------------

_ALTERNATIVES = (" the", ",", ".", " a", " and", " to", " I", " is", " of", "!", " you")


def _logprob_entries(tokens: list[str], start: int, top: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for offset, token in enumerate(tokens):
        i = start + offset
        logprob = -round(((i * 37) % 97) / 1000 + 0.0001, 6)
        tops: list[dict[str, Any]] = []
        if top > 0:
            tops.append({"token": token, "logprob": logprob, "bytes": list(token.encode())})
            alts = (a for a in _ALTERNATIVES if a != token)
            for j, alt in zip(range(1, top), alts, strict=False):
                alt_lp = round(logprob - 1.5 * j, 6)
                tops.append({"token": alt, "logprob": alt_lp, "bytes": list(alt.encode())})
        entries.append(
            {
                "token": token,
                "logprob": logprob,
                "bytes": list(token.encode()),
                "top_logprobs": tops,
            }
        )
    return entries


def _wants_logprobs(body: dict[str, Any]) -> tuple[bool, int]:
    top = body.get("top_logprobs")
    return body.get("logprobs") is True, int(top) if isinstance(top, (int, float)) else 0


# --------------------------------------------------------------------------------------
# Non-streaming
# --------------------------------------------------------------------------------------


def _choice_count(body: dict[str, Any]) -> int:
    n = body.get("n")
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1


def _call_id() -> str:
    return f"call_{random_text(24)}"


def complete(
    provider: EmulatedProvider | str, body: dict[str, Any], settings: Settings | None = None
) -> dict[str, Any]:
    """Non-streaming `chat.completion` response JSON (`body` already validated)."""
    provider = _provider(provider)
    answer = _plan_for(provider, body, settings or Settings())
    count = _choice_count(body)
    want_lp, top = _wants_logprobs(body)
    choices: list[dict[str, Any]] = []
    for index in range(count):
        message: dict[str, Any] = {"role": "assistant", "content": answer.content}
        if answer.reasoning:
            message["reasoning_content"] = answer.reasoning
        provider.finish_message(message, answer.refusal)
        if answer.tool_calls:
            calls: list[dict[str, Any]] = []
            for call_index, call in enumerate(answer.tool_calls):
                entry: dict[str, Any] = {
                    "id": _call_id(),
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                provider.finish_tool_call(entry, call_index)
                calls.append(entry)
            message["tool_calls"] = calls
        choice: dict[str, Any] = {
            "index": index,
            "message": message,
            "finish_reason": answer.finish_reason,
        }
        if want_lp:
            choice["logprobs"] = _choice_logprobs(answer, top)
        choices.append(choice)
    usage = provider.usage(
        prompt_tokens(body), answer.completion_tokens() * count, answer.reasoning_tokens * count
    )
    response: dict[str, Any] = {
        "id": provider.completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": provider.reported_model(body),
        "choices": choices,
        "usage": usage,
    }
    provider.finish_response(response, usage)
    return response


def _choice_logprobs(answer: Plan, top: int) -> dict[str, Any]:
    if answer.refusal is not None:
        return {"content": None, "refusal": _logprob_entries(tokenize(answer.refusal), 0, top)}
    if answer.content is None:
        return {"content": None, "refusal": None}
    return {"content": _logprob_entries(tokenize(answer.content), 0, top), "refusal": None}


# --------------------------------------------------------------------------------------
# Streaming
# --------------------------------------------------------------------------------------


def _pieces(text: str) -> list[tuple[str, list[str]]]:
    tokens = tokenize(text)
    return [
        ("".join(tokens[i : i + PIECE_TOKENS]), tokens[i : i + PIECE_TOKENS])
        for i in range(0, len(tokens), PIECE_TOKENS)
    ]


Event = tuple[dict[str, Any], dict[str, Any] | None, str | None]


def _text_events(text: str, key: str, want_lp: bool, top: int) -> list[Event]:
    """`delta.<key>` pieces of `text` (`content` or `refusal`) with their logprobs."""
    other = "refusal" if key == "content" else "content"
    events: list[Event] = []
    position = 0
    for piece, tokens in _pieces(text):
        lp = {key: _logprob_entries(tokens, position, top), other: None} if want_lp else None
        events.append(({key: piece}, lp, None))
        position += len(tokens)
    return events


def _choice_events(answer: Plan, want_lp: bool, top: int) -> list[Event]:
    """(delta, logprobs, finish_reason) for one choice, in order."""
    events: list[Event] = []
    reasoning = [({"reasoning_content": p}, None, None) for p, _ in _pieces(answer.reasoning or "")]
    if answer.refusal is not None:
        events.append(({"role": "assistant", "content": None, "refusal": ""}, None, None))
        events.extend(reasoning)
        events.extend(_text_events(answer.refusal, "refusal", want_lp, top))
    elif answer.tool_calls:
        events.append(({"role": "assistant", "content": None, "refusal": None}, None, None))
        events.extend(reasoning)
        for call_index, call in enumerate(answer.tool_calls):
            head = {
                "index": call_index,
                "id": _call_id(),
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            events.append(({"tool_calls": [head]}, None, None))
            for piece, _tokens in _pieces(call.arguments):
                arg_delta = {"index": call_index, "function": {"arguments": piece}}
                events.append(({"tool_calls": [arg_delta]}, None, None))
    else:
        events.append(({"role": "assistant", "content": "", "refusal": None}, None, None))
        events.extend(reasoning)
        events.extend(_text_events(answer.content or "", "content", want_lp, top))
    events.append(({}, None, answer.finish_reason))
    return events


def stream_chunks(
    provider: EmulatedProvider | str, body: dict[str, Any], settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` dicts of a streamed answer, in order."""
    provider = _provider(provider)
    settings = settings or Settings()
    answer = _plan_for(provider, body, settings)
    count = _choice_count(body)
    want_lp, top = _wants_logprobs(body)
    completion_id = provider.completion_id()
    created = int(time.time())
    options = body.get("stream_options")
    requested = isinstance(options, dict) and options.get("include_usage") is True
    per_choice = [_choice_events(answer, want_lp, top) for _ in range(count)]

    def envelope(choices: list[dict[str, Any]]) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": provider.reported_model(body),
            "choices": choices,
        }
        provider.finish_chunk(chunk, requested)
        return chunk

    chunks: list[dict[str, Any]] = []
    longest = max(len(events) for events in per_choice)
    for step in range(longest):
        for index, events in enumerate(per_choice):
            if step >= len(events):
                continue
            delta, logprobs, finish = events[step]
            choice: dict[str, Any] = {"index": index, "delta": delta}
            if provider.chunk_logprobs_key or want_lp:
                choice["logprobs"] = logprobs
            choice["finish_reason"] = finish
            chunks.append(envelope([choice]))

    if provider.sends_usage_chunk(requested, settings):
        usage = provider.usage(
            prompt_tokens(body), answer.completion_tokens() * count, answer.reasoning_tokens * count
        )
        final = envelope([])
        final["usage"] = usage
        provider.finish_usage_chunk(final, usage)
        chunks.append(final)
    return chunks
