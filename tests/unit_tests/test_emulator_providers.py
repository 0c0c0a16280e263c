"""Unit tests of the emulated providers: validation, error bodies, model bodies."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gpt52.emulator.providers.oxen import MODEL as OXEN_MODEL
from langchain_gpt52.providers import OXEN
from tests.unit_tests._emulator_helpers import (
    OXEN_PATH,
    PATH,
    WEATHER,
    _body,
    _rejected,
    error_body,
    model_detail,
    models_list,
    validate,
)

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
    assert [m["id"] for m in listing["data"]] == [row.model for row in OXEN.models]
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
