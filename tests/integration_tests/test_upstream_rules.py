"""Upstream-only rules against the emulator: sent as given; the provider's 400 gets a hint."""

from __future__ import annotations

import pytest

from langchain_gpt52 import BadRequestError, ChatAIMLAPI, ChatOxen
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration


def test_oxen_seed_example_is_sent_and_the_400_names_the_upstream_rule(
    emulator: Emulator,
) -> None:
    llm = ChatOxen(
        base_url=emulator.oxen_base_url,
        api_key=emulator.api_key,
        temperature=0.7,
        max_tokens=1024,
        top_p=1.0,
        frequency_penalty=0,
        presence_penalty=0,
        max_retries=0,
    )
    with pytest.raises(BadRequestError) as info:
        llm.invoke("Hello, what can you do?")
    text = str(info.value)
    assert "does not support 0.7" in text  # the provider's own words
    assert text.splitlines()[-1].startswith("hint: gpt-5-2-chat-latest upstream accepts only")
    assert len(emulator.requests) == 1


def test_aimlapi_sampling_with_reasoning_is_sent_and_hinted(emulator: Emulator) -> None:
    llm = ChatAIMLAPI(
        base_url=emulator.aimlapi_base_url,
        api_key=emulator.api_key,
        reasoning_effort="high",
        temperature=0.7,
        max_retries=0,
    )
    with pytest.raises(BadRequestError) as info:
        llm.invoke("Hi")
    assert "temperature" in str(info.value)
    assert "reasoning_effort='none'" in str(info.value).splitlines()[-1]
    assert len(emulator.requests) == 1
