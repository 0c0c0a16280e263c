"""Unit tests of the emulator's pure parts: providers, completion builder and fake model."""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from langchain_gpt52.emulator.completion import complete, stream_chunks
from langchain_gpt52.emulator.fake_model.tokens import count_tokens, tokenize
from langchain_gpt52.emulator.providers import PROVIDERS, provider_named
from langchain_gpt52.emulator.providers.aimlapi import MODEL as AIMLAPI_MODEL
from langchain_gpt52.emulator.providers.aimlapi import UPSTREAM_MODEL as AIMLAPI_UPSTREAM_MODEL
from langchain_gpt52.emulator.providers.aimlapi import _credits_for as credits_for
from langchain_gpt52.emulator.providers.oxen import MODEL as OXEN_MODEL
from langchain_gpt52.emulator.rejection import RequestRejected
from langchain_gpt52.emulator.settings import Settings


def validate(provider: str, body: Any, *, path: str) -> None:
    provider_named(provider).validate(body, path)


def error_body(provider: str, status: int, message: str, *, path: str) -> dict[str, Any]:
    return provider_named(provider).error_body(status, message, path)


models_list = PROVIDERS["oxen"].models
model_detail = PROVIDERS["oxen"].model_details

PATH = "/v1/chat/completions"
OXEN_PATH = "/api/ai/chat/completions"
PROVIDERS: list[Literal["aimlapi", "oxen"]] = ["aimlapi", "oxen"]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _model(provider: str) -> str:
    return AIMLAPI_MODEL if provider == "aimlapi" else OXEN_MODEL


