"""The emulator's Responses route as AI/ML API plays it, as pure functions: AI/ML API's models and
schema there, validation, the request read as a chat request, the response object and its stream
events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gpt52.emulator import responses
from langchain_gpt52.emulator.providers import PROVIDERS
from langchain_gpt52.emulator.providers.aimlapi_responses import MODELS, body_issues
from langchain_gpt52.emulator.rejection import RequestRejected
from langchain_gpt52.emulator.settings import Settings
from langchain_gpt52.providers import AIMLAPI

AIML = PROVIDERS["aimlapi"]
PRO = "openai/gpt-5-2-pro"
CODEX = "openai/gpt-5-2-codex"


def test_the_route_serves_the_catalogs_responses_models() -> None:
    catalog = {row.model for row in AIMLAPI.models if row.endpoint == "responses"}
    assert set(MODELS) == catalog
    assert AIML.responses_path == "/v1/responses"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"input": "hi"}, ["model"]),
        ({"model": "openai/gpt-5-2", "input": "hi"}, ["model"]),
        ({"model": PRO}, ["input"]),
        ({"model": PRO, "input": 3}, ["input"]),
        (
            {"model": PRO, "input": [{"type": "message", "role": "tool", "content": "x"}]},
            ["input", 0, "role"],
        ),
        (
            {
                "model": PRO,
                "input": [
                    {"type": "message", "role": "user", "content": [{"type": "input_audio"}]}
                ],
            },
            ["input", 0, "content", 0, "type"],
        ),
        (
            {"model": PRO, "input": [{"type": "function_call", "name": "f", "call_id": "c"}]},
            ["input", 0, "arguments"],
        ),
        ({"model": PRO, "input": "hi", "max_output_tokens": 15}, ["max_output_tokens"]),
        ({"model": PRO, "input": "hi", "max_output_tokens": 16.5}, ["max_output_tokens"]),
        ({"model": PRO, "input": "hi", "stream": "yes"}, ["stream"]),
        (
            {
                "model": PRO,
                "input": "hi",
                "tools": [{"type": "function", "name": "f", "parameters": {}}],
            },
            ["tools", 0, "strict"],
        ),
        (
            {
                "model": PRO,
                "input": "hi",
                "text": {"format": {"type": "json_schema", "schema": {}}},
            },
            ["text", "format", "name"],
        ),
        (
            {"model": PRO, "input": "hi", "text": {"format": {"type": "xml"}}},
            ["text", "format", "type"],
        ),
        (
            {"model": CODEX, "input": "hi", "reasoning": {"effort": "xhigh"}},
            ["reasoning", "effort"],
        ),
    ],
)
def test_body_issues_name_the_field(body: dict[str, Any], path: list[Any]) -> None:
    issues = body_issues(body)
    assert path in [issue["path"] for issue in issues]


@pytest.mark.parametrize(
    "body",
    [
        {"model": PRO, "input": "hi"},
        {"model": PRO, "input": "hi", "reasoning": {"effort": "xhigh"}},  # not in pro's schema
        {"model": CODEX, "input": "hi", "reasoning": {"effort": "low", "summary": "auto"}},
        {"model": PRO, "input": "hi", "temperature": 0.3},  # unknown fields are stripped
    ],
)
def test_valid_bodies_have_no_issue(body: dict[str, Any]) -> None:
    assert body_issues(body) == []


def test_a_function_output_must_answer_a_call() -> None:
    body = {
        "model": PRO,
        "input": [{"type": "function_call_output", "call_id": "c9", "output": "1"}],
    }
    with pytest.raises(RequestRejected) as info:
        responses.validate(AIML, body, "/v1/responses")
    assert info.value.status == 400
    assert "c9" in info.value.body["message"]


def test_the_request_read_as_a_chat_request() -> None:
    body = {
        "model": CODEX,
        "instructions": "Be brief.",
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "look"},
                    {"type": "input_image", "image_url": "https://x.test/a.png"},
                ],
            },
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call", "call_id": "c2", "name": "g", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "one"},
        ],
        "max_output_tokens": 40,
        "tools": [{"type": "function", "name": "f", "parameters": {}, "strict": False}],
        "tool_choice": {"type": "function", "name": "f"},
        "parallel_tool_calls": False,
        "text": {"format": {"type": "json_schema", "name": "J", "schema": {}, "strict": True}},
        "reasoning": {"effort": "high"},
    }
    chat = responses.chat_request(AIML, body)
    assert chat["messages"][0] == {"role": "system", "content": "Be brief."}
    assert chat["messages"][1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://x.test/a.png"},
    }
    assert [c["id"] for c in chat["messages"][2]["tool_calls"]] == ["c1", "c2"]
    assert chat["messages"][3] == {"role": "tool", "tool_call_id": "c1", "content": "one"}
    assert chat["max_tokens"] == 40
    assert chat["tools"] == [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    assert chat["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert chat["parallel_tool_calls"] is False
    assert chat["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "J", "schema": {}, "strict": True},
    }
    assert chat["reasoning_effort"] == "high"


def test_an_answer_and_its_events() -> None:
    body = {"model": PRO, "input": "What is 5 + 5?"}
    answer = responses.answer(AIML, body, Settings(reasoning_content="Adding."))
    assert answer["status"] == "completed"
    assert [item["type"] for item in answer["output"]] == ["reasoning", "message"]
    assert answer["output"][1]["content"][0]["text"] == "5 + 5 = 10."
    assert answer["usage"]["total_tokens"] == (
        answer["usage"]["input_tokens"] + answer["usage"]["output_tokens"]
    )
    assert answer["meta"]["usage"]["credits_used"] > 0
    events = [
        (raw.split(b"\n")[0].decode(), json.loads(raw.split(b"\n")[1][len(b"data: ") :]))
        for raw in responses.events(answer)
    ]
    assert all(name == f"event: {data['type']}" for name, data in events)
    kinds = [data["type"] for _, data in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    text = "".join(d["delta"] for _, d in events if d["type"] == "response.output_text.delta")
    summary = "".join(
        d["delta"] for _, d in events if d["type"] == "response.reasoning_summary_text.delta"
    )
    assert (text, summary) == ("5 + 5 = 10.", "Adding.")
    assert events[0][1]["response"]["output"] == [] and "meta" not in events[0][1]["response"]


def test_a_cut_answer_is_incomplete() -> None:
    body = {
        "model": PRO,
        "input": "Please explain in detail why the sky is blue, with at least three reasons.",
        "max_output_tokens": 16,
    }
    answer = responses.answer(AIML, body, Settings())
    assert answer["status"] == "incomplete"
    assert answer["incomplete_details"] == {"reason": "max_output_tokens"}
    last = json.loads(responses.events(answer)[-1].split(b"\n")[1][len(b"data: ") :])
    assert last["type"] == "response.incomplete"
