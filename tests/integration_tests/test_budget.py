"""Budgets against the emulator: concurrency, nesting, threads, cut streams, Redis, clean stops."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import random
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from langchain_gpt52 import (
    APIError,
    BadRequestError,
    BudgetExceededError,
    BudgetStoreUnavailableError,
    ChatAIMLAPI,
    CostTracker,
    track_cost,
)
from langchain_gpt52.budget import RedisBudgetStore
from langchain_gpt52.cost import price_usd
from langchain_gpt52.providers import AIMLAPI
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def aimlapi(emulator: Emulator, **kw: Any) -> ChatAIMLAPI:
    return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=emulator.api_key, **kw)


def chat_requests(emulator: Emulator) -> int:
    return len([r for r in emulator.requests if r.method == "POST"])


def prompts(rng: random.Random, count: int) -> list[str]:
    return [
        "Write about " + " ".join(rng.choices(WORDS, k=rng.randint(1, 30))) for _ in range(count)
    ]


async def _one_trial(emulator: Emulator, llm: ChatAIMLAPI, rng: random.Random) -> None:
    emulator.reset()
    emulator.enqueue(*[Fault.slow_first_byte(rng.uniform(0, 0.01)) for _ in range(200)])
    limit = rng.uniform(0.005, 0.03)  # room for 3 to 20 reservations

    async def call(prompt: str, delay: float, stream: bool) -> Any:
        await asyncio.sleep(delay)  # starts spread over 100 ms: reserves and settles interleave
        if stream:
            return [chunk async for chunk in llm.astream(prompt)]
        return await llm.ainvoke(prompt)

    async with track_cost(max_usd=limit) as cost:
        results = await asyncio.gather(
            *(call(p, rng.uniform(0, 0.1), rng.random() < 0.5) for p in prompts(rng, 200)),
            return_exceptions=True,
        )
    stopped = [r for r in results if isinstance(r, BudgetExceededError)]
    others = [r for r in results if isinstance(r, BaseException) and r not in stopped]
    assert not others, others[:3]
    assert stopped, "the budget never stopped a call"
    spent, reserved = cost.store.totals()
    assert reserved == 0
    assert spent == cost.total <= Decimal(repr(limit)), (float(spent), limit)
    assert cost.calls == 200 - len(stopped) == chat_requests(emulator) >= 3


async def test_concurrent_calls_never_pass_the_budget_with_max_tokens(
    emulator: Emulator,
) -> None:
    llm = aimlapi(emulator, max_tokens=100)
    rng = random.Random(20)
    for _ in range(50):
        await _one_trial(emulator, llm, rng)


def test_threaded_batch_never_passes_the_budget(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=300)
    rng = random.Random(7)
    for _ in range(3):
        emulator.reset()
        emulator.enqueue(*[Fault.slow_first_byte(rng.uniform(0, 0.01)) for _ in range(100)])
        with track_cost(max_usd=0.01) as cost:
            results = llm.batch(prompts(rng, 100), {"max_concurrency": 16}, return_exceptions=True)
        assert any(isinstance(r, BudgetExceededError) for r in results)
        assert cost.total_usd <= 0.01
        assert cost.calls == chat_requests(emulator)


async def test_abatch_stops_at_its_limit_without_max_tokens(emulator: Emulator) -> None:
    llm = aimlapi(emulator)
    async with track_cost(max_usd=0.05) as cost:
        results = await llm.abatch(prompts(random.Random(1), 50), return_exceptions=True)
    stopped = [r for r in results if isinstance(r, BudgetExceededError)]
    assert 0 < len(stopped) < 50
    assert cost.calls == chat_requests(emulator) == 50 - len(stopped)


def test_nested_blocks_each_count_and_enforce(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=100)
    with track_cost(max_usd=1) as outer:
        llm.invoke("before")
        with track_cost(max_usd=0.003) as inner, pytest.raises(BudgetExceededError) as err:
            for _ in range(20):
                llm.invoke("inside")
        llm.invoke("after")
    assert err.value.limit_usd == 0.003
    assert 1 <= inner.calls < 20
    assert outer.calls == inner.calls + 2 == chat_requests(emulator)
    assert outer.total > inner.total > 0
    assert inner.total_usd <= 0.003


async def test_outer_budget_enforced_inside_an_inner_block(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=100)
    async with track_cost(max_usd=0.003) as outer, track_cost() as inner:
        with pytest.raises(BudgetExceededError) as err:
            for _ in range(20):
                await llm.ainvoke("inside")
    assert err.value.limit_usd == 0.003
    assert outer.calls == inner.calls == chat_requests(emulator) < 20
    assert outer.total_usd <= 0.003


@pytest.mark.parametrize("attach", ["constructor", "with_config"])
def test_model_attached_tracker_counts_plain_threads(emulator: Emulator, attach: str) -> None:
    tracker = CostTracker(max_usd=0.01)
    if attach == "constructor":
        llm: Any = aimlapi(emulator, max_tokens=200, callbacks=[tracker])
    else:
        llm = aimlapi(emulator, max_tokens=200).with_config(callbacks=[tracker])

    def call(prompt: str) -> Any:
        try:
            return llm.invoke(prompt)
        except BudgetExceededError as exc:
            return exc

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, prompts(random.Random(3), 60)))
    stopped = [r for r in results if isinstance(r, BudgetExceededError)]
    assert stopped and tracker.calls == 60 - len(stopped) == chat_requests(emulator)
    assert 0 < tracker.total_usd <= 0.01


def test_plain_threads_do_not_carry_the_block(emulator: Emulator) -> None:
    llm = aimlapi(emulator)
    with track_cost() as cost, ThreadPoolExecutor(2) as pool:
        list(pool.map(llm.invoke, ["a", "b"]))
    assert cost.calls == 0  # documented: attach the tracker to the model instead


def test_caller_cut_stream_is_counted(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=200)
    with track_cost(max_usd=1) as cost:
        stream = llm.stream("Tell me a long story about " + " ".join(WORDS))
        for i, _ in enumerate(stream):
            if i == 2:
                break
        stream.close()
    assert chat_requests(emulator) == 1
    assert (cost.calls, cost.estimated_calls) == (1, 1)
    assert cost.total > 0 and cost.store.totals() == (cost.total, 0)


async def test_caller_cut_astream_is_counted(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=200)
    async with track_cost(max_usd=1) as cost:
        stream = llm.astream("Tell me a long story")
        async for i, _ in _aenumerate(stream):
            if i == 2:
                break
        await stream.aclose()
    assert (cost.calls, cost.estimated_calls) == (1, 1)
    assert cost.total > 0 and cost.store.totals() == (cost.total, 0)


def test_server_cut_stream_is_counted(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=200, max_retries=0)
    emulator.enqueue(Fault.cut_stream(after=3))
    with track_cost(max_usd=1) as cost, pytest.raises(APIError):
        list(llm.stream("Tell me a long story"))
    assert chat_requests(emulator) == 1
    assert (cost.calls, cost.estimated_calls) == (1, 1)
    assert cost.total > 0 and cost.store.totals() == (cost.total, 0)


async def test_server_cut_astream_is_counted(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=200, max_retries=0)
    emulator.enqueue(Fault.cut_stream(after=3))
    async with track_cost(max_usd=1) as cost:
        with pytest.raises(APIError):
            async for _ in llm.astream("Tell me a long story"):
                pass
    assert chat_requests(emulator) == 1
    assert (cost.calls, cost.estimated_calls) == (1, 1)
    assert cost.total > 0 and cost.store.totals() == (cost.total, 0)


async def _cut_total(llm: ChatAIMLAPI, mode: str, fault: Fault, emulator: Emulator) -> Any:
    """Stream one call that the server ends with `fault`; the tracker of that call."""
    emulator.enqueue(fault)
    async with track_cost(max_usd=1) as cost:
        with pytest.raises(APIError):
            if mode == "stream":
                list(llm.stream("Tell me a long story"))
            else:
                async for _ in llm.astream("Tell me a long story"):
                    pass
    return cost


RESPONSES_MODEL = next(row.model for row in AIMLAPI.models if row.endpoint == "responses")


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize("model", [None, RESPONSES_MODEL])
async def test_server_cut_after_usage_counts_the_providers_figure(
    emulator: Emulator, mode: str, model: str | None
) -> None:
    llm = aimlapi(emulator, max_tokens=200, max_retries=0, **({"model": model} if model else {}))
    with track_cost() as whole:
        list(llm.stream("Tell me a long story"))
    # Every event sent (usage and the provider's figure included), then the connection cut.
    cost = await _cut_total(llm, mode, Fault.cut_stream(after=1_000), emulator)
    assert (cost.calls, cost.estimated_calls) == (1, 0)
    assert cost.total == whole.total > 0
    assert cost.store.totals() == (cost.total, 0)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_error_event_after_usage_counts_the_usage(emulator: Emulator, mode: str) -> None:
    llm = aimlapi(emulator, max_tokens=200, max_retries=0)
    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": llm.model}
    usage = {"prompt_tokens": 1_000, "completion_tokens": 2_000, "total_tokens": 3_000}
    sse: list[Any] = [
        {**chunk, "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]},
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**chunk, "choices": [], "usage": usage},
        {"error": {"message": "upstream failed", "code": 500}},
    ]
    cost = await _cut_total(llm, mode, Fault.respond(sse=sse, done=False), emulator)
    assert (cost.calls, cost.estimated_calls) == (1, 0)
    price = llm._list_price()
    assert price is not None
    expected = price_usd({"input_tokens": 1_000, "output_tokens": 2_000}, price)
    assert cost.total == Decimal(str(expected))
    assert cost.by_model[f"aimlapi/{llm.model}"].output_tokens == 2_000


def test_failed_request_is_released(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=200, max_retries=0)
    emulator.enqueue(Fault.status(400))
    with track_cost(max_usd=1) as cost, pytest.raises(BadRequestError):
        llm.invoke("Hello!")
    assert cost.store.totals() == (0, 0) and cost.calls == 0


async def _aenumerate(stream: Any) -> Any:
    i = 0
    async for item in stream:
        yield i, item
        i += 1


# -- a budget stop leaves nothing behind ---------------------------------------------------


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return "found " + query


async def test_stop_inside_agent_astream_messages_leaves_nothing_behind(
    emulator: Emulator,
) -> None:
    from langchain.agents import create_agent

    llm = aimlapi(emulator, max_tokens=100)
    agent = create_agent(llm, [lookup])
    payload = {"messages": [("user", "Call lookup. Then call lookup. Then call lookup.")]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stopped: list[BaseException] = []
        async with track_cost(max_usd=0.002) as cost:  # the second call does not fit
            try:
                async for _ in agent.astream(payload, stream_mode="messages"):
                    pass
            except BudgetExceededError as exc:
                stopped.append(exc)
        assert len(stopped) == 1
        stopped.clear()  # the error's traceback held the callback manager's frame
        gc.collect()
        await asyncio.sleep(0)
        gc.collect()
    never_awaited = [w for w in caught if "never awaited" in str(w.message)]
    assert never_awaited == []
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert cost.calls == chat_requests(emulator) >= 1  # nothing sent for the stopped call
    assert cost.store.totals() == (cost.total, 0)  # no reservation left behind
    await llm.aclose()


# -- one budget in Redis, shared by processes ------------------------------------------------


def _redis_worker(url: str, name: str, base_url: str, api_key: str, limit: float) -> int:
    llm = ChatAIMLAPI(base_url=base_url, api_key=api_key, max_tokens=200)  # type: ignore[arg-type]
    sent = 0
    with track_cost(max_usd=limit, store=url, name=name) as cost:
        for i in range(40):
            try:
                llm.invoke(f"Worker prompt {i}: " + " ".join(WORDS[: i % 12]))
            except BudgetExceededError:
                continue
            sent += 1
    assert cost.calls == sent
    return sent


def test_four_processes_share_one_redis_budget(emulator: Emulator, redis_url: str) -> None:
    name = f"test-{uuid.uuid4().hex}"
    limit = 0.02
    ctx = multiprocessing.get_context("spawn")
    args = (redis_url, name, emulator.aimlapi_base_url, emulator.api_key, limit)
    with ctx.Pool(4) as pool:
        sent = pool.starmap(_redis_worker, [args] * 4)
    store = RedisBudgetStore(redis_url, name)
    spent, reserved = store.totals()
    assert reserved == 0
    assert 0 < spent <= Decimal(repr(limit))
    assert sum(sent) == chat_requests(emulator) < 160
    store.reset()


def test_redis_store_by_url_counts_calls(emulator: Emulator, redis_url: str) -> None:
    name = f"test-{uuid.uuid4().hex}"
    llm = aimlapi(emulator, max_tokens=100)
    with track_cost(max_usd=1, store=redis_url, name=name) as cost:
        llm.invoke("Hello!")
    store = RedisBudgetStore(redis_url, name)
    assert store.totals() == (cost.total, 0) and cost.total > 0
    store.reset()


def test_unreachable_redis_refuses_before_sending(emulator: Emulator) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = RedisBudgetStore(f"redis://127.0.0.1:{port}/0", "down", timeout=0.5)
    llm = aimlapi(emulator, max_tokens=100)
    with track_cost(max_usd=1, store=store), pytest.raises(BudgetStoreUnavailableError):
        llm.invoke("Hello!")
    assert chat_requests(emulator) == 0


def test_generate_refused_midway_releases_the_runs_it_started(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=100)
    with track_cost(max_usd=0.002) as cost:  # one reservation fits, two do not
        with pytest.raises(BudgetExceededError):
            llm.generate([[HumanMessage("first")], [HumanMessage("second")]])
        assert cost.store.totals() == (0, 0)
    assert chat_requests(emulator) == 0


async def test_agenerate_refused_midway_releases_the_runs_it_started(emulator: Emulator) -> None:
    llm = aimlapi(emulator, max_tokens=100)
    async with track_cost(max_usd=0.002) as cost:
        with pytest.raises(BudgetExceededError):
            await llm.agenerate([[HumanMessage("first")], [HumanMessage("second")]])
        assert cost.store.totals() == (0, 0)
    assert chat_requests(emulator) == 0


def _completion(meta_usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-5.2-2025-12-11",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
        "meta": {"usage": meta_usage},
    }


@pytest.mark.parametrize(
    ("meta_usage", "headers"),
    [
        ({"usd_spent": float("nan")}, {}),
        ({"credits_used": -500}, {}),
        ({}, {"x-aimlapi-usd-spent": "inf"}),
        ({}, {"x-aimlapi-usd-spent": "-0.25", "x-aimlapi-credits-used": "NaN"}),
    ],
)
def test_untrusted_provider_figures_fall_back_to_the_price_table(
    emulator: Emulator, caplog: Any, meta_usage: dict[str, Any], headers: dict[str, str]
) -> None:
    emulator.enqueue(Fault.respond(json=_completion(meta_usage), headers=headers))
    llm = aimlapi(emulator, max_tokens=200)
    with caplog.at_level("WARNING", logger="langchain_gpt52"), track_cost(max_usd=1) as cost:
        msg = llm.invoke("Hello!")
    list_price = Decimal("1000") * Decimal("1.75") / 10**6 + 100 * Decimal(14) / 10**6
    assert msg.response_metadata["cost"] == {"usd": float(list_price), "source": "price_table"}
    assert cost.total == list_price and cost.store.totals() == (list_price, 0)
    assert "not a finite number >= 0" in caplog.text
