"""Pacing: even request and token spacing, Retry-After penalties, AIMD concurrency."""

from __future__ import annotations

import asyncio

import pytest

from langchain_gpt52.bulk.pacing import (
    PACE,
    AdaptiveConcurrency,
    LocalRateLimiter,
    RateLimiter,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_requests_are_spaced_evenly_at_the_paced_rpm() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(rpm=600, clock=clock)
    waits = [limiter.reserve(10) for _ in range(4)]
    gap = 60 / (600 * PACE)
    assert waits == pytest.approx([0, gap, 2 * gap, 3 * gap])
    clock.now += 10  # idle time does not build a burst
    assert limiter.reserve(10) == 0
    assert limiter.reserve(10) == pytest.approx(gap)


def test_tokens_per_minute_space_requests_by_their_size() -> None:
    limiter = LocalRateLimiter(tpm=6000, clock=Clock())
    assert limiter.reserve(1000) == 0
    assert limiter.reserve(100) == pytest.approx(1000 * 60 / (6000 * PACE))


def test_penalty_holds_every_start_until_retry_after() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(rpm=6000, clock=clock)
    limiter.penalize(5)
    assert limiter.reserve(1) == pytest.approx(5)
    limiter.penalize(None)  # no Retry-After: a second from now, within the 5 already
    assert limiter.reserve(1) == pytest.approx(5 + 60 / (6000 * PACE))


def test_no_limits_never_waits_and_bad_limits_are_refused() -> None:
    limiter = LocalRateLimiter()
    assert isinstance(limiter, RateLimiter)
    assert [limiter.reserve(10**6) for _ in range(3)] == [0, 0, 0]
    with pytest.raises(ValueError, match="rpm must be a positive number"):
        LocalRateLimiter(rpm=0)


async def test_concurrency_halves_on_429_and_climbs_back_additively() -> None:
    window = AdaptiveConcurrency(8)
    for _ in range(8):
        await window.acquire()
    assert window.in_flight == 8
    await window.release(throttled=True)
    assert window.window == 4
    for _ in range(3):
        await window.release(throttled=True)
    assert window.window == 1
    assert window.in_flight == 4
    blocked = asyncio.ensure_future(window.acquire())
    await asyncio.sleep(0.01)
    assert not blocked.done()  # 4 in flight, window 1
    for _ in range(4):
        await window.release(throttled=False)
    await asyncio.wait_for(blocked, 1)
    assert 1 < window.window <= 8


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        AdaptiveConcurrency(0)
