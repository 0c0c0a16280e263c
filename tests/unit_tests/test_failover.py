"""`ChatGPT52Failover`: which failures fail over, the circuit breaker, and the model's
completeness (tokens, profile, serialization, rate limits, fields, naming) on fake members."""

from __future__ import annotations

import asyncio
import dataclasses
import pickle
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd, dumps, loads
from langchain_core.messages import AIMessage, HumanMessage, trim_messages
from langchain_core.rate_limiters import InMemoryRateLimiter

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52, ChatGPT52Failover, ChatOxen
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.chat_models.failover import CircuitBreaker, failover_reason
from langchain_gpt52.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    BadRequestError,
    RefusalError,
    error_from_response,
)
from langchain_gpt52.providers import AIMLAPI, OPENAI_COMPATIBLE, OXEN, Provider
from tests.unit_tests._chat_fakes import FakeProvider, clean_env, sse_reply, text_chunks

__all__ = ["clean_env"]  # fixture used by name


def _status(code: int) -> Exception:
    return error_from_response(code, {"message": "x"}, {}, provider="AI/ML API")


PROVIDERS = [AIMLAPI, OXEN, OPENAI_COMPATIBLE]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.ls_provider)
@pytest.mark.parametrize("code", [404, 408, 409, 429, 500, 502, 503, 504])
def test_unavailable_statuses_fail_over(code: int, provider: Provider) -> None:
    assert failover_reason(_status(code), provider) == "unavailable"


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.ls_provider)
def test_auth_statuses_fail_over_as_auth(provider: Provider) -> None:
    assert failover_reason(_status(401), provider) == "auth"


def test_out_of_credits_is_the_descriptors_rule() -> None:
    assert failover_reason(_status(403), AIMLAPI) == "credits"
    assert failover_reason(_status(403), OXEN) == "auth"
    assert failover_reason(_status(402), AIMLAPI) is None
    own = dataclasses.replace(
        OPENAI_COMPATIBLE, name="Test gateway", failover_statuses={402: "credits"}
    )
    assert failover_reason(_status(402), own) == "credits"
    assert failover_reason(_status(429), own) is None  # its table is the whole policy
    assert failover_reason(_status(503), own) == "unavailable"  # 5xx always


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.ls_provider)
@pytest.mark.parametrize("code", [400, 413, 422])
def test_invalid_requests_do_not_fail_over(code: int, provider: Provider) -> None:
    assert failover_reason(_status(code), provider) is None


@pytest.mark.parametrize(
    "exc",
    [APIConnectionError("reset"), APITimeoutError("slow"), APIResponseValidationError("bad")],
)
def test_network_and_malformed_answers_fail_over(exc: Exception) -> None:
    assert failover_reason(exc, OXEN) == "unavailable"


@pytest.mark.parametrize("exc", [ValueError("bad param"), RefusalError("no"), KeyError("x")])
def test_other_errors_do_not_fail_over(exc: Exception) -> None:
    assert failover_reason(exc, OXEN) is None


def test_breaker_opens_half_opens_and_closes() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    now[0] = 9.99
    assert breaker.state == "open"
    now[0] = 10.0
    assert breaker.state == "half_open"
    breaker.record_failure()  # the half-open try failed: open for another cooldown
    assert breaker.state == "open"
    now[0] = 20.0
    assert breaker.state == "half_open"
    breaker.record_success()
    assert (breaker.state, breaker.failures) == ("closed", 0)


def test_unknown_argument_is_an_error() -> None:
    member = ChatAIMLAPI(api_key="k")
    with pytest.raises(ValueError, match=r"'tempreature' .*did you mean 'temperature'"):
        ChatGPT52Failover(models=[member], tempreature=1)
    with pytest.raises(ValueError, match=r"'max_retries'.*belong on each member"):
        ChatGPT52Failover(models=[member], max_retries=1)


def test_needs_a_member() -> None:
    with pytest.raises(ValueError, match="models"):
        ChatGPT52Failover(models=[])


# -- a complete model: tokens, profile, serialization, rate limits, fields, breaker, naming --


