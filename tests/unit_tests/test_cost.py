"""Cost arithmetic, the stream meter, cache hits and the tracker's bookkeeping (no I/O)."""

from __future__ import annotations

import logging
import pickle
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation, LLMResult

from langchain_gpt52 import BudgetExceededError, track_cost
from langchain_gpt52._prices import Price
from langchain_gpt52.budget import BudgetStoreUnavailableError, InMemoryBudgetStore, to_decimal
from langchain_gpt52.cost import (
    MIN_OUTPUT_ALLOWANCE,
    CostTracker,
    StreamCost,
    UnpricedCallError,
    attach_cost,
    estimate_usd,
    mark_cached,
    message_tokens,
    price_usd,
    provider_usd,
    reservation_usd,
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
    assert err.value.reserved_usd == 0
    assert "max_usd" in str(err.value)


def test_budget_error_pickles() -> None:
    err = pickle.loads(pickle.dumps(BudgetExceededError(1.0, 0.5, 0.25, 0.125, budget="team")))
    assert (err.spent_usd, err.limit_usd, err.reserved_usd, err.needed_usd, err.budget) == (
        1.0,
        0.5,
        0.25,
        0.125,
        "team",
    )
    assert str(err).startswith("cost budget 'team': $1.000000 spent")


def test_a_named_budget_names_itself_in_the_error() -> None:
    tracker = CostTracker(max_usd=0, name="team-daily")
    with pytest.raises(BudgetExceededError, match="cost budget 'team-daily'") as err:
        _start(tracker, max_tokens=10)
    assert err.value.budget == "team-daily"


@pytest.mark.parametrize("bad", [-1, "1", True, float("nan"), float("inf"), -0.01])
def test_bad_max_usd(bad: object) -> None:
    with pytest.raises(ValueError, match="max_usd must be a finite number of USD >= 0"):
        CostTracker(max_usd=bad)  # type: ignore[arg-type]


def test_track_cost_nests_and_restores() -> None:
    from langchain_gpt52.cost import _active, _tracker_var

    with track_cost() as outer:
        assert _tracker_var.get() is outer
        with track_cost() as inner:
            assert _active() == (outer, inner)
        assert _tracker_var.get() is outer
    assert _tracker_var.get() is None


# -- reservations ----------------------------------------------------------------------------

GPT52 = {"ls_provider": "aimlapi", "ls_model_name": "openai/gpt-5-2"}


def _start(
    tracker: Any, *, max_tokens: int | None = None, text: str = "Hello!", **params: Any
) -> UUID:
    run_id = uuid4()
    md = dict(GPT52, ls_max_tokens=max_tokens) if max_tokens is not None else dict(GPT52)
    tracker.on_chat_model_start(
        {}, [[HumanMessage(text)]], run_id=run_id, metadata=md, invocation_params=params
    )
    return run_id


def _finish(tracker: Any, run_id: UUID, usd: Any = None, out: int = 10) -> None:
    md = {} if usd is None else {"cost": {"usd": usd, "source": "provider"}}
    message = AIMessage(
        content="x",
        usage_metadata=_usage(8, out),  # type: ignore[arg-type]
        response_metadata=md,
    )
    tracker.on_llm_end(LLMResult(generations=[[ChatGeneration(message=message)]]), run_id=run_id)


def test_reservation_arithmetic_is_exact() -> None:
    # (1000 input x 1.25 at $1.75/1M + 500 output at $14/1M) x 1.10
    assert reservation_usd(PRICE, 1000, 500) == Decimal("0.01010625")
    assert estimate_usd(PRICE, 1000, 500) == Decimal("0.00875")


def test_message_tokens_counts_content_tool_calls_and_overhead() -> None:
    plain = message_tokens([HumanMessage("Hello there")])
    assert plain == 3 + 3 + 2
    call = AIMessage(content="", tool_calls=[{"name": "f", "args": {"q": "x" * 50}, "id": "1"}])
    assert message_tokens([HumanMessage("Hello there"), call]) > plain + 3 + 10


def test_reservation_with_max_tokens_and_n() -> None:
    tracker = CostTracker(max_usd=1)
    _start(tracker, max_tokens=100, n=3)
    spent, reserved = tracker.store.totals()
    inp = message_tokens([HumanMessage("Hello!")])
    assert (spent, reserved) == (0, reservation_usd(PRICE, inp, 300))


def test_allowance_without_max_tokens_is_the_largest_output_seen_or_the_minimum() -> None:
    tracker = CostTracker(max_usd=10)
    inp = message_tokens([HumanMessage("Hello!")])
    first = _start(tracker)
    assert tracker.store.totals()[1] == reservation_usd(PRICE, inp, MIN_OUTPUT_ALLOWANCE)
    _finish(tracker, first, out=300)  # below the minimum: the minimum stays
    _start(tracker)
    assert tracker.store.totals()[1] == reservation_usd(PRICE, inp, MIN_OUTPUT_ALLOWANCE)
    tracker = CostTracker(max_usd=10)
    _finish(tracker, _start(tracker), out=3000)
    _finish(tracker, _start(tracker), out=1200)
    _start(tracker)
    assert tracker.store.totals()[1] == reservation_usd(PRICE, inp, 3000)


def test_calls_in_flight_count_against_the_budget() -> None:
    inp = message_tokens([HumanMessage("Hello!")])
    each = reservation_usd(PRICE, inp, 100)
    tracker = CostTracker(max_usd=each * 2 + Decimal("0.0001"))
    first = _start(tracker, max_tokens=100)
    _start(tracker, max_tokens=100)
    with pytest.raises(BudgetExceededError) as err:
        _start(tracker, max_tokens=100)
    assert (err.value.spent_usd, err.value.reserved_usd) == (0, float(each * 2))
    assert err.value.spent_usd + err.value.reserved_usd + err.value.needed_usd > float(
        tracker.limit or 0
    )
    assert err.value.needed_usd == float(each)
    _finish(tracker, first, usd=0.0001)  # settles at the real cost: room for one more
    _start(tracker, max_tokens=100)
    assert tracker.store.totals() == (Decimal("0.0001"), each * 2)
    with pytest.raises(BudgetExceededError):
        _start(tracker, max_tokens=1)


def test_failed_call_releases_its_reservation() -> None:
    tracker = CostTracker(max_usd=1)
    run_id = _start(tracker, max_tokens=100)
    tracker.on_llm_error(RuntimeError("boom"), run_id=run_id)
    assert tracker.store.totals() == (0, 0)
    assert tracker.calls == 0


def test_cut_stream_without_usage_is_estimated() -> None:
    tracker = CostTracker(max_usd=1)
    run_id = _start(tracker, max_tokens=100)
    for text in ["one two", " three"]:
        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
        tracker.on_llm_new_token(text, chunk=chunk, run_id=run_id)
    tracker.on_llm_error(GeneratorExit(), run_id=run_id)
    inp = message_tokens([HumanMessage("Hello!")])
    expected = estimate_usd(PRICE, inp, 3)
    assert tracker.store.totals() == (expected, 0)
    assert tracker.total == expected
    assert (tracker.calls, tracker.estimated_calls, tracker.unpriced_calls) == (1, 1, 0)


def test_cut_stream_uses_the_provider_figure_when_it_arrived() -> None:
    tracker = CostTracker()
    run_id = _start(tracker)
    chunk = ChatGenerationChunk(
        message=AIMessageChunk(content="", response_metadata={"credits_used": 500})
    )
    tracker.on_llm_new_token("", chunk=chunk, run_id=run_id)
    tracker.on_llm_error(RuntimeError("cut"), run_id=run_id)
    assert tracker.total == Decimal("0.00025")
    assert tracker.estimated_calls == 0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.5])