def _body(provider: str, text: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {
        "model": _model(provider),
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def _tool(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


MAGIC = _tool(
    "magic_function",
    "Apply a magic function to an input.",
    {
        "type": "object",
        "properties": {
            "input": {"type": "integer", "exclusiveMinimum": -1000, "exclusiveMaximum": 1000}
        },
        "required": ["input"],
    },
)
NO_ARGS = _tool(
    "magic_function_no_args", "Calculate a magic function.", {"type": "object", "properties": {}}
)
WEATHER = _tool(
    "get_weather",
    "Get the weather at a location.",
    {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
)
ADDER = _tool(
    "my_adder_tool",
    "Tool that adds two integers.",
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
)


def _tool_calls(response: dict[str, Any], choice: int = 0) -> list[tuple[str, Any]]:
    message = response["choices"][choice]["message"]
    return [
        (call["function"]["name"], json.loads(call["function"]["arguments"]))
        for call in message.get("tool_calls") or []
    ]


def _rejected(provider: str, body: Any) -> RequestRejected:
    with pytest.raises(RequestRejected) as info:
        validate(provider, body, path=PATH if provider == "aimlapi" else OXEN_PATH)  # type: ignore[arg-type]
    return info.value


def _joined_stream(chunks: list[dict[str, Any]], choice: int = 0) -> dict[str, Any]:
    """Reassemble a streamed answer the way an OpenAI client does."""
    content: str | None = None
    refusal: str | None = None
    calls: dict[int, dict[str, Any]] = {}
    finish = None
    for chunk in chunks:
        for ch in chunk["choices"]:
            if ch["index"] != choice:
                continue
            delta = ch["delta"]
            if delta.get("content") is not None:
                content = (content or "") + delta["content"]
            if delta.get("refusal") is not None:
                refusal = (refusal or "") + delta["refusal"]
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(tc["index"], {"name": "", "arguments": ""})
                fn = tc.get("function") or {}
                slot["name"] += fn.get("name") or ""
                slot["arguments"] += fn.get("arguments") or ""
            if ch["finish_reason"] is not None:
                finish = ch["finish_reason"]
    return {"content": content, "refusal": refusal, "calls": calls, "finish": finish}


# --------------------------------------------------------------------------------------
# aimlapi validation
# --------------------------------------------------------------------------------------

AIMLAPI_INVALID: list[tuple[str, dict[str, Any], list[Any], str]] = [
    ("unknown model", {"model": "openai/gpt-4o"}, ["model"], "invalid_enum_value"),
    ("model missing", {"model": None}, ["model"], "invalid_type"),
    ("messages not array", {"messages": "hi"}, ["messages"], "invalid_type"),
    ("messages empty", {"messages": []}, ["messages"], "too_small"),
    (
        "bad role",
        {"messages": [{"role": "robot", "content": "x"}]},
        ["messages", 0, "role"],
        "invalid_union_discriminator",
    ),
    (
        "user content missing",
        {"messages": [{"role": "user"}]},
        ["messages", 0, "content"],
        "invalid_type",
    ),
    (
        "system extra key",
        {"messages": [{"role": "system", "content": "x", "foo": 1}]},
        ["messages", 0],
        "unrecognized_keys",
    ),
    (
        "tool content list",
        {
            "messages": [
                {"role": "tool", "content": [{"type": "text", "text": "x"}], "tool_call_id": "a"}
            ]
        },
        ["messages", 0, "content"],
        "invalid_type",
    ),
    (
        "tool call id missing",
        {"messages": [{"role": "tool", "content": "x"}]},
        ["messages", 0, "tool_call_id"],
        "invalid_type",
    ),
    (
        "bad part type",
        {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
        ["messages", 0, "content", 0, "type"],
        "invalid_enum_value",
    ),
    (
        "bad image detail",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://x/y.png", "detail": "max"},
                        }
                    ],
                }
            ]
        },
        ["messages", 0, "content", 0, "image_url", "detail"],
        "invalid_enum_value",
    ),
    (
        "reasoning minimal",
        {"reasoning_effort": "minimal"},
        ["reasoning_effort"],
        "invalid_enum_value",
    ),
    ("reasoning none", {"reasoning_effort": "none"}, ["reasoning_effort"], "invalid_enum_value"),
    ("reasoning xhigh", {"reasoning_effort": "xhigh"}, ["reasoning_effort"], "invalid_enum_value"),
    ("temperature high", {"temperature": 2.5}, ["temperature"], "too_big"),
    ("temperature negative", {"temperature": -0.1}, ["temperature"], "too_small"),
    ("temperature null", {"temperature": None}, ["temperature"], "invalid_type"),
    ("top_p zero", {"top_p": 0}, ["top_p"], "too_small"),
    ("top_p above one", {"top_p": 1.5}, ["top_p"], "too_big"),
    ("top_logprobs 21", {"top_logprobs": 21}, ["top_logprobs"], "too_big"),
    ("seed zero", {"seed": 0}, ["seed"], "too_small"),
    ("seed float", {"seed": 1.5}, ["seed"], "invalid_type"),
    ("n zero", {"n": 0}, ["n"], "too_small"),
    ("max_tokens zero", {"max_tokens": 0}, ["max_tokens"], "too_small"),
    ("stream not bool", {"stream": "yes"}, ["stream"], "invalid_type"),
    (
        "stream_options empty",
        {"stream_options": {}},
        ["stream_options", "include_usage"],
        "invalid_type",
    ),
    (
        "format type",
        {"response_format": {"type": "xml"}},
        ["response_format", "type"],
        "invalid_enum_value",
    ),
    (
        "schema name missing",
        {"response_format": {"type": "json_schema", "json_schema": {"schema": {}}}},
        ["response_format", "json_schema", "name"],
        "invalid_type",
    ),
    (
        "schema name pattern",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "my schema!"}}},
        ["response_format", "json_schema", "name"],
        "invalid_string",
    ),
    (
        "schema name too long",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x" * 65}}},
        ["response_format", "json_schema", "name"],
        "invalid_string",
    ),
    (
        "tool choice any",
        {"tools": [WEATHER], "tool_choice": "any"},
        ["tool_choice"],
        "invalid_union",
    ),
    (
        "tool choice bad type",
        {"tools": [WEATHER], "tool_choice": {"type": "tool", "function": {"name": "get_weather"}}},
        ["tool_choice", "type"],
        "invalid_enum_value",
    ),
    (
        "tool type",
        {"tools": [{"type": "web_search", "function": WEATHER["function"]}]},
        ["tools", 0, "type"],
        "invalid_enum_value",
    ),
    (
        "tool without parameters",
        {"tools": [{"type": "function", "function": {"name": "f"}}]},
        ["tools", 0, "function", "parameters"],
        "invalid_type",
    ),
    (
        "tool function extra key",
        {"tools": [{"type": "function", "function": {**WEATHER["function"], "examples": []}}]},
        ["tools", 0, "function"],
        "unrecognized_keys",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [pytest.param(c, p, code, id=name) for name, c, p, code in AIMLAPI_INVALID],
)
def test_aimlapi_body_validation_error(change: dict[str, Any], path: list[Any], code: str) -> None:
    body = _body("aimlapi", **change)
    if change.get("model", "") is None:
        del body["model"]
    rejected = _rejected("aimlapi", body)
    assert rejected.status == 400
    err = rejected.body
    assert set(err) == {"title", "status", "message", "instance", "timestamp", "error"}
    assert err["status"] == 400
    assert err["instance"] == PATH
    assert err["message"].startswith("Body validation error")
    assert err["error"]["name"] == "ZodError"
    issues = err["error"]["data"]
    assert isinstance(issues, list) and issues
    assert all({"code", "path", "message"} <= set(issue) for issue in issues)
    assert any(issue["path"] == path and issue["code"] == code for issue in issues), issues


def test_aimlapi_collects_all_issues() -> None:
    body = _body("aimlapi", temperature=3, top_p=0, seed=0)
    issues = _rejected("aimlapi", body).body["error"]["data"]
    assert {tuple(i["path"]) for i in issues} == {("temperature",), ("top_p",), ("seed",)}


def test_aimlapi_non_object_body() -> None:
    rejected = _rejected("aimlapi", [1, 2])
    assert rejected.status == 400
    assert rejected.body["error"]["data"][0]["path"] == []


