"""``total_timeout``: one wall-clock budget per call, retries and their waits included."""

from __future__ import annotations

import time
from typing import Any

import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatOxen
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import APITimeoutError, InternalServerError
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration


def make(emulator: Emulator, provider: str, **kwargs: Any) -> BaseChatGPT52:
    if provider == "aimlapi":
        return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=emulator.api_key, **kwargs)
    return ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key, **kwargs)


@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
def test_slow_first_byte_is_cut_at_the_total(emulator: Emulator, provider: str) -> None:
    emulator.enqueue(Fault.slow_first_byte(2.0, times=3))
    model = make(emulator, provider, total_timeout=0.3, max_retries=2)
    start = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"total timeout of 0\.3 s exceeded"):
        model.invoke("hi")
    assert time.monotonic() - start < 1.5  # the 2 s answer was not waited for
    assert len(emulator.requests) == 1  # no retry fits in what is left


@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
async def test_retry_wait_past_the_total_raises_the_status_error(
    emulator: Emulator, provider: str
) -> None:
    emulator.enqueue(Fault.status(503, "busy", retry_after=0.4, times=5))
    model = make(emulator, provider, total_timeout=0.6, max_retries=5)
    with pytest.raises(InternalServerError) as info:
        await model.ainvoke("hi")
    assert info.value.status_code == 503
    # 1st attempt, wait 0.4 s, 2nd attempt; a second 0.4 s wait would pass 0.6 s.
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
def test_stream_past_the_total_keeps_its_chunks_then_raises(
    emulator: Emulator, provider: str
) -> None:
    emulator.enqueue(Fault.slow_chunks(0.2))
    model = make(emulator, provider, total_timeout=0.5)
    text: list[str] = []
    with pytest.raises(APITimeoutError, match="total timeout"):
        for chunk in model.stream("Write a long story about a lighthouse keeper and the sea"):
            text.append(chunk.text)
    assert len(emulator.requests) == 1
    assert "".join(text)  # what arrived before the budget ran out was delivered


@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
def test_total_timeout_does_not_disturb_a_fast_call(emulator: Emulator, provider: str) -> None:
    model = make(emulator, provider, total_timeout=10)
    assert model.invoke("Say hello").content
    assert "".join(c.text for c in model.stream("Say hello"))
