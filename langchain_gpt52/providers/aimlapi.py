"""AI/ML API: its descriptor and the GPT-5.2 models it serves for chat."""

from __future__ import annotations

from langchain_gpt52.providers._openai_schema import GPT52_PRICE, OPENAI_PARAMS
from langchain_gpt52.providers._types import (
    FAILOVER_STATUSES,
    EffortIn,
    ModelRow,
    OnlyDefault,
    Param,
    Provider,
    SamplingNeedsNoReasoning,
)

__all__ = ["AIMLAPI"]

_SCHEMA = "AI/ML API OpenAPI schema gpt-5-2 (specs/aimlapi-gpt-5-2.openapi.json)"
_EFFORTS = ("low", "medium", "high")

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
    cost_headers={
        "x-aimlapi-credits-used": "credits_used",
        "x-aimlapi-usd-spent": "usd_spent",
    },
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
    models=(
        ModelRow(
            model="openai/gpt-5-2",
            context_window=400_000,
            max_output_tokens=128_000,
            efforts=_EFFORTS,
            default_effort="none",
            price=GPT52_PRICE,
            source=f"{_SCHEMA}; limits and price: OpenAI gpt-5.2 (upstream)",
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
            source=f"{_SCHEMA}; PROVIDERS.md (served for chat); limits: upstream chat-latest",
            inputs=("text", "image", "pdf"),
            upstream=(OnlyDefault("temperature", 1), EffortIn(("medium",))),
        ),
    ),
)
