"""AI/ML API: its descriptor, the readers of its own shapes (error bodies, cost in bodies) and
the GPT-5.2 models it serves for chat."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gpt52.errors import (
    ErrorFields,
    error_status,
    error_text,
    joined_message,
    openai_error_fields,
)
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

__all__ = ["AIMLAPI", "COST_UNITS", "CREDITS_PER_USD", "aimlapi_error_fields", "meta_usage_cost"]

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
# by field as written; ``max_completion_tokens`` arrives here as ``max_tokens``.
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
# ``max_tokens`` is sent as ``max_output_tokens``, ``response_format`` as ``text.format``,
# ``reasoning_effort`` as ``reasoning.effort``, ``reasoning_summary`` as ``reasoning.summary``.
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
    models_route="/models",
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