def test_bad_provider_figures_are_ignored_with_a_warning(bad: float, caplog: Any) -> None:
    usage = _usage(1000, 100)
    with caplog.at_level(logging.WARNING, logger="langchain_gpt52"):
        found = response_cost({"usd_spent": bad, "credits_used": bad}, usage, PRICE)
    assert found == {"usd": price_usd(usage, PRICE), "source": "price_table"}
    assert "usd_spent" in caplog.text and "price table" in caplog.text
    tracker = CostTracker(max_usd=1)
    _finish(tracker, _start(tracker, max_tokens=100), usd=bad)
    assert tracker.total == to_decimal(price_usd(_usage(8, 10), PRICE))


def test_totals_do_not_drift() -> None:
    tracker = CostTracker(max_usd=2)
    for _ in range(10_000):
        _finish(tracker, _start(tracker, max_tokens=1), usd=0.0001475)
    assert tracker.total_usd == 1.475
    assert tracker.by_model["aimlapi/openai/gpt-5-2"].usd == 1.475
    assert tracker.store.totals() == (Decimal("1.475"), 0)


def test_unpriced_calls_warn_once_per_model(caplog: Any) -> None:
    tracker = CostTracker(max_usd=1)
    with caplog.at_level(logging.WARNING, logger="langchain_gpt52"):
        for model in ["mystery", "mystery", "other"]:
            run_id = uuid4()
            md = {"ls_provider": "openai", "ls_model_name": model}
            tracker.on_chat_model_start({}, [[]], run_id=run_id, metadata=md)
            tracker.on_llm_end(
                LLMResult(generations=[[ChatGeneration(message=AIMessage(content="x"))]]),
                run_id=run_id,
            )
    warned = [r.getMessage() for r in caplog.records if "cannot price" in r.getMessage()]
    assert len(warned) == 2 and "openai/mystery" in warned[0]
    assert (tracker.calls, tracker.unpriced_calls) == (3, 3)


