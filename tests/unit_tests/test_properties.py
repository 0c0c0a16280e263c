"""Property tests: whatever a provider sends, the parsers return a result or raise one of the
package's typed errors (``APIError`` subclasses) -- never KeyError, TypeError, AttributeError,
JSONDecodeError, UnicodeDecodeError, pydantic's ValidationError or RecursionError.

Inputs are arbitrary JSON values, arbitrary bytes, and completion-shaped dicts whose every field
(``choices``, ``message``, ``delta``, ``tool_calls``, ``function``, ``usage``, ...) may be
missing, null, or of the wrong type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_gpt52 import _wire
from langchain_gpt52._stream import SSEDecoder, StreamReader, decode_body
from langchain_gpt52.chat_models._assembly import StreamAssembler
from langchain_gpt52.errors import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    error_from_response,
    parse_error_body,
)
from langchain_gpt52.providers import PROVIDERS, Provider

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies ----------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
"""Anything ``json.loads`` can return (NaN and Infinity included: Python's decoder accepts them)."""

FIELDS = [
    "choices",
    "message",
    "delta",
    "content",
    "tool_calls",
    "function",
    "name",
    "arguments",
    "id",
    "index",
    "type",
    "usage",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "prompt_tokens_details",
    "completion_tokens_details",
    "finish_reason",
    "logprobs",
    "refusal",
    "reasoning_content",
    "error",
    "meta",
    "model",
    "message",
    "detail",
    "title",
    "data",
    "path",
]

keyed_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4), children, max_size=5)
    ),
    max_leaves=16,
)
"""Nested dicts keyed mostly by the field names the parsers look up."""