@pytest.mark.parametrize(
    "extra",
    [
        {"stop": ["you"], "verbosity": "low", "frequency_penalty": 0.5, "user": "u1"},
        {"max_completion_tokens": 10, "service_tier": "flex"},
        {"temperature": 0, "top_p": 0.01, "n": 2, "seed": 1, "top_logprobs": 20, "logprobs": True},
        {"reasoning_effort": "high", "max_tokens": 1},
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "Joke-1_a",
                    "schema": {},
                    "strict": True,
                    "description": "d",
                },
            }
        },
        {
            "tools": [WEATHER],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": False,
        },
        {"stream": True, "stream_options": {"include_usage": False}},
        {"n": None, "logprobs": None, "top_logprobs": None},
    ],
)
def test_aimlapi_accepts_valid_bodies(extra: dict[str, Any]) -> None:
    validate("aimlapi", _body("aimlapi", **extra), path=PATH)


def test_aimlapi_accepts_full_conversation() -> None:
    body = _body("aimlapi")
    body["messages"] = [
        {"role": "system", "content": "be nice", "name": "sys"},
        {"role": "developer", "content": [{"type": "text", "text": "dev"}]},
        {
            "role": "user",
            "name": "example_user",
            "content": [
                {"type": "text", "text": "hi"},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"},
                },
                {
                    "type": "file",
                    "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,AA"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "content": "sunny", "tool_call_id": "c1", "name": None},
        {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]},
    ]
    body["tools"] = [WEATHER]
    validate("aimlapi", body, path=PATH)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"reasoning_effort": "low", "temperature": 0.7}, "'temperature' does not support 0.7"),
        ({"reasoning_effort": "medium", "top_p": 0.5}, "'top_p' does not support 0.5"),
        ({"reasoning_effort": "high", "logprobs": True}, "'logprobs'"),
        ({"tool_choice": "auto"}, "only allowed when 'tools' are specified"),
        (
            {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}},
            "function 'nope' not found",
        ),
    ],
)
def test_aimlapi_upstream_rejections(extra: dict[str, Any], needle: str) -> None:
    rejected = _rejected("aimlapi", _body("aimlapi", **extra))
    assert rejected.status == 400
    assert set(rejected.body) == {"message", "path", "requestId", "statusCode", "timestamp"}
    assert rejected.body["statusCode"] == 400
    assert needle in rejected.body["message"]


def test_aimlapi_temperature_one_with_reasoning_is_fine() -> None:
    validate("aimlapi", _body("aimlapi", reasoning_effort="low", temperature=1), path=PATH)


# --------------------------------------------------------------------------------------
# oxen validation
# --------------------------------------------------------------------------------------

OXEN_INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("empty messages", {"messages": []}, "non-empty"),
    ("messages not list", {"messages": {"role": "user"}}, "non-empty"),
    ("developer role", {"messages": [{"role": "developer", "content": "x"}]}, "developer"),
    ("unknown role", {"messages": [{"role": "robot", "content": "x"}]}, "robot"),
    (
        "temperature 0.7",
        {"temperature": 0.7},
        "Unsupported value: 'temperature' does not support 0.7 with this model. "
        "Only the default (1) value is supported.",
    ),
    ("temperature 0", {"temperature": 0}, "does not support 0 with"),
    ("temperature string", {"temperature": "hot"}, "temperature"),
    ("reasoning low", {"reasoning_effort": "low"}, "'reasoning_effort' does not support"),
    ("reasoning high", {"reasoning_effort": "high"}, "Supported values are: 'medium'"),
    ("max_tokens too big", {"max_tokens": 20000}, "max_tokens is too large: 20000"),
    ("max_tokens zero", {"max_tokens": 0}, "max_tokens"),
    ("stream not bool", {"stream": "yes"}, "stream"),
    ("tool type", {"tools": [{"type": "code", "function": {"name": "x"}}]}, "tools[0].type"),
    ("tool_choice any", {"tools": [WEATHER], "tool_choice": "any"}, "tool_choice"),
    ("format type", {"response_format": {"type": "yaml"}}, "response_format"),
    (
        "schema name",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "a b"}}},
        "json_schema.name",
    ),
    ("tool_choice without tools", {"tool_choice": "required"}, "only allowed when 'tools'"),
    ("tool message without id", {"messages": [{"role": "tool", "content": "x"}]}, "tool_call_id"),
]


@pytest.mark.parametrize(
    ("change", "needle"), [pytest.param(c, n, id=name) for name, c, n in OXEN_INVALID]
)
def test_oxen_bad_request(change: dict[str, Any], needle: str) -> None:
    rejected = _rejected("oxen", _body("oxen", **change))
    assert rejected.status == 400
    body = rejected.body
    assert set(body) == {"error", "status", "status_message"}
    assert body["status"] == "error"
    assert set(body["error"]) == {"type", "title", "detail"}
    assert needle in body["error"]["detail"]
    assert body["status_message"] == body["error"]["detail"]


@pytest.mark.parametrize("model", ["gpt-5-2", "openai/gpt-5-2", "gpt-5.2-chat-latest"])
def test_oxen_unknown_model_is_404(model: str) -> None:
    rejected = _rejected("oxen", {**_body("oxen"), "model": model})
    assert rejected.status == 404
    assert rejected.body == {"error": {"message": f"Model not found: {model}"}}


