"""The Responses API wire format: requests, response objects and stream events (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_gpt52 import _responses_wire as rw
from langchain_gpt52 import _wire
from langchain_gpt52.chat_models._assembly import StreamAssembler, strict_result
from langchain_gpt52.errors import APIConnectionError, APIResponseValidationError
from langchain_gpt52.providers import AIMLAPI

PNG = "data:image/png;base64,iVBORw0KGgo="


def _input(messages: list[Any]) -> list[dict[str, Any]]:
    return rw.format_input(_wire.format_messages(messages))


# -- requests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "item"),
    [
        (SystemMessage("be brief"), {"type": "message", "role": "system", "content": "be brief"}),
        (HumanMessage("hi"), {"type": "message", "role": "user", "content": "hi"}),
        (
            HumanMessage(
                [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                ]
            ),
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "look"},
                    {"type": "input_image", "image_url": "https://x.test/a.png", "detail": "auto"},
                ],
            },
        ),
        (
            HumanMessage([{"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}]),
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_image", "image_url": PNG, "detail": "auto"}],
            },
        ),
        (
            HumanMessage(
                [
                    {
                        "type": "file",
                        "base64": "JVBERi0=",
                        "mime_type": "application/pdf",
                        "filename": "a.pdf",
                    }
                ]
            ),
            {
                "type": "message",
                "role": "user",
                "content": [
                    {
                        "type": "input_file",
                        "file_data": "data:application/pdf;base64,JVBERi0=",
                        "filename": "a.pdf",
                    }
                ],
            },
        ),
        (AIMessage("sure"), {"type": "message", "role": "assistant", "content": "sure"}),
    ],
    ids=["system", "user-text", "user-image-url", "user-image-base64", "user-pdf", "assistant"],
)
def test_a_message_becomes_its_input_item(message: Any, item: dict[str, Any]) -> None:
    assert _input([message]) == [item]


def test_tool_calls_and_tool_results_become_function_call_items() -> None:
    call = {"name": "get_weather", "args": {"city": "Rome"}, "id": "call_1", "type": "tool_call"}
    items = _input(
        [
            HumanMessage("weather?"),
            AIMessage("", tool_calls=[call]),
            ToolMessage("sunny", tool_call_id="call_1"),
        ]
    )
    assert items[1:] == [
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city": "Rome"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ]


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "ab"),
        ([{"type": "refusal", "refusal": "no"}], "no"),
        (["plain"], "plain"),
        ([{"type": "image_url", "image_url": {"url": "u"}}], '[{"type": "image_url"'),
    ],
)
def test_tool_and_assistant_content_lists_are_sent_as_text(content: Any, text: str) -> None:
    wire = [
        {
            "role": "assistant",
            "content": content,
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": content},
    ]
    items = rw.format_input(wire)
    assert items[0]["content"].startswith(text)
    assert items[2]["output"].startswith(text)


def test_an_unsupported_part_is_refused_naming_the_message() -> None:
    wire = [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]
    with pytest.raises(ValueError, match=r"messages\[0\].*input_audio"):
        rw.format_input(wire)


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        (
            {"type": "function", "function": {"name": "f", "description": "d", "parameters": {}}},
            {
                "type": "function",
                "name": "f",
                "parameters": {"type": "object", "properties": {}},
                "strict": False,
                "description": "d",
            },
        ),
        (
            {
                "type": "function",
                "function": {"name": "g", "parameters": {"type": "object"}, "strict": True},
            },
            {"type": "function", "name": "g", "parameters": {"type": "object"}, "strict": True},
        ),
        ({"type": "web_search_preview"}, {"type": "web_search_preview"}),
    ],
)
def test_tools_take_the_responses_shape(tool: dict[str, Any], expected: dict[str, Any]) -> None:
    assert rw.format_tools([tool]) == [expected]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("required", "required"),
        ({"type": "function", "function": {"name": "f"}}, {"type": "function", "name": "f"}),
    ],
)
def test_tool_choice(choice: Any, expected: Any) -> None:
    assert rw.format_tool_choice(choice) == expected


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        (
            {"type": "json_schema", "json_schema": {"name": "J", "schema": {}, "strict": True}},
            {"type": "json_schema", "name": "J", "schema": {}, "strict": True},
        ),
        ({"type": "json_object"}, {"type": "json_object"}),
        ({"type": "text"}, {"type": "text"}),
    ],
)
def test_structured_output_goes_to_text_format(
    response_format: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = rw.build_body([], {"response_format": response_format, "verbosity": "low"}, stream=False)
    assert body["text"] == {"verbosity": "low", "format": expected}
    assert "response_format" not in body


def test_an_unknown_response_format_is_refused() -> None:
    with pytest.raises(ValueError, match="response_format type 'xml'"):
        rw.format_text({"type": "xml"})


def test_parameters_take_their_responses_names() -> None:
    user_reasoning = {"summary": "auto"}
    body = rw.build_body(
        [{"role": "user", "content": "hi"}],
        {
            "model": "m",
            "max_tokens": 16,
            "reasoning_effort": "high",
            "reasoning": user_reasoning,
            "n": 1,
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "tool_choice": {"type": "function", "function": {"name": "f"}},
        },
        stream=True,
    )
    assert body["model"] == "m"
    assert body["max_output_tokens"] == 16
    assert body["reasoning"] == {"summary": "auto", "effort": "high"}
    assert user_reasoning == {"summary": "auto"}  # the caller's dict is not changed
    assert body["tool_choice"] == {"type": "function", "name": "f"}
    assert body["tools"][0]["name"] == "f"
    assert body["stream"] is True
    for name in ("max_tokens", "n", "reasoning_effort", "messages", "stream_options"):
        assert name not in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_tokens": 15}, "max_tokens=15 is below the Responses API's minimum"),
        ({"seed": 3}, "seed is not a Responses API parameter"),
        ({"n": 2}, "n=2"),
        ({"frequency_penalty": 0.5}, "frequency_penalty is not"),
        ({"presence_penalty": 0.5}, "presence_penalty is not"),
        ({"logprobs": True}, "logprobs is not"),
        ({"top_logprobs": 2}, "top_logprobs is not"),
    ],
)
def test_what_the_responses_api_cannot_take_is_refused(
    params: dict[str, Any], message: str
) -> None:
    assert message in (rw.unsendable(params) or "")
    with pytest.raises(ValueError, match=message.split("=")[0]):
        rw.build_body([], params, stream=False)


# -- response objects ------------------------------------------------------------------------


def _response(*output: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "model": "gpt-5.2-pro-2025-12-11",
        "output": list(output),
        "usage": {
            "input_tokens": 20,
            "input_tokens_details": {"cached_tokens": 8},
            "output_tokens": 30,
            "output_tokens_details": {"reasoning_tokens": 12},
            "total_tokens": 50,
        },
        **extra,
    }


def _text(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def _call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": "fc_1",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }


REASONING = {
    "type": "reasoning",
    "id": "rs_1",
    "summary": [{"type": "summary_text", "text": "Thinking about it."}],
}


def _message(response: dict[str, Any]) -> AIMessage:
    result = _wire.parse_completion(rw.as_completion(response), None, AIMLAPI)
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    return message


def test_text_usage_and_metadata() -> None:
    msg = _message(_response(_text("Hello!")))
    assert msg.content == "Hello!"
    assert msg.response_metadata["finish_reason"] == "stop"
    assert msg.response_metadata["id"] == "resp_1"
    assert msg.response_metadata["model_name"] == "gpt-5.2-pro-2025-12-11"
    assert msg.usage_metadata == {
        "input_tokens": 20,
        "output_tokens": 30,
        "total_tokens": 50,
        "input_token_details": {"cache_read": 8},
        "output_token_details": {"reasoning": 12},
    }


def test_function_calls_become_tool_calls() -> None:
    msg = _message(_response(_call("get_weather", '{"city": "Rome"}')))
    assert msg.tool_calls == [
        {"name": "get_weather", "args": {"city": "Rome"}, "id": "call_1", "type": "tool_call"}
    ]
    assert msg.response_metadata["finish_reason"] == "tool_calls"


def test_bad_arguments_become_an_invalid_tool_call() -> None:
    msg = _message(_response(_call("f", '{"a": ')))
    assert msg.tool_calls == []
    assert msg.invalid_tool_calls[0]["name"] == "f"


def test_a_built_in_tool_item_is_reported_not_dropped() -> None:
    msg = _message(_response({"type": "web_search_call", "id": "ws_1", "status": "completed"}))
    assert "web_search_call" in (msg.invalid_tool_calls[0]["error"] or "")


def test_a_reasoning_summary_is_a_reasoning_content_block() -> None:
    msg = _message(_response(REASONING, _text("42")))
    assert msg.content_blocks[0] == {"type": "reasoning", "reasoning": "Thinking about it."}
    assert msg.content_blocks[1]["type"] == "text"


def test_a_refusal_is_kept() -> None:
    refusal = {"type": "message", "content": [{"type": "refusal", "refusal": "I can't."}]}
    assert _message(_response(refusal)).additional_kwargs["refusal"] == "I can't."


@pytest.mark.parametrize(
    ("details", "finish"),
    [
        ({"reason": "max_output_tokens"}, "length"),
        (None, "length"),
        ({"reason": "content_filter"}, "content_filter"),
    ],
)
def test_an_incomplete_response_has_the_matching_finish_reason(
    details: dict[str, Any] | None, finish: str
) -> None:
    response = _response(_text("cut"), status="incomplete", incomplete_details=details)
    assert _message(response).response_metadata["finish_reason"] == finish


def test_the_providers_cost_in_the_body_passes_through() -> None:
    response = _response(_text("x"), meta={"usage": {"credits_used": 10, "usd_spent": 5e-06}})
    md = _message(response).response_metadata
    assert (md["credits_used"], md["usd_spent"]) == (10, 5e-06)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_response(status="failed", error={"code": "server_error", "message": "boom"}), "boom"),
        (_response(status="in_progress"), "not finished"),
        (_response(status="queued"), "background"),
        ({"object": "response"}, "`output` list"),
        ([1, 2], "`output` list"),
        ({"error": {"message": "nope"}}, "nope"),
    ],
    ids=["failed", "in-progress", "queued", "no-output", "not-an-object", "error-object"],
)
def test_what_is_not_a_finished_response_raises(body: Any, message: str) -> None:
    with pytest.raises(APIResponseValidationError, match=message):
        rw.as_completion(body)


# -- streams ---------------------------------------------------------------------------------


def _assemble(events: list[dict[str, Any]]) -> AIMessage:
    """Events through the reader and the shared stream assembler -> the final message."""
    reader = rw.EventReader()
    step = StreamAssembler(None, lambda headers: {}, None, AIMLAPI)
    chunks = []
    for event in events:
        for data in reader.feed(event):
            chunks.extend(step(data, {}))
    for data in reader.end():
        chunks.extend(step(data, {}))
    chunks.extend(step.end())
    message = strict_result(chunks).generations[0].message
    assert isinstance(message, AIMessage)
    return message


def _completed(response: dict[str, Any], kind: str = "response.completed") -> dict[str, Any]:
    return {"type": kind, "response": response}


def _deltas(text: str, index: int = 0) -> list[dict[str, Any]]:
    return [
        {"type": "response.output_text.delta", "output_index": index, "delta": text[i : i + 3]}
        for i in range(0, len(text), 3)
    ]


def _full_stream(*items: dict[str, Any], final: str = "response.completed") -> list[Any]:
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": "resp_1", "model": "m", "output": []}}
    ]
    for index, item in enumerate(items):
        added = {**item, "status": "in_progress"}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        if item["type"] == "message":
            events += _deltas(item["content"][0]["text"], index)
        elif item["type"] == "function_call":
            args = item["arguments"]
            events.append({**events[-1], "item": {**added, "arguments": ""}})
            events.pop(-2)
            events += [
                {
                    "type": "response.function_call_arguments.delta",
                    "output_index": index,
                    "delta": args[i : i + 4],
                }
                for i in range(0, len(args), 4)
            ]
        else:
            events.append(
                {
                    "type": "response.reasoning_summary_text.delta",
                    "output_index": index,
                    "delta": item["summary"][0]["text"],
                }
            )
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    status = "incomplete" if final == "response.incomplete" else "completed"
    events.append(_completed(_response(*items, status=status), final))
    return events


def test_a_delta_stream_assembles_text_usage_and_metadata() -> None:
    msg = _assemble(_full_stream(_text("Hello there, friend!")))
    assert msg.content == "Hello there, friend!"
    assert msg.response_metadata["finish_reason"] == "stop"
    assert msg.response_metadata["id"] == "resp_1"
    assert msg.usage_metadata is not None
    assert msg.usage_metadata["input_token_details"] == {"cache_read": 8}
    assert msg.usage_metadata["output_token_details"] == {"reasoning": 12}


def test_streamed_function_call_arguments_assemble_into_a_tool_call() -> None:
    msg = _assemble(_full_stream(_call("get_weather", '{"city": "Rome"}')))
    assert msg.tool_calls == [
        {"name": "get_weather", "args": {"city": "Rome"}, "id": "call_1", "type": "tool_call"}
    ]
    assert msg.response_metadata["finish_reason"] == "tool_calls"


def test_a_streamed_reasoning_summary_is_a_reasoning_block() -> None:
    msg = _assemble(_full_stream(REASONING, _text("42")))
    assert msg.content_blocks[0] == {"type": "reasoning", "reasoning": "Thinking about it."}
    assert msg.text == "42"


def test_an_incomplete_stream_ends_with_length() -> None:
    msg = _assemble(_full_stream(_text("cut sh"), final="response.incomplete"))
    assert msg.response_metadata["finish_reason"] == "length"


@pytest.mark.parametrize(
    "items",
    [
        [_text("Only whole items.")],
        [_call("f", '{"a": 1}'), _call("g", "{}", call_id="call_2")],
        [REASONING, _text("x")],
    ],
    ids=["text", "two-calls", "reasoning"],
)
def test_a_stream_of_only_finished_items_is_read_whole(items: list[dict[str, Any]]) -> None:
    events = [
        {"type": "response.output_item.done", "output_index": i, "item": item}
        for i, item in enumerate(items)
    ]
    events.append(_completed(_response(*items)))
    whole = _message(_response(*items))
    msg = _assemble(events)
    assert msg.content == whole.content
    assert [(c["name"], c["args"], c["id"]) for c in msg.tool_calls] == [
        (c["name"], c["args"], c["id"]) for c in whole.tool_calls
    ]
    assert msg.content_blocks[0] == whole.content_blocks[0]


def test_a_stream_ending_after_its_last_item_without_completion_is_finished() -> None:
    events = _full_stream(_text("All here."))[:-1]
    msg = _assemble(events)
    assert msg.content == "All here."
    assert msg.response_metadata["finish_reason"] == "stop"


def test_a_stream_cut_inside_an_item_is_a_connection_error() -> None:
    events = _full_stream(_text("Half of it"))[:3]
    with pytest.raises(APIConnectionError, match="ended inside an output item"):
        _assemble(events)


def test_a_stream_with_no_item_at_all_is_no_answer() -> None:
    events = _full_stream(_text("x"))[:1]
    with pytest.raises(APIResponseValidationError, match="without any readable choice"):
        _assemble(events)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            {
                "type": "response.failed",
                "response": {"status": "failed", "error": {"code": "x", "message": "went wrong"}},
            },
            "went wrong",
        ),
        ({"type": "error", "code": "rate_limit_exceeded", "message": "slow down"}, "slow down"),
        ({"type": "error", "error": {"message": "nested"}}, "nested"),
        ({"no": "type"}, "no `type`"),
        ("not an object", "not a JSON object"),
    ],
    ids=["failed", "error", "nested-error", "no-type", "not-an-object"],
)
def test_error_events_raise_after_what_came_before(event: Any, message: str) -> None:
    reader = rw.EventReader()
    assert reader.feed(_deltas("ok")[0])[0]["choices"][0]["delta"] == {"content": "ok"}
    with pytest.raises(APIResponseValidationError, match=message):
        reader.feed(event)


def test_a_whole_response_answering_a_stream_request_is_one_chunk() -> None:
    msg = _assemble([_response(REASONING, _text("whole"))])
    assert msg.text == "whole"
    assert msg.content_blocks[0]["type"] == "reasoning"
    assert msg.usage_metadata is not None


def test_unknown_events_are_skipped() -> None:
    reader = rw.EventReader()
    for kind in ("response.content_part.added", "response.output_text.done", "keepalive"):
        assert reader.feed({"type": kind, "output_index": 0}) == []


def test_chunks_are_chat_completion_chunks() -> None:
    reader = rw.EventReader()
    reader.feed(_full_stream(_text("x"))[0])
    (chunk,) = reader.feed(_deltas("abc")[0])
    assert chunk["object"] == "chat.completion.chunk"
    assert (chunk["id"], chunk["model"]) == ("resp_1", "m")
    assert json.loads(json.dumps(chunk)) == chunk


def _events_of(*events: Any) -> Any:
    headers = {"x-request-id": "req-1"}
    for event in events:
        yield event, headers


def test_chat_chunks_carries_the_request_id_into_errors() -> None:
    failed = {"type": "error", "message": "overloaded"}
    pairs = rw.chat_chunks(_events_of(_deltas("ok")[0], failed), "AI/ML API")
    assert next(pairs)[0]["choices"][0]["delta"] == {"content": "ok"}
    with pytest.raises(APIResponseValidationError, match=r"AI/ML API.*overloaded") as err:
        next(pairs)
    assert err.value.request_id == "req-1"


async def test_achat_chunks_closes_the_events_when_stopped_early() -> None:
    closed: list[bool] = []

    async def events() -> Any:
        try:
            for event in _deltas("abcdefghi"):
                yield event, {}
        finally:
            closed.append(True)

    pairs = rw.achat_chunks(events(), "p")
    first = await pairs.__anext__()
    assert first[0]["choices"][0]["delta"] == {"content": "abc"}
    await pairs.aclose()  # type: ignore[attr-defined]
    assert closed == [True]


def test_items_are_told_apart_by_id_when_a_stream_has_no_output_index() -> None:
    def strip(event: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in event.items() if k != "output_index"}
        if "item" in out:
            out["item_id"] = out["item"]["id"]
        return out

    items = [_text("Hi."), _call("f", '{"a": 1}'), {**_call("g", "{}", "call_2"), "id": "fc_2"}]
    events = []
    for item in items:
        added = {**item, "arguments": ""} if item["type"] == "function_call" else item
        events.append({"type": "response.output_item.added", "item": added})
        if item["type"] == "message":
            events.append(
                {"type": "response.output_text.delta", "item_id": item["id"], "delta": "Hi."}
            )
        else:
            events.append(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "delta": item["arguments"],
                }
            )
        events.append({"type": "response.output_item.done", "item": item})
    events = [strip(e) for e in events]
    msg = _assemble(events)
    assert msg.content == "Hi."
    assert [(c["name"], c["args"], c["id"]) for c in msg.tool_calls] == [
        ("f", {"a": 1}, "call_1"),
        ("g", {}, "call_2"),
    ]
