"""The model's own final stream chunk (`chunk_position="last"`) carries the call's usage,
finish reason and cost, once: reading the last chunk and merging every chunk agree."""

from __future__ import annotations

from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gpt52 import ChatAIMLAPI, ChatOxen
from langchain_gpt52.__main__ import multiply
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration

_ONCE = ("finish_reason", "cost", "credits_used", "usd_spent")


def _model(emu: Emulator, provider: str, **kwargs: Any) -> Any:
    if provider == "aimlapi":
        return ChatAIMLAPI(base_url=emu.aimlapi_base_url, api_key=emu.api_key, **kwargs)
    if provider == "aimlapi-responses":
        return ChatAIMLAPI(
            base_url=emu.aimlapi_base_url, api_key=emu.api_key, model="openai/gpt-5-2-pro", **kwargs
        )
    return ChatOxen(base_url=emu.oxen_base_url, api_key=emu.api_key, **kwargs)


def _check(chunks: list[AIMessageChunk], invoked: Any) -> None:
    last = chunks[-1]
    assert last.chunk_position == "last"
    assert [c.chunk_position for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert last.usage_metadata is not None and last.usage_metadata["total_tokens"] > 0
    assert last.response_metadata["finish_reason"] in {"stop", "tool_calls"}
    assert last.response_metadata["cost"]["usd"] > 0
    for earlier in chunks[:-1]:
        assert earlier.usage_metadata is None
        assert not set(_ONCE) & set(earlier.response_metadata), earlier.response_metadata
    merged = reduce(add, chunks)
    assert merged.usage_metadata == last.usage_metadata == invoked.usage_metadata
    assert merged.response_metadata["cost"] == last.response_metadata["cost"]
    assert merged.response_metadata["finish_reason"] == last.response_metadata["finish_reason"]
    assert merged.text == invoked.text


@pytest.mark.parametrize("provider", ["aimlapi", "aimlapi-responses", "oxen"])
@pytest.mark.parametrize("kind", ["text", "stop", "tools"])
def test_stream_last_chunk_carries_usage_finish_and_cost(
    emulator: Emulator, provider: str, kind: str
) -> None:
    llm, prompt, kwargs = _case(emulator, provider, kind)
    chunks = list(llm.stream(prompt, **kwargs))
    _check(chunks, llm.invoke(prompt, **kwargs))


@pytest.mark.parametrize("provider", ["aimlapi", "aimlapi-responses", "oxen"])
@pytest.mark.parametrize("kind", ["text", "stop", "tools"])
async def test_astream_last_chunk_carries_usage_finish_and_cost(
    emulator: Emulator, provider: str, kind: str
) -> None:
    llm, prompt, kwargs = _case(emulator, provider, kind)
    chunks = [c async for c in llm.astream(prompt, **kwargs)]
    _check(chunks, await llm.ainvoke(prompt, **kwargs))


def _case(emu: Emulator, provider: str, kind: str) -> tuple[Any, str, dict[str, Any]]:
    llm = _model(emu, provider)
    if kind == "tools":
        return llm.bind_tools([multiply]), "Use multiply to compute 6 * 7.", {}
    if kind == "stop":
        return llm, "hi there", {"stop": ["help"]}
    return llm, "hi there", {}
