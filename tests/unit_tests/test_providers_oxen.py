"""Oxen.ai's own shapes: its two error bodies."""

from __future__ import annotations

from langchain_gpt52 import errors
from langchain_gpt52.errors import ErrorFields
from langchain_gpt52.providers.oxen import OXEN, oxen_error_fields

TYPED = {
    "error": {
        "type": "rate_limit_error",
        "title": "Rate limit exceeded",
        "detail": "You have sent too many requests, try again later",
    },
    "status": "error",
    "status_message": "rate_limited",
}


def test_typed_shape() -> None:
    assert oxen_error_fields(TYPED) == ErrorFields(
        message="Rate limit exceeded: You have sent too many requests, try again later",
        code="rate_limit_error",
        request_id=None,
        status=None,  # `status: "error"` is no HTTP status
    )


def test_message_shape() -> None:
    fields = oxen_error_fields({"error": {"message": "Model not found: gpt-9"}})
    assert fields.message == "Model not found: gpt-9"


def test_status_message_alone() -> None:
    fields = oxen_error_fields({"status": "error", "status_message": "Internal failure"})
    assert fields.message == "Internal failure"
    assert errors.parse_error_body({"status_message": "Internal failure"}).message is None


def test_the_descriptor_names_its_reader() -> None:
    assert OXEN.error_fields is oxen_error_fields
    exc = errors.error_from_response(429, TYPED, {"x-request-id": "ox-1"}, provider=OXEN)
    assert isinstance(exc, errors.RateLimitError)
    assert exc.request_id == "ox-1"
    assert "Rate limit exceeded: You have sent too many requests" in str(exc)
    assert "[code: rate_limit_error]" in str(exc)
