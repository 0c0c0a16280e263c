"""The cassette file format, redaction and matching (``langchain_gpt52.emulator.recordings``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_gpt52.emulator.__main__ import _parser
from langchain_gpt52.emulator.recordings import (
    REDACTED,
    CassetteError,
    CassetteMismatch,
    Interaction,
    bearer_token,
    body_bytes,
    body_record,
    dump,
    event_pieces,
    find,
    headers_record,
    load,
    redact,
)

ALL = frozenset({"method", "path", "body"})


@pytest.mark.parametrize(
    ("raw", "content_type", "kind"),
    [
        (b'{"a":1,"b":"caf\xc3\xa9"}', "application/json", "json"),
        (b"data: {}\n\ndata: [DONE]\n\n", "text/event-stream", "events"),
        (b'data: {}\n\ndata: {"cut', "text/event-stream", "events"),
        (b"<html>502</html>", "text/html", "text"),
        (b"\xff\xfe not utf-8", "application/json", "text"),
    ],
)
def test_bodies_round_trip(raw: bytes, content_type: str, kind: str) -> None:
    record = body_record(raw, content_type)
    assert kind in record
    stored = json.loads(json.dumps(record))  # through the file
    assert body_bytes(stored) == raw
    assert b"".join(event_pieces(stored)) == raw


def test_events_are_readable_lines() -> None:
    record = body_record(b'data: {"x": 1}\n\ndata: [DONE]\n\n', "text/event-stream")
    assert record == {"events": ['data: {"x": 1}', "data: [DONE]"]}


def test_redact_reaches_every_string() -> None:
    value = {"k sk-1": ["a sk-1 b", {"n": 3, "m": "sk-1"}], "ok": True}
    assert redact(value, ["sk-1", ""]) == {
        f"k {REDACTED}": [f"a {REDACTED} b", {"n": 3, "m": REDACTED}],
        "ok": True,
    }


def test_headers_redacted_and_skipped() -> None:
    headers = [("Authorization", "Bearer sk-1"), ("X-Trace", "t"), ("Host", "h"), ("A", "1")]
    out = headers_record(headers, frozenset({"authorization", "x-trace"}), frozenset({"host"}))
    assert out == {"authorization": REDACTED, "x-trace": REDACTED, "a": "1"}
    assert bearer_token(headers) == "sk-1"
    assert bearer_token([("authorization", "Basic abc")]) is None


def _interaction(content: str) -> Interaction:
    body = {"json": {"messages": [{"role": "user", "content": content}]}}
    request = {"method": "POST", "path": "/v1/chat/completions", "body": body}
    return Interaction(request, {"status": 200, "body": {"json": {"answer": content}}})


def test_find_consumes_in_order_and_repeats_only_when_allowed() -> None:
    items = [_interaction("a"), _interaction("a")]
    request = items[0].request
    assert find(items, request, ALL) is items[0]
    assert find(items, request, ALL) is items[1]
    with pytest.raises(CassetteMismatch, match=r"2 of 2 recordings used"):
        find(items, request, ALL)
    assert find(items, request, ALL, allow_repeats=True) is items[1]


def test_mismatch_names_the_route_when_nothing_matches_it() -> None:
    request = {"method": "GET", "path": "/v1/models", "body": {}}
    with pytest.raises(CassetteMismatch) as info:
        find([_interaction("a")], request, ALL)
    assert str(info.value) == (
        "no recording for GET /v1/models; the cassette holds POST /v1/chat/completions"
    )


def test_match_on_path_only_ignores_the_body() -> None:
    items = [_interaction("a")]
    assert find(items, _interaction("b").request, frozenset({"path"})) is items[0]


def test_file_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "c.json"
    dump(path, [_interaction("a")])
    [loaded] = load(path)
    assert loaded.request == _interaction("a").request
    path.write_text("{not json")
    with pytest.raises(CassetteError, match="not valid JSON"):
        load(path)
    path.write_text("{}")
    with pytest.raises(CassetteError, match="no 'interactions' list"):
        load(path)


def test_cli_takes_a_chunk_delay() -> None:
    assert _parser().parse_args([]).chunk_delay == 0.0
    assert _parser().parse_args(["--chunk-delay", "0.02"]).chunk_delay == 0.02