@pytest.mark.parametrize(
    "extra",
    [
        {"temperature": 1, "top_p": 1, "max_tokens": 16384},
        {"reasoning_effort": "medium", "verbosity": "low", "stop": ["x"], "seed": 3},
        {"frequency_penalty": 0, "presence_penalty": 0, "n": 2},
        {"tools": [WEATHER], "tool_choice": "required", "parallel_tool_calls": True},
        {"stream": True, "stream_options": {"include_usage": True}},
    ],
)
def test_oxen_accepts_valid_bodies(extra: dict[str, Any]) -> None:
    validate("oxen", _body("oxen", **extra), path=OXEN_PATH)


# --------------------------------------------------------------------------------------
# error bodies, models
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 404, 429, 500, 502, 503, 504])
def test_aimlapi_error_body(status: int) -> None:
    body = error_body("aimlapi", status, "boom", path=PATH)
    assert set(body) == {"message", "path", "requestId", "statusCode", "timestamp"}
    assert body["statusCode"] == status and body["message"] == "boom" and body["path"] == PATH
    assert body["timestamp"].endswith("Z")


@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_oxen_error_body(status: int) -> None:
    body = error_body("oxen", status, "Rate limit exceeded", path=OXEN_PATH)
    assert body["status"] == "error"
    assert body["error"]["detail"] == "Rate limit exceeded"
    assert set(body["error"]) == {"type", "title", "detail"}


def test_oxen_model_not_found_error_body() -> None:
    body = error_body("oxen", 404, "Model not found: x", path="/api/ai/models/x")
    assert body == {"error": {"message": "Model not found: x"}}


def test_models() -> None:
    listing = models_list()
    assert [m["id"] for m in listing["data"]] == [OXEN_MODEL]
    detail = model_detail(OXEN_MODEL)
    assert detail is not None
    assert detail["object"] == "model"
    assert {"input", "output"} <= set(detail["capabilities"])
    assert "image" in detail["capabilities"]["input"]
    assert isinstance(detail["json_request_schema"], dict)
    assert detail["max_output_tokens"] == 16384
    assert model_detail("nope") is None
    detail["id"] = "mutated"
    assert model_detail(OXEN_MODEL)["id"] == OXEN_MODEL  # type: ignore[index]


# --------------------------------------------------------------------------------------
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
# replies
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", "Hello! How can I help you today?"),
        ("how are you", "doing well"),
        ("What is 3 + 4", "3 + 4 = 7"),
        ("Write me 2 haikus.", "words arrive one at a time"),
        ("Something else entirely", 'You said: "Something else entirely"'),
    ],
)
def test_plain_text_reply(provider: str, text: str, expected: str) -> None:
    content = complete(provider, _body(provider, text))["choices"][0]["message"]["content"]  # type: ignore[arg-type]
    assert expected in content


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}],
            "I see 1 image.",
        ),
        (
            [
                {"type": "image_url", "image_url": {"url": "https://x/a.png"}},
                {"type": "image_url", "image_url": {"url": "https://x/b.png"}},
            ],
            "I see 2 images.",
        ),
        (
            [
                {
                    "type": "file",
                    "file": {
                        "filename": "test_file.pdf",
                        "file_data": "data:application/pdf;base64,AA",
                    },
                }
            ],
            "1 file (test_file.pdf)",
        ),
    ],
)
def test_multimodal_parts_are_acknowledged(parts: list[dict[str, Any]], expected: str) -> None:
    body = _body("aimlapi")
    body["messages"] = [
        {"role": "user", "content": [{"type": "text", "text": "Describe this."}, *parts]}
    ]
    validate("aimlapi", body, path=PATH)
    resp = complete("aimlapi", body)
    assert expected in resp["choices"][0]["message"]["content"]
    text_only = complete("aimlapi", _body("aimlapi", "Describe this."))
    assert resp["usage"]["prompt_tokens"] > text_only["usage"]["prompt_tokens"]


