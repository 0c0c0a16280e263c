"""Cost arithmetic, the stream meter, cache hits and the tracker's bookkeeping (no I/O)."""

from __future__ import annotations

import pickle
from uuid import uuid4

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, Generation, LLMResult

from langchain_gpt52 import BudgetExceededError, track_cost
from langchain_gpt52._prices import Price
from langchain_gpt52.cost import (
    CostTracker,
    StreamCost,
    attach_cost,
    mark_cached,
    price_usd,
    provider_usd,
    response_cost,
)

PRICE = Price(input=1.75, cached_input=0.175, output=14.0)


def _usage(inp: int, out: int, cached: int = 0, reasoning: int = 0) -> dict:
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "total_tokens": inp + out,
        "input_token_details": {"cache_read": cached},
        "output_token_details": {"reasoning": reasoning},
    }


def test_usd_spent_wins_over_credits() -> None:
    assert provider_usd({"usd_spent": 0.25, "credits_used": 2_000_000}) == 0.25


def test_credits_at_two_million_per_usd() -> None:
    assert provider_usd({"credits_used": 762}) == pytest.approx(0.000381)


@pytest.mark.parametrize("md", [{}, {"credits_used": "12"}, {"usd_spent": True}])
def test_no_provider_figure(md: dict) -> None:
    assert provider_usd(md) is None


def test_list_price_input_and_output() -> None:
    # 1M input at $1.75 + 1M output at $14.
    assert price_usd(_usage(1_000_000, 1_000_000), PRICE) == pytest.approx(15.75)


def test_cached_input_at_cached_price() -> None:
    # 400k uncached at 1.75 + 600k cached at 0.175, no output.
    assert price_usd(_usage(1_000_000, 0, cached=600_000), PRICE) == pytest.approx(
        0.4 * 1.75 + 0.6 * 0.175
    )


def test_reasoning_tokens_billed_as_output() -> None:
    # OpenAI counts reasoning inside completion tokens: 100 output of which 80 reasoning.
    assert price_usd(_usage(0, 100, reasoning=80), PRICE) == pytest.approx(100 * 14 / 1e6)
    # A provider that reports reasoning beside a smaller output count is still billed for it.
    assert price_usd(_usage(0, 10, reasoning=80), PRICE) == pytest.approx(80 * 14 / 1e6)


def test_provider_source_beats_price_table() -> None:
    cost = response_cost({"credits_used": 2000}, _usage(10, 10), PRICE)
    assert cost == {"usd": 0.001, "source": "provider"}


def test_price_table_source() -> None:
    cost = response_cost({}, _usage(1000, 100), PRICE)
    assert cost == {"usd": pytest.approx((1000 * 1.75 + 100 * 14) / 1e6), "source": "price_table"}


def test_unknown_model_has_no_cost_key() -> None:
    msg = AIMessage(content="hi", usage_metadata=_usage(10, 10))  # type: ignore[arg-type]
    attach_cost(msg, None)
    assert "cost" not in msg.response_metadata


def test_no_usage_no_price_table_cost() -> None:
    assert response_cost({}, None, PRICE) is None


def test_stream_cost_once_from_final_figures() -> None:
    meter = StreamCost(PRICE)
    meter.observe(AIMessageChunk(content="a"))
    meter.observe(AIMessageChunk(content="", usage_metadata=_usage(100, 10)))  # type: ignore[arg-type]
    chunk = meter.chunk()
    assert chunk is not None
    assert chunk.message.response_metadata["cost"]["source"] == "price_table"
    meter.observe(AIMessageChunk(content="", response_metadata={"usd_spent": 0.5}))
    again = meter.chunk()
    assert again is not None
    assert again.message.response_metadata["cost"] == {"usd": 0.5, "source": "provider"}


def test_stream_cost_unknown() -> None:
    meter = StreamCost(None)
    meter.observe(AIMessageChunk(content="", usage_metadata=_usage(100, 10)))  # type: ignore[arg-type]
    assert meter.chunk() is None