def _member(cls: Any, provider: FakeProvider | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", "sk-failover-secret-123")
    kwargs.setdefault("max_retries", 0)
    clients = provider.clients() if provider is not None else {}
    return cls(**clients, **kwargs)


def test_counts_tokens_with_the_first_available_member() -> None:
    first, second = _member(ChatAIMLAPI), _member(ChatOxen)
    llm = ChatGPT52Failover(models=[first, second])
    messages = [HumanMessage("How many tokens is this sentence, roughly?")]
    assert llm.get_num_tokens_from_messages(messages) == first.get_num_tokens_from_messages(
        messages
    )
    assert llm.get_num_tokens("some text here") == first.get_num_tokens("some text here")
    trimmed = trim_messages(
        [HumanMessage("a " * 200), AIMessage("ok"), HumanMessage("last")],
        max_tokens=20,
        token_counter=llm,
        strategy="last",
    )
    assert [m.content for m in trimmed] == ["ok", "last"]


def test_token_count_skips_an_open_member() -> None:
    class Counter(ChatOxen):
        def get_num_tokens_from_messages(self, messages: Any, tools: Any = None) -> int:
            return 12345

    llm = ChatGPT52Failover(models=[_member(ChatAIMLAPI), _member(Counter)], failure_threshold=1)
    llm.breakers[0].record_failure()
    assert llm.get_num_tokens_from_messages([HumanMessage("hi")]) == 12345


def test_profile_is_what_every_member_supports() -> None:
    big, small = _member(ChatAIMLAPI), _member(ChatOxen)
    llm = ChatGPT52Failover(models=[big, small])
    profile = llm.profile
    assert profile is not None
    assert profile["structured_output"] is True
    assert profile["tool_calling"] is True
    assert profile["max_input_tokens"] == min(
        big.profile["max_input_tokens"], small.profile["max_input_tokens"]
    )
    assert profile["max_output_tokens"] == small.profile["max_output_tokens"]
    levels = set(big.profile["reasoning_effort_levels"]) & set(
        small.profile["reasoning_effort_levels"]
    )
    assert set(profile["reasoning_effort_levels"]) == levels
    no_pdf = _member(ChatGPT52, base_url="https://gw.example.com/v1", model="my-own-model")
    mixed = ChatGPT52Failover(models=[big, no_pdf]).profile
    assert mixed is not None
    assert "pdf_inputs" not in mixed or mixed["pdf_inputs"] is False
    assert "max_input_tokens" not in mixed  # unknown on one member: not claimed


def test_agent_uses_the_provider_strategy() -> None:
    from langchain.agents.factory import _supports_provider_strategy

    llm = ChatGPT52Failover(models=[_member(ChatAIMLAPI), _member(ChatOxen)])
    assert _supports_provider_strategy(llm)


def test_pickles_and_keeps_working() -> None:
    provider = FakeProvider()
    llm = ChatGPT52Failover(models=[_member(ChatAIMLAPI), _member(ChatOxen)], temperature=1)
    copy = pickle.loads(pickle.dumps(llm))
    assert isinstance(copy, ChatGPT52Failover)
    assert copy.temperature == 1
    assert [b.state for b in copy.breakers] == ["closed", "closed"]
    copy.models[0].http_client = provider.clients()["http_client"]
    assert copy.invoke("hi").content == "Hello!"
    assert provider.body["temperature"] == 1


def test_dumps_is_a_real_serialization_without_the_key() -> None:
    llm = ChatGPT52Failover(
        models=[_member(ChatAIMLAPI), _member(ChatOxen)], max_tokens=100, cooldown=5
    )
    data = dumpd(llm)
    text = dumps(llm)
    assert "sk-failover-secret-123" not in text
    assert data["type"] == "constructor"
    assert data["id"] == ["langchain_gpt52", "chat_models", "ChatGPT52Failover"]
    assert data["kwargs"]["max_tokens"] == 100
    members = data["kwargs"]["models"]
    assert [m["id"][-1] for m in members] == ["ChatAIMLAPI", "ChatOxen"]
    assert members[0]["kwargs"]["api_key"] == {
        "lc": 1,
        "type": "secret",
        "id": ["AIMLAPI_API_KEY"],
    }
    loaded = loads(
        text,
        secrets_map={"AIMLAPI_API_KEY": "k1", "OXEN_API_KEY": "k2"},
        valid_namespaces=["langchain_gpt52"],
        allowed_objects=[ChatGPT52Failover, ChatAIMLAPI, ChatOxen],
    )
    assert isinstance(loaded, ChatGPT52Failover)
    assert (loaded.max_tokens, loaded.cooldown) == (100, 5)
    assert loaded.models[1].api_key.get_secret_value() == "k2"


def test_member_rate_limiter_is_honoured() -> None:
    class Counting(InMemoryRateLimiter):
        calls: int = 0

        def acquire(self, *, blocking: bool = True) -> bool:
            Counting.calls += 1
            return True

        async def aacquire(self, *, blocking: bool = True) -> bool:
            Counting.calls += 1
            return True

    provider = FakeProvider()
    limiter = Counting(requests_per_second=100)
    llm = ChatGPT52Failover(models=[_member(ChatAIMLAPI, provider, rate_limiter=limiter)])
    llm.invoke("hi")
    list(llm.stream("hi"))
    asyncio.run(llm.ainvoke("hi"))
    assert Counting.calls == 3


@pytest.mark.parametrize("name", ["temperature", "top_p", "max_tokens", "seed", "stop"])
def test_generation_fields_are_the_members_fields(name: str) -> None:
    mine = ChatGPT52Failover.model_fields[name]
    base = BaseChatGPT52.model_fields[name]
    assert (mine.annotation, mine.alias) == (base.annotation, base.alias)


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_integer_temperature_goes_on_the_wire_as_written(mode: str) -> None:
    direct, through = FakeProvider(), FakeProvider()
    reply = sse_reply(text_chunks(["Hi"])) if mode == "stream" else None
    if reply is not None:
        direct.replies = through.replies = [reply]
    member = _member(ChatAIMLAPI, direct, temperature=0)
    via = ChatGPT52Failover(models=[_member(ChatAIMLAPI, through)], temperature=0)
    for llm in (member, via):
        list(llm.stream("hi")) if mode == "stream" else llm.invoke("hi")
    assert b'"temperature":0,' in direct.requests[0].content
    assert through.requests[0].content == direct.requests[0].content


class _Gate:
    """A first member whose requests wait at a gate, then fail with 500."""

    def __init__(self) -> None:
        self.arrived = threading.Semaphore(0)
        self.release = threading.Semaphore(0)
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.count += 1
        self.arrived.release()
        self.release.acquire(timeout=5)
        return httpx.Response(500, json={"message": "down"})


def test_half_open_lets_exactly_one_call_try() -> None:
    now = [1000.0]
    gate = _Gate()
    failing = FakeProvider(gate)
    healthy = FakeProvider()
    llm = ChatGPT52Failover(
        models=[_member(ChatAIMLAPI, failing), _member(ChatOxen, healthy)],
        failure_threshold=1,
        cooldown=30,
        clock=lambda: now[0],
    )
    gate.release.release()
    llm.invoke("hi")  # the first member fails: its breaker opens
    assert llm.breakers[0].state == "open"
    gate.count = 0
    now[0] += 30  # cooldown over: half-open
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(llm.invoke, "hi") for _ in range(20)]
        assert gate.arrived.acquire(timeout=5)
        time.sleep(0.3)  # let every other call choose its member
        gate.release.release(20)
        results = [f.result() for f in futures]
    assert gate.count == 1
    assert all(r.content == "Hello!" for r in results)
    assert llm.breakers[0].state == "open"


