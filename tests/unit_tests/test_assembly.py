"""Stream assembly: metadata once per stream, cost from meta.usage or the headers, strict tool
arguments on every streamed invoke."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.runnables import RunnableLambda

from langchain_gpt52 import ChatAIMLAPI, ChatOxen
from langchain_gpt52.chat_models._assembly import StreamAssembler
from langchain_gpt52.providers import AIMLAPI
from tests.unit_tests._chat_fakes import (
    FakeProvider,
    clean_env,
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


def test_a_cut_delivers_the_held_usage_and_cost_only_once_they_arrived() -> None:
    chunks = text_chunks(["Hel", "lo"], meta={"usage": {"credits_used": 300, "usd_spent": 0.00015}})
    row = AIMLAPI.row("openai/gpt-5.2")
    step = StreamAssembler(None, lambda headers: {}, row.price if row else None, AIMLAPI)
    for data in chunks[:-1]:
        step(data, {})
    assert step.cut() == []  # mid-content: nothing to report, the tracker estimates
    step(chunks[-1], {})
    (closing,) = step.cut()
    msg = closing.message
    assert isinstance(msg, AIMessageChunk)
    assert msg.chunk_position == "last" and msg.content == ""
    assert msg.usage_metadata is not None and msg.usage_metadata["total_tokens"] == 7
    assert msg.response_metadata["usd_spent"] == 0.00015
    assert msg.response_metadata["cost"] == {"usd": 0.00015, "source": "provider"}
