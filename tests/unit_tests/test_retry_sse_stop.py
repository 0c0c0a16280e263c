"""Pure helpers: retry policy, the SSE decoder and client-side stop sequences."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_gpt52._retry import (
    INITIAL_DELAY,
    MAX_DELAY,
    MAX_RETRY_AFTER,
    parse_retry_after,
    retry_delay,
    should_retry,
)
from langchain_gpt52._stop import StopFilter, cut_at_stop
from langchain_gpt52._stream import SSEDecoder

# -- retry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_should_retry_transient_statuses(status: int) -> None:
    assert should_retry(status, {}) is True


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422, 501, 505, 418])
def test_should_not_retry_final_statuses(status: int) -> None:
    assert should_retry(status, {}) is False


def test_should_retry_header_overrides() -> None:
    assert should_retry(400, {"x-should-retry": "true"}) is True
    assert should_retry(503, {"x-should-retry": "false"}) is False
    assert should_retry(503, {"x-should-retry": "maybe"}) is True


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": ""}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    now = time.time()
    when = formatdate(now + 30, usegmt=True)
    got = parse_retry_after({"retry-after": when}, now=now)
    assert got is not None
    assert 28.0 <= got <= 31.0
    past = formatdate(now - 300, usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=now) == 0.0


def test_retry_delay_backoff_grows_and_caps() -> None:
    delays = [retry_delay(a, rand=0.0) for a in range(1, 10)]
    assert delays[0] == INITIAL_DELAY
    assert delays[1] == 2 * INITIAL_DELAY
    assert delays[2] == 4 * INITIAL_DELAY
    assert all(d is not None for d in delays)
    assert delays == sorted(delays)  # type: ignore[type-var]
    assert max(delays) == MAX_DELAY  # type: ignore[type-var]
    assert delays[-1] == MAX_DELAY


@given(attempt=st.integers(1, 40), rand=st.floats(0.0, 1.0))
def test_retry_delay_jitter_bounds(attempt: int, rand: float) -> None:
    base = min(INITIAL_DELAY * 2 ** (attempt - 1), MAX_DELAY)
    delay = retry_delay(attempt, rand=rand)
    assert delay is not None
    assert 0.75 * base - 1e-9 <= delay <= base + 1e-9


def test_retry_delay_random_jitter_bounds() -> None:
    for _ in range(200):
        d = retry_delay(3)
        assert d is not None
        assert 0.75 * 4 * INITIAL_DELAY <= d <= 4 * INITIAL_DELAY


def test_retry_delay_honours_retry_after() -> None:
    assert retry_delay(1, {"retry-after": "7"}) == 7.0
    assert retry_delay(5, {"retry-after": "0"}) == 0.0
    # Retry-After is used even when larger than the backoff cap, up to MAX_RETRY_AFTER...
    assert retry_delay(1, {"retry-after": str(MAX_RETRY_AFTER)}) == MAX_RETRY_AFTER
    # ...and beyond it the call gives up at once.
    assert retry_delay(1, {"retry-after": str(MAX_RETRY_AFTER + 1)}) is None
    assert retry_delay(1, {"retry-after": "3600"}) is None
    # Unreadable Retry-After: plain backoff.
    assert retry_delay(2, {"retry-after": "later"}, rand=0.0) == 2 * INITIAL_DELAY


# -- SSE -----------------------------------------------------------------------------------


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


# -- stop sequences ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stop", "expected"),
    [
        ("hello world", ["world"], ("hello ", True)),
        ("hello world", ["xyz"], ("hello world", False)),
        ("a.b,c", [",", "."], ("a", True)),
        ("abc", [""], ("abc", False)),
        ("abc", [], ("abc", False)),
        ("stop at start", ["stop"], ("", True)),
        ("abcd", ["abcd", "c"], ("", True)),
    ],
)
def test_cut_at_stop(text: str, stop: list[str], expected: tuple[str, bool]) -> None:
    assert cut_at_stop(text, stop) == expected


def _run_filter(stop: list[str], pieces: list[str]) -> tuple[str, StopFilter]:
    f = StopFilter(stop)
    out = "".join(f.push(p) for p in pieces) + f.flush()
    return out, f


def test_stop_filter_split_stop_sequence() -> None:
    out, f = _run_filter(["END"], ["abc E", "N", "D tail"])
    assert out == "abc "
    assert f.stopped
    # Nothing more once stopped.
    assert f.push("more") == ""
    assert f.flush() == ""


def test_stop_filter_holds_back_only_possible_prefix_length() -> None:
    f = StopFilter(["STOP"])
    assert f.push("abcdefgh") == "abcde"  # keeps len("STOP") - 1 chars
    assert f.flush() == "fgh"
    assert not f.stopped


def test_stop_filter_overlapping_stops_match_whole_text() -> None:
    # A longer stop that starts earlier wins over a shorter one that completes first.
    out, _ = _run_filter(["abcd", "c"], ["abc", "d"])
    assert out == cut_at_stop("abcd", ["abcd", "c"])[0] == ""
    out, _ = _run_filter(["xyz", "y"], ["x", "yz"])
    assert out == ""
    out, _ = _run_filter(["abcd", "c"], ["abc"])
    assert out == cut_at_stop("abc", ["abcd", "c"])[0] == "ab"


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet="abcxyz \n", max_size=60),
    stop=st.lists(st.text(alphabet="abcxyz \n", max_size=5), max_size=4),
    cuts=st.lists(st.integers(0, 100), max_size=10),
)
def test_stop_filter_equals_cut_of_whole_text(text: str, stop: list[str], cuts: list[int]) -> None:
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    out, f = _run_filter(stop, pieces)
    expected, found = cut_at_stop(text, stop)
    assert out == expected
    assert f.stopped == found
