"""Unit tests of the emulator's answers as JSON: response shapes, streams, usage, caps."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gpt52.emulator.completion import complete, stream_chunks
from langchain_gpt52.emulator.fake_model.tokens import count_tokens
from langchain_gpt52.emulator.providers.aimlapi import MODEL as AIMLAPI_MODEL
from langchain_gpt52.emulator.providers.aimlapi import UPSTREAM_MODEL as AIMLAPI_UPSTREAM_MODEL
from langchain_gpt52.emulator.providers.aimlapi import AIMLAPIOptions
from langchain_gpt52.emulator.providers.aimlapi import _credits_for as credits_for
from langchain_gpt52.emulator.providers.oxen import MODEL as OXEN_MODEL
from langchain_gpt52.emulator.settings import Settings
from tests.unit_tests._emulator_helpers import (
    ADDER,
    MAGIC,
    NO_ARGS,
    PATH,
    PROVIDERS,
    WEATHER,
    _body,
    _joined_stream,
    validate,
)

# response shapes
# --------------------------------------------------------------------------------------


def test_aimlapi_response_shape() -> None:
    resp = complete("aimlapi", _body("aimlapi"))
    assert set(resp) == {
        "id", "object", "created", "model", "choices", "usage", "service_tier",
        "system_fingerprint", "meta",
    }  # fmt: skip
    assert resp["id"].startswith("chatcmpl-") and len(resp["id"]) > 20
    assert resp["object"] == "chat.completion"
    assert resp["model"] == AIMLAPI_UPSTREAM_MODEL
    assert resp["service_tier"] == "default" and resp["system_fingerprint"] is None
    message = resp["choices"][0]["message"]
    assert message == {
        "role": "assistant",
        "content": message["content"],
        "refusal": None,
        "annotations": [],
    }
    assert message["content"]
    usage = resp["usage"]
    assert set(usage["prompt_tokens_details"]) == {"cached_tokens", "audio_tokens"}
    assert set(usage["completion_tokens_details"]) == {
        "reasoning_tokens", "audio_tokens", "accepted_prediction_tokens",
        "rejected_prediction_tokens",
    }  # fmt: skip
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] == 7  # as in the provider's documented example
    meta = resp["meta"]["usage"]
    assert isinstance(meta["credits_used"], int) and meta["credits_used"] > 0
    assert meta["usd_spent"] == pytest.approx(meta["credits_used"] / 2_000_000)


def test_oxen_response_shape() -> None:
    resp = complete("oxen", _body("oxen"))
    assert set(resp) == {"id", "object", "created", "model", "choices", "usage"}
    assert resp["model"] == OXEN_MODEL
    prefix, _, rest = resp["id"].partition("-")
    assert prefix == "chatcmpl" and len(rest) == 36 and rest.count("-") == 4
    assert set(resp["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert resp["choices"][0]["finish_reason"] == "stop"


def test_oxen_tool_calls_carry_index() -> None:
    body = _body("oxen", "Call magic_function(1) and get_weather in Paris", tools=[MAGIC, WEATHER])
    calls = complete("oxen", body)["choices"][0]["message"]["tool_calls"]
    assert [c["index"] for c in calls] == [0, 1]
    aiml = complete("aimlapi", {**body, "model": AIMLAPI_MODEL})
    assert all("index" not in c for c in aiml["choices"][0]["message"]["tool_calls"])


def test_credit_formula_matches_docs_example() -> None:
    # the AI/ML API docs show 7 prompt + 13 completion tokens -> 409 credits
    assert credits_for(7, 0, 13) == 409


# --------------------------------------------------------------------------------------
# streaming
# --------------------------------------------------------------------------------------

STREAM_CASES: list[dict[str, Any]] = [
    {"text": "Hello"},
    {"text": "Write me 2 haikus. Only include the haikus. " * 5},
    {"text": "What is the weather in San Francisco, CA?", "tools": [WEATHER]},
    {"text": "Call magic_function(5) and my_adder_tool(1, 2)", "tools": [MAGIC, ADDER]},
    {
        "text": "What is the value of magic_function_no_args()?",
        "tools": [NO_ARGS],
        "tool_choice": "required",
    },
    {"text": "Tell me a joke [refuse]"},
    {"text": "Say something long " * 10, "max_tokens": 7},
    {"text": "Hello", "n": 3},
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("case", STREAM_CASES)
def test_stream_matches_complete(provider: str, case: dict[str, Any]) -> None:
    case = dict(case)
    body = _body(provider, case.pop("text"), **case)
    validate(provider, body, path=PATH)  # type: ignore[arg-type]
    resp = complete(provider, body)  # type: ignore[arg-type]
    chunks = stream_chunks(provider, {**body, "stream": True})  # type: ignore[arg-type]
    for choice in resp["choices"]:
        joined = _joined_stream(chunks, choice["index"])
        message = choice["message"]
        assert (joined["content"] or None) == (message["content"] or None)
        assert joined["refusal"] == message.get("refusal")
        assert joined["finish"] == choice["finish_reason"]
        expected_calls = [
            (c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or []
        ]
        got_calls = [(c["name"], c["arguments"]) for _, c in sorted(joined["calls"].items())]
        assert got_calls == expected_calls
    ids = {c["id"] for c in chunks}
    assert len(ids) == 1
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)


def test_stream_first_chunk_and_tool_call_deltas() -> None:
    body = _body("aimlapi", "What is the weather in Paris?", tools=[WEATHER], stream=True)
    chunks = stream_chunks("aimlapi", body)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    head = chunks[1]["choices"][0]["delta"]["tool_calls"][0]
    assert head["index"] == 0 and head["id"].startswith("call_") and head["type"] == "function"
    assert head["function"] == {"name": "get_weather", "arguments": ""}
    pieces = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks[2:-2]]
    assert pieces and all(set(p) == {"index", "function"} for p in pieces)
    text_chunks = stream_chunks("aimlapi", _body("aimlapi", "Hello", stream=True))
    assert text_chunks[0]["choices"][0]["delta"] == {
        "role": "assistant",
        "content": "",
        "refusal": None,
    }
    assert len(text_chunks) > 4  # several content pieces


@pytest.mark.parametrize("unrequested", [False, True])
@pytest.mark.parametrize("include_usage", [None, False, True])
def test_aimlapi_stream_quirks(include_usage: bool | None, unrequested: bool) -> None:
    extra: dict[str, Any] = {"stream": True}
    if include_usage is not None:
        extra["stream_options"] = {"include_usage": include_usage}
    options = AIMLAPIOptions(unrequested_usage=unrequested)
    settings = Settings(provider_options={"aimlapi": options})
    chunks = stream_chunks("aimlapi", _body("aimlapi", **extra), settings)
    for chunk in chunks:
        assert isinstance(chunk["obfuscation"], str) and chunk["obfuscation"]
        assert chunk["model"] == AIMLAPI_UPSTREAM_MODEL
    if not (include_usage or unrequested):
        assert all(c["usage"] is None and "meta" not in c for c in chunks)
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
        return
    for chunk in chunks[:-1]:
        assert chunk["usage"] is None
        assert "meta" not in chunk
    last = chunks[-1]
    assert last["choices"] == []  # the usage chunk (sent unasked with the quirk on)
    assert (
        last["usage"]["total_tokens"]
        == last["usage"]["prompt_tokens"] + last["usage"]["completion_tokens"]
    )
    assert last["meta"]["usage"]["credits_used"] > 0
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize("include_usage", [None, False, True])
def test_oxen_stream_usage_only_when_asked(include_usage: bool | None) -> None:
    extra: dict[str, Any] = {"stream": True}
    if include_usage is not None:
        extra["stream_options"] = {"include_usage": include_usage}
    body = _body("oxen", **extra)
    chunks = stream_chunks("oxen", body)
    assert all("obfuscation" not in c and "meta" not in c for c in chunks)
    usage_chunks = [c for c in chunks if c.get("usage")]
    if include_usage:
        assert len(usage_chunks) == 1 and chunks[-1] is usage_chunks[0]
        assert chunks[-1]["choices"] == []
        assert set(chunks[-1]["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
        assert chunks[-1]["usage"] == complete("oxen", body)["usage"]
        assert all(c["usage"] is None for c in chunks[:-1])
    else:
        assert usage_chunks == []
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
        assert all("usage" not in c for c in chunks)


def test_stream_usage_equals_complete_usage_aimlapi() -> None:
    body = _body(
        "aimlapi",
        "What is the weather in Paris?",
        tools=[WEATHER],
        reasoning_effort="low",
        stream_options={"include_usage": True},
    )
    resp = complete("aimlapi", body)
    last = stream_chunks("aimlapi", body)[-1]
    assert last["usage"] == resp["usage"]
    assert last["meta"] == resp["meta"]


# --------------------------------------------------------------------------------------
# usage, caps, stop, n, logprobs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effort", "expected"), [(None, 0), ("low", 32), ("medium", 96), ("high", 256)]
)
def test_reasoning_tokens_grow_with_effort(effort: str | None, expected: int) -> None:
    extra = {"reasoning_effort": effort} if effort else {}
    resp = complete("aimlapi", _body("aimlapi", **extra))
    usage = resp["usage"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == expected
    content_tokens = count_tokens(resp["choices"][0]["message"]["content"])
    assert usage["completion_tokens"] == content_tokens + expected


def test_oxen_reports_no_reasoning() -> None:
    resp = complete("oxen", _body("oxen", reasoning_effort="medium"))
    content_tokens = count_tokens(resp["choices"][0]["message"]["content"])
    assert resp["usage"]["completion_tokens"] == content_tokens


def test_prompt_tokens_grow_with_messages_and_tools() -> None:
    base = complete("aimlapi", _body("aimlapi", "Hello"))["usage"]["prompt_tokens"]
    longer = complete("aimlapi", _body("aimlapi", "Hello there, how is the weather today?"))
    with_tool = complete("aimlapi", _body("aimlapi", "Hello", tools=[WEATHER], tool_choice="none"))
    assert longer["usage"]["prompt_tokens"] > base
    assert with_tool["usage"]["prompt_tokens"] > base
    assert base == 3 + 3 + count_tokens("Hello")


def test_cached_tokens_for_long_prompts() -> None:
    short = complete("aimlapi", _body("aimlapi", "word " * 100))["usage"]
    assert short["prompt_tokens_details"]["cached_tokens"] == 0
    long = complete("aimlapi", _body("aimlapi", "word " * 1500))["usage"]
    cached = long["prompt_tokens_details"]["cached_tokens"]
    assert long["prompt_tokens"] > 1024
    assert 1024 <= cached < long["prompt_tokens"] and (cached - 1024) % 128 == 0
    meta_long = complete("aimlapi", _body("aimlapi", "word " * 1500))["meta"]["usage"]
    uncached = credits_for(long["prompt_tokens"], 0, long["completion_tokens"])
    assert meta_long["credits_used"] < uncached  # cached input is cheaper


@pytest.mark.parametrize("provider", PROVIDERS)
def test_max_tokens_truncates_with_length(provider: str) -> None:
    text = "Please repeat this sentence back to me exactly as written here."
    full = complete(provider, _body(provider, text))["choices"][0]["message"]["content"]  # type: ignore[arg-type]
    resp = complete(provider, _body(provider, text, max_tokens=5))  # type: ignore[arg-type]
    choice = resp["choices"][0]
    assert choice["finish_reason"] == "length"
    assert count_tokens(choice["message"]["content"]) == 5
    assert full.startswith(choice["message"]["content"])
    assert resp["usage"]["completion_tokens"] == 5
    roomy = complete(provider, _body(provider, text, max_tokens=1000))  # type: ignore[arg-type]
    assert roomy["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(("cap", "content_tokens"), [(10, 0), (32, 0), (36, 4)])
def test_reasoning_counts_toward_max_tokens(cap: int, content_tokens: int) -> None:
    body = _body(
        "aimlapi",
        "Please repeat this sentence back to me exactly.",
        reasoning_effort="low",
        max_tokens=cap,
    )
    resp = complete("aimlapi", body)
    choice = resp["choices"][0]
    assert choice["finish_reason"] == "length"
    assert count_tokens(choice["message"]["content"] or "") == content_tokens
    assert choice["message"]["content"] == (choice["message"]["content"] or "")
    assert resp["usage"]["completion_tokens"] == cap
    assert resp["usage"]["completion_tokens_details"]["reasoning_tokens"] == min(cap, 32)


def test_stop_sequence_on_oxen_and_ignored_on_aimlapi() -> None:
    oxen = complete("oxen", _body("oxen", "Hello", stop=["you"]))["choices"][0]
    assert oxen["message"]["content"] == "Hello! How can I help "
    assert oxen["finish_reason"] == "stop"
    single = complete("oxen", _body("oxen", "Hello", stop="!"))["choices"][0]
    assert single["message"]["content"] == "Hello"
    aiml = complete("aimlapi", _body("aimlapi", "Hello", stop=["you"]))["choices"][0]
    assert aiml["message"]["content"] == "Hello! How can I help you today?"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("n", [1, 2, 4])
def test_n_choices(provider: str, n: int) -> None:
    resp = complete(provider, _body(provider, n=n))  # type: ignore[arg-type]
    assert [c["index"] for c in resp["choices"]] == list(range(n))
    single = complete(provider, _body(provider))  # type: ignore[arg-type]
    assert resp["usage"]["completion_tokens"] == n * single["usage"]["completion_tokens"]
    chunks = stream_chunks(provider, _body(provider, n=n))  # type: ignore[arg-type]
    finished = [
        c["choices"][0]["index"]
        for c in chunks
        if c["choices"] and c["choices"][0]["finish_reason"]
    ]
    assert sorted(finished) == list(range(n))


@pytest.mark.parametrize("top", [0, 3])
def test_logprobs(top: int) -> None:
    body = _body("aimlapi", logprobs=True, top_logprobs=top)
    choice = complete("aimlapi", body)["choices"][0]
    entries = choice["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == choice["message"]["content"]
    assert all(e["logprob"] <= 0 and len(e["top_logprobs"]) == top for e in entries)
    assert all(bytes(e["bytes"]).decode() == e["token"] for e in entries)
    streamed = [
        e
        for c in stream_chunks("aimlapi", body)
        for ch in c["choices"]
        if ch.get("logprobs")
        for e in ch["logprobs"]["content"]
    ]
    assert streamed == entries
    assert "logprobs" not in complete("aimlapi", _body("aimlapi"))["choices"][0]


# --------------------------------------------------------------------------------------
