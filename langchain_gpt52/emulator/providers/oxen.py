"""Oxen.ai (``https://hub.oxen.ai/api/ai``), model ``gpt-5-2-chat-latest``, as emulated.

Everything about this provider lives here: request validation (first problem only) in its two
error shapes, the model's own rules (temperature 1 only, ``reasoning_effort`` medium only, at
most 16,384 output tokens, text and image input only), alphabetical JSON keys, the three basic
usage counters, ``chatcmpl-<uuid>`` ids, ``index`` on non-streamed tool calls, and the model list
and details bodies (``pricing``, ``capabilities``, ``json_request_schema``). See
``docs/emulator.md``.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any, ClassVar

from ..rejection import RequestRejected, is_number, js_number
from ..settings import Settings
from ..upstream import upstream_checks
from .base import EmulatedProvider

MODEL = "gpt-5-2-chat-latest"
MAX_OUTPUT_TOKENS = 16384
CONTEXT_LENGTH = 128000
#: list price per token (USD): GPT-5.2 at $1.75 / $14 per 1M tokens
INPUT_COST_PER_TOKEN = 0.00000175
OUTPUT_COST_PER_TOKEN = 0.000014
#: input modalities of the model; content parts of other modalities are refused
INPUT_MODALITIES = ("text", "image")

_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_TOOL_CHOICE_STRINGS = ["none", "auto", "required"]
_ROLES = ("system", "user", "assistant", "tool")
#: content part type -> the modality it carries (parts not listed are text-like or files)
_PART_MODALITIES = {
    "image_url": "image",
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
    """``{"error": {"message"}}`` for a missing model, else the ``type/title/detail`` shape."""
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


def _check_parts(index: int, content: Any) -> None:
    if not isinstance(content, list):
        return
    for j, part in enumerate(content):
        ptype = part.get("type") if isinstance(part, dict) else None
        modality = _PART_MODALITIES.get(ptype) if isinstance(ptype, str) else None
        if modality is not None and modality not in INPUT_MODALITIES:
            raise _bad(
                f"messages[{index}].content[{j}]: {modality} input ('{ptype}') is not supported "
                f"by {MODEL}; supported input: {', '.join(INPUT_MODALITIES)}"
            )


def _checks(body: dict[str, Any]) -> None:
    bad = _bad
    model = body.get("model")
    if model is None:
        raise bad("Missing required parameter: 'model'")
    if model != MODEL:
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
        _check_parts(i, content)
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
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        raise bad(
            f"Unsupported value: 'temperature' does not support {js_number(temperature)} with "
            "this model. Only the default (1) value is supported."
        )
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
    for key in ("max_tokens", "max_completion_tokens"):
        cap = body.get(key)
        if isinstance(cap, int) and cap > MAX_OUTPUT_TOKENS:
            raise bad(
                f"{key} is too large: {cap}. This model supports at most "
                f"{MAX_OUTPUT_TOKENS} completion tokens, whereas you provided {cap}."
            )
    effort = body.get("reasoning_effort")
    if effort is not None and effort != "medium":
        raise bad(
            f"Unsupported value: 'reasoning_effort' does not support {json.dumps(effort)} with "
            "this model. Supported values are: 'medium'."
        )
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


def _request_schema() -> dict[str, Any]:
    number = {"type": "number"}
    cap = {"type": "integer", "minimum": 1, "maximum": MAX_OUTPUT_TOKENS}
    return {
        "type": "object",
        "required": ["model", "messages"],
        "properties": {
            "model": {"type": "string", "enum": [MODEL]},
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


_MODEL_DETAILS: dict[str, Any] = {
    "id": MODEL,
    "object": "model",
    "display_name": "GPT 5.2 Chat",
    "description": "GPT-5.2 chat model for ChatGPT",
    "owned_by": "openai",
    "developer": "OpenAI",
    "context_length": CONTEXT_LENGTH,
    "max_output_tokens": MAX_OUTPUT_TOKENS,
    "capabilities": {"input": list(INPUT_MODALITIES), "output": ["text"]},
    "supports": {"streaming": True, "function_calling": True, "structured_outputs": True},
    "pricing": {
        "method": "per_token",
        "input_cost_per_token": INPUT_COST_PER_TOKEN,
        "output_cost_per_token": OUTPUT_COST_PER_TOKEN,
    },
}


def _details(settings: Settings) -> dict[str, Any]:
    details = copy.deepcopy(_MODEL_DETAILS)
    key = settings.oxen_schema_key
    if key is None:
        details["json_request_schema"] = None
    else:
        details[key] = _request_schema()
    return details


class Oxen(EmulatedProvider):
    """The Oxen.ai chat route, model list and model details."""

    name: ClassVar[str] = "oxen"
    prefix: ClassVar[str] = "/api/ai"
    response_model: ClassVar[str] = MODEL
    sort_keys: ClassVar[bool] = True
    default_max_tokens: ClassVar[int | None] = MAX_OUTPUT_TOKENS

    def validate(self, body: dict[str, Any], path: str) -> None:
        _checks(body)
        upstream_checks(body, _bad)

    def error_body(self, status: int, message: str, path: str) -> dict[str, Any]:
        return error_body(status, message)

    def completion_id(self) -> str:
        return f"chatcmpl-{uuid.uuid4()}"

    def finish_tool_call(self, entry: dict[str, Any], index: int) -> None:
        entry["index"] = index

    def models(self, settings: Settings | None = None, query: str = "") -> dict[str, Any] | None:
        return {"object": "list", "data": [_details(settings or Settings())]}

    def model_details(
        self, model_id: str, settings: Settings | None = None
    ) -> dict[str, Any] | None:
        return _details(settings or Settings()) if model_id == MODEL else None