odd = json_values | keyed_values


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The well-typed value, or anything at all in its place."""
    return strategy | odd


content = maybe(
    st.text(max_size=20)
    | st.lists(
        st.text(max_size=5)
        | st.fixed_dictionaries(
            {"type": st.sampled_from(["text", "refusal", "x"])}, optional={"text": odd}
        ),
        max_size=3,
    )
)
function = maybe(
    st.fixed_dictionaries(
        {}, optional={"name": maybe(st.text(max_size=8)), "arguments": maybe(st.text(max_size=20))}
    )
)
tool_call = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "id": maybe(st.text(max_size=6)),
            "type": maybe(st.just("function")),
            "index": maybe(st.integers(0, 3)),
            "function": function,
        },
    )
)
message = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "role": maybe(st.just("assistant")),
            "content": content,
            "tool_calls": maybe(st.lists(tool_call, max_size=3)),
            "refusal": odd,
            "reasoning_content": odd,
            "reasoning": odd,
            "annotations": odd,
            "audio": odd,
        },
    )
)
choice = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "index": maybe(st.integers(0, 3)),
            "message": message,
            "delta": message,
            "finish_reason": maybe(st.sampled_from(["stop", "length", "tool_calls"])),
            "logprobs": odd,
        },
    )
)
token_details = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "cached_tokens": maybe(st.integers(0, 99)),
            "audio_tokens": maybe(st.integers(0, 99)),
            "reasoning_tokens": maybe(st.integers(0, 99)),
        },
    )
)
usage = maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "prompt_tokens": maybe(st.integers(0, 10**6)),
            "completion_tokens": maybe(st.integers(0, 10**6)),
            "total_tokens": maybe(st.integers(0, 10**6)),
            "prompt_tokens_details": token_details,
            "completion_tokens_details": token_details,
        },
    )
)
completion_like = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(st.text(max_size=10)),
        "object": odd,
        "created": odd,
        "model": maybe(st.text(max_size=10)),
        "choices": maybe(st.lists(choice, max_size=3)),
        "usage": usage,
        "meta": maybe(st.fixed_dictionaries({}, optional={"usage": odd})),
        "error": odd,
        "system_fingerprint": odd,
        "service_tier": odd,
    },
)
"""A completion or chunk whose every field may be missing, null or of the wrong type."""

any_body = completion_like | odd

error_body = (
    st.fixed_dictionaries(
        {},
        optional={
            "error": maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "message": odd,
                        "type": odd,
                        "code": odd,
                        "name": odd,
                        "title": odd,
                        "detail": odd,
                        "data": maybe(
                            st.lists(
                                st.fixed_dictionaries({}, optional={"path": odd, "message": odd}),
                                max_size=3,
                            )
                        ),
                    },
                )
            ),
            "message": odd,
            "path": odd,
            "requestId": odd,
            "request_id": odd,
            "statusCode": odd,
            "detail": odd,
            "status_message": odd,
            "title": odd,
            "code": odd,
        },
    )
    | odd
)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
headers = st.dictionaries(
    st.sampled_from(
        ["x-request-id", "x-inference-id", "request-id", "retry-after", "content-type", "x-other"]
    ),
    header_text,
    max_size=4,
)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


raw_bodies = (
    st.binary(max_size=200)
    | any_body.map(_json_bytes)
    | error_body.map(_json_bytes)
    | st.text(max_size=100).map(lambda t: f"<html><title>{t}</title></html>".encode())
    | st.text(max_size=100).map(str.encode)
)


def _is_ours(exc: BaseException) -> bool:
    return isinstance(exc, APIError)


# -- parse_completion ----------------------------------------------------------------------


@SETTINGS
@given(data=any_body, extra=st.none() | st.dictionaries(st.text(max_size=5), odd, max_size=3))
@example(data={"choices": [{"message": {"content": [1, 2]}}]}, extra=None)
@example(data={"choices": [{"message": {"tool_calls": [{"function": {"name": 5}}]}}]}, extra=None)
@example(data={"choices": [{"message": {"tool_calls": [{"id": 7, "function": {}}]}}]}, extra=None)
@example(data={"choices": [{"message": {}}], "usage": {"prompt_tokens": True}}, extra=None)
@example(data={"choices": [{"message": {}}], "usage": {"prompt_tokens": 2**70}}, extra=None)
@example(data={"choices": None}, extra=None)
@example(data={"choices": []}, extra=None)
@example(data=[], extra=None)
def test_parse_completion_returns_a_result_or_our_error(data: Any, extra: Any) -> None:
    try:
        result = _wire.parse_completion(data, extra)
    except APIResponseValidationError:
        return
    assert isinstance(result, ChatResult)
    assert result.generations
    for gen in result.generations:
        assert isinstance(gen.message, AIMessage)
        assert isinstance(gen.message.content, (str, list))
        json.dumps(gen.message.tool_calls)  # plain data
    # what a caller does next with the message must work too
    for gen in result.generations:
        gen.message.pretty_repr()
        _ = gen.message.text


# -- chunk_to_generation (and merging the chunks, as every stream consumer does) ------------


@SETTINGS
@given(chunks=st.lists(any_body, min_size=1, max_size=4))
@example(chunks=[{"choices": [{"delta": {"content": 5}}]}])
@example(chunks=[{"choices": [{"delta": {"tool_calls": [{"function": {"name": 5}}]}}]}])
@example(chunks=[{"choices": [{"delta": {"tool_calls": [{"index": "0", "id": 3}]}}]}])
@example(chunks=[{"choices": [{"finish_reason": "stop"}]}, {"choices": [{"finish_reason": 3}]}])
@example(
    chunks=[
        {"choices": [{"delta": {"content": "a"}}]},
        {"choices": [{"delta": {"content": ["b"]}}]},
    ]
)
@example(
    chunks=[{"choices": [{"delta": {"refusal": "a"}}]}, {"choices": [{"delta": {"refusal": 1}}]}]
)
@example(chunks=[{"choices": [{"delta": {}}], "usage": {"prompt_tokens": 1}, "id": "x"}])
def test_chunks_parse_and_merge_or_raise_our_error(chunks: list[Any]) -> None:
    merged: ChatGenerationChunk | None = None
    step = StreamAssembler(None, lambda h: {"request_id": h.get("x-request-id")})
    try:
        for data in chunks:
            gen = _wire.chunk_to_generation(data)
            assert gen is None or isinstance(gen, ChatGenerationChunk)
            if gen is not None:
                assert isinstance(gen.message, AIMessageChunk)
            for out in step(data, {"x-request-id": "req-1"}):
                merged = out if merged is None else merged + out
        step.end()
    except APIResponseValidationError as exc:
        assert exc.request_id in (None, "req-1")
        return
    if merged is not None:
        message = merged.message
        assert isinstance(message, AIMessageChunk)
        assert isinstance(message.content, (str, list))
        _ = message.tool_calls


# -- errors --------------------------------------------------------------------------------


@SETTINGS
@given(body=error_body | raw_bodies)
@example(body=b"\xff\xfe<title>x</title>")
@example(body="<" * 50 + ">")
@example(body={"error": {"data": [{"path": 5, "message": "m"}]}})
@example(body={"error": {"message": {"message": {"message": None}}}})
@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.ls_provider)
def test_parse_error_body_never_raises(body: Any, provider: Provider) -> None:
    message, code, request_id, status = parse_error_body(body, provider)
    for value in (message, code, request_id):
        assert value is None or isinstance(value, str)
    assert status is None or 400 <= status <= 599


@SETTINGS
@given(
    status=st.integers(100, 599),
    body=error_body | raw_bodies,
    hdrs=headers,
    provider=st.sampled_from([*PROVIDERS, "x"]),
)
def test_error_from_response_always_gives_a_status_error(
    status: int, body: Any, hdrs: dict[str, str], provider: Provider | str
) -> None:
    exc = error_from_response(status, body, httpx.Headers(hdrs), provider=provider)
    assert isinstance(exc, APIStatusError)
    assert exc.status_code == status
    assert f"HTTP {status}" in str(exc)
    assert exc.request_id is None or isinstance(exc.request_id, str)
    repr(exc)


# -- SSE bytes -> events -> chunks ---------------------------------------------------------


def _sse(items: list[Any]) -> bytes:
    return b"".join(b"data: " + _json_bytes(item) + b"\n\n" for item in items)


sse_streams = (
    st.binary(max_size=300)
    | st.lists(any_body, max_size=4).map(_sse)
    | st.lists(any_body, max_size=4).map(lambda items: _sse(items) + b"data: [DONE]\n\n")
    | st.lists(
        st.sampled_from(
            [b"data: ", b"event: error\n", b": comment\n", b"\r\n", b"\n", b"\r", b"data: [DONE]"]
        )
        | st.binary(max_size=10)
        | any_body.map(_json_bytes),
        max_size=12,
    ).map(b"".join)
)


def _split(raw: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(raw)) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(raw[start:point])
        start = point
    pieces.append(raw[start:])
    return pieces


@SETTINGS
@given(raw=sse_streams, cuts=st.lists(st.integers(0, 400), max_size=6))
@example(raw=b"data: " + b"[" * 5000 + b"\n\n", cuts=[])
@example(raw=b"data: \xff\n\n", cuts=[7])
@example(raw=b"data: \xe2\x82", cuts=[8])
@example(raw=b'data: {"a": 1}', cuts=[])
def test_stream_bytes_give_chunks_or_our_error(raw: bytes, cuts: list[int]) -> None:
    reader = StreamReader({"x-request-id": "req-1"}, provider="AI/ML API", secret="sk-x")
    step = StreamAssembler(["STOP"], lambda h: {})
    try:
        for piece in [*_split(raw, cuts), None]:
            chunks, done, error = reader.feed(piece)
            for chunk in chunks:
                step(chunk, {})
            if error is not None:
                raise error
            if done:
                break
        step.end()
    except APIError as exc:
        assert _is_ours(exc)


@SETTINGS
@given(items=st.lists(completion_like, max_size=5), cuts=st.lists(st.integers(0, 600), max_size=8))
def test_sse_decoding_does_not_depend_on_network_reads(items: list[Any], cuts: list[int]) -> None:
    raw = _sse(items) + b"data: [DONE]\n\n"
    whole = SSEDecoder()
    expected = whole.feed(raw) + whole.flush()
    pieces = SSEDecoder()
    got: list[tuple[str, str]] = []
    for piece in _split(raw, cuts):
        got += pieces.feed(piece)
    got += pieces.flush()
    assert got == expected
    assert [data for _, data in got[:-1]] == [json.dumps(item) for item in items]
    assert got[-1] == ("message", "[DONE]")


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_decoder_raises_only_unicode_errors(raw: bytes) -> None:
    decoder = SSEDecoder()
    try:
        events = decoder.feed(raw) + decoder.flush()
    except UnicodeDecodeError:
        return  # documented: the transport turns it into APIResponseValidationError
    assert all(isinstance(e, str) and isinstance(d, str) for e, d in events)


# -- whole bodies --------------------------------------------------------------------------


@SETTINGS
@given(raw=raw_bodies)
@example(raw=b"[" * 100_000)
@example(raw=b'{"a":' * 50_000)
@example(raw=b"\xff\xfe{}")
def test_a_2xx_body_gives_a_result_or_our_error(raw: bytes) -> None:
    try:
        data = decode_body(raw, {}, status=200, provider="AI/ML API", secret=b"sk-x")
        _wire.parse_completion(data)
    except APIError as exc:
        assert _is_ours(exc)


@SETTINGS
@given(data=any_body)
def test_usage_and_tool_call_helpers_never_raise(data: Any) -> None:
    usage = data.get("usage") if isinstance(data, Mapping) else data
    meta = _wire.usage_to_metadata(usage)
    assert meta is None or isinstance(meta["total_tokens"], int)
    calls, invalid = _wire.parse_tool_calls(data)
    assert isinstance(calls, list)
    assert isinstance(invalid, list)
