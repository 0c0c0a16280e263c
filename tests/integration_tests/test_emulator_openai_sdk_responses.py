"""The emulator's AI/ML API `/v1/responses` driven with the official `openai` SDK's Responses
client (`client.responses.create`, `.stream`, `.parse`): the shapes it reads must be real."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.responses import ResponseFunctionToolCall, ResponseReasoningItem
from pydantic import BaseModel

from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration

MODELS = ["openai/gpt-5-2-pro", "openai/gpt-5-2-codex"]
LONG_PROMPT = "Please explain in detail why the sky is blue, with at least three reasons."
AIMLAPI_ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}
AIMLAPI_VALIDATION_KEYS = {"title", "status", "message", "instance", "timestamp", "error"}
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
        "additionalProperties": False,
    },
    "strict": True,
}


class Joke(BaseModel):
    setup: str
    punchline: str


def sdk(emulator: Emulator, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=emulator.base_url("aimlapi"), api_key=key or emulator.api_key, max_retries=0
    )


@pytest.mark.parametrize("model", MODELS)
def test_create_answers_a_response(emulator: Emulator, model: str) -> None:
    raw = sdk(emulator).responses.with_raw_response.create(
        model=model, input="Hello!", instructions="Be nice."
    )
    response = raw.parse()
    assert response.object == "response"
    assert response.status == "completed"
    assert response.output_text == "Hello! How can I help you today?"
    assert response.id.startswith("resp_")
    assert response.usage is not None
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.usage.input_tokens_details.cached_tokens >= 0
    assert response.usage.output_tokens_details.reasoning_tokens >= 0
    assert response.instructions == "Be nice."
    assert raw.headers["x-inference-id"]
    assert float(raw.headers["x-aimlapi-credits-used"]) > 0
    sent = emulator.last_request
    assert sent is not None and sent.path == "/v1/responses"


def test_input_items_and_parts_are_read(emulator: Emulator) -> None:
    response = sdk(emulator).responses.create(
        model=MODELS[0],
        input=[
            {"type": "message", "role": "developer", "content": "Answer briefly."},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this image?"},
                    {
                        "type": "input_image",
                        "image_url": "https://x.test/cat.png",
                        "detail": "auto",
                    },
                ],
            },
        ],
    )
    assert "1 image" in response.output_text


def test_a_function_call_round_trip(emulator: Emulator) -> None:
    client = sdk(emulator)
    first = client.responses.create(
        model=MODELS[0],
        input="Call get_weather for Rome, Italy.",
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice="required",
    )
    calls = [item for item in first.output if isinstance(item, ResponseFunctionToolCall)]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"location": "Rome, Italy"})
    ]
    second = client.responses.create(
        model=MODELS[0],
        input=[
            {"role": "user", "content": "Call get_weather for Rome, Italy."},
            {
                "type": "function_call",
                "call_id": calls[0].call_id,
                "name": "get_weather",
                "arguments": calls[0].arguments,
            },
            {"type": "function_call_output", "call_id": calls[0].call_id, "output": "Sunny"},
        ],
        tools=[WEATHER],  # type: ignore[list-item]
    )
    assert "Sunny" in second.output_text
    assert not [i for i in second.output if isinstance(i, ResponseFunctionToolCall)]


def test_text_format_json_schema_through_parse(emulator: Emulator) -> None:
    parsed = sdk(emulator).responses.parse(
        model=MODELS[0], input="Tell me a joke", text_format=Joke
    )
    assert isinstance(parsed.output_parsed, Joke)
    sent = emulator.last_request
    assert sent is not None and sent.json["text"]["format"]["type"] == "json_schema"


def test_text_format_json_object(emulator: Emulator) -> None:
    response = sdk(emulator).responses.create(
        model=MODELS[0], input="Return JSON please", text={"format": {"type": "json_object"}}
    )
    assert isinstance(json.loads(response.output_text), dict)


def test_max_output_tokens_makes_an_incomplete_response(emulator: Emulator) -> None:
    response = sdk(emulator).responses.create(
        model=MODELS[0], input=LONG_PROMPT, max_output_tokens=16
    )
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.usage is not None and response.usage.output_tokens == 16


def test_a_reasoning_summary_item(emulator: Emulator) -> None:
    emulator.reasoning_content = "Adding two and two."
    response = sdk(emulator).responses.create(model=MODELS[1], input="What is 2 + 2?")
    reasoning = response.output[0]
    assert isinstance(reasoning, ResponseReasoningItem)
    assert [s.text for s in reasoning.summary] == ["Adding two and two."]


@pytest.mark.parametrize("model", MODELS)
def test_stream_events(emulator: Emulator, model: str) -> None:
    with sdk(emulator).responses.stream(model=model, input=LONG_PROMPT) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    for kind in (
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ):
        assert kind in kinds
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) > 1
    assert "".join(deltas) == final.output_text
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert final.usage is not None and final.usage.output_tokens > 0


def test_stream_a_function_call(emulator: Emulator) -> None:
    with sdk(emulator).responses.stream(
        model=MODELS[0],
        input="Call get_weather for Rome, Italy.",
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice={"type": "function", "name": "get_weather"},
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()
    args = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    assert json.loads(args) == {"location": "Rome, Italy"}
    [call] = [i for i in final.output if isinstance(i, ResponseFunctionToolCall)]
    assert call.arguments == args


def test_stream_stops_at_max_output_tokens(emulator: Emulator) -> None:
    with sdk(emulator).responses.stream(
        model=MODELS[0], input=LONG_PROMPT, max_output_tokens=16
    ) as stream:
        kinds = [e.type for e in stream]
    assert kinds[-1] == "response.incomplete"


# -- errors in AI/ML API's shapes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"max_output_tokens": 15}, "max_output_tokens"),
        ({"model": "openai/gpt-5-2"}, "model"),
        ({"text": {"format": {"type": "json_schema", "schema": {}}}}, "text.format.name"),
        ({"tools": [{"type": "function", "name": "f", "parameters": {}}]}, "tools[0].strict"),
    ],
)
def test_validation_errors(emulator: Emulator, kwargs: dict[str, Any], path: str) -> None:
    request: dict[str, Any] = {"model": MODELS[0], "input": "hi", **kwargs}
    with pytest.raises(openai.BadRequestError) as info:
        sdk(emulator).responses.create(**request)
    body = info.value.response.json()
    assert set(body) == AIMLAPI_VALIDATION_KEYS
    assert body["instance"] == "/v1/responses"
    assert path in body["message"]


def test_a_function_output_without_its_call_is_refused(emulator: Emulator) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk(emulator).responses.create(
            model=MODELS[0],
            input=[{"type": "function_call_output", "call_id": "call_x", "output": "1"}],
        )
    body = info.value.response.json()
    assert set(body) == AIMLAPI_ERROR_KEYS
    assert "call_x" in body["message"]


def test_a_bad_key_and_no_credits(emulator: Emulator) -> None:
    with pytest.raises(openai.AuthenticationError) as auth:
        sdk(emulator, key="wrong").responses.create(model=MODELS[0], input="hi")
    assert set(auth.value.response.json()) == AIMLAPI_ERROR_KEYS
    emulator.set_credits(0)
    with pytest.raises(openai.PermissionDeniedError) as credits:
        sdk(emulator).responses.create(model=MODELS[0], input="hi")
    assert credits.value.status_code == 403


def test_the_model_list_names_the_responses_endpoint(emulator: Emulator) -> None:
    client = sdk(emulator)
    for model in MODELS:
        assert client.models.retrieve(model).to_dict()["type"] == "openai/responses"
    chat = client.models.retrieve("openai/gpt-5-2").to_dict()
    assert chat["type"] == "openai/chat-completions"
