"""Cost on responses, ``track_cost`` and its budget, against the emulator."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.globals import set_llm_cache
from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool, tool
from langgraph.errors import GraphRecursionError
from pydantic import BaseModel

from langchain_gpt52 import BudgetExceededError, ChatAIMLAPI, ChatGPT52, ChatOxen, track_cost
from langchain_gpt52 import cost as cost_module
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.cost import price_usd
from langchain_gpt52.providers.aimlapi import CREDITS_PER_USD
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration


def aimlapi(emulator: Emulator, **kw: Any) -> ChatAIMLAPI:
    return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=emulator.api_key, **kw)


def oxen(emulator: Emulator, **kw: Any) -> ChatOxen:
    return ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key, **kw)


def chat_requests(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.method == "POST"]


def test_invoke_cost_from_provider(emulator: Emulator) -> None:
    msg = aimlapi(emulator).invoke("Hello!")
    md = msg.response_metadata
    assert md["cost"] == {"usd": md["credits_used"] / CREDITS_PER_USD, "source": "provider"}
    assert md["cost"]["usd"] > 0


def test_invoke_cost_from_price_table(emulator: Emulator) -> None:
    llm = oxen(emulator)
    msg = llm.invoke("Hello!")
    assert isinstance(msg, AIMessage) and msg.usage_metadata
    price = llm._list_price()
    assert price is not None
    assert msg.response_metadata["cost"] == {
        "usd": pytest.approx(price_usd(msg.usage_metadata, price)),
        "source": "price_table",
    }


def test_unknown_model_has_no_cost(emulator: Emulator, monkeypatch: Any) -> None:
    monkeypatch.setattr(ChatGPT52, "_list_price", lambda self: None)  # a model with no price
    monkeypatch.setattr(cost_module, "catalog_price", lambda provider, model: None)
    llm = ChatGPT52(
        base_url=emulator.oxen_base_url, api_key=emulator.api_key, model="gpt-5-2-chat-latest"
    )
    with track_cost() as cost:
        msg = llm.invoke("Hello!")
        list(llm.stream("Hello!"))
    assert msg.usage_metadata and "cost" not in msg.response_metadata
    assert (cost.calls, cost.unpriced_calls, cost.total_usd) == (2, 2, 0.0)


@pytest.mark.parametrize("make", [aimlapi, oxen])
def test_stream_reports_cost_once(emulator: Emulator, make: Any) -> None:
    chunks = list(make(emulator).stream("What is 12 * 12?"))
    with_cost = [c for c in chunks if "cost" in c.response_metadata]
    assert len(with_cost) == 1
    after = chunks[chunks.index(with_cost[0]) + 1 :]  # langchain-core's empty closing chunk
    assert all(not c.content and not c.response_metadata for c in after)
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert full.response_metadata["cost"]["usd"] > 0


def test_tracker_sync_stream_batch_structured(emulator: Emulator) -> None:
    class Answer(BaseModel):
        answer: str

    a, o = aimlapi(emulator), oxen(emulator)
    with track_cost() as cost:
        first = a.invoke("Hello!")
        list(o.stream("Hi"))
        a.batch(["1 + 1", "2 + 2"])
        a.with_structured_output(Answer).invoke("Say hi")
        a.bind_tools([Answer]).invoke("call Answer with hi")
    assert cost.calls == 6
    assert cost.unpriced_calls == 0
    assert set(cost.by_model) == {"aimlapi/openai/gpt-5-2", "oxen/gpt-5-2-chat-latest"}
    assert cost.by_model["aimlapi/openai/gpt-5-2"].calls == 5
    assert cost.by_model["aimlapi/openai/gpt-5-2"].input_tokens > 0
    assert cost.total_usd == pytest.approx(sum(m.usd for m in cost.by_model.values()))
    assert cost.total_usd > first.response_metadata["cost"]["usd"]
    with track_cost() as after:
        pass
    assert after.calls == 0  # calls outside a block are not seen


async def test_tracker_async(emulator: Emulator) -> None:
    a, o = aimlapi(emulator), oxen(emulator)
    async with track_cost() as cost:
        await a.ainvoke("Hello!")
        await asyncio.gather(o.ainvoke("Hi"), a.ainvoke("Hey"))
        async for _ in o.astream("Stream"):
            pass
        await a.abatch(["1", "2"])
    assert cost.calls == 6
    assert cost.by_model["oxen/gpt-5-2-chat-latest"].calls == 2


def test_cache_hit_costs_nothing(emulator: Emulator) -> None:
    set_llm_cache(InMemoryCache())
    try:
        llm = aimlapi(emulator)
        with track_cost() as cost:
            first = llm.invoke("cache me")
            second = llm.invoke("cache me")
    finally:
        set_llm_cache(None)
    assert len(chat_requests(emulator)) == 1
    assert first.response_metadata["cost"]["source"] == "provider"
    assert second.response_metadata["cost"] == {"usd": 0.0, "source": "cache"}
    assert "credits_used" not in second.response_metadata
    assert cost.total_usd == first.response_metadata["cost"]["usd"]
    assert (cost.calls, cost.cache_hits) == (2, 1)


def test_budget_stops_before_sending(emulator: Emulator, caplog: Any) -> None:
    llm = aimlapi(emulator, max_tokens=50)  # reserves ~$0.0008 a call; costs ~$0.0003
    with track_cost(max_usd=0.0008) as cost:
        llm.invoke("Hello!")  # its reservation fits the budget
        with (
            caplog.at_level(logging.WARNING, logger="langchain_gpt52"),
            pytest.raises(BudgetExceededError) as err,
        ):
            llm.invoke("Again")  # spent + its reservation would pass $0.0008
    assert len(chat_requests(emulator)) == 1
    e = err.value
    assert e.spent_usd == cost.total_usd > 0 and e.reserved_usd == 0 and e.limit_usd == 0.0008
    assert e.spent_usd + e.needed_usd > e.limit_usd >= e.needed_usd
    assert [r.message for r in caplog.records if "budget" in r.message]


async def test_budget_async_stream(emulator: Emulator) -> None:
    llm = oxen(emulator)
    async with track_cost(max_usd=0) as cost:
        with pytest.raises(BudgetExceededError):
            async for _ in llm.astream("Hi"):
                pass
    assert chat_requests(emulator) == [] and cost.calls == 0


TOOL_NAMES = [f"step_{i}" for i in range(15)]


def _runaway_tools() -> list[BaseTool]:
    tools = []
    for name in TOOL_NAMES:

        def run(x: str = "") -> str:
            return "done"

        run.__name__ = name
        run.__doc__ = f"Run {name}."
        tools.append(tool(run))
    return tools


RUNAWAY = " ".join(f"Then call {name}." for name in TOOL_NAMES)


def _agent_with_tools(model: BaseChatGPT52) -> Any:
    from langgraph.prebuilt import create_react_agent

    tools = _runaway_tools()
    return create_react_agent(model.bind_tools(tools, parallel_tool_calls=False), tools)


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
def test_runaway_agent_stops_at_the_budget(emulator: Emulator) -> None:
    agent = _agent_with_tools(aimlapi(emulator, max_tokens=50))
    payload = {"messages": [("user", RUNAWAY)]}
    # Unbudgeted, the 15-tool loop (31 steps) runs into the recursion limit.
    with track_cost() as unbudgeted, pytest.raises(GraphRecursionError):
        agent.invoke(payload, {"recursion_limit": 25})
    assert unbudgeted.calls == len(chat_requests(emulator)) >= 10
    emulator.reset()
    with (
        track_cost(max_usd=unbudgeted.total_usd * 0.8) as cost,
        pytest.raises(BudgetExceededError) as err,
    ):
        agent.invoke(payload, {"recursion_limit": 25})
    calls = len(chat_requests(emulator))
    assert 2 <= calls < unbudgeted.calls / 2
    assert cost.calls == calls
    assert err.value.spent_usd == pytest.approx(cost.total_usd)
    assert cost.total_usd <= err.value.limit_usd
    assert err.value.spent_usd + err.value.needed_usd > err.value.limit_usd


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
async def test_runaway_agent_stops_at_the_budget_async(emulator: Emulator) -> None:
    agent = _agent_with_tools(oxen(emulator))
    async with track_cost(max_usd=0.0001) as cost:
        with pytest.raises(BudgetExceededError):
            await agent.ainvoke({"messages": [("user", RUNAWAY)]}, {"recursion_limit": 100})
    assert cost.calls == len(chat_requests(emulator)) < len(TOOL_NAMES)


def test_budget_stop_is_not_logged_as_a_callback_fault(emulator: Emulator, caplog: Any) -> None:
    llm = aimlapi(emulator)
    with (
        caplog.at_level(logging.WARNING),
        track_cost(max_usd=0),
        pytest.raises(BudgetExceededError),
    ):
        llm.invoke("Hello!")
    messages = [r.getMessage() for r in caplog.records]
    assert any("budget" in m for m in messages)
    assert not [m for m in messages if m.startswith("Error in CostTracker")], messages
