"""``ChatGPT52Failover`` against the emulator: each failure kind x invoke/stream/async, the
failures it must not fail over on, and the circuit breaker's cycle on a fake clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from pydantic import BaseModel

from langchain_gpt52 import (
    APIConnectionError,
    BadRequestError,
    ChatAIMLAPI,
    ChatGPT52Failover,
    ChatOxen,
    track_cost,
)
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration

MODES = ["invoke", "stream", "ainvoke", "astream"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def failover(emulator: Emulator, **kw: Any) -> ChatGPT52Failover:
    first = ChatAIMLAPI(
        base_url=emulator.aimlapi_base_url, api_key=emulator.api_key, max_retries=0, timeout=0.5
    )
    second = ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key, max_retries=0)
    return ChatGPT52Failover(models=[first, second], **kw)


def routes(emulator: Emulator) -> list[str]:
    """Which gateway each chat request went to, in order."""
    return [
        "oxen" if r.path.startswith("/api/ai") else "aimlapi"
        for r in emulator.requests
        if r.method == "POST"
    ]


async def run(llm: Any, mode: str, prompt: str = "Hello!") -> BaseMessage:
    if mode == "invoke":
        return llm.invoke(prompt)
    if mode == "ainvoke":
        return await llm.ainvoke(prompt)
    chunks: list[AIMessageChunk] = []
    if mode == "stream":
        chunks = list(llm.stream(prompt))
    else:
        chunks = [c async for c in llm.astream(prompt)]
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    return full


FAILURES: dict[str, Callable[[Emulator], None]] = {
    "connection_reset": lambda e: e.enqueue(Fault.reset(), route="aimlapi"),
    "timeout": lambda e: e.enqueue(Fault.slow_first_byte(2.0), route="aimlapi"),
    "429": lambda e: e.enqueue(Fault.status(429), route="aimlapi"),
    "500": lambda e: e.enqueue(Fault.status(500), route="aimlapi"),
    "503": lambda e: e.enqueue(Fault.status(503), route="aimlapi"),
    "502_html": lambda e: e.enqueue(Fault.html(502), route="aimlapi"),
    "403_out_of_credits": lambda e: e.set_credits(0),
    "401": lambda e: e.enqueue(Fault.status(401), route="aimlapi"),
}
EXPECTED_ERROR = {
    "connection_reset": ("APIConnectionError", None),
    "timeout": ("APITimeoutError", None),
    "429": ("RateLimitError", 429),
    "500": ("InternalServerError", 500),
    "503": ("InternalServerError", 503),
    "502_html": ("InternalServerError", 502),
    "403_out_of_credits": ("PermissionDeniedError", 403),
    "401": ("AuthenticationError", 401),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_fails_over(emulator: Emulator, failure: str, mode: str, caplog: Any) -> None:
    FAILURES[failure](emulator)
    with caplog.at_level(logging.WARNING, logger="langchain_gpt52"):
        msg = await run(failover(emulator), mode)
    assert msg.content
    assert routes(emulator) == ["aimlapi", "oxen"]
    md = msg.response_metadata
    assert md["served_by"] == "oxen/gpt-5-2-chat-latest#1"
    error, status = EXPECTED_ERROR[failure]
    assert md["failed_over"] == [
        {"model": "aimlapi/openai/gpt-5-2#0", "error": error, "status": status}
    ]
    assert md["cost"]["source"] == "price_table"  # the serving member's cost
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert bool(warned) == (status in (401, 403))
    assert all(emulator.api_key not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("mode", MODES)
async def test_first_member_serves_when_healthy(emulator: Emulator, mode: str) -> None:
    msg = await run(failover(emulator), mode)
    assert routes(emulator) == ["aimlapi"]
    assert msg.response_metadata["served_by"] == "aimlapi/openai/gpt-5-2#0"
    assert msg.response_metadata["failed_over"] == []
    assert msg.response_metadata["cost"]["source"] == "provider"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", [400, 422])
async def test_no_failover_on_invalid_request(emulator: Emulator, code: int, mode: str) -> None:
    emulator.enqueue(Fault.status(code), route="aimlapi")
    with pytest.raises(BadRequestError if code == 400 else Exception) as err:
        await run(failover(emulator), mode)
    assert getattr(err.value, "status_code", None) == code
    assert routes(emulator) == ["aimlapi"]


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_no_failover_after_first_chunk(emulator: Emulator, mode: str) -> None:
    emulator.enqueue(Fault.cut_stream(after=2), route="aimlapi")
    with pytest.raises(APIConnectionError):
        await run(failover(emulator), mode)
    assert routes(emulator) == ["aimlapi"]


@pytest.mark.parametrize("mode", MODES)
async def test_every_member_failing_raises_the_last_error(emulator: Emulator, mode: str) -> None:
    emulator.enqueue(Fault.status(503), route="aimlapi")
    emulator.enqueue(Fault.status(429), route="oxen")
    with pytest.raises(Exception) as err:
        await run(failover(emulator), mode)
    assert getattr(err.value, "status_code", None) == 429
    note = " ".join(getattr(err.value, "__notes__", []))
    assert "aimlapi/openai/gpt-5-2#0: InternalServerError 503" in note
    assert "oxen/gpt-5-2-chat-latest#1: RateLimitError 429" in note


def test_circuit_breaker_cycle(emulator: Emulator) -> None:
    clock = FakeClock()
    llm = failover(emulator, clock=clock, failure_threshold=3, cooldown=30)
    breaker = llm.breakers[0]
    for n in range(3):  # three failures in a row open the first member's breaker
        emulator.enqueue(Fault.status(500), route="aimlapi")
        assert llm.invoke("hi").response_metadata["served_by"].startswith("oxen/")
        assert breaker.state == ("open" if n == 2 else "closed")
    emulator.reset()
    msg = llm.invoke("hi")  # open: skipped without a request
    assert routes(emulator) == ["oxen"]
    assert msg.response_metadata["failed_over"] == [
        {"model": "aimlapi/openai/gpt-5-2#0", "error": "CircuitOpen"}
    ]
    clock.now += 29.9
    assert breaker.state == "open"
    clock.now += 0.1
    assert breaker.state == "half_open"
    emulator.reset()
    emulator.enqueue(Fault.status(500), route="aimlapi")
    llm.invoke("hi")  # half-open: one try, which fails and opens it again
    assert routes(emulator) == ["aimlapi", "oxen"]
    assert breaker.state == "open"
    clock.now += 30
    emulator.reset()
    msg = llm.invoke("hi")  # half-open again; success closes it
    assert routes(emulator) == ["aimlapi"]
    assert msg.response_metadata["served_by"] == "aimlapi/openai/gpt-5-2#0"
    assert (breaker.state, breaker.failures) == ("closed", 0)


def test_all_open_tries_the_first(emulator: Emulator) -> None:
    clock = FakeClock()
    llm = failover(emulator, clock=clock, failure_threshold=1)
    emulator.enqueue(Fault.status(500), route="aimlapi")
    emulator.enqueue(Fault.status(500), route="oxen")
    with pytest.raises(Exception, match="500"):
        llm.invoke("hi")
    assert [b.state for b in llm.breakers] == ["open", "open"]
    emulator.reset()
    msg = llm.invoke("hi")
    assert routes(emulator) == ["aimlapi"]
    assert msg.response_metadata["served_by"] == "aimlapi/openai/gpt-5-2#0"


def test_a_success_resets_the_count(emulator: Emulator) -> None:
    llm = failover(emulator, failure_threshold=2)
    emulator.enqueue(Fault.status(500), route="aimlapi")
    llm.invoke("hi")
    llm.invoke("hi")  # served by the first member: its count goes back to 0
    emulator.enqueue(Fault.status(500), route="aimlapi")
    llm.invoke("hi")
    assert llm.breakers[0].state == "closed"


def test_parameters_checked_against_every_member(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match=r"models\[1\] \(oxen/gpt-5-2-chat-latest\).*16384"):
        failover(emulator, max_tokens=20_000)
    with pytest.raises(ValueError, match=r"models\[0\] \(aimlapi/openai/gpt-5-2\).*frequency"):
        failover(emulator, frequency_penalty=0.5)
    llm = failover(emulator)
    with pytest.raises(ValueError, match=r"models\[1\] \(oxen/.*16384"):
        llm.invoke("hi", max_tokens=20_000)
    assert emulator.requests == []
    with pytest.raises(ValueError, match=r"model=\.\.\."):
        llm.invoke("hi", model="other")


def test_parameters_applied_to_the_serving_member(emulator: Emulator) -> None:
    emulator.enqueue(Fault.status(429), route="aimlapi")
    failover(emulator, max_tokens=123, stop=["ZZZ"]).invoke("hi")
    sent = [r.json for r in emulator.requests if r.method == "POST"]
    assert [b["max_tokens"] for b in sent] == [123, 123]
    assert sent[1]["stop"] == ["ZZZ"]  # Oxen is sent stop; AI/ML API enforces it client-side


def test_tools_structured_output_and_cost_tracking(emulator: Emulator) -> None:
    class GetWeather(BaseModel):
        """Get the weather in a city."""

        location: str

    llm = failover(emulator)
    emulator.enqueue(Fault.status(503), route="aimlapi")
    with track_cost() as cost:
        msg = llm.bind_tools([GetWeather]).invoke("call GetWeather for Paris")
        parsed = llm.with_structured_output(GetWeather).invoke("Weather in Oslo")
    assert isinstance(msg, AIMessage) and msg.tool_calls[0]["name"] == "GetWeather"
    assert isinstance(parsed, GetWeather)
    assert all("tools" in r.json for r in emulator.requests[:2])
    assert cost.calls == 2
    assert set(cost.by_model) == {"oxen/gpt-5-2-chat-latest#1", "aimlapi/openai/gpt-5-2#0"}


async def test_in_create_agent(emulator: Emulator) -> None:
    from langchain.agents import create_agent
    from langchain_core.tools import tool

    @tool
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    emulator.enqueue(Fault.status(429), route="aimlapi")
    agent = create_agent(failover(emulator), [multiply])
    result = await agent.ainvoke({"messages": [("user", "call multiply with 6 and 7")]})
    assert "42" in result["messages"][-1].content
    assert result["messages"][1].response_metadata["served_by"].startswith("oxen/")