def test_cached_reply_costs_nothing() -> None:
    msg = AIMessage(content="x", response_metadata={"credits_used": 10, "usd_spent": 5e-6})
    gens = [ChatGeneration(message=msg)]
    mark_cached(gens)
    md = gens[0].message.response_metadata
    assert md["cost"] == {"usd": 0.0, "source": "cache"}
    assert "credits_used" not in md and "usd_spent" not in md
    assert msg.response_metadata["credits_used"] == 10  # the cached original is not changed


def _end(tracker: CostTracker, message: AIMessage, provider: str = "aimlapi") -> None:
    run_id = uuid4()
    tracker.on_chat_model_start(
        {}, [[]], run_id=run_id, metadata={"ls_provider": provider, "ls_model_name": "m"}
    )
    tracker.on_llm_end(LLMResult(generations=[[ChatGeneration(message=message)]]), run_id=run_id)


def test_tracker_adds_up_by_model() -> None:
    tracker = CostTracker()
    priced = AIMessage(
        content="",
        usage_metadata=_usage(10, 5, cached=4, reasoning=2),  # type: ignore[arg-type]
        response_metadata={"cost": {"usd": 0.25, "source": "provider"}},
    )
    _end(tracker, priced)
    _end(tracker, priced)
    _end(tracker, AIMessage(content=""), provider="openai")
    assert tracker.total_usd == 0.5
    assert tracker.calls == 3
    assert tracker.unpriced_calls == 1
    entry = tracker.by_model["aimlapi/m"]
    assert (entry.usd, entry.calls, entry.input_tokens, entry.output_tokens) == (0.5, 2, 20, 10)
    assert (entry.cached_tokens, entry.reasoning_tokens) == (8, 4)
    assert tracker.by_model["openai/m"].calls == 1


def test_tracker_keys_by_served_by() -> None:
    tracker = CostTracker()
    msg = AIMessage(
        content="",
        response_metadata={"cost": {"usd": 0.1, "source": "provider"}, "served_by": "oxen/x"},
    )
    _end(tracker, msg, provider="gpt52-failover")
    assert list(tracker.by_model) == ["oxen/x"]


def test_tracker_cache_hit_not_counted_again() -> None:
    tracker = CostTracker()
    msg = AIMessage(content="", usage_metadata=_usage(10, 5))  # type: ignore[arg-type]
    gens = [ChatGeneration(message=msg)]
    mark_cached(gens)
    _end(tracker, gens[0].message)  # type: ignore[arg-type]
    assert (tracker.total_usd, tracker.cache_hits, tracker.unpriced_calls) == (0.0, 1, 0)
    assert tracker.by_model["aimlapi/m"].input_tokens == 0


def test_tracker_non_chat_generation_unpriced() -> None:
    tracker = CostTracker()
    run_id = uuid4()
    tracker.on_llm_start({}, ["p"], run_id=run_id)
    tracker.on_llm_end(LLMResult(generations=[[Generation(text="t")]]), run_id=run_id)
    assert (tracker.calls, tracker.unpriced_calls) == (1, 1)


def test_budget_refuses_the_call_after_the_crossing_one() -> None:
    tracker = CostTracker(max_usd=0.3)
    msg = AIMessage(content="", response_metadata={"cost": {"usd": 0.2, "source": "provider"}})
    _end(tracker, msg)
    _end(tracker, msg)  # starts under the budget, crosses it, completes
    with pytest.raises(BudgetExceededError) as err:
        tracker.on_chat_model_start({}, [[]], run_id=uuid4())
    assert err.value.spent_usd == pytest.approx(0.4)
    assert err.value.limit_usd == 0.3
    assert "max_usd" in str(err.value)


def test_budget_error_pickles() -> None:
    err = pickle.loads(pickle.dumps(BudgetExceededError(1.0, 0.5)))
    assert (err.spent_usd, err.limit_usd) == (1.0, 0.5)


@pytest.mark.parametrize("bad", [-1, "1", True])
def test_bad_max_usd(bad: object) -> None:
    with pytest.raises(ValueError, match="max_usd"):
        CostTracker(max_usd=bad)  # type: ignore[arg-type]


def test_track_cost_nests_and_restores() -> None:
    from langchain_gpt52.cost import _tracker_var

    with track_cost() as outer:
        with track_cost() as inner:
            assert _tracker_var.get() is inner
        assert _tracker_var.get() is outer
    assert _tracker_var.get() is None
