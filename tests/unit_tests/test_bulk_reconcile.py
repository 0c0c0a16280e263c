"""Reading the provider's request log for the requests that ran."""

from __future__ import annotations

import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52Failover, ChatOxen
from langchain_gpt52.bulk.reconcile import succeeded_client_ids
from langchain_gpt52.errors import AuthenticationError
from langchain_gpt52.testing import Emulator


async def test_pages_through_the_log_for_succeeded_ids() -> None:
    with Emulator() as emu:
        llm = ChatAIMLAPI(api_key=emu.api_key, base_url=emu.aimlapi_base_url)
        for i in range(105):  # more than one page of 100
            await llm.ainvoke("hi", client_request_id=f"c{i}")
        await llm.ainvoke("hi")  # no client id: not listed
        failover = ChatGPT52Failover(
            models=[ChatOxen(api_key=emu.api_key, base_url=emu.oxen_base_url), llm]
        )
        assert await succeeded_client_ids(failover) == {f"c{i}" for i in range(105)}


async def test_a_provider_without_a_log_or_a_bad_key_is_refused() -> None:
    with pytest.raises(ValueError, match="reconcile=True needs a provider with a request log"):
        await succeeded_client_ids(ChatOxen(api_key="k", base_url="http://127.0.0.1:9/api"))
    with Emulator() as emu:
        wrong = ChatAIMLAPI(api_key="wrong-key-123", base_url=emu.aimlapi_base_url)
        with pytest.raises(AuthenticationError) as caught:
            await succeeded_client_ids(wrong)
        assert "wrong-key-123" not in str(caught.value)
