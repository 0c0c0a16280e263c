"""The README's "Compared with ChatOpenAI(base_url=...)" table, one test per row.

Both clients talk to the same emulator; scripted responses make the provider's side identical.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_openai import ChatOpenAI

from langchain_gpt52 import BadRequestError, ChatAIMLAPI, PermissionDeniedError
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration

TRUNCATED_ARGS = '{"city": "Par'


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"sunny in {city}"


def _openai(emu: Emulator, **kwargs: Any) -> ChatOpenAI:
    return ChatOpenAI(
        model="openai/gpt-5-2",
        base_url=emu.aimlapi_base_url,
        api_key=emu.api_key,  # type: ignore[arg-type]
        max_retries=0,
        **kwargs,
    )


def _ours(emu: Emulator, **kwargs: Any) -> ChatAIMLAPI:
    return ChatAIMLAPI(base_url=emu.aimlapi_base_url, api_key=emu.api_key, max_retries=0, **kwargs)


def _completion_with_args(arguments: str) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function"}
    call["function"] = {"name": "get_weather", "arguments": arguments}  # type: ignore[assignment]
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "openai/gpt-5-2",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    }


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "choices": [choice]}


def _stream_with_args(arguments: str) -> list[Any]:
    head = {"index": 0, "id": "call_1", "type": "function"}
    head["function"] = {"name": "get_weather", "arguments": ""}
    return [
        _chunk({"role": "assistant", "tool_calls": [head]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments}}]}),
        _chunk({}, "tool_calls"),
    ]


def _merged(llm: Any, prompt: str) -> AIMessageChunk:
    full: AIMessageChunk | None = None
    for chunk in llm.stream(prompt):
        full = chunk if full is None else full + chunk
    assert full is not None
    return full


def test_streamed_usage_is_requested_only_by_this_package(emulator: Emulator) -> None:
    _merged(_openai(emulator), "hello")
    _merged(_ours(emulator), "hello")
    openai_body, our_body = (r.json for r in emulator.requests)
    assert "stream_options" not in openai_body
    assert our_body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("make", [_openai, _ours], ids=["ChatOpenAI", "ChatAIMLAPI"])
def test_unparseable_arguments_on_invoke_are_invalid_tool_calls(
    emulator: Emulator, make: Any
) -> None:
    emulator.enqueue(Fault.respond(json=_completion_with_args(TRUNCATED_ARGS)), route="aimlapi")
    msg = make(emulator).bind_tools([get_weather]).invoke("weather?")
    assert msg.tool_calls == []
    assert msg.invalid_tool_calls[0]["args"] == TRUNCATED_ARGS


def test_invoke_with_streaming_true(emulator: Emulator) -> None:
    results: dict[str, AIMessage] = {}
    for name, make in (("openai", _openai), ("ours", _ours)):
        emulator.enqueue(Fault.respond(sse=_stream_with_args(TRUNCATED_ARGS)), route="aimlapi")
        llm: BaseChatModel = make(emulator, streaming=True)
        results[name] = llm.bind_tools([get_weather]).invoke("weather?")  # type: ignore[assignment]
    assert results["openai"].tool_calls[0]["args"] == {"city": "Par"}
    assert results["openai"].invalid_tool_calls == []
    assert results["ours"].tool_calls == []
    assert results["ours"].invalid_tool_calls[0]["args"] == TRUNCATED_ARGS


@pytest.mark.parametrize("make", [_openai, _ours], ids=["ChatOpenAI", "ChatAIMLAPI"])
def test_stream_chunks_merged_with_plus_are_repaired_by_core(emulator: Emulator, make: Any) -> None:
    emulator.enqueue(Fault.respond(sse=_stream_with_args(TRUNCATED_ARGS)), route="aimlapi")
    full = _merged(make(emulator).bind_tools([get_weather]), "weather?")
    assert full.tool_calls[0]["args"] == {"city": "Par"}


def test_credits_are_reported_only_by_this_package(emulator: Emulator) -> None:
    theirs = _openai(emulator).invoke("hi").response_metadata
    ours = _ours(emulator).invoke("hi").response_metadata
    assert "credits_used" not in theirs and "usd_spent" not in theirs
    assert ours["credits_used"] > 0 and ours["usd_spent"] > 0


def test_temperature_with_reasoning_effort(emulator: Emulator) -> None:
    with pytest.raises(Exception) as theirs:
        _openai(emulator, temperature=0.5, reasoning_effort="low").invoke("hi")
    assert getattr(theirs.value, "status_code", None) == 400
    assert len(emulator.requests) == 1
    with pytest.raises(BadRequestError, match="temperature") as ours:
        _ours(emulator, temperature=0.5, reasoning_effort="low").invoke("hi")
    # Upstream-only rule: sent as given (AI/ML API does not document it), and the 400 says
    # which rule it broke and what to change.
    assert "hint:" in str(ours.value) and "reasoning_effort='none'" in str(ours.value)
    assert "hint:" not in str(theirs.value)
    assert len(emulator.requests) == 2


def test_out_of_credits(emulator: Emulator) -> None:
    emulator.enqueue(Fault.status(403, "You are out of credits.", times=2), route="aimlapi")
    with pytest.raises(Exception) as theirs:
        _openai(emulator).invoke("hi")
    assert type(theirs.value).__name__.endswith("PermissionDeniedError")
    with pytest.raises(PermissionDeniedError) as ours:
        _ours(emulator).invoke("hi")
    assert "out of credits" in str(ours.value)
    assert ours.value.request_id and ours.value.request_id in str(ours.value)
    assert "request id" not in str(theirs.value)


def test_langgraph_messages_mode_keeps_the_message_the_model_built(emulator: Emulator) -> None:
    from langgraph.graph import END, START, MessagesState, StateGraph

    finals: dict[str, Any] = {}
    for name, make in (("openai", _openai), ("ours", _ours)):
        llm = make(emulator).bind_tools([get_weather])

        def call(state: MessagesState, llm: Any = llm) -> dict[str, Any]:
            return {"messages": [llm.invoke(state["messages"])]}

        graph = StateGraph(MessagesState)
        graph.add_node("model", call)
        graph.add_edge(START, "model")
        graph.add_edge("model", END)
        emulator.enqueue(Fault.respond(sse=_stream_with_args(TRUNCATED_ARGS)), route="aimlapi")
        stream = graph.compile().stream(
            {"messages": [("user", "weather?")]}, stream_mode=["messages", "values"]
        )
        for mode, data in stream:
            if mode == "values":
                finals[name] = data["messages"][-1]
    assert finals["openai"].tool_calls[0]["args"] == {"city": "Par"}
    assert finals["ours"].tool_calls == []
    assert finals["ours"].invalid_tool_calls[0]["args"] == TRUNCATED_ARGS
