"""AI/ML API's side of `POST /v1/responses`: which models it serves there and its schema.

The models are the catalog's Responses-only rows (`langchain_gpt52.providers.aimlapi`); the
schema checks follow `specs/aimlapi/gpt-5-2-pro-RESPONSES.json` (zod-style issues, unknown
fields stripped). The Responses wire itself is shared: `langchain_gpt52.emulator.responses`.
"""

from __future__ import annotations

from typing import Any

from langchain_gpt52.providers.aimlapi import AIMLAPI as CATALOG

from ..zod import Issue, PathT, Zod, type_issue

__all__ = ["MODELS", "REASONING_MODELS", "body_issues"]

MODELS: dict[str, str] = {
    "openai/gpt-5-2-pro": "gpt-5.2-pro-2025-12-11",
    "openai/gpt-5-2-codex": "gpt-5.2-codex",
}
"""Each Responses model id -> the upstream snapshot named in answers."""
REASONING_MODELS = frozenset(
    row.model
    for row in CATALOG.models
    if row.endpoint == "responses" and row.params and "reasoning_effort" in row.params
)
"""The Responses models whose schema takes `reasoning` (effort and summary)."""
_ROLES = ["user", "assistant", "system", "developer"]
_PARTS = ["input_text", "input_image", "input_file"]
_FORMATS = ["text", "json_object", "json_schema"]
_EFFORTS = ["low", "medium", "high"]
_SUMMARIES = ["auto", "concise", "detailed"]
_MIN_OUTPUT = 16


def _content(z: Zod, content: Any, path: PathT) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        z.add(type_issue("array", content, path))
        return
    for i, part in enumerate(content):
        at: PathT = [*path, i]
        if not (z.obj(part, at) and z.required(part, "type", at)):
            continue
        text_part = z.enum(part["type"], _PARTS, [*at, "type"]) and part["type"] == "input_text"
        if text_part and z.required(part, "text", at):
            z.string(part["text"], [*at, "text"])


def _item(z: Zod, item: Any, path: PathT) -> None:
    if not z.obj(item, path):
        return
    kind = item.get("type", "message")
    if kind == "message":
        if z.required(item, "role", path):
            z.enum(item["role"], _ROLES, [*path, "role"])
        if z.required(item, "content", path):
            _content(z, item["content"], [*path, "content"])
    elif kind == "function_call":
        for key in ("arguments", "call_id", "name"):
            if z.required(item, key, path):
                z.string(item[key], [*path, key])
    elif kind == "function_call_output":
        for key in ("call_id", "output"):
            if z.required(item, key, path):
                z.string(item[key], [*path, key])
    else:
        z.union(path)


def _tools(z: Zod, tools: Any) -> None:
    if not isinstance(tools, list):
        z.add(type_issue("array", tools, ["tools"]))
        return
    for i, tool in enumerate(tools):
        path: PathT = ["tools", i]
        if not z.obj(tool, path):
            continue
        if tool.get("type") != "function":
            z.union(path)
            continue
        for key in ("name", "parameters", "strict"):
            if not z.required(tool, key, path):
                continue
            if key == "name":
                z.string(tool[key], [*path, key])
            elif key == "parameters":
                z.obj(tool[key], [*path, key])
            else:
                z.boolean(tool[key], [*path, key])


def _text(z: Zod, text: Any) -> None:
    if not z.obj(text, ["text"]) or "format" not in text:
        return
    fmt = text["format"]
    path: PathT = ["text", "format"]
    if not z.obj(fmt, path) or not z.required(fmt, "type", path):
        return
    if z.enum(fmt["type"], _FORMATS, [*path, "type"]) and fmt["type"] == "json_schema":
        if z.required(fmt, "name", path):
            z.string(fmt["name"], [*path, "name"])
        if z.required(fmt, "schema", path):
            z.obj(fmt["schema"], [*path, "schema"])


def body_issues(body: dict[str, Any]) -> list[Issue]:
    """The zod-style issues of a Responses request body (empty when valid)."""
    z = Zod()
    if z.required(body, "model", []):
        z.enum(body["model"], list(MODELS), ["model"])
    if z.required(body, "input", []):
        items = body["input"]
        if isinstance(items, list):
            for i, item in enumerate(items):
                _item(z, item, ["input", i])
        elif not isinstance(items, str):
            z.union(["input"])
    if "max_output_tokens" in body:
        z.number(body["max_output_tokens"], ["max_output_tokens"], low=_MIN_OUTPUT, integer=True)
    for flag in ("stream", "parallel_tool_calls", "store"):
        if flag in body:
            z.boolean(body[flag], [flag], nullable=True)
    if "instructions" in body and body["instructions"] is not None:
        z.string(body["instructions"], ["instructions"])
    if "tools" in body:
        _tools(z, body["tools"])
    if "text" in body:
        _text(z, body["text"])
    reasoning = body.get("reasoning")
    if body.get("model") in REASONING_MODELS and isinstance(reasoning, dict):
        if reasoning.get("effort") is not None:
            z.enum(reasoning["effort"], _EFFORTS, ["reasoning", "effort"])
        if reasoning.get("summary") is not None:
            z.enum(reasoning["summary"], _SUMMARIES, ["reasoning", "summary"])
    return z.issues
