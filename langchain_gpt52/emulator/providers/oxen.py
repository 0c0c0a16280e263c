"""Oxen.ai (`https://hub.oxen.ai/api/ai`), every catalog model (`gpt-5-2-chat-latest`,
`gpt-5-2-2025-12-11`, ...), as emulated.

Everything about this provider lives here: request validation (first problem only) in its two
error shapes, alphabetical JSON keys, the three basic usage counters, `chatcmpl-<uuid>` ids,
`index` on non-streamed tool calls, and the model list and details bodies (`pricing`,
`capabilities`, `json_request_schema`). Each model's own rules (output cap, reasoning
efforts, sampling, input modalities, context window) come from its catalog row
(`langchain_gpt52.providers.oxen`). See `docs/emulator.md`.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from langchain_gpt52.providers import ModelRow

from ..rejection import RequestRejected, is_number
from ..settings import Settings
from ..upstream import model_checks, served_models, upstream_checks
from .base import EmulatedProvider

ROUTE = "oxen"
MODEL = "gpt-5-2-chat-latest"
#: list price per token (USD): GPT-5.2 at $1.75 / $14 per 1M tokens
INPUT_COST_PER_TOKEN = 0.00000175
OUTPUT_COST_PER_TOKEN = 0.000014
#: the default model's output cap (each model's own comes from its catalog row)
MAX_OUTPUT_TOKENS = served_models(ROUTE)[MODEL].max_output_tokens or 16384

_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_TOOL_CHOICE_STRINGS = ["none", "auto", "required"]
_ROLES = ("system", "user", "assistant", "tool")
#: content part type -> the modality it carries (catalog names; `text` parts are always taken)
_PART_MODALITIES = {
    "image_url": "image",
    "file": "pdf",
    "input_audio": "audio",
    "audio_url": "audio",
    "video_url": "video",
}

_ERROR_KINDS = {
    400: ("bad_request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not Found"),
    413: ("payload_too_large", "Payload Too Large"),
    422: ("unprocessable_entity", "Unprocessable Entity"),
    429: ("rate_limit_exceeded", "Rate limit exceeded"),
    500: ("internal_server_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Timeout"),
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """`{"error": {"message"}}` for a missing model, else the `type/title/detail` shape."""
    if message.startswith("Model not found"):
        return {"error": {"message": message}}
    etype, title = _ERROR_KINDS.get(status, ("error", "Error"))
    return {
        "error": {"type": etype, "title": title, "detail": message},
        "status": "error",
        "status_message": message,
    }


def _bad(message: str) -> RequestRejected:
    return RequestRejected(400, error_body(400, message))


def _check_parts(index: int, content: Any, row: ModelRow) -> None:
    if not isinstance(content, list):
        return
    for j, part in enumerate(content):
        ptype = part.get("type") if isinstance(part, dict) else None
        modality = _PART_MODALITIES.get(ptype) if isinstance(ptype, str) else None
        if modality is not None and modality not in row.inputs:
            raise _bad(
                f"messages[{index}].content[{j}]: {modality} input ('{ptype}') is not supported "
                f"by {row.model}; supported input: {', '.join(row.inputs)}"
            )


def _checks(body: dict[str, Any]) -> ModelRow:
    """The schema's checks (first problem only); the requested model's catalog row."""
    bad = _bad
    model = body.get("model")
    if model is None:
        raise bad("Missing required parameter: 'model'")
    row = served_models(ROUTE).get(model) if isinstance(model, str) else None
    if row is None:
        raise RequestRejected(404, {"error": {"message": f"Model not found: {model}"}})
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad("'messages' must be a non-empty array")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise bad(f"messages[{i}] must be an object")
        role = msg.get("role")
        if role not in _ROLES:
            raise bad(
                f"Invalid role '{role}' in messages[{i}]; supported roles are "
                "system, user, assistant, tool"
            )
        content = msg.get("content")
        if content is None and role != "assistant":
            raise bad(f"messages[{i}].content is required")
        if content is not None and not isinstance(content, (str, list)):
            raise bad(f"messages[{i}].content must be a string or an array of content parts")
        if role == "tool" and not isinstance(msg.get("tool_call_id"), str):
            raise bad(f"messages[{i}].tool_call_id is required for tool messages")
        _check_parts(i, content, row)
    for key in ("stream", "parallel_tool_calls", "logprobs"):
        if key in body and body[key] is not None and not isinstance(body[key], bool):
            raise bad(f"'{key}' must be a boolean")
    for key, low, high in (
        ("temperature", 0, 2),
        ("top_p", 0, 1),
        ("frequency_penalty", -2, 2),
        ("presence_penalty", -2, 2),
    ):
        if key in body and body[key] is not None:
            value = body[key]
            if not is_number(value) or not low <= value <= high:
                raise bad(f"'{key}' must be a number between {low} and {high}")
    for key, low in (
        ("max_tokens", 1),
        ("max_completion_tokens", 1),
        ("n", 1),
        ("top_logprobs", 0),
    ):
        if key in body and body[key] is not None:
            value = body[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise bad(f"'{key}' must be an integer >= {low}")
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise bad("'stream_options' must be an object")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise bad("'tools' must be an array")
        for i, tool in enumerate(tools):
            fn = tool.get("function") if isinstance(tool, dict) else None
            if not isinstance(tool, dict) or tool.get("type") != "function":
                raise bad(f"tools[{i}].type must be 'function'")
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                raise bad(f"tools[{i}].function.name is required")
    choice = body.get("tool_choice")
    if choice is not None:
        valid = choice in _TOOL_CHOICE_STRINGS or (
            isinstance(choice, dict)
            and choice.get("type") == "function"
            and isinstance(choice.get("function"), dict)
            and isinstance(choice["function"].get("name"), str)
        )
        if not valid:
            raise bad(
                "'tool_choice' must be 'none', 'auto', 'required' or "
                '{"type": "function", "function": {"name": ...}}'
            )
    fmt = body.get("response_format")
    if fmt is not None:
        ftype = fmt.get("type") if isinstance(fmt, dict) else None
        if ftype not in ("text", "json_object", "json_schema"):
            raise bad("response_format.type must be one of 'text', 'json_object', 'json_schema'")
        if ftype == "json_schema":
            spec = fmt.get("json_schema")
            name = spec.get("name") if isinstance(spec, dict) else None
            if not isinstance(name, str) or not _NAME_RE.match(name):
                raise bad(
                    "response_format.json_schema.name is required and must match "
                    "^[a-zA-Z0-9_-]{1,64}$"
                )
    return row


def _request_schema(row: ModelRow) -> dict[str, Any]:
    number = {"type": "number"}
    cap = {"type": "integer", "minimum": 1, "maximum": row.max_output_tokens}
    return {
        "type": "object",
        "required": ["model", "messages"],
        "properties": {
            "model": {"type": "string", "enum": [row.model]},
            "messages": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["role"],
                    "properties": {
                        "role": {"type": "string", "enum": list(_ROLES)},
                        "content": {
                            "anyOf": [{"type": "string"}, {"type": "array"}, {"type": "null"}]
                        },
                        "name": {"type": "string"},
                        "tool_calls": {"type": "array"},
                        "tool_call_id": {"type": "string"},
                    },
                },
            },
            "stream": {"type": "boolean", "default": False},
            "max_tokens": cap,
            "max_completion_tokens": cap,
            "temperature": {**number, "minimum": 0, "maximum": 2, "default": 1},
            "top_p": {**number, "minimum": 0, "maximum": 1, "default": 1},
            "frequency_penalty": {**number, "minimum": -2, "maximum": 2, "default": 0},
            "presence_penalty": {**number, "minimum": -2, "maximum": 2, "default": 0},
            "tools": {"type": "array", "items": {"type": "object"}},
            "tool_choice": {
                "anyOf": [
                    {"type": "string", "enum": _TOOL_CHOICE_STRINGS},
                    {"type": "object"},
                ]
            },
            "parallel_tool_calls": {"type": "boolean"},
            "response_format": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["text", "json_object", "json_schema"]}
                },
            },
        },
    }


_DISPLAY = {MODEL: ("GPT 5.2 Chat", "GPT-5.2 chat model for ChatGPT")}
_MODEL_DETAILS: dict[str, Any] = {
    "object": "model",
    "owned_by": "openai",
    "developer": "OpenAI",
    "capabilities": {"output": ["text"]},
    "supports": {"streaming": True, "function_calling": True, "structured_outputs": True},
    "pricing": {
        "method": "per_token",
        "input_cost_per_token": INPUT_COST_PER_TOKEN,
        "output_cost_per_token": OUTPUT_COST_PER_TOKEN,
    },
}


_SCHEMA_KEYS = ("json_request_schema", "request_schema", None)


@dataclass
class OxenOptions:
    """Oxen's emulator options (`Emulator(oxen_<option>=...)`).

    `schema_key` names the key holding the request schema in model bodies
    (`"json_request_schema"` or `"request_schema"`, both seen); `None` sends
    `json_request_schema: null`.
    """

    schema_key: str | None = "json_request_schema"

    def __post_init__(self) -> None:
        if self.schema_key not in _SCHEMA_KEYS:
            raise ValueError(
                "oxen_schema_key must be 'json_request_schema', 'request_schema' or None, "
                f"got {self.schema_key!r}"
            )


def _details(settings: Settings, row: ModelRow) -> dict[str, Any]:
    name, description = _DISPLAY.get(row.model, (f"GPT 5.2 ({row.model})", "GPT-5.2 snapshot"))
    details = copy.deepcopy(_MODEL_DETAILS)
    details.update(
        id=row.model,
        display_name=name,
        description=description,
        context_length=row.context_window,
        max_output_tokens=row.max_output_tokens,
    )
    details["capabilities"]["input"] = list(row.inputs)
    key = settings.options(Oxen.name, OxenOptions).schema_key
    if key is None:
        details["json_request_schema"] = None
    else:
        details[key] = _request_schema(row)
    return details


class Oxen(EmulatedProvider):
    """The Oxen.ai chat route, model list and model details."""

    name: ClassVar[str] = ROUTE
    prefix: ClassVar[str] = "/api/ai"
    response_model: ClassVar[str] = MODEL
    sort_keys: ClassVar[bool] = True
    default_max_tokens: ClassVar[int | None] = MAX_OUTPUT_TOKENS
    options_type: ClassVar[type[Any]] = OxenOptions

    def validate(self, body: dict[str, Any], path: str) -> None:
        row = _checks(body)
        upstream_checks(body, _bad)
        model_checks(row, body, _bad)

    def error_body(self, status: int, message: str, path: str) -> dict[str, Any]:
        return error_body(status, message)

    def completion_id(self) -> str:
        return f"chatcmpl-{uuid.uuid4()}"

    def finish_tool_call(self, entry: dict[str, Any], index: int) -> None:
        entry["index"] = index

    def reported_model(self, body: dict[str, Any]) -> str:
        model = body.get("model")
        return model if isinstance(model, str) and model in served_models(ROUTE) else MODEL

    def models(self, settings: Settings | None = None, query: str = "") -> dict[str, Any] | None:
        rows = served_models(ROUTE).values()
        return {"object": "list", "data": [_details(settings or Settings(), r) for r in rows]}

    def model_details(
        self, model_id: str, settings: Settings | None = None
    ) -> dict[str, Any] | None:
        row = served_models(ROUTE).get(model_id)
        return None if row is None else _details(settings or Settings(), row)