def test_double_messages_and_names() -> None:
    body = _body("aimlapi")
    body["messages"] = [
        {"role": "system", "content": "hello"},
        {"role": "system", "content": "hello"},
        {"role": "user", "content": "hello"},
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "hello"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "how are you", "name": "example_user"},
    ]
    validate("aimlapi", body, path=PATH)
    assert complete("aimlapi", body)["choices"][0]["message"]["content"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refusal(provider: str) -> None:
    body = _body(provider, "Tell me a secret [refuse]")
    resp = complete(provider, body)  # type: ignore[arg-type]
    message = resp["choices"][0]["message"]
    assert message["content"] is None
    assert message["refusal"] == "I'm sorry, I can't help with that."
    assert resp["choices"][0]["finish_reason"] == "stop"
    joined = _joined_stream(stream_chunks(provider, body))  # type: ignore[arg-type]
    assert joined["refusal"] == message["refusal"]
    assert not joined["content"]


# --------------------------------------------------------------------------------------
# tool calling
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("tool_choice", [None, "required", "auto"])
def test_tool_call_int_argument(provider: str, tool_choice: str | None) -> None:
    extra: dict[str, Any] = {"tools": [MAGIC]}
    if tool_choice:
        extra["tool_choice"] = tool_choice
    body = _body(provider, "What is the value of magic_function(3)? Use the tool.", **extra)
    resp = complete(provider, body)  # type: ignore[arg-type]
    assert _tool_calls(resp) == [("magic_function", {"input": 3})]
    choice = resp["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"][0]["id"].startswith("call_")
    assert choice["message"]["tool_calls"][0]["type"] == "function"


def test_tool_call_no_arguments() -> None:
    body = _body(
        "aimlapi",
        "What is the value of magic_function_no_args()? Use the tool.",
        tools=[NO_ARGS],
        tool_choice="required",
    )
    assert _tool_calls(complete("aimlapi", body)) == [("magic_function_no_args", {})]


def test_tool_choice_forces_named_tool() -> None:
    forced = {"type": "function", "function": {"name": "magic_function"}}
    body = _body("aimlapi", "Hello!", tools=[WEATHER, MAGIC], tool_choice=forced)
    calls = _tool_calls(complete("aimlapi", body))
    assert [c[0] for c in calls] == ["magic_function"]
    assert -1000 < calls[0][1]["input"] < 1000


def test_required_without_match_calls_first_tool() -> None:
    body = _body("aimlapi", "Hello!", tools=[MAGIC, WEATHER], tool_choice="required")
    assert _tool_calls(complete("aimlapi", body)) == [("magic_function", {"input": 0})]


def test_auto_without_any_match_answers_in_text() -> None:
    body = _body("aimlapi", "Hello!", tools=[MAGIC, WEATHER])
    resp = complete("aimlapi", body)
    assert _tool_calls(resp) == []
    assert resp["choices"][0]["message"]["content"]


def test_tool_choice_none_answers_in_text() -> None:
    body = _body("aimlapi", "What is the weather in Paris?", tools=[WEATHER], tool_choice="none")
    assert _tool_calls(complete("aimlapi", body)) == []


def test_location_string_from_word_match() -> None:
    body = _body("aimlapi", "What is the weather in San Francisco, CA?", tools=[WEATHER])
    assert _tool_calls(complete("aimlapi", body)) == [
        ("get_weather", {"location": "San Francisco, CA"})
    ]


def test_two_ints_in_order() -> None:
    body = _body("aimlapi", "What is 3 + 4", tools=[ADDER], tool_choice="required")
    assert _tool_calls(complete("aimlapi", body)) == [("my_adder_tool", {"a": 3, "b": 4})]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "Create a customer named '你好啊集团' (Hello Group) - a Chinese technology company",
            "你好",
        ),
        (
            "Create a customer named 'こんにちは株式会社' (Hello Corporation) - a Japanese company",
            "こんにちは",
        ),
    ],
)
def test_unicode_quoted_string_argument(text: str, fragment: str) -> None:
    tool = _tool(
        "unicode_customer",
        "Tool for creating a customer with Unicode name.",
        {
            "type": "object",
            "properties": {"customer_name": {"type": "string"}, "description": {"type": "string"}},
            "required": ["customer_name", "description"],
        },
    )
    resp = complete("oxen", _body("oxen", text, tools=[tool], tool_choice="required"))
    ((name, args),) = _tool_calls(resp)
    assert name == "unicode_customer"
    assert fragment in args["customer_name"]
    assert isinstance(args["description"], str) and args["description"]
    raw = resp["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert fragment in raw  # not \\u-escaped


def test_capitalized_phrase_argument() -> None:
    tool = _tool(
        "greeting_generator",
        "Generate a greeting in a particular style of speaking.",
        {
            "type": "object",
            "properties": {"answer_style": {"type": "string"}},
            "required": ["answer_style"],
        },
    )
    body = _body(
        "aimlapi",
        "Using the tool, generate a Pirate greeting.",
        tools=[tool],
        tool_choice="required",
    )
    assert _tool_calls(complete("aimlapi", body)) == [
        ("greeting_generator", {"answer_style": "Pirate"})
    ]


def test_nested_ref_enum_and_optional_arguments() -> None:
    params = {
        "type": "object",
        "$defs": {
            "Unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "Point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
            },
        },
        "properties": {
            "city": {"type": "string", "description": "The city"},
            "unit": {"$ref": "#/$defs/Unit"},
            "origin": {"$ref": "#/$defs/Point"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "verbose": {"type": "boolean"},
            "limit": {
                "anyOf": [{"type": "integer", "minimum": 5}, {"type": "null"}],
                "default": None,
            },
            "note": {"type": "string"},
        },
        "required": ["city", "unit", "origin", "tags", "verbose", "limit"],
    }
    tool = _tool("plot_forecast", "Plot a forecast.", params)
    text = "plot_forecast for 'Berlin' at 1.5 and 2 in fahrenheit"
    ((name, args),) = _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=[tool])))
    assert name == "plot_forecast"
    assert args["city"] == "Berlin"
    assert args["unit"] == "fahrenheit"
    assert args["origin"] == {"x": 1.5, "y": 2}
    assert (
        isinstance(args["tags"], list)
        and len(args["tags"]) == 1
        and isinstance(args["tags"][0], str)
    )
    assert args["verbose"] is True
    assert args["limit"] == 5  # no number left -> default/0 clamped to the minimum
    assert "note" not in args  # optional and not mentioned