def test_failures_of_calls_started_before_opening_do_not_push_back_the_cooldown() -> None:
    now = [1000.0]
    gate = _Gate()
    llm = ChatGPT52Failover(
        models=[_member(ChatAIMLAPI, FakeProvider(gate)), _member(ChatOxen, FakeProvider())],
        failure_threshold=1,
        cooldown=30,
        clock=lambda: now[0],
    )
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(llm.invoke, "hi")
        second = pool.submit(llm.invoke, "hi")
        assert gate.arrived.acquire(timeout=5) and gate.arrived.acquire(timeout=5)
        gate.release.release()  # one fails at t=1000: the breaker opens at 1000
        wait([first, second], return_when=FIRST_COMPLETED)
        now[0] = 1010
        gate.release.release()  # the other, started before, fails at t=1010
        first.result(), second.result()
    now[0] = 1030
    assert llm.breakers[0].state == "half_open"


def test_served_by_tells_two_members_of_one_model_apart() -> None:
    first = FakeProvider(httpx.Response(503, json={"message": "busy"}))
    second = FakeProvider()
    llm = ChatGPT52Failover(models=[_member(ChatAIMLAPI, first), _member(ChatAIMLAPI, second)])
    md = llm.invoke("hi").response_metadata
    assert md["served_by"] == "aimlapi/openai/gpt-5-2#1"
    assert md["failed_over"] == [
        {"model": "aimlapi/openai/gpt-5-2#0", "error": "InternalServerError", "status": 503}
    ]


def test_a_half_open_try_refused_as_invalid_closes_the_breaker() -> None:
    now = [1000.0]
    first = FakeProvider(
        httpx.Response(503, json={"message": "busy"}),
        httpx.Response(400, json={"message": "bad request"}),
    )
    llm = ChatGPT52Failover(
        models=[_member(ChatAIMLAPI, first), _member(ChatOxen, FakeProvider())],
        failure_threshold=1,
        clock=lambda: now[0],
    )
    llm.invoke("hi")
    assert llm.breakers[0].state == "open"
    now[0] += 30
    with pytest.raises(BadRequestError):
        llm.invoke("hi")  # the half-open try: the gateway answered, so it is up
    assert llm.breakers[0].state == "closed"


def test_a_half_open_try_that_fails_before_sending_lets_the_next_call_try() -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=30, clock=lambda: 0.0)
    breaker.record_failure()
    breaker.opened_at = -30.0  # cooldown over
    assert breaker.admit() is not None
    assert breaker.admit() is None  # one try at a time
    breaker.release()
    assert breaker.admit() is not None
