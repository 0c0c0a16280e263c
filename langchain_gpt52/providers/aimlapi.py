"""AI/ML API: its descriptor, the readers of its own shapes (error bodies, cost in bodies, its
model list) and the GPT-5.2 models it serves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gpt52._prices import Price
from langchain_gpt52.errors import (
    ErrorFields,
    error_status,
    error_text,
    joined_message,
    openai_error_fields,
)
from langchain_gpt52.model_details import ModelDetails
from langchain_gpt52.providers._openai_schema import (
    GPT52_PRICE,
    GPT52_PRO_PRICE,
    OPENAI_PARAMS,
    RESPONSES_MIN_OUTPUT_TOKENS,
)
from langchain_gpt52.providers._types import (
    FAILOVER_STATUSES,
    EffortIn,
    ModelRow,
    OnlyDefault,
    Param,
    Provider,
    SamplingNeedsNoReasoning,
)

__all__ = [
    "AIMLAPI",
    "COST_UNITS",
    "CREDITS_PER_USD",
    "aimlapi_error_fields",
    "meta_usage_cost",
    "read_model",
    "units_to_price",
]

CREDITS_PER_USD = 2_000_000
"""AI/ML API credits per US dollar."""
COST_UNITS = {"usd_spent": 1.0, "credits_used": 1 / CREDITS_PER_USD}
"""Its cost figures in `response_metadata`, as USD per unit: `usd_spent` first."""


def meta_usage_cost(body: Mapping[str, Any]) -> dict[str, Any]:
    """`meta.usage` (`credits_used`, `usd_spent`) of a body or the last stream chunk."""
    meta = body.get("meta")
    usage = meta.get("usage") if isinstance(meta, Mapping) else None
    if not isinstance(usage, Mapping):
        return {}
    return {k: usage[k] for k in ("credits_used", "usd_spent") if _is_number(usage.get(k))}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _zod_message(body: Mapping[str, Any], err: Mapping[str, Any]) -> str | None:
    """A zod validation error: the outer message, the error's and its issues by field path."""
    issues = error_text(err.get("data"))
    head = error_text(err.get("message"))
    if head and head.startswith(("[", "{")):
        head = None  # zod's JSON dump of the issues that `data` already lists
    inner = f"{head} ({issues})" if head and issues and issues != head else head or issues
    return joined_message(error_text(body.get("message")), inner)


def aimlapi_error_fields(body: Mapping[str, Any]) -> ErrorFields:
    """AI/ML API's error bodies: NestJS `{"message", "path", "requestId", "statusCode"}`, zod
    `{"title", "status", "message", "error": {"name", "message", "data": [issues]}}`, and
    OpenAI's shape (upstream errors passed through)."""
    fields = openai_error_fields(body)
    err = body.get("error")
    if isinstance(err, Mapping) and isinstance(err.get("data"), list):
        code = fields.code or error_text(err.get("name"))
        fields = fields._replace(message=_zod_message(body, err), code=code)
    return fields._replace(
        request_id=error_text(body.get("requestId")) or fields.request_id,
        status=error_status(body.get("statusCode")) or fields.status,
    )


_SCHEMA = (
    "AI/ML API OpenAPI schema gpt-5-2 (https://raw.githubusercontent.com/aimlapi/api-docs/"
    "refs/heads/main/docs/api-references/text-models-llm/OpenAI/gpt-5-2.json)"
)
_UPSTREAM = "OpenAI {model} (https://platform.openai.com/docs/models/{model})"
_EFFORTS = ("low", "medium", "high")
_DOCS = "https://raw.githubusercontent.com/aimlapi/api-docs/refs/heads/main/docs/api-references"
_ROUTER = "AI/ML API chat schema, 2026-07 (" + _DOCS + "/text-models-llm/openai/{file})"
_RESPONSES = "AI/ML API Responses schema (" + _DOCS + "/text-models-llm/OpenAI/{file})"

# The 2026-07 chat schemas of openai/gpt-5.2-pro and openai/gpt-5.2-chat (router-style), field
# by field as written; `max_completion_tokens` arrives here as `max_tokens`.
_ROUTER_PARAMS: dict[str, Param] = {
    "max_tokens": Param(1, None, number=True),
    "temperature": Param(0, 2),
    "top_p": Param(0.01, 1),
    "frequency_penalty": Param(-2, 2),
    "presence_penalty": Param(-2, 2),
    "seed": Param(1, None, integer=True),
    "logprobs": Param(boolean=True),
    "top_logprobs": Param(0, 20),
    "reasoning_effort": Param(choices=_EFFORTS),
    "normalize_tool_schemas": Param(boolean=True),
    "echo": Param(boolean=True),
    "return_images": Param(boolean=True),
    "return_related_questions": Param(boolean=True),
    "search_mode": Param(choices=("academic", "web")),
    "search_recency_filter": Param(choices=("day", "week", "month", "year")),
    "min_p": Param(0.001, 0.999),
    "top_k": Param(number=True),
    "repetition_penalty": Param(number=True),
    "top_a": Param(0, 1),
    **{
        name: Param()
        for name in (
            "stop",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
            "stream_options",
            "prediction",
            "logit_bias",
            "web_search_options",
            "search_domain_filter",
            "search_after_date_filter",
            "search_before_date_filter",
            "last_updated_after_filter",
            "last_updated_before_filter",
            "reasoning",
            "provider",
        )
    },
}

