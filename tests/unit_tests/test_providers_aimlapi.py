"""AI/ML API's own shapes: its error bodies (NestJS, zod), `meta.usage` cost and its units."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gpt52 import cost, errors
from langchain_gpt52.errors import ErrorFields, parse_error_body
from langchain_gpt52.providers.aimlapi import (
    AIMLAPI,
    COST_UNITS,
    CREDITS_PER_USD,
    aimlapi_error_fields,
    meta_usage_cost,
)

NEST = {
    "message": "Insufficient credits. Please top up your balance.",
    "path": "/v1/chat/completions",
    "requestId": "0c6a2b3e-nest",
    "statusCode": 403,
    "timestamp": "2025-12-12T10:00:00.000Z",
}
ZOD = {
    "title": "Bad Request",
    "status": 400,
    "message": "Body validation error",
    "instance": "/v1/chat/completions",
    "timestamp": "2025-12-12T10:00:00.000Z",
    "error": {
        "name": "ZodError",
        "message": "Validation failed",
        "data": [
            {
                "code": "invalid_enum_value",
                "path": ["reasoning_effort"],
                "message": "Invalid enum value. Expected 'low' | 'medium' | 'high'",
            },
            {
                "code": "too_big",
                "path": ["messages", 0, "content"],
                "message": "String must contain at most 10 character(s)",
            },
        ],
    },
}


def test_nestjs_shape() -> None:
    assert aimlapi_error_fields(NEST) == ErrorFields(
        message="Insufficient credits. Please top up your balance.",
        code=None,
        request_id="0c6a2b3e-nest",
        status=403,
    )


def test_nestjs_message_list_and_string_status() -> None:
    body = {"message": ["model must be a string", "messages must be an array"], "statusCode": "400"}
    fields = aimlapi_error_fields(body)
    assert fields.message == "model must be a string; messages must be an array"
    assert fields.status == 400


def test_zod_shape_names_each_field_path() -> None:
    fields = aimlapi_error_fields(ZOD)
    assert fields.message == (
        "Body validation error: Validation failed (reasoning_effort: Invalid enum value. "
        "Expected 'low' | 'medium' | 'high'; messages.0.content: String must contain at most "
        "10 character(s))"
    )
    assert fields.code == "ZodError"
    assert fields.status == 400


def test_zod_json_dump_of_the_issues_is_not_repeated() -> None:
    err = dict(ZOD["error"])  # type: ignore[arg-type]
    err["message"] = json.dumps(err["data"])
    fields = aimlapi_error_fields({**ZOD, "error": err})
    assert fields.message is not None
    assert fields.message.startswith("Body validation error: reasoning_effort: Invalid enum")
    assert "[{" not in fields.message


def test_upstream_openai_errors_pass_through() -> None:
    body = {"error": {"message": "Unsupported value: 'temperature'", "code": "unsupported_value"}}
    fields = aimlapi_error_fields(body)
    assert fields.message == "Unsupported value: 'temperature'"
    assert fields.code == "unsupported_value"


@pytest.mark.parametrize(
    "body", [{}, {"statusCode": 200}, {"statusCode": None}, {"error": None}, {"message": 3}]
)
def test_odd_bodies_are_read_without_error(body: dict[str, Any]) -> None:
    fields = aimlapi_error_fields(body)
    assert fields.status is None


def test_the_descriptor_names_its_readers() -> None:
    assert AIMLAPI.error_fields is aimlapi_error_fields
    assert AIMLAPI.body_cost is meta_usage_cost
    assert parse_error_body(json.dumps(NEST).encode(), AIMLAPI).request_id == "0c6a2b3e-nest"
    exc = errors.error_from_response(403, NEST, {"x-inference-id": "inf-1"}, provider=AIMLAPI)
    assert isinstance(exc, errors.PermissionDeniedError)
    assert "out of credits" in str(exc)
    assert exc.request_id == "0c6a2b3e-nest"


def test_meta_usage_cost() -> None:
    assert meta_usage_cost({"meta": {"usage": {"credits_used": 409}}}) == {"credits_used": 409}
    assert meta_usage_cost({"meta": {"usage": {"credits_used": 1, "usd_spent": 0.5}}}) == {
        "credits_used": 1,
        "usd_spent": 0.5,
    }
    assert meta_usage_cost({"meta": None}) == {}
    assert meta_usage_cost({"meta": {"usage": {"credits_used": None}}}) == {}
    assert meta_usage_cost({"meta": {"usage": {"credits_used": True}}}) == {}
    assert meta_usage_cost({}) == {}


def test_cost_units_convert_credits_at_its_rate() -> None:
    assert CREDITS_PER_USD == 2_000_000
    assert cost.provider_usd({"credits_used": 762}, COST_UNITS) == pytest.approx(0.000381)
    both = {"usd_spent": 0.25, "credits_used": 2_000_000}
    assert cost.provider_usd(both, COST_UNITS) == 0.25  # its USD figure first
    assert cost.provider_usd({"credits_used": 762}, {}) is None  # another provider's units