def test_enum_defaults_to_first_and_boolean_negation() -> None:
    params = {
        "type": "object",
        "properties": {
            "mode": {"type": "string", "enum": ["fast", "slow"]},
            "dry_run": {"type": "boolean"},
        },
        "required": ["mode", "dry_run"],
    }
    tool = _tool("deploy", "Deploy the app.", params)
    args = _tool_calls(
        complete("aimlapi", _body("aimlapi", "deploy it with no dry run", tools=[tool]))
    )[0][1]
    assert args == {"mode": "fast", "dry_run": False}


def test_parallel_named_tools_and_segments() -> None:
    body = _body("aimlapi", "Call magic_function(5) and my_adder_tool(1, 2)", tools=[MAGIC, ADDER])
    assert _tool_calls(complete("aimlapi", body)) == [
        ("magic_function", {"input": 5}),
        ("my_adder_tool", {"a": 1, "b": 2}),
    ]
    sequential = complete("aimlapi", {**body, "parallel_tool_calls": False})
    assert _tool_calls(sequential) == [("magic_function", {"input": 5})]


def test_agent_loop_terminates_with_quoted_result() -> None:
    first = _body("aimlapi", "What is the weather in San Francisco, CA?", tools=[WEATHER])
    call = complete("aimlapi", first)["choices"][0]["message"]["tool_calls"][0]
    follow = copy.deepcopy(first)
    follow["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "It's sunny."},
    ]
    validate("aimlapi", follow, path=PATH)
    resp = complete("aimlapi", follow)
    assert _tool_calls(resp) == []
    assert resp["choices"][0]["finish_reason"] == "stop"
    assert "It's sunny." in resp["choices"][0]["message"]["content"]
    assert "get_weather" in resp["choices"][0]["message"]["content"]


def test_multi_step_calls_remaining_named_tool() -> None:
    text = "Use magic_function(2) and then my_adder_tool(3, 4)"
    body = _body("oxen", text, tools=[MAGIC, ADDER], parallel_tool_calls=False)
    first = complete("oxen", body)["choices"][0]["message"]["tool_calls"][0]
    assert first["function"]["name"] == "magic_function"
    body["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [first]},
        {"role": "tool", "tool_call_id": first["id"], "content": "4"},
    ]
    second = _tool_calls(complete("oxen", body))
    assert second == [("my_adder_tool", {"a": 3, "b": 4})]


def test_few_shot_history_then_new_question() -> None:
    body = _body("aimlapi", tools=[ADDER], tool_choice="required")
    body["messages"] = [
        {"role": "user", "content": "What is 1 + 2"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a1",
                    "type": "function",
                    "function": {"name": "my_adder_tool", "arguments": '{"a":1,"b":2}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "a1", "content": '{"result": 3}'},
        {"role": "assistant", "content": '{"result": 3}'},
        {"role": "user", "content": "What is 3 + 4"},
    ]
    validate("aimlapi", body, path=PATH)
    assert _tool_calls(complete("aimlapi", body)) == [("my_adder_tool", {"a": 3, "b": 4})]


def _str_tool(name: str, *props: str) -> dict[str, Any]:
    return _tool(
        name,
        f"The {name} tool.",
        {
            "type": "object",
            "properties": {p: {"type": "string"} for p in props},
            "required": list(props),
        },
    )


def _num_tool(name: str) -> dict[str, Any]:
    return _tool(
        name,
        f"{name.capitalize()} two numbers.",
        {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
    )


def _follow_up(body: dict[str, Any], provider: str, results: list[str]) -> dict[str, Any]:
    """``body`` plus the assistant's tool calls and one tool message per call."""
    message = complete(provider, body)["choices"][0]["message"]  # type: ignore[arg-type]
    calls = message["tool_calls"]
    assert len(calls) == len(results)
    follow = copy.deepcopy(body)
    follow["messages"] += [{"role": "assistant", "content": None, "tool_calls": calls}]
    follow["messages"] += [
        {"role": "tool", "tool_call_id": call["id"], "content": result}
        for call, result in zip(calls, results, strict=True)
    ]
    validate(provider, follow, path=PATH if provider == "aimlapi" else OXEN_PATH)  # type: ignore[arg-type]
    return follow


@pytest.mark.parametrize(
    "text",
    [
        "Call get_weather and get_population for Paris.",
        "Call get_weather, then get_population for Paris.",
        "For Paris: call get_weather and get_population.",
    ],
)
def test_tools_listed_together_share_the_place(text: str) -> None:
    tools = [_str_tool("get_weather", "city"), _str_tool("get_population", "city")]
    assert _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=tools))) == [
        ("get_weather", {"city": "Paris"}),
        ("get_population", {"city": "Paris"}),
    ]


