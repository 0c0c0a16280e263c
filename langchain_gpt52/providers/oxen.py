"""Oxen.ai: its descriptor, the reader of its error bodies and the GPT-5.2 models it serves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gpt52.errors import ErrorFields, error_text, openai_error_fields
from langchain_gpt52.providers._openai_schema import GPT52_EFFORTS, GPT52_PRICE, OPENAI_PARAMS
from langchain_gpt52.providers._types import (
    FAILOVER_STATUSES,
    EffortIn,
    ModelRow,
    OnlyDefault,
    Provider,
    SamplingNeedsNoReasoning,
)

__all__ = ["OXEN", "oxen_error_fields"]


def oxen_error_fields(body: Mapping[str, Any]) -> ErrorFields:
    """Oxen.ai's error bodies: `{"error": {"type", "title", "detail"}, "status": "error",
    "status_message"}` (the error's `type` is its code) and `{"error": {"message"}}`."""
    fields = openai_error_fields(body)
    return fields._replace(message=fields.message or error_text(body.get("status_message")))


OXEN = Provider(
    name="Oxen.ai",
    ls_provider="oxen",
    key_env="OXEN_API_KEY",
    base_url_env="OXEN_BASE_URL",
    default_base_url="https://hub.oxen.ai/api/ai",
    default_model="gpt-5-2-chat-latest",
    params={
        k: OPENAI_PARAMS[k]
        for k in (
            "temperature",
            "top_p",
            "frequency_penalty",
            "presence_penalty",
            "max_tokens",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
        )
    },
    strict_schema=False,
    roles=frozenset({"system", "user", "assistant", "tool"}),
    request_id_headers=("x-request-id",),
    error_fields=oxen_error_fields,
    failover_statuses=FAILOVER_STATUSES,
    models_route="/models",
    model_route="/models/{model}",
    models=(
        ModelRow(
            model="gpt-5-2-chat-latest",
            context_window=128_000,
            max_output_tokens=16_384,
            efforts=None,
            default_effort="medium",
            price=GPT52_PRICE,
            source=(
                "Oxen.ai model page (https://www.oxen.ai/ai/workbench?model=gpt-5-2-chat-latest) "
                "and details (https://hub.oxen.ai/api/ai/models/gpt-5-2-chat-latest): text and "
                "image input"
            ),
            inputs=("text", "image"),
            upstream=(OnlyDefault("temperature", 1), EffortIn(("medium",))),
        ),
        ModelRow(
            model="gpt-5-2-2025-12-11",
            context_window=400_000,
            max_output_tokens=128_000,
            efforts=GPT52_EFFORTS,
            default_effort="none",
            price=GPT52_PRICE,
            source=(
                "Oxen.ai model details (https://hub.oxen.ai/api/ai/models/gpt-5-2-2025-12-11); "
                "limits and price: OpenAI gpt-5.2 (https://platform.openai.com/docs/models/gpt-5.2)"
            ),
            inputs=("text", "image", "pdf"),
            upstream=(SamplingNeedsNoReasoning(),),
        ),
    ),
)
