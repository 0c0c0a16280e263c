"""AI/ML API (`https://api.aimlapi.com/v1`), every catalog model (`openai/gpt-5-2`,
`openai/gpt-5-2-chat-latest`, ...), as the emulator plays it.

Everything about this provider lives here: the zod-style request validation following its
OpenAPI schema and its two error shapes, the upstream GPT-5.2 rules it passes through, its
headers (`x-inference-id`, `x-aimlapi-credits-used`, `x-aimlapi-usd-spent`, the echoed
`x-client-request-id`), the full usage block plus `meta.usage` cost, its stream quirks
(`usage: null` and `obfuscation` on every chunk, optional unrequested usage chunk, optional
missing `data: [DONE]`) and the model list (the package's AI/ML API catalog, with pricing,
capabilities and modalities on request, filtered by id, with an `ETag`) and details bodies.
Each model's own upstream rules (output cap, efforts, sampling, context window) come from its
catalog row (`langchain_gpt52.providers.aimlapi`). See `docs/emulator.md`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import parse_qs

from langchain_gpt52._prices import Price
from langchain_gpt52.providers import ModelRow
from langchain_gpt52.providers.aimlapi import AIMLAPI as CATALOG

from ..fake_model.usage import cached_tokens_for
from ..randomness import random_length, random_text
from ..rejection import RequestRejected, is_number, iso_now
from ..settings import Settings
from ..upstream import model_checks, served_models, upstream_checks
from ..zod import Issue, PathT, Zod, type_issue
from .aimlapi_logs import ROUTE as LOGS_ROUTE
from .aimlapi_logs import UsageLog
from .aimlapi_responses import MODELS as RESPONSES_MODELS
from .aimlapi_responses import REASONING_MODELS as RESPONSES_REASONING_MODELS
from .aimlapi_responses import body_issues as responses_issues
from .base import Answered, EmulatedProvider

ROUTE = "aimlapi"
MODEL = "openai/gpt-5-2"
UPSTREAM_MODEL = "gpt-5.2-2025-12-11"
REASONING_TOKENS = {"low": 32, "medium": 96, "high": 256}
CREDITS_PER_USD = 2_000_000

_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ROLES = ["user", "developer", "system", "tool", "assistant"]
_STRICT_KEYS = {
    "developer": frozenset({"role", "content", "name"}),
    "system": frozenset({"role", "content", "name"}),
    "tool": frozenset({"role", "content", "tool_call_id", "name"}),
}
_TOOL_KEYS = frozenset({"type", "function"})
_FUNCTION_KEYS = frozenset({"name", "description", "parameters", "strict"})
_JSON_SCHEMA_KEYS = frozenset({"name", "schema", "strict", "description"})
_TOOL_CHOICE_STRINGS = ["none", "auto", "required"]
_EFFORTS = ["low", "medium", "high"]


def _aimlapi_message(z: Zod, msg: Any, path: PathT) -> None:
    if not z.obj(msg, path):
        return
    role = msg.get("role")
    if role not in _ROLES:
        listed = " | ".join(f"'{r}'" for r in _ROLES)
        z.add(
            {
                "code": "invalid_union_discriminator",
                "options": list(_ROLES),
                "path": [*path, "role"],
                "message": f"Invalid discriminator value. Expected {listed}",
            }
        )
        return
    if role in _STRICT_KEYS:
        z.strict_keys(msg, _STRICT_KEYS[role], path)
    if "name" in msg and not (role == "tool" and msg["name"] is None):
        z.string(msg["name"], [*path, "name"])
    if role == "assistant":
        # content is optional; null is tolerated (OpenAI clients send it with tool_calls)
        content = msg.get("content")
        if content is not None:
            z.text_parts(content, [*path, "content"], ("refusal",))
        if "refusal" in msg and msg["refusal"] is not None:
            z.string(msg["refusal"], [*path, "refusal"])
        if "tool_calls" in msg:
            _aimlapi_tool_calls(z, msg["tool_calls"], [*path, "tool_calls"])
        return
    if not z.required(msg, "content", path):
        return
    content = msg["content"]
    if role == "user":
        z.text_parts(content, [*path, "content"], ("image_url", "file"))
    elif role == "tool":
        z.string(content, [*path, "content"])
        if z.required(msg, "tool_call_id", path):
            z.string(msg["tool_call_id"], [*path, "tool_call_id"])
    else:
        z.text_parts(content, [*path, "content"])


def _aimlapi_tool_calls(z: Zod, calls: Any, path: PathT) -> None:
    if not isinstance(calls, list):
        z.add(type_issue("array", calls, path))
        return
    for i, call in enumerate(calls):
        cpath: PathT = [*path, i]
        if not z.obj(call, cpath):
            continue
        if z.required(call, "id", cpath):
            z.string(call["id"], [*cpath, "id"])
        if z.required(call, "type", cpath):
            z.enum(call["type"], ["function"], [*cpath, "type"])
        if z.required_obj(call, "function", cpath):
            fn = call["function"]
            for key in ("name", "arguments"):
                if z.required(fn, key, [*cpath, "function"]):
                    z.string(fn[key], [*cpath, "function", key])


def _aimlapi_tools(z: Zod, tools: Any) -> None:
    if not isinstance(tools, list):
        z.add(type_issue("array", tools, ["tools"]))
        return
    for i, tool in enumerate(tools):
        tpath: PathT = ["tools", i]
        if not z.obj(tool, tpath):
            continue
        z.strict_keys(tool, _TOOL_KEYS, tpath)
        if z.required(tool, "type", tpath):
            z.enum(tool["type"], ["function"], [*tpath, "type"])
        if not z.required_obj(tool, "function", tpath):
            continue
        fn = tool["function"]
        fpath: PathT = [*tpath, "function"]
        z.strict_keys(fn, _FUNCTION_KEYS, fpath)
        if z.required(fn, "name", fpath):
            z.string(fn["name"], [*fpath, "name"])
        if "description" in fn:
            z.string(fn["description"], [*fpath, "description"])
        if z.required(fn, "parameters", fpath):
            z.obj(fn["parameters"], [*fpath, "parameters"])
        if "strict" in fn:
            z.boolean(fn["strict"], [*fpath, "strict"], nullable=True)


def _aimlapi_tool_choice(z: Zod, choice: Any) -> None:
    if isinstance(choice, str):
        if choice not in _TOOL_CHOICE_STRINGS:
            z.union(
                ["tool_choice"],
                "Invalid input: expected one of 'none' | 'auto' | 'required' or a function "
                f"object, received '{choice}'",
            )
        return
    if not isinstance(choice, dict):
        z.union(["tool_choice"])
        return
    if z.required(choice, "type", ["tool_choice"]):
        z.enum(choice["type"], ["function"], ["tool_choice", "type"])
    if z.required_obj(choice, "function", ["tool_choice"]):
        fn = choice["function"]
        if z.required(fn, "name", ["tool_choice", "function"]):
            z.string(fn["name"], ["tool_choice", "function", "name"])


def _response_format(z: Zod, fmt: Any) -> None:
    path: PathT = ["response_format"]
    if not z.obj(fmt, path):
        return
    if not z.required(fmt, "type", path):
        return
    if not z.enum(fmt["type"], ["text", "json_object", "json_schema"], [*path, "type"]):
        return
    if fmt["type"] != "json_schema":
        z.strict_keys(fmt, frozenset({"type"}), path)
        return
    z.strict_keys(fmt, frozenset({"type", "json_schema"}), path)
    if not z.required_obj(fmt, "json_schema", path):
        return
    spec = fmt["json_schema"]
    spath: PathT = [*path, "json_schema"]
    z.strict_keys(spec, _JSON_SCHEMA_KEYS, spath)
    if (
        z.required(spec, "name", spath)
        and z.string(spec["name"], [*spath, "name"])
        and not _NAME_RE.match(spec["name"])
    ):
        z.add(
            {
                "code": "invalid_string",
                "validation": "regex",
                "path": [*spath, "name"],
                "message": "Must be a-z, A-Z, 0-9, or contain underscores and dashes, "
                "with a maximum length of 64.",
            }
        )
    if "schema" in spec:
        z.obj(spec["schema"], [*spath, "schema"])
    if "strict" in spec:
        z.boolean(spec["strict"], [*spath, "strict"], nullable=True)
    if "description" in spec:
        z.string(spec["description"], [*spath, "description"])


def body_issues(body: Any) -> list[Issue]:
    """All zod-style issues of an AI/ML API request body (empty list when valid)."""
    z = Zod()
    if not isinstance(body, dict):
        z.add(type_issue("object", body, []))
        return z.issues
    if z.required(body, "model", []):
        z.enum(body["model"], list(served_models(ROUTE)), ["model"])
    if z.required(body, "messages", []):
        messages = body["messages"]
        if not isinstance(messages, list):
            z.add(type_issue("array", messages, ["messages"]))
        elif not messages:
            z.add(
                {
                    "code": "too_small",
                    "minimum": 1,
                    "type": "array",
                    "inclusive": True,
                    "exact": False,
                    "path": ["messages"],
                    "message": "Array must contain at least 1 element(s)",
                }
            )
        else:
            for i, msg in enumerate(messages):
                _aimlapi_message(z, msg, ["messages", i])
    for cap in ("max_tokens", "max_completion_tokens"):
        if cap in body:
            z.number(body[cap], [cap], low=1, integer=True)
    if "stream" in body:
        z.boolean(body["stream"], ["stream"])
    if "stream_options" in body and z.obj(body["stream_options"], ["stream_options"]):
        opts = body["stream_options"]
        if z.required(opts, "include_usage", ["stream_options"]):
            z.boolean(opts["include_usage"], ["stream_options", "include_usage"])
    if "tools" in body:
        _aimlapi_tools(z, body["tools"])
    if "tool_choice" in body:
        _aimlapi_tool_choice(z, body["tool_choice"])
    if "parallel_tool_calls" in body:
        z.boolean(body["parallel_tool_calls"], ["parallel_tool_calls"])
    if "temperature" in body:
        z.number(body["temperature"], ["temperature"], low=0, high=2)
    if "top_p" in body:
        z.number(body["top_p"], ["top_p"], low=0.01, high=1)
    if "n" in body:
        z.number(body["n"], ["n"], low=1, integer=True, nullable=True)
    if "logprobs" in body:
        z.boolean(body["logprobs"], ["logprobs"], nullable=True)
    if "top_logprobs" in body:
        z.number(body["top_logprobs"], ["top_logprobs"], low=0, high=20, nullable=True)
    if "seed" in body:
        z.number(body["seed"], ["seed"], low=1, integer=True)
    if "reasoning_effort" in body:
        z.enum(body["reasoning_effort"], list(_EFFORTS), ["reasoning_effort"])
    if "response_format" in body:
        _response_format(z, body["response_format"])
    return z.issues


def _path_text(path: PathT) -> str:
    out = ""
    for item in path:
        out += f"[{item}]" if isinstance(item, int) else (f".{item}" if out else str(item))
    return out or "body"


def validation_body(issues: list[Issue], path: str) -> dict[str, Any]:
    """The NestJS/zod 400 body for `issues`."""
    summary = "; ".join(f"{_path_text(i['path'])}: {i['message']}" for i in issues[:5])
    return {
        "title": "Bad Request",
        "status": 400,
        "message": f"Body validation error: {summary}",
        "instance": path,
        "timestamp": iso_now(),
        "error": {
            "name": "ZodError",
            "message": json.dumps(issues, indent=2, ensure_ascii=False),
            "data": issues,
        },
    }


# --------------------------------------------------------------------------------------
# Upstream (OpenAI) rules that apply behind both providers
# --------------------------------------------------------------------------------------


def _credits_for(prompt: int, cached: int, completion: int) -> int:
    """Credits of an answer: GPT-5.2 list prices + 5 %, 2,000,000 credits per USD, rounded up."""
    uncached = prompt - cached
    return (
        (uncached * 3675 + 999) // 1000
        + (cached * 3675 + 9999) // 10000
        + (completion * 294 + 9) // 10
    )


def _meta(usage: dict[str, Any]) -> dict[str, Any]:
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    credits = _credits_for(usage["prompt_tokens"], cached, usage["completion_tokens"])
    return {"usage": {"credits_used": credits, "usd_spent": round(credits / CREDITS_PER_USD, 8)}}


def _usage_numbers(obj: Any) -> tuple[Any, Any]:
    """`(credits_used, usd_spent)` from `obj["meta"]["usage"]`; `None` where missing."""
    if not isinstance(obj, dict):
        return None, None
    meta = obj.get("meta")
    usage = meta.get("usage") if isinstance(meta, dict) else None
    if not isinstance(usage, dict):
        return None, None
    return usage.get("credits_used"), usage.get("usd_spent")


def _header_number(value: Any) -> str:
    """A number as a plain decimal header value (`0.00006`, never `6e-05`)."""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def error_body(status: int, message: str, path: str) -> dict[str, Any]:
    """`{message, path, requestId, statusCode, timestamp}` (NestJS exception filter)."""
    return {
        "message": message,
        "path": path,
        "requestId": str(uuid.uuid4()),
        "statusCode": status,
        "timestamp": iso_now(),
    }


def _reject(status: int, message: str, path: str) -> RequestRejected:
    return RequestRejected(status, error_body(status, message, path))


_OTHER_MODEL = ModelRow(
    model="openai/gpt-4o",
    context_window=128_000,
    max_output_tokens=16_384,
    efforts=None,
    default_effort=None,
    price=Price(2.5, 1.25, 10.0),
    source="emulator: a model outside the GPT-5.2 family, so clients must filter the list",
)
_SECTIONS = ("pricing", "modalities", "capabilities")


@dataclass
class AIMLAPIOptions:
    """AI/ML API's emulator options (`Emulator(aimlapi_<option>=...)`).

    `done_marker=False` ends streams at EOF without `data: [DONE]`;
    `unrequested_usage=True` sends the usage chunk even when the request did not ask for it
    (`stream_options.include_usage` missing or false), as the real service may;
    `model_rows` replaces the catalog rows of the model list.
    """

    done_marker: bool = True
    unrequested_usage: bool = False
    model_rows: tuple[Any, ...] | None = None
    """The catalog rows (`ModelRow`) the model list serves instead of the package's catalog
    (to test a client against a gateway that drifted)."""


def _pricing(price: Price | None) -> dict[str, Any]:
    """A `pricing` block quoting `price` (the cached rate per 1,000 tokens: read with `per`)."""
    if price is None:
        return {"kind": "variable", "currency": "USD"}
    return {
        "kind": "fixed",
        "currency": "USD",
        "units": [
            {"unit": "input_tokens", "price": price.input, "per": 1_000_000},
            {"unit": "cached_input_tokens", "price": price.cached_input / 1000, "per": 1_000},
            {"unit": "output_tokens", "price": price.output, "per": 1_000_000},
        ],
    }


def model_entry(row: ModelRow, sections: Iterable[str] = _SECTIONS) -> dict[str, Any]:
    """One `GET /v1/models` entry for a catalog row, with the optional `sections` asked for."""
    endpoint = "chat-completions" if row.chat_completions else "responses"
    entry: dict[str, Any] = {
        "id": row.model,
        "object": "model",
        "created": 1765411200,
        "owned_by": "openai",
        "aliases": [],
        "type": f"openai/{endpoint}",
        "info": {
            "name": row.model.removeprefix("openai/"),
            "developer": "Open AI",
            "contextLength": row.context_window,
            "outputMax": row.max_output_tokens,
            "docsUrl": f"https://docs.aimlapi.com/api-references/text-models-llm/{row.model}",
        },
        "tags": ["playground:chat"],
    }
    if "pricing" in sections:
        entry["pricing"] = _pricing(row.price)
    if "modalities" in sections:
        entry["modalities"] = {"input": list(row.inputs), "output": ["text"]}
    if "capabilities" in sections:
        vision = ["vision"] if "image" in row.inputs else []
        entry["capabilities"] = ["streaming", "structured_output", "tools", *vision]
    return entry


def _rows(settings: Settings | None) -> tuple[ModelRow, ...]:
    """The rows served: the emulator's own (`aimlapi_model_rows`) or the package's AI/ML API
    catalog, plus one model outside the GPT-5.2 family."""
    own = settings.options("aimlapi", AIMLAPIOptions).model_rows if settings else None
    return tuple(own) if own else (*CATALOG.models, _OTHER_MODEL)


def _listed(query: str) -> tuple[list[str], set[str]]:
    """`GET /v1/models` query -> (ids asked for, sections to include); comma-separated and
    repeated values both count, unknown sections are ignored."""
    params = parse_qs(query)

    def values(name: str) -> list[str]:
        return [v for raw in params.get(name, ()) for v in raw.split(",") if v]

    sections = set(values("include"))
    if "all" in sections or params.get("details", [""])[0] in ("true", "1"):
        sections.update(_SECTIONS)
    return values("id"), sections


class AIMLAPI(EmulatedProvider):
    """The AI/ML API chat route, Responses route, model list and model details."""

    name: ClassVar[str] = ROUTE
    prefix: ClassVar[str] = "/v1"
    response_model: ClassVar[str] = UPSTREAM_MODEL
    reasoning_tokens: ClassVar[Mapping[str, int]] = REASONING_TOKENS
    honours_stop: ClassVar[bool] = False  # zod strips the unknown `stop` property
    bills_credits: ClassVar[bool] = True
    out_of_credits_message: ClassVar[str] = (
        "You are out of credits. Top up your balance to continue using the API."
    )
    chunk_logprobs_key: ClassVar[bool] = True
    responses_path: ClassVar[str | None] = "/v1/responses"
    options_type: ClassVar[type[Any]] = AIMLAPIOptions
    extra_routes: ClassVar[tuple[str, ...]] = (LOGS_ROUTE,)

    def validate(self, body: dict[str, Any], path: str) -> None:
        issues = body_issues(body)
        if issues:
            raise RequestRejected(400, validation_body(issues, path))
        reject = lambda message: _reject(400, message, path)  # noqa: E731
        upstream_checks(body, reject)
        model_checks(served_models(ROUTE)[body["model"]], body, reject)

    def error_body(self, status: int, message: str, path: str) -> dict[str, Any]:
        return error_body(status, message, path)

    def validate_responses(self, body: dict[str, Any], path: str) -> None:
        issues = responses_issues(body)
        if issues:
            raise RequestRejected(400, validation_body(issues, path))

    def responses_model(self, model: str) -> str:
        return RESPONSES_MODELS[model]

    def responses_reasoning(self, model: str) -> bool:
        return model in RESPONSES_REASONING_MODELS

    def headers(self, request_headers: Mapping[str, str]) -> list[tuple[str, str]]:
        headers = [("x-inference-id", str(uuid.uuid4()))]
        client_id = request_headers.get("x-client-request-id")
        if client_id is not None:
            headers.append(("x-client-request-id", client_id))
        return headers

    def completion_headers(self, completion: dict[str, Any]) -> list[tuple[str, str]]:
        credits_used, usd_spent = _usage_numbers(completion)
        headers: list[tuple[str, str]] = []
        if credits_used is not None:
            headers.append(("x-aimlapi-credits-used", _header_number(credits_used)))
        if usd_spent is not None:
            headers.append(("x-aimlapi-usd-spent", _header_number(usd_spent)))
        return headers

    def credits_used(self, body: Any) -> float | None:
        used = _usage_numbers(body)[0]
        return used if is_number(used) else None

    def completion_id(self) -> str:
        return f"chatcmpl-{random_text(29)}"

    def usage(self, prompt: int, completion: int, reasoning: int) -> dict[str, Any]:
        return {
            **super().usage(prompt, completion, reasoning),
            "prompt_tokens_details": {
                "cached_tokens": cached_tokens_for(prompt),
                "audio_tokens": 0,
            },
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def finish_message(self, message: dict[str, Any], refusal: str | None) -> None:
        message["refusal"] = refusal
        message["annotations"] = []

    def finish_response(self, response: dict[str, Any], usage: dict[str, Any]) -> None:
        response["service_tier"] = "default"
        response["system_fingerprint"] = None
        response["meta"] = _meta(usage)

    def finish_chunk(self, chunk: dict[str, Any], usage_requested: bool) -> None:
        choices = chunk.pop("choices")
        chunk["service_tier"] = "default"
        chunk["system_fingerprint"] = None
        chunk["choices"] = choices
        chunk["usage"] = None
        chunk["obfuscation"] = random_text(random_length(2, 12))

    def finish_usage_chunk(self, chunk: dict[str, Any], usage: dict[str, Any]) -> None:
        chunk["meta"] = _meta(usage)

    def sends_usage_chunk(self, requested: bool, settings: Settings) -> bool:
        return requested or settings.options(self.name, AIMLAPIOptions).unrequested_usage

    def done_marker(self, settings: Settings) -> bool:
        return settings.options(self.name, AIMLAPIOptions).done_marker

    def models(self, settings: Settings | None = None, query: str = "") -> dict[str, Any] | None:
        ids, sections = _listed(query)
        entries = [model_entry(row, sections) for row in _rows(settings)]
        if ids:
            entries = [e for e in entries if e["id"] in ids or set(e["aliases"]) & set(ids)]
        return {"object": "list", "data": entries}

    def model_details(
        self, model_id: str, settings: Settings | None = None
    ) -> dict[str, Any] | None:
        rows = [row for row in _rows(settings) if row.model == model_id]
        return model_entry(rows[0]) if rows else None

    def etag(self, body: bytes) -> str | None:
        return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'

    def model_not_found(self, model_id: str) -> str:
        return f"Model {model_id} not found"

    # -- the request log (`GET /v2/logs`) -------------------------------------------------------

    def new_state(self) -> UsageLog:
        return UsageLog()

    def record_answer(self, state: Any, answered: Answered) -> None:
        state.record(**vars(answered))

    def extra_reply(self, state: Any, path: str, query: str) -> tuple[int, Any]:
        page: tuple[int, Any] = state.page(query)
        return page