# The Responses schemas of openai/gpt-5-2-pro and openai/gpt-5-2-codex, by parameter name:
# `max_tokens` is sent as `max_output_tokens`, `response_format` as `text.format`,
# `reasoning_effort` as `reasoning.effort`, `reasoning_summary` as `reasoning.summary`.
_RESPONSES_PARAMS: dict[str, Param] = {
    "max_tokens": Param(RESPONSES_MIN_OUTPUT_TOKENS, None, integer=True),
    "parallel_tool_calls": Param(boolean=True),
    "store": Param(boolean=True),
    "background": Param(choices=(False,)),
    "truncation": Param(choices=("auto", "disabled")),
    **{
        name: Param()
        for name in (
            "tools",
            "tool_choice",
            "response_format",
            "include",
            "previous_response_id",
            "prompt",
        )
    },
}

_INCLUDE = "include=pricing,capabilities,modalities"
"""The optional sections of `GET /v1/models` asked for (without them no model has a price)."""

_UNITS = {"input": "input", "cached_input": "cached_input", "output": "output"}
"""A `units[].unit` name, without a trailing `_token(s)`, -> the `Price` field it quotes."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def units_to_price(pricing: Any) -> Price | None:
    """A `pricing` block -> USD per 1M tokens, or None when it quotes no input and output rate.

    Only `kind: "fixed"` quotes rates ahead of a request; each unit's `price` is for `per`
    units (1,000,000 for most token rates, 1,000 for some), so it is always divided by `per`.
    Without a cached-input rate, cached tokens are priced as input.
    """
    if not isinstance(pricing, Mapping) or pricing.get("kind") != "fixed":
        return None
    rates: dict[str, float] = {}
    for unit in pricing.get("units") or ():
        if not isinstance(unit, Mapping) or not isinstance(unit.get("unit"), str):
            continue
        name = unit["unit"].lower().removesuffix("s").removesuffix("_token")
        price, per = _number(unit.get("price")), _number(unit.get("per"))
        if name in _UNITS and price is not None and per:
            rates[_UNITS[name]] = price / per * 1_000_000
    if "input" not in rates or "output" not in rates:
        return None
    return Price(
        input=rates["input"],
        cached_input=rates.get("cached_input", rates["input"]),
        output=rates["output"],
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_model(data: Mapping[str, Any]) -> ModelDetails:
    """One object of AI/ML API's `GET /v1/models` -> `ModelDetails` (limits from `info`,
    capabilities and modalities as listed, the price from `pricing`)."""
    info = data.get("info")
    info = info if isinstance(info, Mapping) else {}
    pricing = data.get("pricing")
    modalities = data.get("modalities")
    capabilities: dict[str, Any] = {}
    if isinstance(data.get("capabilities"), list):
        capabilities["declared"] = list(data["capabilities"])
    if isinstance(modalities, Mapping):
        capabilities.update({k: list(v) for k, v in modalities.items() if k in ("input", "output")})
    aliases = data.get("aliases")
    return ModelDetails(
        id=data["id"],
        display_name=info.get("name") if isinstance(info.get("name"), str) else None,
        capabilities=capabilities or None,
        pricing=dict(pricing) if isinstance(pricing, Mapping) else None,
        price=units_to_price(pricing),
        context_window=_int(info.get("contextLength")),
        max_output_tokens=_int(info.get("outputMax")),
        aliases=tuple(a for a in aliases if isinstance(a, str))
        if isinstance(aliases, list)
        else (),
        raw=dict(data),
    )


AIMLAPI = Provider(
    name="AI/ML API",
    ls_provider="aimlapi",
    key_env="AIMLAPI_API_KEY",
    base_url_env="AIMLAPI_BASE_URL",
    default_base_url="https://api.aimlapi.com/v1",
    default_model="openai/gpt-5-2",
    params={
        **{
            k: OPENAI_PARAMS[k]
            for k in (
                "temperature",
                "n",
                "logprobs",
                "top_logprobs",
                "max_tokens",
                "tools",
                "tool_choice",
                "parallel_tool_calls",
                "response_format",
                "stream_options",
            )
        },
        "top_p": Param(0.01, 1),
        "seed": Param(1, None, integer=True),
        "reasoning_effort": Param(choices=_EFFORTS),
    },
    strict_schema=True,
    request_id_headers=("x-inference-id", "x-request-id"),
    error_fields=aimlapi_error_fields,
    cost_headers={
        "x-aimlapi-credits-used": "credits_used",
        "x-aimlapi-usd-spent": "usd_spent",
    },
    body_cost=meta_usage_cost,
    cost_units=COST_UNITS,
    status_hints={
        403: "AI/ML API answers 403 when the account is out of credits: top up or check the key"
    },
    failover_statuses={**FAILOVER_STATUSES, 403: "credits"},
    models_route=f"/models?{_INCLUDE}",
    model_route=f"/models?{_INCLUDE}&id={{model}}",
    models_key=False,
    model_reader=read_model,
    client_request_id=Param(
        pattern=r"[A-Za-z0-9._:-]{1,128}",
        pattern_text="1-128 characters of A-Z a-z 0-9 . _ : - (AI/ML API drops other values "
        "silently and still bills the call)",
    ),
    usage_logs_route="/v2/logs",
    user_parts=frozenset({"text", "image_url", "file"}),
    models=(
        ModelRow(
            model="openai/gpt-5-2",
            context_window=400_000,
            max_output_tokens=128_000,
            efforts=_EFFORTS,
            default_effort="none",
            price=GPT52_PRICE,
            source=f"{_SCHEMA}; limits and price: {_UPSTREAM.format(model='gpt-5.2')}",
            inputs=("text", "image", "pdf"),
            upstream=(SamplingNeedsNoReasoning(),),
        ),
        ModelRow(
            model="openai/gpt-5-2-chat-latest",
            context_window=128_000,
            max_output_tokens=16_384,
            efforts=_EFFORTS,
            default_effort="medium",
            price=GPT52_PRICE,
            source=(
                "AI/ML API model docs (https://docs.aimlapi.com/api-references/text-models-llm/"
                "openai/gpt-5-2-chat-latest), same request schema as gpt-5-2; limits: "
                + _UPSTREAM.format(model="gpt-5.2-chat-latest")
            ),
            inputs=("text", "image", "pdf"),
            upstream=(OnlyDefault("temperature", 1), EffortIn(("medium",))),
        ),
        ModelRow(
            model="openai/gpt-5.2-pro",
            context_window=400_000,
            max_output_tokens=128_000,
            efforts=_EFFORTS,
            default_effort="medium",
            price=GPT52_PRO_PRICE,
            source=_ROUTER.format(file="gpt-5.2-pro.json")
            + f"; limits and price: {_UPSTREAM.format(model='gpt-5.2-pro')}",
            inputs=("text", "image", "pdf"),
            upstream=(
                OnlyDefault("temperature", 1),
                OnlyDefault("top_p", 1),
                EffortIn(("medium", "high", "xhigh")),
            ),
            params=_ROUTER_PARAMS,
        ),
        ModelRow(
            model="openai/gpt-5.2-chat",
            context_window=128_000,
            max_output_tokens=16_384,
            efforts=_EFFORTS,
            default_effort="medium",
            price=GPT52_PRICE,
            source=_ROUTER.format(file="gpt-5.2-chat.json")
            + f"; limits and price: {_UPSTREAM.format(model='gpt-5.2-chat-latest')}",
            inputs=("text", "image", "pdf"),
            upstream=(OnlyDefault("temperature", 1), EffortIn(("medium",))),
            params=_ROUTER_PARAMS,
        ),
        ModelRow(
            model="openai/gpt-5-2-pro",
            context_window=400_000,
            max_output_tokens=128_000,
            efforts=None,
            default_effort="medium",
            price=GPT52_PRO_PRICE,
            source=_RESPONSES.format(file="gpt-5-2-pro-RESPONSES.json")
            + f"; limits and price: {_UPSTREAM.format(model='gpt-5.2-pro')}",
            inputs=("text", "image", "pdf"),
            endpoint="responses",
            params=_RESPONSES_PARAMS,
        ),
        ModelRow(
            model="openai/gpt-5-2-codex",
            context_window=None,
            max_output_tokens=None,
            efforts=_EFFORTS,
            default_effort=None,
            price=None,
            source=_RESPONSES.format(file="gpt-5-2-codex-RESPONSES.json")
            + "; no published limits or price",
            inputs=("text", "image", "pdf"),
            endpoint="responses",
            params={
                **_RESPONSES_PARAMS,
                "reasoning_effort": Param(choices=_EFFORTS),
                "reasoning_summary": Param(choices=("auto", "concise", "detailed")),
            },
        ),
    ),
)
