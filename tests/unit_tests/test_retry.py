"""`_retry`: which statuses are retried, `Retry-After`, and the backoff's growth and jitter."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_gpt52._retry import (
    INITIAL_DELAY,
    MAX_DELAY,
    MAX_RETRY_AFTER,
    parse_retry_after,
    retry_delay,
    should_retry,
)


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
