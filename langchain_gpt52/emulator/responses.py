"""The Responses API (`POST /v1/responses`) as the emulator plays it, for a provider with a
`responses_path`.

The provider checks a request against its own Responses schema and names the models it serves
there (`EmulatedProvider.validate_responses`, `responses_model`, `responses_reasoning`). The
request is then read as the Chat Completions request it stands for so the fake model answers it,
and the answer is written back as a `response` object or as the Responses SSE events
(`response.created` ... `response.output_text.delta` ... `response.completed`).
"""

from __future__ import annotations

import json
import time
from typing import Any

from .completion import _pieces as text_pieces
from .completion import complete
from .providers.base import EmulatedProvider
from .randomness import random_text
from .rejection import RequestRejected
from .settings import Settings

__all__ = ["answer", "chat_request", "events", "validate"]


def validate(provider: EmulatedProvider, body: dict[str, Any], path: str) -> None:
    """Raise `RequestRejected` for a bad Responses body: the provider's schema first, then a
    function output that answers no call in the input."""
    provider.validate_responses(body, path)
    items = body["input"] if isinstance(body["input"], list) else []
    calls = {item.get("call_id") for item in items if item.get("type") == "function_call"}
    for item in items:
        if item.get("type") == "function_call_output" and item.get("call_id") not in calls:
            message = (
                f"No tool call found for function call output with call_id {item.get('call_id')}."
            )
            raise RequestRejected(400, provider.error_body(400, message, path))


# -- the request as a chat completion request --------------------------------------------------


def _chat_content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content:
        if part["type"] == "input_text":
            parts.append({"type": "text", "text": part["text"]})
        elif part["type"] == "input_image":
            parts.append({"type": "image_url", "image_url": {"url": part.get("image_url", "")}})
        else:
            file = {k: part[k] for k in ("file_data", "filename", "file_id") if k in part}
            parts.append({"type": "file", "file": file})
    return parts


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body["input"]
    if isinstance(items, str):
        return [*messages, {"role": "user", "content": items}]
    for item in items:
        kind = item.get("type", "message")
        if kind == "message":
            messages.append({"role": item["role"], "content": _chat_content(item["content"])})
        elif kind == "function_call":
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]},
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        else:
            messages.append(
                {"role": "tool", "tool_call_id": item["call_id"], "content": item["output"]}
            )
    return messages


