"""The OpenAI Chat Completions request fields and ranges, shared by the descriptors."""

from __future__ import annotations

from langchain_gpt52._prices import Price
from langchain_gpt52.providers._types import Param

__all__ = [
    "GPT52_EFFORTS",
    "GPT52_PRICE",
    "GPT52_PRO_PRICE",
    "OPENAI_PARAMS",
    "RESPONSES_MIN_OUTPUT_TOKENS",
]

GPT52_EFFORTS = ("none", "low", "medium", "high", "xhigh")
GPT52_PRICE = Price(input=1.75, cached_input=0.175, output=14.0)
"""GPT-5.2 upstream list price per 1M tokens (OpenAI pricing)."""
GPT52_PRO_PRICE = Price(input=21.0, cached_input=21.0, output=168.0)
"""GPT-5.2 pro upstream list price per 1M tokens; no cached-input price is published, so
cached tokens count at the input rate."""
RESPONSES_MIN_OUTPUT_TOKENS = 16
"""The Responses API's minimum `max_output_tokens`."""

OPENAI_PARAMS: dict[str, Param] = {
    "temperature": Param(0, 2),
    "top_p": Param(0, 1),
    "frequency_penalty": Param(-2, 2),
    "presence_penalty": Param(-2, 2),
    "top_logprobs": Param(0, 20, integer=True),
    "n": Param(1, None, integer=True),
    "seed": Param(integer=True),
    "max_tokens": Param(1, None, integer=True),
    "logprobs": Param(boolean=True),
    "verbosity": Param(choices=("low", "medium", "high")),
    "reasoning_effort": Param(choices=("none", "minimal", "low", "medium", "high", "xhigh")),
    **{
        name: Param()
        for name in (
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
            "stream_options",
        )
    },
}