def test_place_argument_falls_back_to_the_whole_prompt() -> None:
    tools = [_str_tool("get_population", "city"), _str_tool("get_weather", "destination")]
    text = "Call get_population for Lyon, and after that get_weather with metric units"
    assert _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=tools))) == [
        ("get_population", {"city": "Lyon"}),
        ("get_weather", {"destination": "Lyon"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Call search_docs and then",
        "search_docs, and then",
        "Please call the search_docs tool and then get_weather.",
    ],
)
def test_function_words_and_tool_names_are_never_values(text: str) -> None:
    tools = [_str_tool("search_docs", "topic"), _str_tool("get_weather", "city")]
    body = _body("aimlapi", text, tools=tools)
    for _, args in _tool_calls(complete("aimlapi", body)):
        for value in args.values():
            words = {w.strip(",.").lower() for w in value.split()}
            assert not words & {"and", "then", "the", "call", "please", "tool"}, value
            assert "search_docs" not in value and "get_weather" not in value, value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Get the population for Lyon. Finally call get_weather.", "Lyon"),
        ("Call get_weather for Paris, France. Then stop.", "Paris, France"),
        ("What is the weather in San Francisco, CA. Thanks, get_weather!", "San Francisco, CA"),
        ("Call get_weather for St. Louis please", "St. Louis"),
        ("Call get_weather for Mt. Everest base camp", "Mt. Everest"),
    ],
)
def test_place_phrases_stop_at_sentence_end(text: str, expected: str) -> None:
    tools = [_str_tool("get_weather", "city")]
    assert _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=tools))) == [
        ("get_weather", {"city": expected})
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We met Alice Smith. Finally Bob came", "Alice Smith"),
        ("Visit Dr. Who at Mt. Everest today", "Dr. Who"),
    ],
)
def test_capitalized_phrases_stop_at_sentence_end(text: str, expected: str) -> None:
    tool = _str_tool("lookup_person", "person_name")
    ((_, args),) = _tool_calls(
        complete("aimlapi", _body("aimlapi", text, tools=[tool], tool_choice="required"))
    )
    assert args == {"person_name": expected}


def test_capitalized_phrases_keep_abbreviations() -> None:
    from langchain_gpt52.emulator.fake_model.values import _capitalized_phrases

    assert _capitalized_phrases("Fly from St. Louis to Mt. Hood. Then Rome. Dr. No.") == [
        "St. Louis",
        "Mt. Hood",
        "Rome",
        "Dr. No",
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_weather_in_paris_end_to_end(provider: str) -> None:
    body = _body(
        provider, "What is the weather in Paris?", tools=[_str_tool("get_weather", "city")]
    )
    assert _tool_calls(complete(provider, body)) == [("get_weather", {"city": "Paris"})]  # type: ignore[arg-type]
    final = complete(provider, _follow_up(body, provider, ["Sunny, 22 C"]))  # type: ignore[arg-type]
    assert _tool_calls(final) == []
    assert "Sunny, 22 C" in final["choices"][0]["message"]["content"]


@pytest.mark.parametrize("time_arg", ["timezone", "city"])
def test_weather_and_time_both_called(time_arg: str) -> None:
    tools = [_str_tool("get_weather", "location"), _str_tool("get_time", time_arg)]
    text = "What's the weather in San Francisco, CA and what time is it there?"
    body = _body("aimlapi", text, tools=tools)
    expected = [
        ("get_weather", {"location": "San Francisco, CA"}),
        ("get_time", {time_arg: "San Francisco, CA"}),
    ]
    assert _tool_calls(complete("aimlapi", body)) == expected
    final = complete("aimlapi", _follow_up(body, "aimlapi", ["Foggy", "10:00"]))
    assert _tool_calls(final) == []
    # one tool at a time: the second one is called after the first result
    sequential = {**body, "parallel_tool_calls": False}
    assert _tool_calls(complete("aimlapi", sequential)) == expected[:1]
    second = complete("aimlapi", _follow_up(sequential, "aimlapi", ["Foggy"]))
    assert _tool_calls(second) == expected[1:]


def test_weather_only_does_not_call_time_tool() -> None:
    tools = [_str_tool("get_current_weather", "location"), _str_tool("get_time", "timezone")]
    body = _body("aimlapi", "What is the current weather in Oslo?", tools=tools)
    assert _tool_calls(complete("aimlapi", body)) == [("get_current_weather", {"location": "Oslo"})]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("parallel", [True, False])
def test_add_then_multiply_uses_numbers_in_order(provider: str, parallel: bool) -> None:
    tools = [_num_tool("add"), _num_tool("multiply")]
    body = _body(
        provider,
        "Use add and multiply to compute (3 + 4) * 5.",
        tools=tools,
        parallel_tool_calls=parallel,
    )
    # multiply needs add's result: it waits for the next turn even in parallel mode
    assert _tool_calls(complete(provider, body)) == [("add", {"a": 3, "b": 4})]  # type: ignore[arg-type]
    second = _follow_up(body, provider, ["7.0"])
    assert _tool_calls(complete(provider, second)) == [("multiply", {"a": 7.0, "b": 5})]  # type: ignore[arg-type]
    final = complete(provider, _follow_up(second, provider, ["35.0"]))  # type: ignore[arg-type]
    assert _tool_calls(final) == []
    assert final["choices"][0]["message"]["content"] == (
        "Add gave 7, then multiply gave 35, so the answer is 35."
    )


def test_tools_listed_together_take_the_next_unused_numbers() -> None:
    tools = [_num_tool("add"), _num_tool("multiply")]
    body = _body("aimlapi", "Call add and multiply with 1, 2, 3 and 4", tools=tools)
    assert _tool_calls(complete("aimlapi", body)) == [
        ("add", {"a": 1, "b": 2}),
        ("multiply", {"a": 3, "b": 4}),
    ]


# --------------------------------------------------------------------------------------
# structured output
# --------------------------------------------------------------------------------------


class Joke(BaseModel):
    model_config = ConfigDict(extra="forbid")
    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: str
    city: str
    zip_code: int


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    age: int = Field(ge=18, le=120)
    role: Literal["admin", "user"]
    address: Address
    previous: list[Address]
    nickname: str | None = None
    score: float
    active: bool


class Tree(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    children: list[Tree] = []


def _strictify(schema: Any) -> Any:
    """Add additionalProperties:false everywhere, like strict structured output does."""
    if isinstance(schema, dict):
        out = {k: _strictify(v) for k, v in schema.items()}
        if out.get("type") == "object":
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strictify(v) for v in schema]
    return schema


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("model_cls", [Joke, Person, Tree])
def test_json_schema_output_validates(provider: str, model_cls: type[BaseModel]) -> None:
    schema = _strictify(model_cls.model_json_schema())
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": model_cls.__name__, "schema": schema, "strict": True},
    }
    body = _body(
        provider, "Tell me a joke about cats. The name is 'Ada Lovelace'.", response_format=fmt
    )
    validate(provider, body, path=PATH)  # type: ignore[arg-type]
    content = complete(provider, body)["choices"][0]["message"]["content"]  # type: ignore[arg-type]
    model_cls.model_validate_json(content)
    streamed = _joined_stream(stream_chunks(provider, body))["content"]  # type: ignore[arg-type]
    assert streamed == content


