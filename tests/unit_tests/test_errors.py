"""The exception tree, `parse_error_body` with the default (OpenAI) reader, and
`error_from_response` over the descriptors' error shapes (each provider's own shapes are
tested beside its module: `test_providers_aimlapi.py`, `test_providers_oxen.py`)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as core

import langchain_gpt52
from langchain_gpt52 import errors
from langchain_gpt52.errors import ErrorFields, error_from_response, parse_error_body
from langchain_gpt52.providers import AIMLAPI, OPENAI_COMPATIBLE, OXEN
from tests.unit_tests.test_providers_aimlapi import NEST, ZOD

OPENAI = {
    "error": {
        "message": "Incorrect API key provided: sk-abc***.",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
        "param": None,
    }
}
HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize(
    ("body", "message_parts", "code"),
    [
        pytest.param(OPENAI, ["Incorrect API key provided"], "invalid_api_key", id="openai"),
        pytest.param(
            json.dumps(OPENAI).encode(), ["Incorrect API key"], "invalid_api_key", id="bytes"
        ),
        pytest.param(
            {"error": {"type": "bad_request", "title": "Bad Request", "detail": "too long"}},
            ["Bad Request: too long"],
            "bad_request",
            id="problem-details",
        ),
        pytest.param({"detail": "Not Found"}, ["Not Found"], None, id="detail"),
        pytest.param({"error": "plain string"}, ["plain string"], None, id="error-string"),
        pytest.param(HTML_502, ["502 Bad Gateway"], None, id="html"),
        pytest.param(
            b"<html><body><p>Service <b>down</b></p></body></html>",
            ["Service down"],
            None,
            id="html-no-title",
        ),
        pytest.param(b"upstream connect error", ["upstream connect error"], None, id="text"),
        pytest.param("Generation timeout", ["Generation timeout"], None, id="str"),
    ],
)
def test_parse_error_body(body: Any, message_parts: list[str], code: str | None) -> None:
    message, got_code, got_rid, status = parse_error_body(body)
    assert message is not None
    for part in message_parts:
        assert part.lower() in message.lower()
    assert "<" not in message
    assert got_code == code
    assert got_rid is None
    assert status is None


def test_the_default_reader_knows_no_gateway_shape() -> None:
    # AI/ML API's `statusCode` and `requestId` are its own: the default reader leaves them.
    fields = parse_error_body(NEST)
    assert fields == ErrorFields(message="Insufficient credits. Please top up your balance.")
    assert parse_error_body(NEST, AIMLAPI).status == 403
    assert parse_error_body({"message": "x", "status": "503"}).status == 503


@pytest.mark.parametrize("body", [b"", b"   \n", "", None, {}])
def test_parse_error_body_empty(body: Any) -> None:
    assert parse_error_body(body) == ErrorFields(None, None, None, None)


def test_parse_error_body_invalid_utf8() -> None:
    message, code, rid, _ = parse_error_body(b"\xff\xfe oops \xc3")
    assert message is not None
    assert "oops" in message
    assert code is None
    assert rid is None


def test_parse_error_body_long_text_is_truncated() -> None:
    message, _, _, _ = parse_error_body(b"x" * 5000)
    assert message is not None
    assert len(message) <= 500


def test_errors_module_does_not_read_a_gateways_fields() -> None:
    tree = ast.parse(Path(errors.__file__).read_text())
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    strings = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }
    for field in ("statusCode", "requestId", "status_message", "x-inference-id", "request-id"):
        assert field not in strings


@pytest.mark.parametrize(
    ("status", "cls", "core_cls"),
    [
        (400, errors.BadRequestError, core.ModelInvalidRequestError),
        (422, errors.BadRequestError, core.ModelInvalidRequestError),
        (401, errors.AuthenticationError, core.ModelAuthenticationError),
        (403, errors.PermissionDeniedError, core.ModelPermissionDeniedError),
        (404, errors.NotFoundError, core.ModelNotFoundError),
        (409, errors.ConflictError, core.ModelAPIError),
        (429, errors.RateLimitError, core.ModelRateLimitError),
        (500, errors.InternalServerError, core.ModelAPIError),
        (502, errors.InternalServerError, core.ModelAPIError),
        (503, errors.InternalServerError, core.ModelAPIError),
        (504, errors.InternalServerError, core.ModelAPIError),
        (408, errors.InternalServerError, core.ModelAPIError),
        (413, errors.BadRequestError, core.ModelInvalidRequestError),
        (415, errors.BadRequestError, core.ModelInvalidRequestError),
        (405, errors.APIStatusError, core.ModelError),
        (418, errors.APIStatusError, core.ModelError),
        (451, errors.APIStatusError, core.ModelError),
        (599, errors.InternalServerError, core.ModelAPIError),
        (600, errors.InternalServerError, core.ModelAPIError),
    ],
)
@pytest.mark.parametrize("provider", [AIMLAPI, OXEN, "a provider known by name"], ids=str)
def test_status_class_mapping(
    status: int, cls: type[Exception], core_cls: type[Exception], provider: Any
) -> None:
    exc = error_from_response(status, {"message": "boom"}, {}, provider=provider)
    assert type(exc) is cls
    assert isinstance(exc, core_cls)
    assert isinstance(exc, errors.APIStatusError)
    assert isinstance(exc, errors.APIError)
    assert isinstance(exc, core.ModelError)
    assert exc.status_code == status
    assert exc.provider_message == "boom"
    assert f"HTTP {status}" in str(exc)
    assert getattr(provider, "name", provider) in str(exc)
    assert "boom" in str(exc)


def test_status_hints_are_the_descriptors() -> None:
    exc = error_from_response(403, NEST, {}, provider=AIMLAPI)
    assert isinstance(exc, errors.PermissionDeniedError)
    assert f"({AIMLAPI.status_hints[403]})" in str(exc)
    assert "Insufficient credits" in str(exc)
    other = error_from_response(403, NEST, {}, provider=OXEN)
    assert "out of credits" not in str(other)


def test_401_hint_mentions_key() -> None:
    exc = error_from_response(401, OPENAI, {}, provider=OPENAI_COMPATIBLE)
    assert isinstance(exc, errors.AuthenticationError)
    assert "API key" in str(exc)
    assert "invalid_api_key" in str(exc)


@pytest.mark.parametrize(
    "body",
    [
        {
            "error": {
                "message": "This model's maximum context length is 400000 tokens.",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
        {"error": {"message": "Input is too long", "code": "context_length_exceeded"}},
        {"message": "Your prompt is too long for the context window"},
        {"error": {"type": "bad_request", "title": "Bad Request", "detail": "too many tokens"}},
    ],
)
@pytest.mark.parametrize("status", [400, 422])
def test_context_overflow(body: dict[str, Any], status: int) -> None:
    exc = error_from_response(status, body, {}, provider=AIMLAPI)
    assert type(exc) is errors.ContextOverflowError
    assert isinstance(exc, errors.BadRequestError)
    assert isinstance(exc, core.ContextOverflowError)
    assert isinstance(exc, core.ModelInvalidRequestError)


def test_context_message_on_500_is_not_overflow() -> None:
    exc = error_from_response(500, {"message": "context length"}, {}, provider="x")
    assert type(exc) is errors.InternalServerError


def test_zod_message_names_field_path() -> None:
    exc = error_from_response(400, json.dumps(ZOD).encode(), {}, provider=AIMLAPI)
    assert isinstance(exc, errors.BadRequestError)
    assert "reasoning_effort: Invalid enum value" in str(exc)
    assert "messages.0.content" in str(exc)
    assert exc.body == ZOD  # JSON bytes decoded for the caller


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (NEST, {"x-inference-id": "inf-header"}, "0c6a2b3e-nest"),  # body wins
        ({"message": "x"}, {"x-inference-id": "inf-header"}, "inf-header"),
        ({"message": "x"}, {"x-request-id": "req-header"}, "req-header"),
        ({"message": "x", "request_id": "snake"}, {}, "snake"),
        ({"message": "x"}, {}, None),
        (HTML_502, {"x-inference-id": "inf-html"}, "inf-html"),
    ],
)
def test_request_id(body: Any, headers: dict[str, str], expected: str | None) -> None:
    exc = error_from_response(502, body, headers, provider=AIMLAPI)
    assert exc.request_id == expected
    if expected:
        assert expected in str(exc)


def test_request_id_from_httpx_headers_any_case() -> None:
    headers = httpx.Headers({"X-Inference-Id": "abc-123"})
    exc = error_from_response(500, b"", headers, provider=AIMLAPI)
    assert exc.request_id == "abc-123"
    assert exc.headers["x-inference-id"] == "abc-123"


@pytest.mark.parametrize(
    "body", [HTML_502, b"plain", b"", b"\xff\xfe", b"{not json", "text", None, [1, 2]]
)
def test_error_from_response_never_fails(body: Any) -> None:
    exc = error_from_response(502, body, {}, provider=OXEN)
    assert isinstance(exc, errors.InternalServerError)
    assert str(exc).startswith("Oxen.ai returned HTTP 502")


def test_empty_body_message() -> None:
    exc = error_from_response(503, b"", {}, provider=AIMLAPI)
    assert "no error message" in str(exc)
    assert exc.provider_message is None
    assert exc.body == ""


def test_html_body_kept_as_text() -> None:
    exc = error_from_response(502, HTML_502, {}, provider=AIMLAPI)
    assert isinstance(exc.body, str)
    assert "502 Bad Gateway" in str(exc)
    assert "<title>" not in str(exc)


def test_retryable_flags() -> None:
    assert errors.RateLimitError.is_retryable
    assert errors.InternalServerError.is_retryable
    assert errors.ConflictError.is_retryable
    assert errors.APIConnectionError.is_retryable
    assert errors.APITimeoutError.is_retryable
    assert not errors.APIResponseValidationError.is_retryable


def test_other_error_types() -> None:
    conn = errors.APIConnectionError("down", request_id="r1")
    assert isinstance(conn, core.ModelConnectionError)
    assert conn.request_id == "r1"
    timeout = errors.APITimeoutError("slow")
    assert isinstance(timeout, errors.APIConnectionError)
    assert isinstance(timeout, core.ModelTimeoutError)
    bad = errors.APIResponseValidationError("bad", body={"x": 1})
    assert isinstance(bad, core.ModelAPIError)
    assert bad.body == {"x": 1}
    refusal = errors.RefusalError("I can't help with that")
    assert isinstance(refusal, core.OutputParserException)
    assert refusal.refusal == "I can't help with that"
    assert "I can't help with that" in str(refusal)
    cut = errors.CutReplyError("cut")
    assert isinstance(cut, core.OutputParserException)


@pytest.mark.skipif(
    not hasattr(core, "ModelRefusalError"), reason="the installed langchain-core has no such type"
)
def test_refusal_error_is_core_model_refusal_error() -> None:
    from langchain_core.messages import AIMessage

    raw = AIMessage("", additional_kwargs={"refusal": "no"})
    refusal = errors.RefusalError("no", raw_message=raw)
    assert isinstance(refusal, core.ModelRefusalError)
    assert isinstance(refusal, core.ModelError)
    assert refusal.raw_message is raw
    caught: list[Exception] = []
    try:
        raise refusal
    except core.ModelRefusalError as exc:  # a handler written for any provider's refusal
        caught.append(exc)
    assert caught == [refusal]


def test_public_exports() -> None:
    from langchain_gpt52.chat_models.failover import CircuitBreaker
    from langchain_gpt52.cost import ModelCost
    from langchain_gpt52.model_details import ModelDetails

    assert langchain_gpt52.CutReplyError is errors.CutReplyError
    assert langchain_gpt52.ModelDetails is ModelDetails
    assert langchain_gpt52.ModelCost is ModelCost
    assert langchain_gpt52.CircuitBreaker is CircuitBreaker
    for name in errors.__all__:
        value = getattr(errors, name)
        assert isinstance(value, type) and issubclass(value, Exception), name
        assert getattr(langchain_gpt52, name) is value  # every error class is exported
        assert name in (errors.__doc__ or "")  # and drawn in the tree
    assert set(langchain_gpt52.cost.__all__) <= set(dir(langchain_gpt52.cost))
    assert not [n for n in langchain_gpt52.cost.__all__ if n.startswith("_") or n.isupper()]


# -- construction errors next to a valid key ---------------------------------------------------

_VALID_KEY = "sk-construct-1234567890"


@pytest.mark.parametrize(
    ("cls_name", "kwargs", "fragment"),
    [
        ("ChatGPT52", {}, "needs base_url"),
        ("ChatGPT52", {"base_url": "ftp://x"}, "must start with http"),
        ("ChatOxen", {"use_developer_role": True}, "developer"),
        ("ChatAIMLAPI", {"temperature": 9}, "temperature"),
        ("ChatAIMLAPI", {"timeout": -1}, "timeout"),
    ],
)
@pytest.mark.parametrize("as_secret", [False, True])
def test_a_construction_error_never_shows_the_key(
    cls_name: str, kwargs: dict[str, Any], fragment: str, as_secret: bool
) -> None:
    import pickle

    from pydantic import SecretStr, ValidationError

    import langchain_gpt52

    cls = getattr(langchain_gpt52, cls_name)
    key: Any = SecretStr(_VALID_KEY) if as_secret else _VALID_KEY
    with pytest.raises(ValidationError) as info:
        cls(api_key=key, **kwargs)
    exc = info.value
    assert fragment in str(exc)
    for text in (str(exc), repr(exc), repr(exc.errors()), exc.json(), repr(pickle.dumps(exc))):
        assert _VALID_KEY not in text
        assert _VALID_KEY[:12] not in text  # pydantic shortens long inputs: no part either


def test_refusal_error_under_a_core_without_model_refusal_error() -> None:
    import subprocess
    import sys

    code = (
        "import langchain_core.exceptions as core\n"
        "import langchain_core.language_models, langchain_core.output_parsers.openai_tools\n"
        "del core.ModelRefusalError  # what an older core lacks, after core's own imports\n"
        "from langchain_gpt52.errors import RefusalError\n"
        "err = RefusalError('no')\n"
        "assert isinstance(err, core.OutputParserException)\n"
        "print(err.refusal)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(langchain_gpt52.__file__).parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "no\n"
