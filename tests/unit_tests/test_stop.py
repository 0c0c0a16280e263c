"""`_stop`: cutting text at stop sequences, whole (`cut_at_stop`) and streamed (`StopFilter`)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_gpt52._stop import StopFilter, cut_at_stop


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
