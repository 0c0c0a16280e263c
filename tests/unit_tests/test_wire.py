"""Pure wire functions: messages -> request, response / chunks -> messages."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGenerationChunk

from langchain_gpt52 import ChatAIMLAPI, _wire
from langchain_gpt52._wire import (
    build_body,
    chunk_to_generation,
    format_messages,
    parse_completion,
    plain_text,
    strict_tool_calls,
    usage_to_metadata,
)
from langchain_gpt52.errors import APIResponseValidationError
from langchain_gpt52.providers import AIMLAPI, OXEN
from tests.unit_tests._chat_fakes import FakeProvider, completion

# -- format_messages -----------------------------------------------------------------------


def test_format_basic_roles_and_name() -> None:
    wire = format_messages(
        [
            SystemMessage("Be brief."),
            HumanMessage("Hi", name="alice"),
            AIMessage("Hello!"),
            HumanMessage("Bye"),
        ]
    )
    assert wire == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "name": "alice", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Bye"},
    ]


def test_format_tool_calls_and_tool_results() -> None:
    ai = AIMessage(
        "",
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
        invalid_tool_calls=[
            {
                "name": "lookup",
                "args": '{"q": "trunc',
                "id": "call_2",
                "error": "bad json",
                "type": "invalid_tool_call",
            }
        ],
    )
    wire = format_messages(
        [
            HumanMessage("weather?"),
            ai,
            ToolMessage("sunny", tool_call_id="call_1"),
            ToolMessage("error: bad args", tool_call_id="call_2"),
        ]
    )
    assistant = wire[1]
    assert assistant["role"] == "assistant"
    assert assistant["content"] is None
    calls = assistant["tool_calls"]
    assert [c["id"] for c in calls] == ["call_1", "call_2"]
    assert calls[0]["type"] == "function"
    assert calls[0]["function"]["name"] == "get_weather"
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    # The invalid call keeps its id and raw arguments so the ToolMessage answering it is valid.
    assert calls[1]["function"] == {"name": "lookup", "arguments": '{"q": "trunc'}
    assert wire[2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
    assert wire[3]["tool_call_id"] == "call_2"


def test_format_assistant_with_text_and_tool_calls_keeps_text() -> None:
    ai = AIMessage("Let me check.", tool_calls=[{"name": "f", "args": {}, "id": "c1"}])
    wire = format_messages([HumanMessage("x"), ai])
    assert wire[1]["content"] == "Let me check."
    assert wire[1]["tool_calls"][0]["id"] == "c1"


def test_format_standard_and_openai_image_and_file_blocks() -> None:
    msg = HumanMessage(
        content=[
            {"type": "text", "text": "Describe"},
            {"type": "image", "url": "https://example.com/a.png"},
            {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"},
            {
                "type": "image_url",
                "image_url": {"url": "https://example.com/b.jpg", "detail": "low"},
            },
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
            {
                "type": "file",
                "base64": "JVBERi0xLjQ=",
                "mime_type": "application/pdf",
                "filename": "doc.pdf",
            },
        ]
    )
    parts = format_messages([msg])[0]["content"]
    assert parts[0] == {"type": "text", "text": "Describe"}
    assert parts[1] == {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    assert parts[2] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
    }
    assert parts[3] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/b.jpg", "detail": "low"},
    }
    assert parts[4]["image_url"]["url"] == "data:image/jpeg;base64,/9j/4AAQ"
    assert parts[5]["type"] == "file"
    assert parts[5]["file"]["file_data"] == "data:application/pdf;base64,JVBERi0xLjQ="
    assert parts[5]["file"]["filename"] == "doc.pdf"


def test_format_developer_role() -> None:
    # AI/ML API (and the generic endpoint) accept developer.
    assert format_messages([SystemMessage("s")], system_role="developer") == [
        {"role": "developer", "content": "s"}
    ]
    marked = SystemMessage("s", additional_kwargs={"__openai_role__": "developer"})
    assert format_messages([marked])[0]["role"] == "developer"
    # Oxen.ai does not.
    with pytest.raises(ValueError, match=r"messages\[0\].*Oxen.ai.*developer"):
        format_messages(
            [SystemMessage("s")], system_role="developer", allow_developer=False, provider="Oxen.ai"
        )
    with pytest.raises(ValueError, match=r"messages\[1\].*developer"):
        format_messages([HumanMessage("h"), marked], allow_developer=False, provider="Oxen.ai")
    # Plain system messages are fine for Oxen.ai.
    assert format_messages([SystemMessage("s")], allow_developer=False)[0]["role"] == "system"


@pytest.mark.parametrize(
    ("messages", "pattern"),
    [
        ([HumanMessage("a"), ChatMessage(role="critic", content="x")], r"messages\[1\].*'critic'"),
        ([HumanMessage("a"), FunctionMessage(name="f", content="x")], r"messages\[1\].*Function"),
        (
            [SystemMessage("s"), HumanMessage("a"), HumanMessage(content=[{"type": "weird"}])],
            r"messages\[2\].*'weird'",
        ),
        (
            [
                HumanMessage("a"),
                AIMessage(content=[{"type": "image_url", "image_url": {"url": "u"}}]),
            ],
            r"messages\[1\].*'image_url'.*'assistant'",
        ),
        ([], r"empty"),
    ],
)
def test_format_rejects_unsupported(messages: list[Any], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        format_messages(messages)


def test_format_chat_message_known_role() -> None:
    assert format_messages([ChatMessage(role="user", content="x")]) == [
        {"role": "user", "content": "x"}
    ]


# -- build_body ----------------------------------------------------------------------------

_MSGS = [{"role": "user", "content": "hi"}]


def test_build_body_non_stream_drops_none_and_stream_keys() -> None:
    body = build_body(
        _MSGS,
        {"model": "m", "temperature": None, "max_tokens": 5, "stream": True, "stream_options": {}},
        stream=False,
        stream_usage=True,
    )
    assert body == {"messages": _MSGS, "model": "m", "max_tokens": 5}


def test_build_body_stream_usage() -> None:
    body = build_body(_MSGS, {"model": "m"}, stream=True, stream_usage=True)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    body = build_body(_MSGS, {"model": "m"}, stream=True, stream_usage=False)
    assert body["stream"] is True
    assert "stream_options" not in body


def test_build_body_stream_options_from_params_win() -> None:
    body = build_body(
        _MSGS, {"stream_options": {"include_usage": False}}, stream=True, stream_usage=True
    )
    assert body["stream_options"] == {"include_usage": False}


# -- usage ---------------------------------------------------------------------------------


def test_usage_to_metadata_full() -> None:
    meta = usage_to_metadata(
        {
            "prompt_tokens": 100,
            "completion_tokens": 40,
            "total_tokens": 140,
            "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 32,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
            },
        }
    )
    assert meta == {
        "input_tokens": 100,
        "output_tokens": 40,
        "total_tokens": 140,
        "input_token_details": {"cache_read": 64, "audio": 0},
        "output_token_details": {"reasoning": 32, "audio": 0},
    }


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (
            {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
            {
                "input_tokens": 3,
                "output_tokens": 4,
                "total_tokens": 7,
                "input_token_details": {},
                "output_token_details": {},
            },
        ),
        (
            {"completion_tokens": 4, "prompt_tokens": 3},
            {
                "input_tokens": 3,
                "output_tokens": 4,
                "total_tokens": 7,
                "input_token_details": {},
                "output_token_details": {},
            },
        ),
        (
            {"prompt_tokens": 3, "completion_tokens": 4, "prompt_tokens_details": None},
            {
                "input_tokens": 3,
                "output_tokens": 4,
                "total_tokens": 7,
                "input_token_details": {},
                "output_token_details": {},
            },
        ),
        (
            {"prompt_tokens": 3, "completion_tokens": 4, "prompt_tokens_details": {}},
            {
                "input_tokens": 3,
                "output_tokens": 4,
                "total_tokens": 7,
                "input_token_details": {},
                "output_token_details": {},
            },
        ),
        (None, None),
        ({}, None),
        ("garbage", None),
        ({"prompt_tokens": "3"}, None),
    ],
)
def test_usage_to_metadata_shapes(usage: Any, expected: Any) -> None:
    assert usage_to_metadata(usage) == expected


# -- parse_completion ----------------------------------------------------------------------

# The sample response from AI/ML API's gpt-5.2 page.
AIMLAPI_SAMPLE: dict[str, Any] = {
    "id": "chatcmpl-Clk2iHw9Ks69NbBl9e0of5eEDExoq",
    "object": "chat.completion",
    "created": 1765494440,
    "model": "gpt-5.2-2025-12-11",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello! What can I help you with today?",
                "refusal": None,
                "annotations": [],
            },
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 7,
        "completion_tokens": 13,
        "total_tokens": 20,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": None,
    "meta": {"usage": {"credits_used": 409}},
}

# Oxen.ai: alphabetical keys, three usage counters, tool_calls entries with an index.
OXEN_TOOL_CALL: dict[str, Any] = {
    "choices": [
        {
            "finish_reason": "tool_calls",
            "index": 0,
            "message": {
                "content": None,
                "role": "assistant",
                "tool_calls": [
                    {
                        "function": {"arguments": '{"location":"Oslo"}', "name": "get_weather"},
                        "id": "call_abc",
                        "index": 0,
                        "type": "function",
                    },
                    {
                        "function": {"arguments": "", "name": "get_time"},
                        "id": "call_def",
                        "index": 1,
                        "type": "function",
                    },
                ],
            },
        }
    ],
    "created": 1765500000,
    "id": "chatcmpl-6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f",
    "model": "gpt-5-2-chat-latest",
    "object": "chat.completion",
    "usage": {"completion_tokens": 18, "prompt_tokens": 52, "total_tokens": 70},
}

OXEN_TEXT: dict[str, Any] = {
    "choices": [
        {"finish_reason": "stop", "index": 0, "message": {"content": "Hi!", "role": "assistant"}}
    ],
    "created": 1765500001,
    "id": "chatcmpl-00000000-0000-4000-8000-000000000000",
    "model": "gpt-5-2-chat-latest",
    "object": "chat.completion",
    "usage": {"completion_tokens": 2, "prompt_tokens": 9, "total_tokens": 11},
}


def test_parse_aimlapi_sample() -> None:
    result = parse_completion(copy.deepcopy(AIMLAPI_SAMPLE), {"request_id": "inf-1"}, AIMLAPI)
    assert len(result.generations) == 1
    gen = result.generations[0]
    msg = gen.message
    assert isinstance(msg, AIMessage)
    assert msg.content == "Hello! What can I help you with today?"
    assert msg.id is None  # langchain-core assigns a run-unique id
    assert msg.response_metadata["id"] == "chatcmpl-Clk2iHw9Ks69NbBl9e0of5eEDExoq"
    assert msg.additional_kwargs == {}  # refusal null and empty annotations are dropped
    assert msg.tool_calls == []
    assert msg.usage_metadata == {
        "input_tokens": 7,
        "output_tokens": 13,
        "total_tokens": 20,
        "input_token_details": {"cache_read": 0, "audio": 0},
        "output_token_details": {"reasoning": 0, "audio": 0},
    }
    md = msg.response_metadata
    assert md["model_name"] == "gpt-5.2-2025-12-11"  # the snapshot, not the requested id
    assert md["finish_reason"] == "stop"
    assert md["service_tier"] == "default"
    assert md["credits_used"] == 409
    assert "usd_spent" not in md
    assert "system_fingerprint" not in md  # null is not kept
    assert md["request_id"] == "inf-1"
    assert md["model_provider"] == "openai"
    assert md["id"] == "chatcmpl-Clk2iHw9Ks69NbBl9e0of5eEDExoq"
    assert gen.generation_info == {"finish_reason": "stop"}
    assert result.llm_output is not None
    assert result.llm_output["model_name"] == "gpt-5.2-2025-12-11"
    assert result.llm_output["token_usage"]["total_tokens"] == 20


def test_parse_extra_metadata_does_not_override_body() -> None:
    result = parse_completion(copy.deepcopy(AIMLAPI_SAMPLE), {"credits_used": 1, "x": 2}, AIMLAPI)
    md = result.generations[0].message.response_metadata
    assert md["credits_used"] == 409
    assert md["x"] == 2


def test_parse_oxen_tool_calls_with_index() -> None:
    result = parse_completion(copy.deepcopy(OXEN_TOOL_CALL))
    msg = result.generations[0].message
    assert isinstance(msg, AIMessage)
    assert msg.content == ""
    assert msg.tool_calls == [
        {
            "name": "get_weather",
            "args": {"location": "Oslo"},
            "id": "call_abc",
            "type": "tool_call",
        },
        {"name": "get_time", "args": {}, "id": "call_def", "type": "tool_call"},
    ]
    assert msg.invalid_tool_calls == []
    assert msg.usage_metadata == {
        "input_tokens": 52,
        "output_tokens": 18,
        "total_tokens": 70,
        "input_token_details": {},
        "output_token_details": {},
    }
    assert msg.response_metadata["finish_reason"] == "tool_calls"
    assert msg.response_metadata["model_name"] == "gpt-5-2-chat-latest"


@pytest.mark.parametrize(
    ("body", "content", "usage_total", "model"),
    [
        (AIMLAPI_SAMPLE, "Hello! What can I help you with today?", 20, "gpt-5.2-2025-12-11"),
        (OXEN_TEXT, "Hi!", 11, "gpt-5-2-chat-latest"),
        (
            {"choices": [{"message": {"content": "bare"}}]},
            "bare",
            None,
            None,
        ),
        (
            {
                "choices": [
                    {"message": {"role": "assistant", "content": None}, "finish_reason": "length"}
                ]
            },
            "",
            None,
            None,
        ),
    ],
)
def test_parse_completion_shapes(
    body: dict[str, Any], content: str, usage_total: int | None, model: str | None
) -> None:
    msg = parse_completion(copy.deepcopy(body)).generations[0].message
    assert msg.content == content
    assert isinstance(msg, AIMessage)
    if usage_total is None:
        assert msg.usage_metadata is None
    else:
        assert msg.usage_metadata is not None
        assert msg.usage_metadata["total_tokens"] == usage_total
    assert msg.response_metadata.get("model_name") == model


def test_parse_refusal_reasoning_annotations() -> None:
    body = {
        "id": "x",
        "model": "gpt-5.2",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": "I can't help with that.",
                    "reasoning_content": "thinking...",
                    "annotations": [{"type": "url_citation"}],
                },
                "finish_reason": "stop",
                "logprobs": {"content": []},
            }
        ],
    }
    gen = parse_completion(body).generations[0]
    msg = gen.message
    assert msg.content == ""
    assert msg.additional_kwargs["refusal"] == "I can't help with that."
    assert msg.additional_kwargs["reasoning_content"] == "thinking..."
    assert msg.additional_kwargs["annotations"] == [{"type": "url_citation"}]
    assert msg.response_metadata["logprobs"] == {"content": []}
    assert gen.generation_info == {"finish_reason": "stop", "logprobs": {"content": []}}


def test_parse_reasoning_alias() -> None:
    body = {"choices": [{"message": {"content": "a", "reasoning": "r"}}]}
    assert parse_completion(body).generations[0].message.additional_kwargs == {
        "reasoning_content": "r"
    }


@pytest.mark.parametrize(
    ("arguments", "error_part"),
    [
        ('{"location": "Par', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ("42", "JSON object"),
        (17, "JSON string"),
    ],
)
def test_parse_invalid_tool_arguments(arguments: Any, error_part: str) -> None:
    body = {
        "choices": [
            {
                "message": {
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": arguments},
                        },
                        {
                            "id": "c2",
                            "type": "function",
                            "function": {"name": "g", "arguments": "{}"},
                        },
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ]
    }
    msg = parse_completion(body).generations[0].message
    assert isinstance(msg, AIMessage)
    assert [c["id"] for c in msg.tool_calls] == ["c2"]
    assert len(msg.invalid_tool_calls) == 1
    bad = msg.invalid_tool_calls[0]
    assert bad["id"] == "c1"
    assert bad["name"] == "f"
    assert bad["error"] is not None
    assert error_part in bad["error"]
    assert isinstance(bad["args"], str)


def test_parse_object_arguments_accepted() -> None:
    body = {
        "choices": [
            {
                "message": {
                    "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": {"a": 1}}}]
                }
            }
        ]
    }
    msg = parse_completion(body).generations[0].message
    assert isinstance(msg, AIMessage)
    assert msg.tool_calls[0]["args"] == {"a": 1}


def test_parse_multiple_choices() -> None:
    body = {
        "id": "x",
        "choices": [
            {"index": 0, "message": {"content": "one"}, "finish_reason": "stop"},
            {"index": 1, "message": {"content": "two"}, "finish_reason": "length"},
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    gens = parse_completion(body).generations
    assert [g.message.content for g in gens] == ["one", "two"]
    assert [g.message.response_metadata["finish_reason"] for g in gens] == ["stop", "length"]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"id": "x", "choices": []}, "no choices"),
        ({"id": "x", "choices": None}, "no choices"),
        ({"id": "x"}, "no choices"),
        ({"error": {"message": "upstream failed", "code": 500}}, "upstream failed"),
        ({"choices": None, "error": "overloaded"}, "overloaded"),
        ({"choices": [{"index": 0}]}, "no 'message'"),
        ({"choices": ["text"]}, "not an object"),
        ([1, 2], "JSON object"),
        ("text", "JSON object"),
        (None, "JSON object"),
    ],
)
def test_parse_invalid_bodies(body: Any, match: str) -> None:
    with pytest.raises(APIResponseValidationError, match=match) as info:
        parse_completion(body)
    assert info.value.body is not None or body is None


# -- chunk_to_generation -------------------------------------------------------------------

_BASE = {
    "id": "chatcmpl-stream1",
    "object": "chat.completion.chunk",
    "created": 1765494441,
    "model": "gpt-5.2-2025-12-11",
    "service_tier": "default",
    "system_fingerprint": None,
}


def _chunk(choices: list[Any] | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {**_BASE, "usage": None, "obfuscation": "Xy7"}
    if choices is not None:
        data["choices"] = choices
    data.update(extra)
    return data


def _delta(delta: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
    return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]


def test_chunk_role_chunk() -> None:
    gen = chunk_to_generation(_chunk(_delta({"role": "assistant", "content": "", "refusal": None})))
    assert gen is not None
    msg = gen.message
    assert isinstance(msg, AIMessageChunk)
    assert msg.content == ""
    assert msg.response_metadata == {}
    assert msg.usage_metadata is None
    assert msg.additional_kwargs == {}
    assert msg.id is None  # langchain-core assigns a run-unique id
    assert gen.generation_info is None


def test_chunk_content() -> None:
    gen = chunk_to_generation(_chunk(_delta({"content": "Hel"})))
    assert gen is not None
    assert gen.message.content == "Hel"
    assert gen.text == "Hel"
    assert gen.message.response_metadata == {}


def test_chunk_tool_call_delta() -> None:
    gen = chunk_to_generation(
        _chunk(
            _delta(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": ""},
                        }
                    ]
                }
            )
        )
    )
    assert gen is not None
    msg = gen.message
    assert isinstance(msg, AIMessageChunk)
    assert msg.tool_call_chunks == [
        {"name": "f", "args": "", "id": "call_1", "index": 0, "type": "tool_call_chunk"}
    ]


def test_chunk_refusal_and_reasoning_delta() -> None:
    gen = chunk_to_generation(_chunk(_delta({"refusal": "I can't", "reasoning_content": "hm"})))
    assert gen is not None
    assert gen.message.additional_kwargs == {"refusal": "I can't", "reasoning_content": "hm"}


def test_chunk_finish_carries_metadata() -> None:
    gen = chunk_to_generation(_chunk(_delta({}, "stop")))
    assert gen is not None
    md = gen.message.response_metadata
    assert md["finish_reason"] == "stop"
    assert md["model_name"] == "gpt-5.2-2025-12-11"
    assert md["service_tier"] == "default"
    assert gen.generation_info == {"finish_reason": "stop"}


def test_chunk_usage_chunk_with_empty_choices() -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 2},
        "completion_tokens_details": {"reasoning_tokens": 3},
    }
    gen = chunk_to_generation({**_BASE, "choices": [], "usage": usage})
    assert gen is not None
    msg = gen.message
    assert isinstance(msg, AIMessageChunk)
    assert msg.content == ""
    assert msg.usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
        "input_token_details": {"cache_read": 2},
        "output_token_details": {"reasoning": 3},
    }
    # No string metadata the finish chunk already carried.
    assert "model_name" not in msg.response_metadata
    assert "finish_reason" not in msg.response_metadata


@pytest.mark.parametrize(
    "data",
    [
        {**_BASE, "choices": []},
        {**_BASE, "choices": [], "usage": None},
        {**_BASE, "choices": None},
        {**_BASE},
        {"id": "x", "choices": [], "obfuscation": "abc"},
    ],
)
def test_chunk_empty_returns_none(data: dict[str, Any]) -> None:
    assert chunk_to_generation(data) is None


def test_chunk_cost_on_last_chunk() -> None:
    data = {**_BASE, "choices": [], "meta": {"usage": {"usd_spent": 0.0021}}}
    gen = chunk_to_generation(data, AIMLAPI)
    assert gen is not None
    assert gen.message.response_metadata["usd_spent"] == 0.0021


def test_body_cost_is_read_by_the_providers_reader() -> None:
    # `meta.usage` is AI/ML API's: another provider's body reader does not see it.
    data = {**_BASE, "choices": [], "meta": {"usage": {"usd_spent": 0.0021}}}
    assert chunk_to_generation(data, OXEN) is None
    assert chunk_to_generation(data) is None
    body = {**copy.deepcopy(AIMLAPI_SAMPLE)}
    md = parse_completion(body, None, OXEN).generations[0].message.response_metadata
    assert "credits_used" not in md


@pytest.mark.parametrize("data", [[1], "x", None])
def test_chunk_not_object(data: Any) -> None:
    with pytest.raises(APIResponseValidationError):
        chunk_to_generation(data)


def test_chunk_error_object() -> None:
    with pytest.raises(APIResponseValidationError, match="mid-stream"):
        chunk_to_generation({"error": {"message": "overloaded"}})


def _merge(chunks: list[dict[str, Any]]) -> ChatGenerationChunk:
    total: ChatGenerationChunk | None = None
    for data in chunks:
        gen = chunk_to_generation(data, AIMLAPI)
        if gen is None:
            continue
        total = gen if total is None else total + gen
    assert total is not None
    return total


def test_merge_realistic_text_stream() -> None:
    usage = {
        "prompt_tokens": 7,
        "completion_tokens": 3,
        "total_tokens": 10,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }
    chunks = [
        _chunk(_delta({"role": "assistant", "content": "", "refusal": None})),
        _chunk(_delta({"content": "Hel"})),
        _chunk(_delta({"content": "lo"})),
        _chunk(_delta({"content": "!"})),
        _chunk(_delta({}, "stop")),
        {
            **_BASE,
            "choices": [],
            "usage": usage,
            "obfuscation": "q",
            "meta": {"usage": {"credits_used": 9}},
        },
        {**_BASE, "choices": []},
    ]
    total = _merge(chunks)
    msg = total.message
    assert isinstance(msg, AIMessageChunk)
    assert msg.content == "Hello!"
    assert msg.id is None  # langchain-core assigns a run-unique id
    assert msg.usage_metadata == {
        "input_tokens": 7,
        "output_tokens": 3,
        "total_tokens": 10,
        "input_token_details": {"cache_read": 0, "audio": 0},
        "output_token_details": {"reasoning": 0, "audio": 0},
    }
    md = msg.response_metadata
    assert md["model_name"] == "gpt-5.2-2025-12-11"
    assert md["finish_reason"] == "stop"
    assert md["model_provider"] == "openai"
    assert md["service_tier"] == "default"
    assert md["id"] == "chatcmpl-stream1"
    assert md["created"] == 1765494441
    assert md["credits_used"] == 9
    # No string duplicated by the merge.
    for value in md.values():
        if isinstance(value, str):
            assert value in (
                "gpt-5.2-2025-12-11",
                "stop",
                "openai",
                "default",
                "chatcmpl-stream1",
            )
    assert total.generation_info == {"finish_reason": "stop"}


def test_merge_oxen_stream_without_usage_chunk() -> None:
    base = {"id": "chatcmpl-ox", "model": "gpt-5-2-chat-latest", "object": "chat.completion.chunk"}
    chunks = [
        {**base, "choices": [{"delta": {"role": "assistant"}, "index": 0}]},
        {**base, "choices": [{"delta": {"content": "Hi"}, "index": 0}]},
        {
            **base,
            "choices": [{"delta": {}, "finish_reason": "stop", "index": 0}],
            "usage": {"completion_tokens": 1, "prompt_tokens": 4, "total_tokens": 5},
        },
    ]
    msg = _merge(chunks).message
    assert msg.content == "Hi"
    assert isinstance(msg, AIMessageChunk)
    assert msg.usage_metadata == {
        "input_tokens": 4,
        "output_tokens": 1,
        "total_tokens": 5,
        "input_token_details": {},
        "output_token_details": {},
    }
    assert msg.response_metadata["model_name"] == "gpt-5-2-chat-latest"
    assert msg.response_metadata["finish_reason"] == "stop"


def _tool_stream(second_args: str) -> list[dict[str, Any]]:
    return [
        _chunk(
            _delta(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ],
                }
            )
        ),
        _chunk(_delta({"tool_calls": [{"index": 0, "function": {"arguments": '{"loc'}}]})),
        _chunk(
            _delta({"tool_calls": [{"index": 0, "function": {"arguments": 'ation": "Paris"}'}}]})
        ),
        _chunk(
            _delta(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "call_2",
                            "type": "function",
                            "function": {"name": "get_time", "arguments": second_args},
                        }
                    ]
                }
            )
        ),
        _chunk(_delta({}, "tool_calls")),
        {**_BASE, "choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 9}},
    ]


def test_merge_tool_call_stream() -> None:
    msg = _merge(_tool_stream('{"tz": "CET"}')).message
    assert isinstance(msg, AIMessageChunk)
    assert msg.tool_calls == [
        {"name": "get_weather", "args": {"location": "Paris"}, "id": "call_1", "type": "tool_call"},
        {"name": "get_time", "args": {"tz": "CET"}, "id": "call_2", "type": "tool_call"},
    ]
    assert msg.response_metadata["finish_reason"] == "tool_calls"
    assert msg.usage_metadata == {
        "input_tokens": 20,
        "output_tokens": 9,
        "total_tokens": 29,
        "input_token_details": {},
        "output_token_details": {},
    }
    strict = strict_tool_calls(msg)
    assert strict.tool_calls == msg.tool_calls
    assert strict.invalid_tool_calls == []


def test_strict_tool_calls_moves_truncated_args() -> None:
    msg = _merge(_tool_stream('{"a": 1')).message
    assert isinstance(msg, AIMessageChunk)
    strict = strict_tool_calls(msg)
    assert [c["id"] for c in strict.tool_calls] == ["call_1"]
    assert len(strict.invalid_tool_calls) == 1
    bad = strict.invalid_tool_calls[0]
    assert bad["id"] == "call_2"
    assert bad["name"] == "get_time"
    assert bad["args"] == '{"a": 1'
    assert bad["error"] is not None
    assert "JSON" in bad["error"]


def test_strict_tool_calls_no_chunks_is_identity() -> None:
    msg = AIMessage("plain")
    assert strict_tool_calls(msg) is msg


def test_merge_refusal_stream() -> None:
    chunks = [
        _chunk(_delta({"role": "assistant", "content": None, "refusal": ""})),
        _chunk(_delta({"refusal": "I can't "})),
        _chunk(_delta({"refusal": "help."})),
        _chunk(_delta({}, "stop")),
    ]
    msg = _merge(chunks).message
    assert msg.content == ""
    assert msg.additional_kwargs["refusal"] == "I can't help."


# -- checks before sending, the plain-text fast path, nameless tool calls -----------------


def test_a_tool_message_answering_no_earlier_call_is_refused() -> None:
    messages = [
        HumanMessage("hi"),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "call_1"}]),
        ToolMessage("ok", tool_call_id="call_1"),
        ToolMessage("stray", tool_call_id="call_9"),
    ]
    with pytest.raises(ValueError, match=r"messages\[3\]: ToolMessage tool_call_id 'call_9'"):
        format_messages(messages)
    assert len(format_messages(messages[:3])) == 3


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,not base64!!",
        "data:image/png;base64,",
        "data:image/png,iVBORw0KGgo=",
        "data:image/png;base64,iVBORw0KGgo",
    ],
)
def test_a_malformed_base64_data_url_is_refused(url: str) -> None:
    part = {"type": "image_url", "image_url": {"url": url}}
    message = HumanMessage(content=[{"type": "text", "text": "see"}, part])
    with pytest.raises(ValueError, match=r"messages\[1\]: image data URL is malformed"):
        format_messages([SystemMessage("s"), message])


def test_a_valid_data_url_and_a_plain_url_pass() -> None:
    for url in ("data:image/png;base64,iVBORw0KGgo=", "https://example.com/cat.png"):
        part = {"type": "image_url", "image_url": {"url": url}}
        format_messages([HumanMessage(content=[part])])


def test_plain_string_messages_skip_the_general_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain_gpt52._wire as wire

    messages = [SystemMessage("s"), HumanMessage("h"), AIMessage("a"), HumanMessage("h2")]
    expected = wire.convert_to_openai_messages(messages)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("general converter called")

    monkeypatch.setattr(wire, "convert_to_openai_messages", boom)
    assert format_messages(messages) == expected
    assert format_messages(messages, system_role="developer")[0]["role"] == "developer"
    with pytest.raises(ValueError, match="developer"):
        monkeypatch.undo()
        format_messages(messages, system_role="developer", allow_developer=False)


@pytest.mark.parametrize("function", [None, {"arguments": "{}"}, {"name": "", "arguments": "{}"}])
def test_a_nameless_tool_call_is_invalid_not_callable(function: Any) -> None:
    raw = {"id": "call_1", "type": "function", "function": function}
    body = {
        "id": "c",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "tool_calls": [raw]},
                "finish_reason": "tool_calls",
            }
        ],
    }
    msg = parse_completion(body).generations[0].message
    assert isinstance(msg, AIMessage)
    assert msg.tool_calls == []
    assert len(msg.invalid_tool_calls) == 1


def test_strict_tool_calls_reports_a_nameless_streamed_call() -> None:
    chunk = AIMessageChunk(
        content="",
        tool_call_chunks=[{"name": None, "args": "{}", "id": "call_1", "index": 0}],
    )
    msg = strict_tool_calls(chunk)
    assert msg.tool_calls == []
    assert msg.invalid_tool_calls[0]["error"] == "tool call has no function name"


def test_a_tool_without_parameters_gets_an_empty_object_schema() -> None:
    fake = FakeProvider()
    model = ChatAIMLAPI(api_key="k", **fake.clients())
    model.bind_tools([{"type": "function", "function": {"name": "ping"}}]).invoke("hi")
    assert fake.body["tools"][0]["function"]["parameters"] == {"type": "object", "properties": {}}


# -- tool calls without a function object -------------------------------------------------


def test_custom_tool_calls_are_reported_not_dropped() -> None:
    raw = [
        {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{}"}},
        {"id": "call_2", "type": "custom", "custom": {"name": "grammar", "input": "1+1"}},
        {"id": "call_3", "type": "function"},
        "junk",
    ]
    calls, invalid = _wire.parse_tool_calls(raw)
    assert [c["id"] for c in calls] == ["call_1"]
    assert [c["id"] for c in invalid] == ["call_2", "call_3", None]
    assert invalid[0]["name"] == "grammar"
    assert invalid[0]["args"] == "1+1"
    assert "'custom'" in invalid[0]["error"]
    assert "not supported" in invalid[0]["error"]
    assert "no 'function'" in invalid[1]["error"]
    assert "not an object" in invalid[2]["error"]

    body = completion(None, tool_calls=raw[1:2], finish_reason="tool_calls")
    message = _wire.parse_completion(body).generations[0].message
    assert message.tool_calls == []
    assert len(message.invalid_tool_calls) == 1


@pytest.mark.parametrize(
    "delta",
    [
        {"content": " world"},
        {"role": "assistant", "content": ""},
        {"role": "assistant", "content": None, "refusal": None},
        {},
        {"content": "x", "tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ""}}]},
        {"content": "x", "reasoning_content": "thinking"},
        {"content": ["a", {"type": "text", "text": "b"}]},
    ],
)
@pytest.mark.parametrize("finish", [None, "stop"])
def test_usual_chunk_shortcut_matches_the_full_parse(
    delta: dict[str, Any], finish: str | None
) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        "usage": None,
        "obfuscation": "x",
    }
    fast = chunk_to_generation(chunk)
    full = chunk_to_generation({**chunk, "x-unknown-field": 1})  # not the usual shape
    assert fast is not None and full is not None
    assert fast.message == full.message
    assert fast.generation_info == full.generation_info
    usual = finish is None and set(delta) <= {"content", "role", "refusal"}
    usual = usual and not isinstance(delta.get("content"), list)
    assert (plain_text(chunk) is not None) == usual
