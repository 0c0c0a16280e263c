"""The chat models against a scripted provider (``httpx.MockTransport``): no network."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field, SecretStr
from typing_extensions import TypedDict

from langchain_gpt52 import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChatAIMLAPI,
    ChatGPT52,
    ChatOxen,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RefusalError,
)
from langchain_gpt52.chat_models.base import BaseChatGPT52, _public_url
from tests.unit_tests._chat_fakes import (
    Body,
    FakeProvider,
    clean_env,
    completion,
    json_reply,
    sleeps,
    sse,
    sse_reply,
    text_chunks,
)

__all__ = ["clean_env", "sleeps"]  # fixtures used by name

GEN_URL = "https://gw.example.com/v1"


def make(cls: type[BaseChatGPT52], provider: FakeProvider, **kwargs: Any) -> Any:
    if cls is ChatGPT52:
        kwargs.setdefault("base_url", GEN_URL)
    kwargs.setdefault("api_key", "sk-test")
    return cls(**provider.clients(), **kwargs)


ALL = [ChatAIMLAPI, ChatOxen, ChatGPT52]
ids = ["aimlapi", "oxen", "gpt52"]


async def run(llm: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
    """One call in one of four modes; stream modes return the merged chunk and the chunks."""
    if mode == "invoke":
        return llm.invoke(*args, **kwargs)
    if mode == "ainvoke":
        return await llm.ainvoke(*args, **kwargs)
    chunks: list[Any] = []
    if mode == "stream":
        chunks = list(llm.stream(*args, **kwargs))
    else:
        chunks = [c async for c in llm.astream(*args, **kwargs)]
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    total.chunks = chunks
    return total


MODES = ["invoke", "ainvoke", "stream", "astream"]
STREAM_MODES = ["stream", "astream"]


def reply_for(mode: str, text: str = "Hello!") -> httpx.Response:
    if mode in STREAM_MODES:
        return sse_reply(text_chunks(list(text)))
    return json_reply(completion(text))


# -- what each class sends -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "url", "model", "max_field"),
    [
        (
            ChatAIMLAPI,
            "https://api.aimlapi.com/v1/chat/completions",
            "openai/gpt-5-2",
            "max_tokens",
        ),
        (
            ChatOxen,
            "https://hub.oxen.ai/api/ai/chat/completions",
            "gpt-5-2-chat-latest",
            "max_tokens",
        ),
        (ChatGPT52, GEN_URL + "/chat/completions", "gpt-5.2", "max_completion_tokens"),
    ],
    ids=ids,
)
@pytest.mark.parametrize("mode", MODES)
async def test_request_shape(
    cls: type[BaseChatGPT52], url: str, model: str, max_field: str, mode: str
) -> None:
    provider = FakeProvider(reply_for(mode))
    llm = make(cls, provider, max_tokens=50, default_headers={"X-Client-Request-Id": "cid-1"})
    await run(llm, mode, [SystemMessage("Be brief."), HumanMessage("Hi")])
    assert len(provider.requests) == 1
    req = provider.requests[0]
    assert req.method == "POST"
    assert str(req.url) == url
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["x-client-request-id"] == "cid-1"
    body = provider.body
    assert body["model"] == model
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert body[max_field] == 50
    other = "max_tokens" if max_field == "max_completion_tokens" else "max_completion_tokens"
    assert other not in body
    if mode in STREAM_MODES:
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}
    else:
        assert "stream" not in body
        assert "stream_options" not in body
    for unset in ("temperature", "top_p", "stop", "reasoning_effort", "tools", "n", "seed"):
        assert unset not in body


def test_gpt52_max_tokens_param_override() -> None:
    provider = FakeProvider()
    make(ChatGPT52, provider, max_tokens=9, max_tokens_param="max_tokens").invoke("x")
    assert provider.body["max_tokens"] == 9
    assert "max_completion_tokens" not in provider.body
    make(ChatGPT52, provider, max_completion_tokens=11).invoke("x")
    assert provider.body["max_completion_tokens"] == 11
    make(ChatGPT52, provider).invoke("x", max_completion_tokens=12)
    assert provider.body["max_completion_tokens"] == 12


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_usage_false(mode: str) -> None:
    provider = FakeProvider(sse_reply(text_chunks(["a"], usage=False)))
    llm = make(ChatAIMLAPI, provider, stream_usage=False)
    out = await run(llm, mode, "x")
    assert provider.body["stream"] is True
    assert "stream_options" not in provider.body
    assert out.content == "a"
    llm2 = make(ChatAIMLAPI, provider)
    await run(llm2, mode, "x", stream_usage=False)
    assert "stream_options" not in provider.body


def test_params_and_model_override_per_call() -> None:
    provider = FakeProvider()
    llm = make(ChatGPT52, provider, temperature=0.3, seed=7)
    llm.invoke("x", model="gpt-5.2-custom", top_p=0.5, n=2)
    body = provider.body
    assert body["model"] == "gpt-5.2-custom"
    assert body["temperature"] == 0.3
    assert body["seed"] == 7
    assert body["top_p"] == 0.5
    assert body["n"] == 2
    llm.invoke("x")
    assert provider.body["model"] == "gpt-5.2"
    assert "top_p" not in provider.body


def test_bind_model_override() -> None:
    provider = FakeProvider()
    make(ChatAIMLAPI, provider).bind(model="openai/gpt-5.2-pro").invoke("x")
    assert provider.body["model"] == "openai/gpt-5.2-pro"


def test_model_kwargs_and_extra_body_merged() -> None:
    provider = FakeProvider()
    llm = make(
        ChatOxen,
        provider,
        model_kwargs={"user": "u-1", "logit_bias": {"50256": -100}},
        extra_body={"custom_flag": True, "user": "u-2"},
    )
    llm.invoke("x")
    body = provider.body
    assert body["custom_flag"] is True
    assert body["logit_bias"] == {"50256": -100}
    assert body["user"] == "u-2"  # extra_body applied last
    assert body["model"] == "gpt-5-2-chat-latest"


def test_reasoning_and_verbosity_sent() -> None:
    provider = FakeProvider()
    make(ChatGPT52, provider, reasoning_effort="xhigh", verbosity="low").invoke("x")
    assert provider.body["reasoning_effort"] == "xhigh"
    assert provider.body["verbosity"] == "low"
    make(ChatAIMLAPI, provider, reasoning_effort="high").invoke("x")
    assert provider.body["reasoning_effort"] == "high"


def test_developer_role() -> None:
    provider = FakeProvider()
    make(ChatAIMLAPI, provider, use_developer_role=True).invoke(
        [SystemMessage("s"), HumanMessage("h")]
    )
    assert provider.body["messages"][0] == {"role": "developer", "content": "s"}
    with pytest.raises(ValueError, match="developer"):
        make(ChatOxen, provider, use_developer_role=True)


# -- stop sequences ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_stop_not_sent_to_aimlapi_but_enforced(mode: str) -> None:
    text = "one two STOP three"
    if mode in STREAM_MODES:
        reply = sse_reply(text_chunks(["one t", "wo ST", "OP thr", "ee"]))
    else:
        reply = json_reply(completion(text, finish_reason="length"))
    provider = FakeProvider(reply)
    llm = make(ChatAIMLAPI, provider)
    out = await run(llm, mode, "count", stop=["STOP"])
    assert "stop" not in provider.body
    assert out.content == "one two "
    assert out.response_metadata["finish_reason"] == "stop"
    if mode in STREAM_MODES:
        assert out.usage_metadata is not None


@pytest.mark.parametrize("mode", MODES)
async def test_stop_field_enforced(mode: str) -> None:
    provider = FakeProvider(reply_for(mode, "abc|def"))
    llm = make(ChatAIMLAPI, provider, stop=["|"])
    out = await run(llm, mode, "x")
    assert out.content == "abc"
    assert "stop" not in provider.body


@pytest.mark.parametrize("cls", [ChatOxen, ChatGPT52], ids=["oxen", "gpt52"])
@pytest.mark.parametrize("mode", MODES)
async def test_stop_sent_to_oxen_and_generic(cls: type[BaseChatGPT52], mode: str) -> None:
    provider = FakeProvider(reply_for(mode, "plain answer"))
    llm = make(cls, provider)
    out = await run(llm, mode, "x", stop=["END", "\n\n"])
    assert provider.body["stop"] == ["END", "\n\n"]
    assert out.content == "plain answer"


def test_stop_string_is_a_list() -> None:
    provider = FakeProvider()
    make(ChatOxen, provider, stop="###").invoke("x")
    assert provider.body["stop"] == ["###"]


# -- env vars, keys, base URLs -------------------------------------------------------------


def test_env_vars_aimlapi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "env-key-a")
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://localhost:9999/v1")
    provider = FakeProvider()
    llm = ChatAIMLAPI(**provider.clients())
    assert llm.api_key is not None
    assert llm.api_key.get_secret_value() == "env-key-a"
    assert llm.base_url == "http://localhost:9999/v1"
    llm.invoke("x")
    assert str(provider.requests[0].url) == "http://localhost:9999/v1/chat/completions"
    assert provider.requests[0].headers["authorization"] == "Bearer env-key-a"


def test_env_vars_oxen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OXEN_API_KEY", "env-key-o")
    monkeypatch.setenv("OXEN_BASE_URL", "https://proxy.example/api/ai/")
    provider = FakeProvider()
    ChatOxen(**provider.clients()).invoke("x")
    assert str(provider.requests[0].url) == "https://proxy.example/api/ai/chat/completions"
    assert provider.requests[0].headers["authorization"] == "Bearer env-key-o"


def test_env_vars_gpt52(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="GPT52_BASE_URL"):
        ChatGPT52(api_key="k")
    monkeypatch.setenv("GPT52_API_KEY", "env-key-g")
    monkeypatch.setenv("GPT52_BASE_URL", "http://127.0.0.1:1/v1")
    provider = FakeProvider()
    ChatGPT52(**provider.clients()).invoke("x")
    assert str(provider.requests[0].url) == "http://127.0.0.1:1/v1/chat/completions"
    assert provider.requests[0].headers["authorization"] == "Bearer env-key-g"


def test_explicit_args_beat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "env-key")
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://env.example/v1")
    provider = FakeProvider()
    llm = ChatAIMLAPI(api_key="arg-key", base_url="http://arg.example/v1", **provider.clients())
    llm.invoke("x")
    assert provider.requests[0].headers["authorization"] == "Bearer arg-key"
    assert provider.requests[0].url.host == "arg.example"


@pytest.mark.parametrize(
    ("cls", "env"),
    [(ChatAIMLAPI, "AIMLAPI_API_KEY"), (ChatOxen, "OXEN_API_KEY"), (ChatGPT52, "GPT52_API_KEY")],
    ids=ids,
)
@pytest.mark.parametrize("mode", MODES)
async def test_missing_key_raises_at_call_time(
    cls: type[BaseChatGPT52], env: str, mode: str
) -> None:
    provider = FakeProvider()
    kwargs: dict[str, Any] = {"base_url": GEN_URL} if cls is ChatGPT52 else {}
    llm = cls(**provider.clients(), **kwargs)  # construction succeeds without a key
    with pytest.raises(ValueError, match=env):
        await run(llm, mode, "x")
    assert provider.requests == []


def test_empty_key_is_missing() -> None:
    provider = FakeProvider()
    llm = ChatAIMLAPI(api_key="", **provider.clients())
    with pytest.raises(ValueError, match="AIMLAPI_API_KEY"):
        llm.invoke("x")
    assert provider.requests == []


@pytest.mark.parametrize("url", ["ftp://x/v1", "api.aimlapi.com/v1", "file:///etc", "ws://x"])
@pytest.mark.parametrize("cls", ALL, ids=ids)
def test_non_http_base_url_rejected(cls: type[BaseChatGPT52], url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        cls(api_key="k", base_url=url)


def test_non_http_base_url_from_env_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OXEN_BASE_URL", "hub.oxen.ai/api/ai")
    with pytest.raises(ValueError, match="http"):
        ChatOxen(api_key="k")


# -- results -------------------------------------------------------------------------------

AIML_HEADERS = {
    "x-inference-id": "inf-123",
    "x-aimlapi-credits-used": "409",
    "x-aimlapi-usd-spent": "0.0002",
}


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_invoke_result_aimlapi(mode: str) -> None:
    body = completion(
        "Hello! What can I help you with today?",
        service_tier="default",
        system_fingerprint=None,
        meta={"usage": {"credits_used": 409}},
    )
    provider = FakeProvider(json_reply(body, headers=AIML_HEADERS))
    msg = await run(make(ChatAIMLAPI, provider), mode, "Hello")
    assert isinstance(msg, AIMessage)
    assert msg.content == "Hello! What can I help you with today?"
    assert msg.id != "chatcmpl-test"
    assert msg.response_metadata["id"] == "chatcmpl-test"
    assert msg.usage_metadata == {
        "input_tokens": 7,
        "output_tokens": 13,
        "total_tokens": 20,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 0},
    }
    md = msg.response_metadata
    assert md["model_name"] == "gpt-5.2-2025-12-11"
    assert md["finish_reason"] == "stop"
    assert md["credits_used"] == 409
    assert md["usd_spent"] == 0.0002  # from the header
    assert md["request_id"] == "inf-123"
    assert md["service_tier"] == "default"


async def test_credits_from_headers_only() -> None:
    provider = FakeProvider(json_reply(completion("x"), headers=AIML_HEADERS))
    msg = await make(ChatAIMLAPI, provider).ainvoke("x")
    assert msg.response_metadata["credits_used"] == 409
    assert isinstance(msg.response_metadata["credits_used"], int)


def test_request_id_header_generic() -> None:
    provider = FakeProvider(json_reply(completion("x"), headers={"x-request-id": "req-9"}))
    assert make(ChatGPT52, provider).invoke("x").response_metadata["request_id"] == "req-9"


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_result_aimlapi(mode: str) -> None:
    provider = FakeProvider(
        sse_reply(
            text_chunks(
                ["Hel", "lo", "!"], meta={"usage": {"credits_used": 12, "usd_spent": 0.01}}
            ),
            headers={"x-inference-id": "inf-s"},
        )
    )
    out = await run(make(ChatAIMLAPI, provider), mode, "Hello")
    assert [c.content for c in out.chunks if c.content] == ["Hel", "lo", "!"]
    assert all(isinstance(c, AIMessageChunk) for c in out.chunks)
    assert out.content == "Hello!"
    assert out.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 3,
        "total_tokens": 8,
        "input_token_details": {},
        "output_token_details": {},
    }
    md = out.response_metadata
    assert md["model_name"] == "gpt-5.2-2025-12-11"
    assert md["finish_reason"] == "stop"
    assert md["credits_used"] == 12
    assert md["usd_spent"] == 0.01
    assert md["request_id"] == "inf-s"
    assert md["model_provider"] == "openai"
    # The usage arrives on one chunk only.
    assert len([c for c in out.chunks if c.usage_metadata is not None]) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_without_done_and_after_usage_empty_chunk(mode: str) -> None:
    events: list[Any] = [*text_chunks(["a", "b"]), {"id": "x", "choices": []}]
    provider = FakeProvider(sse_reply(events, done=False))
    out = await run(make(ChatAIMLAPI, provider), mode, "x")
    assert out.content == "ab"
    assert out.usage_metadata["total_tokens"] == 7


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_refusal(mode: str) -> None:
    base = {"id": "r", "model": "gpt-5.2", "object": "chat.completion.chunk"}
    events = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "refusal": ""}}]},
        {**base, "choices": [{"index": 0, "delta": {"refusal": "I'm sorry, "}}]},
        {**base, "choices": [{"index": 0, "delta": {"refusal": "I can't."}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    provider = FakeProvider(sse_reply(events))
    out = await run(make(ChatGPT52, provider), mode, "x")
    assert out.content == ""
    assert out.additional_kwargs["refusal"] == "I'm sorry, I can't."


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_tool_calls_truncated_are_invalid(mode: str) -> None:
    base = {"id": "t", "model": "gpt-5.2", "object": "chat.completion.chunk"}
    events = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "c1",
                                "function": {"name": "f", "arguments": '{"a": 1'},
                            }
                        ]
                    },
                }
            ],
        },
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]},
    ]
    provider = FakeProvider(sse_reply(events))
    llm = make(ChatGPT52, provider, streaming=True)
    msg = llm.invoke("x") if mode == "stream" else await llm.ainvoke("x")
    assert provider.body["stream"] is True
    assert msg.tool_calls == []
    assert msg.invalid_tool_calls[0]["id"] == "c1"
    assert msg.invalid_tool_calls[0]["args"] == '{"a": 1'


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_streaming_true_invoke_uses_stream(mode: str) -> None:
    provider = FakeProvider(sse_reply(text_chunks(["x", "y"])))
    msg = await run(make(ChatOxen, provider, streaming=True), mode, "hi")
    assert provider.body["stream"] is True
    assert msg.content == "xy"
    assert msg.usage_metadata["output_tokens"] == 2


def test_batch() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["messages"][-1]["content"]
        return json_reply(completion(f"echo {prompt}"))

    provider = FakeProvider(answer)
    outs = make(ChatOxen, provider).batch(["a", "b", "c"], config={"max_concurrency": 2})
    assert [o.content for o in outs] == ["echo a", "echo b", "echo c"]
    assert len(provider.requests) == 3


async def test_abatch() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["messages"][-1]["content"]
        return json_reply(completion(f"echo {prompt}"))

    provider = FakeProvider(answer)
    llm = make(ChatAIMLAPI, provider, max_concurrency=2)
    outs = await llm.abatch([str(i) for i in range(8)])
    assert [o.content for o in outs] == [f"echo {i}" for i in range(8)]
    assert len(provider.requests) == 8


def test_batch_return_exceptions() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["messages"][-1]["content"]
        if prompt == "bad":
            return json_reply({"error": {"message": "nope"}}, status=400)
        return json_reply(completion("ok"))

    provider = FakeProvider(answer)
    outs = make(ChatGPT52, provider).batch(["good", "bad"], return_exceptions=True)
    assert outs[0].content == "ok"
    assert isinstance(outs[1], BadRequestError)


# -- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_429_then_ok_is_retried(mode: str, sleeps: list[float]) -> None:
    provider = FakeProvider(
        json_reply({"message": "Too many requests"}, status=429, headers={"Retry-After": "0"}),
        reply_for(mode, "fine"),
    )
    out = await run(make(ChatAIMLAPI, provider), mode, "x")
    assert out.content == "fine"
    assert len(provider.requests) == 2
    assert sleeps == [0.0]
    assert provider.bodies[0] == provider.bodies[1]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
@pytest.mark.parametrize("mode", MODES)
async def test_final_statuses_not_retried(status: int, mode: str, sleeps: list[float]) -> None:
    provider = FakeProvider(json_reply({"message": "no"}, status=status))
    with pytest.raises(
        {
            400: BadRequestError,
            401: AuthenticationError,
            403: PermissionDeniedError,
            404: NotFoundError,
            422: BadRequestError,
        }[status]
    ) as info:
        await run(make(ChatAIMLAPI, provider), mode, "x")
    assert len(provider.requests) == 1
    assert sleeps == []
    assert info.value.status_code == status


@pytest.mark.parametrize("mode", MODES)
async def test_500_retried_then_raised(mode: str, sleeps: list[float]) -> None:
    provider = FakeProvider(
        json_reply(
            {"message": "model is under maintenance"}, status=500, headers={"x-inference-id": "i5"}
        )
    )
    with pytest.raises(InternalServerError, match="under maintenance") as info:
        await run(make(ChatAIMLAPI, provider, max_retries=2), mode, "x")
    assert len(provider.requests) == 3
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0] > 0  # exponential backoff
    assert info.value.request_id == "i5"


@pytest.mark.parametrize("mode", MODES)
async def test_max_retries_zero(mode: str, sleeps: list[float]) -> None:
    provider = FakeProvider(json_reply({"message": "busy"}, status=503))
    with pytest.raises(InternalServerError):
        await run(make(ChatOxen, provider, max_retries=0), mode, "x")
    assert len(provider.requests) == 1


async def test_retry_after_too_long_not_waited(sleeps: list[float]) -> None:
    provider = FakeProvider(
        json_reply(
            {"error": {"message": "Rate limit exceeded"}},
            status=429,
            headers={"Retry-After": "3600"},
        )
    )
    with pytest.raises(RateLimitError):
        await make(ChatOxen, provider).ainvoke("x")
    assert len(provider.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("mode", MODES)
async def test_connect_error_retried_then_typed(mode: str, sleeps: list[float]) -> None:
    provider = FakeProvider(httpx.ConnectError("connection refused"))
    with pytest.raises(APIConnectionError, match="connection refused") as info:
        await run(make(ChatGPT52, provider, max_retries=2), mode, "x")
    assert not isinstance(info.value, APITimeoutError)
    assert len(provider.requests) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_connect_error_then_ok(mode: str, sleeps: list[float]) -> None:
    provider = FakeProvider(httpx.ConnectError("refused"), reply_for(mode, "back"))
    out = await run(make(ChatGPT52, provider), mode, "x")
    assert out.content == "back"
    assert len(provider.requests) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_read_timeout_is_timeout_error(mode: str, sleeps: list[float]) -> None:
    provider = FakeProvider(httpx.ReadTimeout("timed out"))
    with pytest.raises(APITimeoutError):
        await run(make(ChatAIMLAPI, provider, max_retries=1), mode, "x")
    assert len(provider.requests) == 2


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_breaks_midway(mode: str, sleeps: list[float]) -> None:
    events = text_chunks(["first", "second", "third"])
    pieces = [sse(events[1], done=False), sse(events[2], done=False)]
    reply = httpx.Response(
        200,
        stream=Body(pieces, error=httpx.ReadError("connection reset")),
        headers={"content-type": "text/event-stream"},
    )
    provider = FakeProvider(reply)
    llm = make(ChatAIMLAPI, provider)
    got: list[str] = []
    with pytest.raises(APIConnectionError, match="connection reset"):
        if mode == "stream":
            for chunk in llm.stream("x"):
                got.append(chunk.content)
        else:
            async for chunk in llm.astream("x"):
                got.append(chunk.content)
    assert got == ["first", "second"]
    assert len(provider.requests) == 1  # no retry once chunks were yielded


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_cut_inside_event(mode: str) -> None:
    reply = httpx.Response(
        200,
        stream=Body([sse(text_chunks(["ok"])[1], done=False), b'data: {"id": "x", "cho']),
        headers={"content-type": "text/event-stream"},
    )
    provider = FakeProvider(reply)
    with pytest.raises(APIConnectionError, match="middle of an event"):
        await run(make(ChatOxen, provider), mode, "x")


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_error_status_is_retried_before_first_chunk(
    mode: str, sleeps: list[float]
) -> None:
    provider = FakeProvider(
        httpx.Response(502, content=b"<html><title>502 Bad Gateway</title></html>"),
        sse_reply(text_chunks(["ok"])),
    )
    out = await run(make(ChatOxen, provider), mode, "x")
    assert out.content == "ok"
    assert len(provider.requests) == 2


# -- unreadable answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "exc", "match"),
    [
        (httpx.Response(200, content=b"{not json"), APIResponseValidationError, "not valid JSON"),
        (httpx.Response(200, content=b"<html>oops</html>"), APIResponseValidationError, "JSON"),
        (json_reply({"id": "x", "choices": None}), APIResponseValidationError, "no choices"),
        (json_reply({"id": "x", "choices": []}), APIResponseValidationError, "no choices"),
        (json_reply({"error": {"message": "upstream"}}), APIResponseValidationError, "upstream"),
        (
            httpx.Response(
                502, content=b"<html><head><title>502 Bad Gateway</title></head></html>"
            ),
            InternalServerError,
            "502 Bad Gateway",
        ),
    ],
)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_unreadable_responses(
    reply: httpx.Response, exc: type[Exception], match: str, mode: str, sleeps: list[float]
) -> None:
    provider = FakeProvider(reply)
    with pytest.raises(exc, match=match):
        await run(make(ChatAIMLAPI, provider), mode, "x")


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"data: {bad json}\n\n", "not valid JSON"),
        (b"data: [1, 2]\n\n", "not a JSON object"),
        (b'event: error\ndata: {"message": "overloaded"}\n\n', "overloaded"),
        (b'data: {"error": {"message": "boom"}}\n\n', "boom"),
        (b"data: \xff\xfe\n\n", "UTF-8"),
    ],
)
@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_unreadable_streams(body: bytes, match: str, mode: str) -> None:
    provider = FakeProvider(httpx.Response(200, content=body))
    with pytest.raises(APIResponseValidationError, match=match):
        await run(make(ChatOxen, provider), mode, "x")


# -- tools ---------------------------------------------------------------------------------


class GetWeather(BaseModel):
    """Get the current weather in a given location."""

    location: str = Field(description="City and country")


def get_time(tz: str) -> str:
    """Get the time in a time zone."""
    return tz


@tool
def search(query: str) -> str:
    """Search the web."""
    return query


RAW_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look something up.",
        "parameters": {"type": "object", "properties": {"k": {"type": "string"}}},
    },
}


def _tool_call_reply() -> httpx.Response:
    return json_reply(
        completion(
            None,
            finish_reason="tool_calls",
            tool_calls=[
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "GetWeather", "arguments": '{"location": "Paris"}'},
                }
            ],
        )
    )


def test_bind_tools_formats_every_kind() -> None:
    provider = FakeProvider(_tool_call_reply())
    llm = make(ChatAIMLAPI, provider).bind_tools([GetWeather, get_time, search, RAW_TOOL])
    msg = llm.invoke("weather in Paris?")
    tools = provider.body["tools"]
    assert [t["function"]["name"] for t in tools] == ["GetWeather", "get_time", "search", "lookup"]
    assert all(t["type"] == "function" for t in tools)
    assert tools[0]["function"]["parameters"]["properties"]["location"]["type"] == "string"
    assert tools[0]["function"]["description"] == "Get the current weather in a given location."
    assert tools[1]["function"]["parameters"]["required"] == ["tz"]
    assert tools[3] == RAW_TOOL
    assert "tool_choice" not in provider.body
    assert "parallel_tool_calls" not in provider.body
    assert msg.tool_calls == [
        {"name": "GetWeather", "args": {"location": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        (False, "none"),
        ("get_time", {"type": "function", "function": {"name": "get_time"}}),
        (
            {"type": "function", "function": {"name": "GetWeather"}},
            {"type": "function", "function": {"name": "GetWeather"}},
        ),
    ],
)
def test_bind_tools_tool_choice(choice: Any, expected: Any) -> None:
    provider = FakeProvider()
    make(ChatOxen, provider).bind_tools([GetWeather, get_time], tool_choice=choice).invoke("x")
    assert provider.body["tool_choice"] == expected


def test_bind_tools_unknown_choice() -> None:
    llm = make(ChatOxen, FakeProvider())
    with pytest.raises(ValueError, match="not one of the bound tools"):
        llm.bind_tools([GetWeather], tool_choice="nope")


def test_bind_tools_bad_tool_and_name() -> None:
    llm = make(ChatOxen, FakeProvider())
    with pytest.raises(ValueError, match=r"tools\[0\]"):
        llm.bind_tools([42])  # type: ignore[list-item]
    bad_name = {**RAW_TOOL, "function": {**RAW_TOOL["function"], "name": "has space"}}
    with pytest.raises(ValueError, match="has space"):
        llm.bind_tools([bad_name])


def test_bind_tools_strict_and_parallel() -> None:
    provider = FakeProvider()
    make(ChatGPT52, provider).bind_tools(
        [GetWeather], strict=True, parallel_tool_calls=False, tool_choice="auto"
    ).invoke("x")
    body = provider.body
    assert body["parallel_tool_calls"] is False
    fn = body["tools"][0]["function"]
    assert fn["strict"] is True
    assert fn["parameters"]["additionalProperties"] is False


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_tool_round_trip(mode: str) -> None:
    provider = FakeProvider(_tool_call_reply(), json_reply(completion("It is sunny.")))
    llm = make(ChatAIMLAPI, provider).bind_tools([GetWeather])
    first = await run(llm, mode, [HumanMessage("weather?")])
    from langchain_core.messages import ToolMessage

    second = await run(
        llm,
        mode,
        [HumanMessage("weather?"), first, ToolMessage("sunny", tool_call_id="call_1")],
    )
    assert second.content == "It is sunny."
    messages = provider.body["messages"]
    assert messages[1]["role"] == "assistant"
    assert messages[1]["tool_calls"][0]["id"] == "call_1"
    assert messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}


# -- structured output ---------------------------------------------------------------------


class Joke(BaseModel):
    """A joke with setup and punchline."""

    setup: str
    punchline: str


class JokeDict(TypedDict):
    """A joke."""

    setup: str
    punchline: str


JOKE_SCHEMA = {
    "title": "joke schema (v2)!",
    "description": "A joke.",
    "type": "object",
    "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
    "required": ["setup", "punchline"],
}
JOKE_JSON = '{"setup": "Why?", "punchline": "Because."}'


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (Joke, Joke(setup="Why?", punchline="Because.")),
        (JokeDict, {"setup": "Why?", "punchline": "Because."}),
        (JOKE_SCHEMA, {"setup": "Why?", "punchline": "Because."}),
    ],
    ids=["pydantic", "typeddict", "dict"],
)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_structured_json_schema(schema: Any, expected: Any, mode: str) -> None:
    provider = FakeProvider(json_reply(completion(JOKE_JSON)))
    structured = make(ChatAIMLAPI, provider).with_structured_output(schema)
    out = await run(structured, mode, "joke")
    assert out == expected
    fmt = provider.body["response_format"]
    assert fmt["type"] == "json_schema"
    name = fmt["json_schema"]["name"]
    assert 1 <= len(name) <= 64
    assert all(c.isalnum() or c in "_-" for c in name)
    assert set(fmt["json_schema"]["schema"]["properties"]) == {"setup", "punchline"}
    assert "tools" not in provider.body


def test_structured_schema_name_sanitised() -> None:
    provider = FakeProvider(json_reply(completion(JOKE_JSON)))
    long_schema = {**JOKE_SCHEMA, "title": "a very long schema title with spaces " * 4}
    make(ChatAIMLAPI, provider).with_structured_output(JOKE_SCHEMA, strict=True).invoke("x")
    fmt = provider.body["response_format"]["json_schema"]
    assert fmt["name"] == "joke_schema__v2__"
    assert fmt["strict"] is True
    assert fmt["description"] == "A joke."
    make(ChatAIMLAPI, provider).with_structured_output(long_schema).invoke("x")
    name = provider.body["response_format"]["json_schema"]["name"]
    assert len(name) == 64
    assert " " not in name


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (Joke, Joke(setup="Why?", punchline="Because.")),
        (JokeDict, {"setup": "Why?", "punchline": "Because."}),
    ],
    ids=["pydantic", "typeddict"],
)
def test_structured_function_calling(schema: Any, expected: Any) -> None:
    name = "Joke" if schema is Joke else "JokeDict"
    provider = FakeProvider(
        json_reply(
            completion(
                None,
                finish_reason="tool_calls",
                tool_calls=[
                    {
                        "id": "c",
                        "type": "function",
                        "function": {"name": name, "arguments": JOKE_JSON},
                    }
                ],
            )
        )
    )
    structured = make(ChatOxen, provider).with_structured_output(schema, method="function_calling")
    assert structured.invoke("joke") == expected
    body = provider.body
    assert body["tool_choice"] == {"type": "function", "function": {"name": name}}
    assert body["parallel_tool_calls"] is False
    assert body["tools"][0]["function"]["name"] == name
    assert "response_format" not in body


def test_structured_json_mode() -> None:
    provider = FakeProvider(json_reply(completion(JOKE_JSON)))
    structured = make(ChatGPT52, provider).with_structured_output(method="json_mode")
    assert structured.invoke("joke, as JSON") == {"setup": "Why?", "punchline": "Because."}
    assert provider.body["response_format"] == {"type": "json_object"}
    provider2 = FakeProvider(json_reply(completion(JOKE_JSON)))
    joke = make(ChatGPT52, provider2).with_structured_output(Joke, method="json_mode").invoke("x")
    assert joke == Joke(setup="Why?", punchline="Because.")


def test_structured_include_raw() -> None:
    provider = FakeProvider(json_reply(completion(JOKE_JSON)), json_reply(completion("not json")))
    structured = make(ChatAIMLAPI, provider).with_structured_output(Joke, include_raw=True)
    good = structured.invoke("x")
    assert isinstance(good["raw"], AIMessage)
    assert good["parsed"] == Joke(setup="Why?", punchline="Because.")
    assert good["parsing_error"] is None
    bad = structured.invoke("x")
    assert bad["parsed"] is None
    assert bad["parsing_error"] is not None
    assert bad["raw"].content == "not json"


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_structured_refusal(mode: str) -> None:
    reply = json_reply(completion(None, refusal="I can't help with that."))
    provider = FakeProvider(reply)
    structured = make(ChatAIMLAPI, provider).with_structured_output(Joke)
    with pytest.raises(RefusalError, match=r"I can.t help with that\.") as info:
        await run(structured, mode, "x")
    assert info.value.refusal == "I can't help with that."
    raw = make(ChatAIMLAPI, provider).with_structured_output(Joke, include_raw=True)
    out = await run(raw, mode, "x")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], RefusalError)
    assert out["raw"].additional_kwargs["refusal"] == "I can't help with that."


def test_structured_length_without_output() -> None:
    provider = FakeProvider(json_reply(completion("", finish_reason="length")))
    with pytest.raises(ValueError, match="max_tokens"):
        make(ChatAIMLAPI, provider).with_structured_output(Joke).invoke("x")


def test_structured_bad_args() -> None:
    llm = make(ChatAIMLAPI, FakeProvider())
    with pytest.raises(ValueError, match="schema is required"):
        llm.with_structured_output(None)
    with pytest.raises(ValueError, match="method"):
        llm.with_structured_output(Joke, method="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unexpected"):
        llm.with_structured_output(Joke, foo=1)


# -- tokens, tracing params, profile -------------------------------------------------------


def test_get_num_tokens_offline_and_grows() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    llm = ChatAIMLAPI(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(fail)))
    short = llm.get_num_tokens_from_messages([HumanMessage("Hello")])
    longer = llm.get_num_tokens_from_messages([HumanMessage("Hello " * 100)])
    two = llm.get_num_tokens_from_messages([SystemMessage("Be brief."), HumanMessage("Hello")])
    with_tools = llm.get_num_tokens_from_messages([HumanMessage("Hello")], tools=[GetWeather])
    assert 0 < short < longer
    assert 90 <= longer - short <= 130
    assert two > short
    assert with_tools > short
    assert llm.get_num_tokens("Hello world, how are you?") == 7
    tool_msg = AIMessage("", tool_calls=[{"name": "f", "args": {"x": "y" * 50}, "id": "c"}])
    assert llm.get_num_tokens_from_messages([HumanMessage("a"), tool_msg]) > short
    # No key needed either.
    assert ChatOxen().get_num_tokens_from_messages([HumanMessage("Hello")]) == short


@pytest.mark.parametrize(
    ("cls", "provider_name", "model"),
    [
        (ChatAIMLAPI, "aimlapi", "openai/gpt-5-2"),
        (ChatOxen, "oxen", "gpt-5-2-chat-latest"),
        (ChatGPT52, "openai", "gpt-5.2"),
    ],
    ids=ids,
)
def test_ls_params(cls: type[BaseChatGPT52], provider_name: str, model: str) -> None:
    kwargs: dict[str, Any] = {"base_url": GEN_URL} if cls is ChatGPT52 else {}
    llm = cls(api_key="k", max_tokens=100, temperature=1, stop=["x"], **kwargs)
    params = llm._get_ls_params()
    assert params == {
        "ls_provider": provider_name,
        "ls_model_name": model,
        "ls_model_type": "chat",
        "ls_temperature": 1,
        "ls_max_tokens": 100,
        "ls_stop": ["x"],
    }
    over = llm._get_ls_params(stop=["y"], model="other", temperature=0.5, max_tokens=5)
    assert over["ls_model_name"] == "other"
    assert over["ls_stop"] == ["y"]
    assert over["ls_temperature"] == 0.5
    assert over["ls_max_tokens"] == 5
    bare = cls(api_key="k", **kwargs)._get_ls_params()
    assert set(bare) == {"ls_provider", "ls_model_name", "ls_model_type"}


@pytest.mark.parametrize(
    ("cls", "context", "output", "efforts"),
    [
        (ChatAIMLAPI, 400_000, 128_000, ["high", "low", "medium"]),
        (ChatOxen, 128_000, 16_384, ["medium"]),
        (ChatGPT52, 400_000, 128_000, ["high", "low", "medium", "none", "xhigh"]),
    ],
    ids=ids,
)
def test_profile(cls: type[BaseChatGPT52], context: int, output: int, efforts: list[str]) -> None:
    kwargs: dict[str, Any] = {"base_url": GEN_URL} if cls is ChatGPT52 else {}
    profile = cls(api_key="k", **kwargs).profile
    assert profile is not None
    assert profile["max_input_tokens"] == context
    assert profile["max_output_tokens"] == output
    assert sorted(profile["reasoning_effort_levels"]) == efforts
    for flag in ("tool_calling", "structured_output", "image_inputs", "image_url_inputs"):
        assert profile[flag] is True  # type: ignore[literal-required]
    # Oxen documents text and image input for gpt-5-2-chat-latest (no PDF).
    assert profile["pdf_inputs"] is (cls is not ChatOxen)


def test_llm_type_and_identifying_params() -> None:
    llm = ChatAIMLAPI(api_key="k", temperature=0.5)
    assert llm._llm_type == "aimlapi-chat"
    assert llm._identifying_params["model_name"] == "openai/gpt-5-2"
    assert llm._identifying_params["temperature"] == 0.5
    assert ChatOxen(api_key="k")._llm_type == "oxen-chat"


def test_construction_validation() -> None:
    with pytest.raises(ValueError):
        ChatAIMLAPI(api_key="k", temperature=3)
    with pytest.raises(ValueError):
        ChatAIMLAPI(api_key="k", max_tokens=0)
    with pytest.raises(ValueError):
        ChatAIMLAPI(api_key="k", top_logprobs=21)
    with pytest.raises(ValueError):
        ChatAIMLAPI(api_key="k", max_retries=-1)
    llm = ChatAIMLAPI(api_key="k", model="openai/gpt-5.2-pro", max_completion_tokens=5, timeout=3)
    assert llm.model_name == "openai/gpt-5.2-pro"
    assert llm.max_tokens == 5


async def test_context_managers_close_own_clients() -> None:
    with ChatAIMLAPI(api_key="k") as llm:
        client = llm._get_transport().client()
        assert not client.is_closed
    assert client.is_closed
    async with ChatOxen(api_key="k") as allm:
        aclient = allm._get_transport().aclient()
    assert aclient.is_closed


def test_given_clients_not_closed() -> None:
    provider = FakeProvider()
    llm = make(ChatAIMLAPI, provider)
    llm.invoke("x")
    llm.close()
    assert not llm.http_client.is_closed
    llm.invoke("x")
    assert len(provider.requests) == 2


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_answered_with_one_json_body(mode: str) -> None:
    # A server that ignores ``stream`` and answers with a whole completion.
    provider = FakeProvider(
        json_reply(completion("whole answer", meta={"usage": {"credits_used": 3}}))
    )
    out = await run(make(ChatAIMLAPI, provider), mode, "x")
    assert provider.body["stream"] is True
    assert out.content == "whole answer"
    assert out.usage_metadata["total_tokens"] == 20
    assert out.response_metadata["finish_reason"] == "stop"
    assert out.response_metadata["model_name"] == "gpt-5.2-2025-12-11"
    assert out.response_metadata["credits_used"] == 3


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_answered_with_json_error_object(mode: str) -> None:
    provider = FakeProvider(json_reply({"error": {"message": "upstream exploded"}}))
    with pytest.raises(APIResponseValidationError, match="upstream exploded"):
        await run(make(ChatOxen, provider), mode, "x")


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_streaming_true_reports_tokens_to_callbacks(mode: str) -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    class Tokens(BaseCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []

        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            self.tokens.append(token)

    handler = Tokens()
    provider = FakeProvider(sse_reply(text_chunks(["a", "b", "c"])))
    llm = make(ChatAIMLAPI, provider, streaming=True)
    msg = await run(llm, mode, "x", config={"callbacks": [handler]})
    assert msg.content == "abc"
    assert [t for t in handler.tokens if t] == ["a", "b", "c"]
    assert isinstance(msg, AIMessage)
    assert not isinstance(msg, AIMessageChunk)


def test_invocation_params_match_core_and_hold_no_key() -> None:
    from langchain_core.language_models.chat_models import BaseChatModel

    model = ChatAIMLAPI(api_key="sk-INVOCATION-1", temperature=0.5)
    ours = model._get_invocation_params(stop=["x"], tools=[])
    assert ours == BaseChatModel._get_invocation_params(model, stop=["x"], tools=[])
    assert "sk-INVOCATION-1" not in repr(ours)


# -- constructor arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "guess"),
    [
        ({"temprature": 0.2}, "temperature"),
        ({"max_token": 5}, "max_tokens"),
        ({"api_base": "https://x.example/v1"}, "base_url"),
        ({"openai_api_base": "https://x.example/v1"}, "base_url"),
        ({"reasoning_efort": "low"}, "reasoning_effort"),
    ],
)
@pytest.mark.parametrize("cls", ALL, ids=ids)
def test_misspelled_arguments_raise_with_a_suggestion(
    cls: type[BaseChatGPT52], kwargs: dict[str, Any], guess: str
) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"unknown argument '{name}': did you mean {guess}\\?"):
        cls(api_key="k", base_url=GEN_URL, **kwargs)


def test_other_unknown_arguments_point_to_model_kwargs() -> None:
    with pytest.raises(ValueError, match=r"'user'.*model_kwargs=\{'user': \.\.\.\}.*extra_body"):
        ChatOxen(api_key="k", user="u-1")


def test_langchain_aliases_still_work() -> None:
    llm = ChatGPT52(
        model_name="gpt-5.2",
        max_completion_tokens=7,
        stop_sequences=["END"],
        request_timeout=5,
        api_key="k",
        base_url=GEN_URL,
    )
    assert (llm.model, llm.model_name, llm.max_tokens, llm.stop) == (
        "gpt-5.2",
        "gpt-5.2",
        7,
        ["END"],
    )
    assert llm.timeout == 5


def test_model_attribute_reads_and_sets_the_model_name() -> None:
    llm = ChatOxen(api_key="k", model="gpt-5-2-2025-12-11")
    assert llm.model == "gpt-5-2-2025-12-11"
    llm.model = "gpt-5-2-chat-latest"
    assert llm.model_name == "gpt-5-2-chat-latest"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"timeout": -1}, "timeout must be a positive number"),
        ({"request_timeout": 0}, "timeout must be a positive number"),
        ({"max_retries": -1}, "max_retries"),
        ({"total_timeout": 0}, "total_timeout"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"n": 0}, "n=0 is not accepted"),
    ],
)
def test_invalid_numeric_fields_are_refused(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        ChatGPT52(api_key="k", base_url=GEN_URL, **kwargs)


# -- message ids -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_message_ids_are_unique_per_run_and_the_provider_id_is_metadata(mode: str) -> None:
    reply = (
        sse_reply(text_chunks(["a", "b"]))
        if mode.endswith("stream")
        else json_reply(completion("a"))
    )
    provider = FakeProvider(reply)
    llm = make(ChatOxen, provider)
    first = await run(llm, mode, "x")
    second = await run(llm, mode, "x")
    if isinstance(first, tuple):
        first, second = first[0], second[0]
    assert first.id and second.id and first.id != second.id
    assert first.response_metadata["id"] == second.response_metadata["id"]
    assert first.response_metadata["id"].startswith("chatcmpl-")


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
def test_langgraph_agent_completes_when_the_server_repeats_completion_ids() -> None:
    from langgraph.prebuilt import create_react_agent

    calls: list[str] = []

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        calls.append("add")
        return a + b

    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
    }
    provider = FakeProvider(
        json_reply(completion(None, tool_calls=[call], finish_reason="tool_calls")),
        json_reply(completion("2 + 3 = 5.")),  # same completion id as the first reply
    )
    agent = create_react_agent(make(ChatOxen, provider), [add])
    messages = agent.invoke({"messages": [("human", "What is 2 + 3?")]})["messages"]
    assert calls == ["add"]
    assert [m.type for m in messages] == ["human", "ai", "tool", "ai"]
    assert messages[-1].content == "2 + 3 = 5."


# -- replies cut by the token limit --------------------------------------------------------


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_an_empty_reply_cut_by_the_token_limit_warns_once(mode: str) -> None:
    if mode.endswith("stream"):
        chunks = text_chunks([""])
        for chunk in chunks:
            for choice in chunk.get("choices") or []:
                if choice.get("finish_reason"):
                    choice["finish_reason"] = "length"
        reply = sse_reply(chunks)
    else:
        reply = json_reply(completion("", finish_reason="length"))
    llm = make(ChatOxen, FakeProvider(reply), max_tokens=16)
    with pytest.warns(UserWarning, match="finish_reason='length'.*raise max_tokens") as record:
        await run(llm, mode, "x")
    assert len([w for w in record if "finish_reason" in str(w.message)]) == 1


def test_a_reply_with_text_cut_by_the_limit_does_not_warn(recwarn: pytest.WarningsRecorder) -> None:
    llm = make(ChatOxen, FakeProvider(json_reply(completion("partial", finish_reason="length"))))
    assert llm.invoke("x").content == "partial"
    assert not [w for w in recwarn if "finish_reason" in str(w.message)]


# -- malformed streams ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["stream", "astream", "streaming-invoke"])
async def test_a_stream_of_only_malformed_choices_is_a_validation_error(mode: str) -> None:
    base = {"id": "c", "object": "chat.completion.chunk", "model": "m"}
    events = [{**base, "choices": [{}]}, {**base, "choices": [{"index": 0, "delta": None}]}]
    extra = {"streaming": True} if mode == "streaming-invoke" else {}
    llm = make(ChatOxen, FakeProvider(sse_reply(events)), **extra)
    with pytest.raises(APIResponseValidationError, match="without any readable choice"):
        await run(llm, "invoke" if mode == "streaming-invoke" else mode, "x")


@pytest.mark.parametrize("function", [None, {"arguments": "{}"}])
def test_a_nameless_streamed_tool_call_is_invalid_on_a_streaming_invoke(function: Any) -> None:
    base = {"id": "c", "object": "chat.completion.chunk", "model": "m"}
    call = {"index": 0, "id": "call_1", "type": "function", "function": function}
    events = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [call]}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    llm = make(ChatOxen, FakeProvider(sse_reply(events)), streaming=True)
    msg = llm.invoke("x")
    assert msg.tool_calls == []
    assert [c["id"] for c in msg.invalid_tool_calls] == ["call_1"]


def test_plain_invoke_does_not_stream() -> None:
    fake = FakeProvider(json_reply(completion("ok")))
    assert ChatAIMLAPI(api_key="k", **fake.clients()).invoke("hi").content == "ok"
    assert "stream" not in fake.body


def test_model_copy_gets_its_own_transport_with_the_new_fields() -> None:
    fake = FakeProvider(json_reply(completion("ok")))
    model = ChatAIMLAPI(api_key="sk-old", **fake.clients())
    model.invoke("hi")
    copied = model.model_copy(update={"api_key": SecretStr("sk-new"), "max_retries": 7})
    copied.invoke("hi")
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-new"
    assert copied._transport is not None and copied._transport.max_retries == 7
    assert model._transport is not None and model._transport.max_retries == 2
    deep = copy.deepcopy(model)
    assert deep._transport is None
    assert deep.http_client is model.http_client  # clients are shared resources, not values


def test_changing_a_client_field_rebuilds_the_transport() -> None:
    fake = FakeProvider(json_reply(completion("ok")))
    model = ChatAIMLAPI(api_key="sk-old", **fake.clients())
    model.invoke("hi")
    model.api_key = SecretStr("sk-new")
    model.invoke("hi")
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-new"
    model.temperature = 0.5  # not a client field: the transport stays
    transport = model._transport
    model.invoke("hi")
    assert model._transport is transport


@pytest.mark.parametrize("key", ["sk-SE CRET", "sk-SECRET\u200b", "sk-\x00x"])
def test_a_key_that_cannot_be_sent_is_rejected_without_showing_it(key: str) -> None:
    fake = FakeProvider(json_reply(completion("ok")))
    model = ChatAIMLAPI(api_key=key, **fake.clients())
    with pytest.raises(ValueError, match="AIMLAPI_API_KEY") as info:
        model.invoke("hi")
    assert "SE" not in str(info.value) and not fake.requests


def test_surrounding_whitespace_of_a_key_is_dropped() -> None:
    fake = FakeProvider(json_reply(completion("ok")))
    ChatAIMLAPI(api_key="  sk-abc\n", **fake.clients()).invoke("hi")
    assert fake.requests[0].headers["authorization"] == "Bearer sk-abc"


def test_generate_over_several_prompts_sums_token_usage() -> None:
    fake = FakeProvider()
    model = ChatAIMLAPI(api_key="k", **fake.clients())
    result = model.generate([[HumanMessage("a")], [HumanMessage("b")]])
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["total_tokens"] == 40
    assert result.llm_output["model_name"] == "gpt-5.2-2025-12-11"


def test_traces_show_the_base_url_without_credentials_or_query() -> None:
    assert _public_url("https://u:p@gw.example/v1?key=s") == "https://gw.example/v1"
    model = ChatAIMLAPI(api_key="k", base_url="https://u:p@gw.example/v1")
    assert model._get_invocation_params()["base_url"] == "https://gw.example/v1"


# -- reasoning text as content blocks ------------------------------------------------------


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_reasoning_text_becomes_a_reasoning_content_block(key: str, mode: str) -> None:
    if mode.endswith("stream"):
        chunks = text_chunks(["Hel", "lo"])
        first = chunks[0]["choices"][0]["delta"]
        first[key] = "Think"
        chunks.insert(1, {**chunks[1], "choices": [{"index": 0, "delta": {key: "ing."}}]})
        reply = sse_reply(chunks)
    else:
        body = completion("Hello")
        body["choices"][0]["message"][key] = "Thinking."
        reply = json_reply(body)
    out = await run(make(ChatOxen, FakeProvider(reply)), mode, "x")
    msg = out[0] if isinstance(out, tuple) else out
    assert msg.content_blocks == [
        {"type": "reasoning", "reasoning": "Thinking."},
        {"type": "text", "text": "Hello"},
    ]
    assert msg.content == "Hello"


def test_a_reply_without_reasoning_keeps_the_openai_blocks() -> None:
    msg = make(ChatOxen, FakeProvider(json_reply(completion("Hello")))).invoke("x")
    assert msg.response_metadata["model_provider"] == "openai"
    assert msg.content_blocks == [{"type": "text", "text": "Hello"}]


def test_params_follow_field_changes_and_copies() -> None:
    provider = FakeProvider()
    llm = make(ChatGPT52, provider, temperature=0.2)
    llm.invoke("x")
    assert provider.body["temperature"] == 0.2
    llm.temperature = 0.4
    llm.invoke("x")
    assert provider.body["temperature"] == 0.4
    llm.model_copy(update={"temperature": 0.9, "seed": 3}).invoke("x")
    assert (provider.body["temperature"], provider.body["seed"]) == (0.9, 3)
    llm.invoke("x", temperature=0.1)  # per-call values do not stick
    llm.invoke("x")
    assert provider.body["temperature"] == 0.4
    assert "seed" not in provider.body


@pytest.mark.parametrize("function", [None, {"arguments": '{"a": 1}'}])
@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_nameless_streamed_tool_call_is_invalid_when_streamed(
    function: Any, mode: str
) -> None:
    base = {"id": "c", "object": "chat.completion.chunk", "model": "m"}
    nameless = {"index": 1, "id": "call_2", "type": "function", "function": function}
    named = {"index": 0, "id": "call_1", "type": "function"}
    events = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "role": "assistant",
                        "tool_calls": [
                            {**named, "function": {"name": "f", "arguments": '{"x"'}},
                            nameless,
                        ],
                    },
                }
            ],
        },
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ": 2}"}}]},
                }
            ],
        },
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    total = await run(make(ChatOxen, FakeProvider(sse_reply(events))), mode, "x")
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [("f", {"x": 2})]
    assert [c["id"] for c in total.invalid_tool_calls] == ["call_2"]
    assert all(c["name"] for c in total.tool_calls)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"temprature": 1},
        {"user": "u"},
        {"timeout": -1},
        {"base_url": "ftp://x"},
        {"reasoning_effort": "ultra"},
        {"max_retries": -1},
    ],
)
def test_construction_errors_never_show_the_key(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        ChatAIMLAPI(api_key="sk-SECRETKEY1234567890", **kwargs)
    assert "SECRETKEY" not in str(info.value)
    assert "67890" not in str(info.value)


# -- content parts the provider's schema does not take -------------------------------------

_AUDIO_OPENAI = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
_AUDIO_STANDARD = {"type": "audio", "base64": "UklGRg==", "mime_type": "audio/wav"}


@pytest.mark.parametrize("audio", [_AUDIO_OPENAI, _AUDIO_STANDARD], ids=["openai", "standard"])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_aimlapi_refuses_an_audio_part_before_sending(
    audio: dict[str, Any], mode: str
) -> None:
    fake = FakeProvider()
    messages = [
        SystemMessage("be brief"),
        HumanMessage(content=[{"type": "text", "text": "what is said?"}, audio]),
    ]
    with pytest.raises(ValueError) as info:
        await run(make(ChatAIMLAPI, fake), mode, messages)
    text = str(info.value)
    assert "messages[1]" in text and "content[1]" in text and "input_audio" in text
    assert "AI/ML API" in text and "file" in text and "image_url" in text
    assert fake.requests == []


def test_client_request_id_is_sent_echoed_and_named_on_errors() -> None:
    from langchain_gpt52 import ChatGPT52Failover
    from langchain_gpt52.errors import InternalServerError
    from langchain_gpt52.testing import Emulator, Fault

    with Emulator() as emu:
        llm = ChatAIMLAPI(api_key=emu.api_key, base_url=emu.aimlapi_base_url, max_retries=0)
        reply = llm.invoke("hi", client_request_id="job:row-1")
        assert emu.last_request is not None
        assert emu.last_request.headers["x-client-request-id"] == "job:row-1"
        assert reply.response_metadata["client_request_id"] == "job:row-1"
        assert reply.response_metadata["request_id"]
        chunks = list(llm.stream("hi", client_request_id="job:row-2"))
        merged = chunks[0]
        for chunk in chunks[1:]:
            merged += chunk
        assert merged.response_metadata["client_request_id"] == "job:row-2"
        fixed = llm.model_copy(update={"client_request_id": "fixed.id"})
        assert fixed.invoke("hi").response_metadata["client_request_id"] == "fixed.id"
        emu.enqueue(Fault.status(500))
        with pytest.raises(InternalServerError) as caught:
            llm.invoke("hi", client_request_id="job:row-3")
        assert caught.value.client_request_id == "job:row-3"
        assert caught.value.request_id and "job:row-3" in str(caught.value)
        failover = ChatGPT52Failover(models=[llm])
        failover.invoke("hi", client_request_id="via.failover")
        assert emu.last_request.headers["x-client-request-id"] == "via.failover"
        sent = len(emu.requests)
        with pytest.raises(ValueError, match="client_request_id='no spaces'"):
            llm.invoke("hi", client_request_id="no spaces")
        assert len(emu.requests) == sent  # refused before sending
    with pytest.raises(ValueError, match="client_request_id"):
        ChatAIMLAPI(api_key="k", client_request_id="x" * 129)
