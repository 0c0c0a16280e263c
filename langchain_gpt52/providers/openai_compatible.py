"""Any OpenAI-compatible endpoint: OpenAI's own schema and GPT-5.2 models."""

from __future__ import annotations

from langchain_gpt52.providers._openai_schema import (
    GPT52_EFFORTS,
    GPT52_PRICE,
    GPT52_PRO_PRICE,
    OPENAI_PARAMS,
)
from langchain_gpt52.providers._types import (
    FAILOVER_STATUSES,
    ModelRow,
    OnlyDefault,
    Provider,
    SamplingNeedsNoReasoning,
)

__all__ = ["OPENAI_COMPATIBLE"]

_OPENAI = "OpenAI model docs (https://platform.openai.com/docs/models/{model})"

OPENAI_COMPATIBLE = Provider(
    name="OpenAI-compatible endpoint",
    ls_provider="openai",
    key_env="GPT52_API_KEY",
    base_url_env="GPT52_BASE_URL",
    default_base_url=None,
    default_model="gpt-5.2",
    params=OPENAI_PARAMS,
    strict_schema=False,
    max_tokens_field="max_completion_tokens",
    request_id_headers=("x-request-id", "request-id"),
    failover_statuses=FAILOVER_STATUSES,
    models_route="/models",
    model_route="/models/{model}",
    models=(
        ModelRow(
            model="gpt-5.2",
            context_window=400_000,
            max_output_tokens=128_000,
            efforts=GPT52_EFFORTS,
            default_effort="none",
            price=GPT52_PRICE,
            source=_OPENAI.format(model="gpt-5.2"),
            inputs=("text", "image", "pdf"),
            upstream=(SamplingNeedsNoReasoning(),),
        ),
        ModelRow(
            model="gpt-5.2-chat-latest",
            context_window=128_000,
            max_output_tokens=16_384,
            efforts=("medium",),
            default_effort="medium",
            price=GPT52_PRICE,
            source=_OPENAI.format(model="gpt-5.2-chat-latest"),
            inputs=("text", "image", "pdf"),
            upstream=(OnlyDefault("temperature", 1),),
        ),
        ModelRow(
            model="gpt-5.2-pro",
            context_window=400_000,
            max_output_tokens=128_000,
            efforts=("medium", "high", "xhigh"),
            default_effort="medium",
            price=GPT52_PRO_PRICE,
            source=_OPENAI.format(model="gpt-5.2-pro") + ": served by the Responses API only",
            inputs=("text", "image"),
            endpoint="responses",
        ),
    ),
)
