"""LangChain's standard chat-model integration suite for ``ChatGPT52Failover``, on the emulator.

Two AI/ML API members (``ChatAIMLAPI`` and the generic ``ChatGPT52`` on the same route): the
suite's ``temperature=0`` is a value Oxen's ``gpt-5-2-chat-latest`` refuses, which the failover
model would (rightly) reject at construction. The media stand-ins and capability flags are the
ones of ``test_standard``.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52, ChatGPT52Failover
from langchain_gpt52.testing import Fault
from tests.integration_tests.test_standard import _AIMLAPIUsage
from tests.integration_tests.test_standard import _offline_media as _offline_media

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:OpenAI may require a filename:UserWarning"),
]


class _Failover(ChatGPT52Failover):
    """Takes the suite's flat keyword arguments: client ones go to each member."""

    def __init__(self, **kwargs: Any) -> None:
        client = {
            k: kwargs.pop(k)
            for k in ("base_url", "api_key", "timeout", "max_retries")
            if k in kwargs
        }
        members = [ChatAIMLAPI(**client), ChatGPT52(**client, model="openai/gpt-5-2")]
        super().__init__(models=members, **kwargs)


class TestChatGPT52FailoverStandard(_AIMLAPIUsage):
    route = "aimlapi"

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return _Failover

    def test_failover_serves_after_a_member_fails(self, model: BaseChatModel) -> None:
        self.emulator.enqueue(Fault.status(503, times=3))
        result = model.invoke("Hello")
        assert result.response_metadata["served_by"] == "openai/openai/gpt-5-2#1"