def test_json_schema_strings_come_from_prompt() -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "Joke", "schema": Joke.model_json_schema()},
    }
    content = complete(
        "aimlapi", _body("aimlapi", "Tell me a joke about cats.", response_format=fmt)
    )
    joke = Joke.model_validate_json(content["choices"][0]["message"]["content"])
    assert "cats" in joke.setup and "cats" in joke.punchline
    person_fmt = {
        "type": "json_schema",
        "json_schema": {"name": "P", "schema": Person.model_json_schema()},
    }
    person = Person.model_validate_json(
        complete(
            "aimlapi",
            _body("aimlapi", "Describe 'Ada Lovelace', aged 36", response_format=person_fmt),
        )["choices"][0]["message"]["content"]
    )
    assert person.name == "Ada Lovelace" and person.age == 36


def test_json_mode_uses_requested_keys() -> None:
    text = (
        "Tell me a joke about cats. Return the result as a JSON with 'setup' and "
        "'punchline' keys. Return nothing other than JSON."
    )
    for provider in PROVIDERS:
        body = _body(provider, text, response_format={"type": "json_object"})
        content = complete(provider, body)["choices"][0]["message"]["content"]
        assert set(json.loads(content)) == {"setup", "punchline"}
        Joke.model_validate_json(content)
    plain = complete(
        "aimlapi", _body("aimlapi", "Hi there", response_format={"type": "json_object"})
    )
    assert set(json.loads(plain["choices"][0]["message"]["content"])) == {"answer"}


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
    settings = Settings(aimlapi_unrequested_usage=unrequested)
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
# tokenizer
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Hello", 1),
        ("Hello!", 2),
        ("Hello world", 2),
        ("magic_function(3)", 7),
        ("你好啊集团", 1),
    ],
)
def test_count_tokens_examples(text: str, expected: int) -> None:
    assert count_tokens(text) == expected


@given(st.text(max_size=200))
def test_tokenize_round_trips(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert count_tokens(text) == len(tokens)
    assert all(tokens)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_haiku_request_gets_three_short_lines(provider: str) -> None:
    reply = complete(provider, _body(provider, "Write a haiku about GPT-5.2"))
    lines = reply["choices"][0]["message"]["content"].split("\n")
    assert len(lines) == 3
    assert all(0 < len(line) <= 40 for line in lines)
    assert lines[0].startswith("GPT-5.2")  # the topic, dots intact
    assert "I am" not in reply["choices"][0]["message"]["content"]


def test_tool_results_answer_in_a_sentence() -> None:
    from langchain_gpt52.emulator.fake_model.text import tool_results_reply

    assert tool_results_reply([("add", "7.0")]) == "The answer is 7."
    assert tool_results_reply([("get_weather", "21 °C, sunny.")]) == (
        "Here is what I found: get_weather reports 21 °C, sunny."
    )
    assert tool_results_reply([("get_weather", "4 °C"), ("local_time", "UTC+1")]) == (
        "Here is what I found: get_weather reports 4 °C; local_time reports UTC+1."
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_structured_output_keeps_dotted_topics(provider: str) -> None:
    schema = {
        "type": "object",
        "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
        "required": ["setup", "punchline"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "Joke", "schema": schema}}
    body = _body(provider, "Tell me a joke about GPT-5.2", response_format=fmt)
    joke = json.loads(complete(provider, body)["choices"][0]["message"]["content"])
    assert joke == {"setup": "Setup about GPT-5.2", "punchline": "Punchline about GPT-5.2"}
