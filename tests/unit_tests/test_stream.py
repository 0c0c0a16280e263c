"""`_stream`, the sans-I/O readers: bytes in, events or JSON chunks or a typed error out.

`SSEDecoder` (bytes -> `(event, data)`), `StreamReader` (one response's reads -> chunks, the end,
or the error to raise) and `decode_body` (a whole JSON body). No network: every test feeds bytes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_gpt52._stream import SSEDecoder, StreamReader, decode_body
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    InternalServerError,
    RateLimitError,
)
from langchain_gpt52.providers import AIMLAPI

KEY = "sk-STREAMSECRET-42"

# -- SSEDecoder: bytes -> events -----------------------------------------------------------


def _decode_all(pieces: list[bytes]) -> list[tuple[str, str]]:
    dec = SSEDecoder()
    out: list[tuple[str, str]] = []
    for piece in pieces:
        out.extend(dec.feed(piece))
    out.extend(dec.flush())
    return out


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_sse_line_endings(eol: bytes) -> None:
    stream = eol.join([b"data: one", b"", b"data: two", b"", b"data: [DONE]", b"", b""])
    assert _decode_all([stream]) == [("message", "one"), ("message", "two"), ("message", "[DONE]")]


def test_sse_mixed_line_endings() -> None:
    stream = b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"
    assert _decode_all([stream]) == [("message", "a"), ("message", "b"), ("message", "c")]


def test_sse_fields_comments_multiline() -> None:
    stream = (
        b": keep-alive comment\n"
        b"id: 7\n"
        b"retry: 1000\n"
        b"event: error\n"
        b"data: first line\n"
        b"data:second line\n"
        b"unknown: field\n"
        b"\n"
        b"data: after\n"
        b"\n"
        b": only a comment\n"
        b"\n"
    )
    assert _decode_all([stream]) == [
        ("error", "first line\nsecond line"),
        ("message", "after"),
    ]


def test_sse_event_name_reset_after_blank_line_without_data() -> None:
    stream = b"event: ping\n\ndata: x\n\n"
    assert _decode_all([stream]) == [("message", "x")]


def test_sse_data_keeps_only_one_leading_space() -> None:
    assert _decode_all([b"data:  two spaces\n\n"]) == [("message", " two spaces")]
    assert _decode_all([b"data:\n\n"]) == [("message", "")]


@pytest.mark.parametrize(
    "tail", [b"data: last", b"data: last\n", b"data: last\r", b"data: last\r\n"]
)
def test_sse_flush_without_blank_line(tail: bytes) -> None:
    assert _decode_all([b"data: first\n\n" + tail]) == [("message", "first"), ("message", "last")]


def test_sse_flush_is_empty_when_nothing_pending() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: x\n\n") == [("message", "x")]
    assert dec.flush() == []


def test_sse_invalid_utf8_raises() -> None:
    dec = SSEDecoder()
    with pytest.raises(UnicodeDecodeError):
        dec.feed(b"data: \xff\xfe bad\n\n")


def test_sse_multibyte_char_split_across_reads() -> None:
    payload = 'data: {"c": "h\u00e9llo \u4e16\u754c \U0001f600"}\n\n'.encode()
    cut = payload.index("\U0001f600".encode()) + 2  # inside the 4-byte emoji
    dec = SSEDecoder()
    assert dec.feed(payload[:cut]) == []
    assert dec.feed(payload[cut:]) == [("message", '{"c": "h\u00e9llo \u4e16\u754c \U0001f600"}')]


_EVENT_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
    max_size=30,
)


def _encode_events(events: list[tuple[str | None, list[str]]], eol: bytes) -> bytes:
    out = b""
    for name, lines in events:
        if name:
            out += b"event: " + name.encode() + eol
        out += b": comment" + eol
        for line in lines:
            out += b"data: " + line.encode() + eol
        out += eol
    return out


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["error", "message", "delta"])),
            st.lists(_EVENT_TEXT, min_size=1, max_size=3),
        ),
        max_size=6,
    ),
    eol=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
)
def test_sse_any_split_gives_same_events(
    events: list[tuple[str | None, list[str]]], eol: bytes, cuts: list[int]
) -> None:
    stream = _encode_events(events, eol)
    expected = [(name or "message", "\n".join(lines)) for name, lines in events]
    assert _decode_all([stream]) == expected
    points = sorted({c % (len(stream) + 1) for c in cuts})
    pieces = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    assert b"".join(pieces) == stream
    assert _decode_all(pieces) == expected
    # One byte at a time: every multi-byte character and every CRLF is split.
    assert _decode_all([stream[i : i + 1] for i in range(len(stream))]) == expected


def test_sse_event_name_in_its_own_read_is_kept() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"event: error\n") == []
    assert dec.feed(b'data: {"a": 1}\n\n') == [("error", '{"a": 1}')]
    assert dec.feed(b"data: next\n\n") == [("message", "next")]


def test_sse_one_whole_event_per_read() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: one\n\n") == [("message", "one")]
    assert dec.feed(b"data: two\n\ndata: three\n\n") == [("message", "two"), ("message", "three")]
    assert dec.feed(b"data: a\ndata: b\n\n") == [("message", "a\nb")]
    assert dec.feed(b"data: \xc3\xa9\n\n") == [("message", "\u00e9")]


# -- StreamReader: one response's reads -> chunks, the end, or an error -------------------------


def _chunk(text: str) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }


def _event(data: Any, event: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\r\n" if event else ""
    return f"{head}data: {text}\r\n\r\n".encode()


def _read(pieces: list[bytes], *, eof: bool = True) -> tuple[list[Any], bool, APIError | None]:
    """Feed each piece as one network read (then EOF), as the transport does; stop at the end."""
    reader = StreamReader({"x-request-id": "req-7"}, provider=AIMLAPI, secret=KEY)
    chunks: list[Any] = []
    for piece in [*pieces, None] if eof else pieces:
        got, done, error = reader.feed(piece)
        chunks.extend(got)
        if done or error is not None:
            return chunks, done, error
    return chunks, False, None


TEXT = "h\u00e9llo \U0001f600"
STREAMS: dict[str, tuple[bytes, type[APIError] | None]] = {
    "done": (
        _event(_chunk(TEXT)) + _event(_chunk("!")) + b"data: [DONE]\n\n",
        None,
    ),
    "error_event": (
        _event(_chunk("a")) + _event({"error": {"message": "overloaded"}}, event="error"),
        APIResponseValidationError,
    ),
    "error_object": (
        _event(_chunk("a")) + _event({"message": "Too many requests", "statusCode": 429}),
        RateLimitError,
    ),
    "status_500": (_event({"error": {"message": "boom"}, "statusCode": 500}), InternalServerError),
    "not_json": (_event(_chunk("a")) + b"data: {not json\n\n", APIResponseValidationError),
    "cut": (_event(_chunk("a")) + b'data: {"id": "c", "cho', APIConnectionError),
}


@pytest.mark.parametrize("name", list(STREAMS))
def test_reader_gives_chunks_then_the_end_or_the_error(name: str) -> None:
    raw, error_type = STREAMS[name]
    chunks, done, error = _read([raw])
    assert done
    assert all(c["choices"][0]["delta"]["content"] for c in chunks)
    if error_type is None:
        assert error is None
        assert [c["choices"][0]["delta"]["content"] for c in chunks] == [
            "h\u00e9llo \U0001f600",
            "!",
        ]
    else:
        assert type(error) is error_type
        assert len(chunks) == (0 if name == "status_500" else 1)  # those before are delivered


@pytest.mark.parametrize("name", list(STREAMS))
def test_reader_result_does_not_depend_on_where_reads_split(name: str) -> None:
    raw, _ = STREAMS[name]
    chunks, done, error = _read([raw])
    for at in range(len(raw) + 1):
        got, got_done, got_error = _read([raw[:at], raw[at:]])
        assert (got, got_done, type(got_error)) == (chunks, done, type(error)), at
        assert str(got_error) == str(error), at
    one_byte = _read([raw[i : i + 1] for i in range(len(raw))])
    assert (one_byte[0], one_byte[1], type(one_byte[2])) == (chunks, done, type(error))


def test_reader_without_done_ends_at_eof() -> None:
    chunks, done, error = _read([_event(_chunk("a"))])
    assert (len(chunks), done, error) == (1, True, None)


def test_reader_waits_for_more_without_eof() -> None:
    chunks, done, error = _read([_event(_chunk("a")), b"data: {"], eof=False)
    assert (len(chunks), done, error) == (1, False, None)


def test_reader_invalid_utf8_delivers_the_events_before() -> None:
    chunks, done, error = _read([_event(_chunk("a")) + b"data: \xff\xfe\n\n"])
    assert len(chunks) == 1 and done
    assert isinstance(error, APIResponseValidationError)
    assert "UTF-8" in str(error)


def test_reader_redacts_the_key_from_an_error_but_not_from_the_models_text() -> None:
    said = _chunk(f"the key is {KEY}")
    echoed = {"error": {"message": f"Invalid token: Bearer {KEY}"}}
    chunks, _, error = _read([_event(said) + _event(echoed, event="error")])
    assert chunks[0]["choices"][0]["delta"]["content"] == f"the key is {KEY}"
    assert error is not None and KEY not in str(error) and "***" in str(error)
    bad = _read([f"data: {{broken {KEY}\n\n".encode()])[2]
    assert bad is not None and KEY not in str(bad)


def test_reader_error_names_the_provider_and_request_id() -> None:
    error = _read([_event({"error": {"message": "overloaded"}}, event="error")])[2]
    assert error is not None
    assert "AI/ML API" in str(error)
    assert error.request_id == "req-7"


# -- decode_body: a whole 2xx JSON body -----------------------------------------------------


def test_decode_body_returns_the_data() -> None:
    body = {"choices": [{"message": {"content": f"key {KEY}"}}]}
    raw = json.dumps(body).encode()
    assert decode_body(raw, {}, status=200, provider="Oxen.ai", secret=KEY.encode()) == body


def test_decode_body_raises_the_error_it_stands_for_without_the_key() -> None:
    raw = json.dumps({"message": f"bad key {KEY}", "statusCode": 500}).encode()
    with pytest.raises(InternalServerError) as err:
        decode_body(raw, {}, status=200, provider=AIMLAPI, secret=KEY.encode())
    assert KEY not in str(err.value)
    with pytest.raises(APIResponseValidationError, match="not valid JSON") as bad:
        decode_body(
            b"<html>" + KEY.encode(), {}, status=200, provider="Oxen.ai", secret=KEY.encode()
        )
    assert KEY not in str(bad.value)
