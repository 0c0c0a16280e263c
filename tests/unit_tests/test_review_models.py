"""Model-level behaviour fixed after review: metadata merging, strict tool args on every streamed
invoke, transport rebuilt on copy / field change, key validation, ranges, token estimates."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.runnables import RunnableLambda
from pydantic import SecretStr

from langchain_gpt52 import ChatAIMLAPI, ChatOxen
from langchain_gpt52.chat_models.base import _public_url
from tests.unit_tests._chat_fakes import (
    FakeProvider,
    clean_env,
    completion,
    json_reply,
    sse_reply,
    text_chunks,
)

__all__ = ["clean_env"]


def _merged(model: Any, prompt: str = "hi") -> AIMessageChunk:
    full: AIMessageChunk | None = None
    for chunk in model.stream(prompt):
        full = chunk if full is None else full + chunk
    assert full is not None
    return full


def test_a_finish_repeated_on_the_usage_chunk_is_not_concatenated() -> None:
    chunks = text_chunks(["Hel", "lo"])
    usage = chunks[-1]
    usage["choices"] = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    fake = FakeProvider(sse_reply(chunks))
    full = _merged(ChatOxen(api_key="k", **fake.clients()))
    assert full.content == "Hello"
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_name"] == "gpt-5.2-2025-12-11"
    assert full.usage_metadata is not None
    assert full.usage_metadata["total_tokens"] == 7


def test_stream_cost_comes_from_meta_usage_once_even_with_cost_headers() -> None:
    chunks = text_chunks(["a"], meta={"usage": {"credits_used": 291.5, "usd_spent": 0.0001}})
    headers = {"x-aimlapi-credits-used": "291", "x-inference-id": "inf-9"}
    fake = FakeProvider(sse_reply(chunks, headers=headers))
    full = _merged(ChatAIMLAPI(api_key="k", **fake.clients()))
    assert full.response_metadata["credits_used"] == 291.5
    assert full.response_metadata["usd_spent"] == 0.0001
    assert full.response_metadata["request_id"] == "inf-9"


def test_stream_cost_falls_back_to_the_headers_at_the_end() -> None:
    headers = {"x-aimlapi-credits-used": "300", "x-aimlapi-usd-spent": "0.00015"}
    fake = FakeProvider(sse_reply(text_chunks(["a", "b"]), headers=headers))
    full = _merged(ChatAIMLAPI(api_key="k", **fake.clients()))
    assert full.content == "ab"
    assert full.response_metadata["credits_used"] == 300
    assert full.response_metadata["usd_spent"] == 0.00015


def _truncated_tool_stream() -> list[dict[str, Any]]:
    base = {"id": "c", "object": "chat.completion.chunk", "model": "gpt-5.2"}
    call = {"index": 0, "id": "call_1", "type": "function"}
    return [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "role": "assistant",
                        "tool_calls": [{**call, "function": {"name": "f", "arguments": ""}}],
                    },
                }
            ],
        },
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [{"index": 0, "function": {"arguments": '{"a": 1, "b": "xy'}}]
                    },
                }
            ],
        },
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]},
    ]


async def test_invoke_streamed_by_astream_events_parses_tool_args_strictly() -> None:
    fake = FakeProvider(sse_reply(_truncated_tool_stream()))
    model = ChatAIMLAPI(api_key="k", **fake.clients())

    async def node(prompt: str) -> Any:  # as a LangGraph node calls the model
        return await model.ainvoke(prompt)

    final = None
    async for event in RunnableLambda(node).astream_events("hi", version="v2"):
        if event["event"] == "on_chat_model_end":
            final = event["data"]["output"]
    assert final is not None
    assert fake.body["stream"] is True  # core asked for tokens, so the call streamed
    assert final.tool_calls == []
    assert [c["args"] for c in final.invalid_tool_calls] == ['{"a": 1, "b": "xy']


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


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"seed": 0}, "seed=0 is not accepted by AI/ML API.*at least 1"),
        ({"top_p": 0.001}, "top_p=0.001 is not accepted by AI/ML API.*between 0.01 and 1"),
    ],
)
def test_aimlapi_schema_ranges_are_checked_before_sending(
    kwargs: dict[str, Any], fragment: str
) -> None:
    fake = FakeProvider()
    with pytest.raises(ValueError, match=fragment):
        ChatAIMLAPI(api_key="k", **fake.clients()).invoke("hi", **kwargs)
    assert not fake.requests
    ChatOxen(api_key="k", **fake.clients()).invoke("hi", seed=0)  # Oxen has no such rule
    assert fake.body["seed"] == 0


def test_a_tool_without_parameters_gets_an_empty_object_schema() -> None:
    fake = FakeProvider()
    model = ChatAIMLAPI(api_key="k", **fake.clients())
    model.bind_tools([{"type": "function", "function": {"name": "ping"}}]).invoke("hi")
    assert fake.body["tools"][0]["function"]["parameters"] == {"type": "object", "properties": {}}


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


def test_images_are_counted_at_their_token_cost_not_their_base64_length() -> None:
    model = ChatAIMLAPI(api_key="k")
    big = "A" * 200_000
    image = {"type": "image", "base64": big, "mime_type": "image/png"}
    count = model.get_num_tokens_from_messages(
        [HumanMessage(content=[{"type": "text", "text": "describe"}, image])]
    )
    assert 765 <= count < 1_000
    low = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}}
    assert model.get_num_tokens_from_messages([HumanMessage(content=[low])]) < 100