def chat_request(provider: EmulatedProvider, body: dict[str, Any]) -> dict[str, Any]:
    """The Chat Completions request a Responses body stands for (what the fake model reads)."""
    chat: dict[str, Any] = {"model": body["model"], "messages": _messages(body)}
    if body.get("max_output_tokens") is not None:
        chat["max_tokens"] = body["max_output_tokens"]
    tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
    if tools:
        chat["tools"] = [
            {
                "type": "function",
                "function": {k: t[k] for k in ("name", "description", "parameters") if k in t},
            }
            for t in tools
        ]
    if body.get("parallel_tool_calls") is not None:
        chat["parallel_tool_calls"] = body["parallel_tool_calls"]
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        chat["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif choice is not None:
        chat["tool_choice"] = choice
    fmt = (body.get("text") or {}).get("format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        spec = {k: fmt[k] for k in ("name", "schema", "strict") if k in fmt}
        chat["response_format"] = {"type": "json_schema", "json_schema": spec}
    elif isinstance(fmt, dict):
        chat["response_format"] = {"type": fmt["type"]}
    reasoning = body.get("reasoning")
    if (
        provider.responses_reasoning(body["model"])
        and isinstance(reasoning, dict)
        and reasoning.get("effort")
    ):
        chat["reasoning_effort"] = reasoning["effort"]
    return chat


# -- answers -----------------------------------------------------------------------------------


def _usage(chat_usage: dict[str, Any]) -> dict[str, Any]:
    """The Responses `usage` of a chat `usage` (details the provider's usage lacks are 0)."""
    prompt_details = chat_usage.get("prompt_tokens_details") or {}
    completion_details = chat_usage.get("completion_tokens_details") or {}
    return {
        "input_tokens": chat_usage["prompt_tokens"],
        "input_tokens_details": {"cached_tokens": prompt_details.get("cached_tokens", 0)},
        "output_tokens": chat_usage["completion_tokens"],
        "output_tokens_details": {
            "reasoning_tokens": completion_details.get("reasoning_tokens", 0)
        },
        "total_tokens": chat_usage["total_tokens"],
    }


def answer(provider: EmulatedProvider, body: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The `response` object answering a (valid) Responses body."""
    completion = complete(provider, chat_request(provider, body), settings)
    choice = completion["choices"][0]
    message = choice["message"]
    output: list[dict[str, Any]] = []
    if message.get("reasoning_content"):
        summary = [{"type": "summary_text", "text": message["reasoning_content"]}]
        output.append({"id": f"rs_{random_text(40)}", "type": "reasoning", "summary": summary})
    if message.get("content") or message.get("refusal"):
        part = (
            {"type": "refusal", "refusal": message["refusal"]}
            if message.get("refusal")
            else {
                "type": "output_text",
                "text": message["content"],
                "annotations": [],
                "logprobs": [],
            }
        )
        output.append(
            {
                "id": f"msg_{random_text(40)}",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [part],
            }
        )
    for call in message.get("tool_calls") or []:
        output.append(
            {
                "id": f"fc_{random_text(40)}",
                "type": "function_call",
                "status": "completed",
                "call_id": call["id"],
                "name": call["function"]["name"],
                "arguments": call["function"]["arguments"],
            }
        )
    cut = choice["finish_reason"] == "length"
    response: dict[str, Any] = {
        "id": f"resp_{random_text(48)}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "incomplete" if cut else "completed",
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": provider.responses_model(body["model"]),
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "reasoning": {"effort": (body.get("reasoning") or {}).get("effort"), "summary": None},
        "store": bool(body.get("store", False)),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "truncation": body.get("truncation", "disabled"),
        "usage": _usage(completion["usage"]),
    }
    if "meta" in completion:
        response["meta"] = completion["meta"]
    return response


def _pieces(text: str) -> list[str]:
    """`text` in the pieces the chat route streams it in (a few tokens each)."""
    return [piece for piece, _ in text_pieces(text)] or [""]


def _item_events(item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """The events that stream one output item, from `output_item.added` to `.done`."""
    kind = item["type"]
    base = {"item_id": item["id"], "output_index": index}
    empty = dict(item, status="in_progress")
    out: list[dict[str, Any]] = []
    if kind == "message":
        part = item["content"][0]
        out.append(
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**empty, "content": []},
            }
        )
        blank = {**part, "text": ""} if part["type"] == "output_text" else {**part, "refusal": ""}
        out.append(
            {"type": "response.content_part.added", **base, "content_index": 0, "part": blank}
        )
        field = "text" if part["type"] == "output_text" else "refusal"
        name = "output_text" if field == "text" else "refusal"
        for piece in _pieces(part[field]):
            out.append(
                {"type": f"response.{name}.delta", **base, "content_index": 0, "delta": piece}
            )
        out.append(
            {"type": f"response.{name}.done", **base, "content_index": 0, field: part[field]}
        )
        out.append({"type": "response.content_part.done", **base, "content_index": 0, "part": part})
    elif kind == "function_call":
        out.append(
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**empty, "arguments": ""},
            }
        )
        for piece in _pieces(item["arguments"]):
            out.append({"type": "response.function_call_arguments.delta", **base, "delta": piece})
        out.append(
            {
                "type": "response.function_call_arguments.done",
                **base,
                "arguments": item["arguments"],
            }
        )
    else:
        out.append(
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**empty, "summary": []},
            }
        )
        text = item["summary"][0]["text"]
        for piece in _pieces(text):
            out.append(
                {
                    "type": "response.reasoning_summary_text.delta",
                    **base,
                    "summary_index": 0,
                    "delta": piece,
                }
            )
        out.append(
            {
                "type": "response.reasoning_summary_text.done",
                **base,
                "summary_index": 0,
                "text": text,
            }
        )
    out.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return out


def events(response: dict[str, Any]) -> list[bytes]:
    """The SSE events of a streamed `response`, each `event: <type>` + `data: <json>`."""
    pending = dict(response, status="in_progress", output=[], usage=None, incomplete_details=None)
    pending.pop("meta", None)
    found: list[dict[str, Any]] = [
        {"type": "response.created", "response": pending},
        {"type": "response.in_progress", "response": pending},
    ]
    for index, item in enumerate(response["output"]):
        found.extend(_item_events(item, index))
    last = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    found.append({"type": last, "response": response})
    out = []
    for number, event in enumerate(found):
        data = json.dumps({**event, "sequence_number": number}, ensure_ascii=False)
        out.append(f"event: {event['type']}\ndata: {data}\n\n".encode())
    return out
