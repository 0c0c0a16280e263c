"""Shared request builders and readers for the emulator unit tests."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest

from langchain_gpt52.emulator.providers import PROVIDERS as EMULATED
from langchain_gpt52.emulator.providers import provider_named
from langchain_gpt52.emulator.providers.aimlapi import MODEL as AIMLAPI_MODEL
from langchain_gpt52.emulator.providers.oxen import MODEL as OXEN_MODEL
from langchain_gpt52.emulator.rejection import RequestRejected


def validate(provider: str, body: Any, *, path: str) -> None:
    provider_named(provider).validate(body, path)


def error_body(provider: str, status: int, message: str, *, path: str) -> dict[str, Any]:
    return provider_named(provider).error_body(status, message, path)


models_list = EMULATED["oxen"].models
model_detail = EMULATED["oxen"].model_details

PATH = "/v1/chat/completions"
OXEN_PATH = "/api/ai/chat/completions"
PROVIDERS: list[Literal["aimlapi", "oxen"]] = ["aimlapi", "oxen"]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _model(provider: str) -> str:
    return AIMLAPI_MODEL if provider == "aimlapi" else OXEN_MODEL


def _body(provider: str, text: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {
        "model": _model(provider),
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def _tool(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


MAGIC = _tool(
    "magic_function",
    "Apply a magic function to an input.",
    {
        "type": "object",
        "properties": {
            "input": {"type": "integer", "exclusiveMinimum": -1000, "exclusiveMaximum": 1000}
        },
        "required": ["input"],
    },
)
NO_ARGS = _tool(
    "magic_function_no_args", "Calculate a magic function.", {"type": "object", "properties": {}}
)
WEATHER = _tool(
    "get_weather",
    "Get the weather at a location.",
    {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
)
ADDER = _tool(
    "my_adder_tool",
    "Tool that adds two integers.",
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
)


def _tool_calls(response: dict[str, Any], choice: int = 0) -> list[tuple[str, Any]]:
    message = response["choices"][choice]["message"]
    return [
        (call["function"]["name"], json.loads(call["function"]["arguments"]))
        for call in message.get("tool_calls") or []
    ]


def _rejected(provider: str, body: Any) -> RequestRejected:
    with pytest.raises(RequestRejected) as info:
        validate(provider, body, path=PATH if provider == "aimlapi" else OXEN_PATH)  # type: ignore[arg-type]
    return info.value


def _joined_stream(chunks: list[dict[str, Any]], choice: int = 0) -> dict[str, Any]:
    """Reassemble a streamed answer the way an OpenAI client does."""
    content: str | None = None
    refusal: str | None = None
    calls: dict[int, dict[str, Any]] = {}
    finish = None
    for chunk in chunks:
        for ch in chunk["choices"]:
            if ch["index"] != choice:
                continue
            delta = ch["delta"]
            if delta.get("content") is not None:
                content = (content or "") + delta["content"]
            if delta.get("refusal") is not None:
                refusal = (refusal or "") + delta["refusal"]
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(tc["index"], {"name": "", "arguments": ""})
                fn = tc.get("function") or {}
                slot["name"] += fn.get("name") or ""
                slot["arguments"] += fn.get("arguments") or ""
            if ch["finish_reason"] is not None:
                finish = ch["finish_reason"]
    return {"content": content, "refusal": refusal, "calls": calls, "finish": finish}