def test_unpriced_refuse_refuses_before_sending() -> None:
    tracker = CostTracker(max_usd=1, unpriced="refuse")
    md = {"ls_provider": "openai", "ls_model_name": "mystery"}
    with pytest.raises(UnpricedCallError, match="cannot price openai/mystery"):
        tracker.on_chat_model_start({}, [[]], run_id=uuid4(), metadata=md)
    assert isinstance(UnpricedCallError(0, 1), BudgetExceededError)
    _start(tracker, max_tokens=10)  # a priced model is admitted


def test_bad_unpriced_and_store_arguments() -> None:
    with pytest.raises(ValueError, match="unpriced must be 'warn' or 'refuse'"):
        CostTracker(unpriced="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs name="):
        CostTracker(max_usd=1, store="redis://127.0.0.1:1/0")
    with pytest.raises(ValueError, match="Redis URL"):
        CostTracker(max_usd=1, store="http://example.com")
    with pytest.raises(TypeError, match="store must be a BudgetStore"):
        CostTracker(max_usd=1, store=object())  # type: ignore[arg-type]


def test_nested_trackers_each_count_and_a_refusal_releases_the_outer() -> None:
    inp = message_tokens([HumanMessage("Hello!")])
    each = reservation_usd(PRICE, inp, 100)
    with track_cost(max_usd=10) as outer, track_cost(max_usd=float(each)) as inner:
        handler = _tracker_handler()
        first = _start(handler, max_tokens=100)
        with pytest.raises(BudgetExceededError):
            _start(handler, max_tokens=100)  # inner is full; outer had admitted it
        assert outer.store.totals() == (0, each)
        _finish(handler, first, usd=0.25)
    assert outer.total == inner.total == Decimal("0.25")
    assert outer.calls == inner.calls == 1


def test_a_tracker_reached_twice_counts_a_call_once() -> None:
    with track_cost(max_usd=1) as tracker:
        handler = _tracker_handler()
        assert handler is tracker
        run_id = uuid4()
        md = dict(GPT52, ls_max_tokens=10)
        messages = [[HumanMessage("Hello!")]]
        tracker.on_chat_model_start({}, messages, run_id=run_id, metadata=md)
        with track_cost() as other:
            both = _tracker_handler()
            both.on_chat_model_start({}, messages, run_id=run_id, metadata=md)
            _finish(both, run_id, usd=0.5)
            _finish(tracker, run_id, usd=0.5)
    assert (tracker.calls, tracker.total) == (1, Decimal("0.5"))  # once, not twice
    assert (other.calls, other.total) == (1, Decimal("0.5"))


def _tracker_handler() -> Any:
    from langchain_gpt52.cost import _tracker_var

    return _tracker_var.get()


def test_an_unreachable_store_refuses_and_releases_the_outer_reservation() -> None:
    class DownStore(InMemoryBudgetStore):
        def reserve(self, amount: Decimal, limit: Decimal) -> bool:
            raise BudgetStoreUnavailableError("budget store 'x': reserve failed")

    with track_cost(max_usd=1) as outer, track_cost(max_usd=1, store=DownStore()):
        with pytest.raises(BudgetStoreUnavailableError):
            _start(_tracker_handler(), max_tokens=100)
        assert outer.store.totals() == (0, 0)
