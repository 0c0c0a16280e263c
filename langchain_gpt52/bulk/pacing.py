"""Pacing: request and token rates, `Retry-After`, and an adaptive concurrency window.

`RateLimiter` is the interface the runner paces with; `LocalRateLimiter` keeps the rates in
this process. A limiter shared by many workers (a named Ray actor, say) implements the same two
methods. `AdaptiveConcurrency` is the per-process ceiling on requests in flight: halved on a
429, raised by one per window's worth of successes (additive increase, multiplicative decrease).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["AdaptiveConcurrency", "LocalRateLimiter", "RateLimiter"]

PACE = 0.99
"""Fraction of `rpm` / `tpm` the local limiter paces at, so that timing jitter does not push a
sliding one-minute window over the gateway's limit."""


@runtime_checkable
class RateLimiter(Protocol):
    """What the bulk runner asks before each request and tells after a 429."""

    async def acquire(self, tokens: int) -> None:
        """Wait until a request of about `tokens` tokens may start."""
        ...

    def penalize(self, retry_after: float | None) -> None:
        """The gateway answered 429: start nothing for `retry_after` seconds (None: a second)."""
        ...


class LocalRateLimiter:
    """Requests and tokens per minute for this process, paced evenly (no bursts).

    Each request gets a start time no earlier than the previous start plus `60 / rpm` seconds
    and plus its tokens times `60 / tpm`; a penalty pushes every later start past it.
    """

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and (isinstance(value, bool) or not value > 0):
                raise ValueError(f"{name} must be a positive number or None, got {value!r}")
        self.rpm = rpm
        self.tpm = tpm
        self._clock = clock
        self._next_request = 0.0
        self._next_token = 0.0
        self._blocked_until = 0.0

    def reserve(self, tokens: int) -> float:
        """Book a start for a request of `tokens`; return the seconds to wait for it."""
        now = self._clock()
        start = max(now, self._next_request, self._next_token, self._blocked_until)
        if self.rpm:
            self._next_request = start + 60.0 / (self.rpm * PACE)
        if self.tpm:
            self._next_token = start + tokens * 60.0 / (self.tpm * PACE)
        return start - now

    async def acquire(self, tokens: int) -> None:
        wait = self.reserve(tokens)
        if wait > 0:
            await asyncio.sleep(wait)

    def penalize(self, retry_after: float | None) -> None:
        wait = 1.0 if retry_after is None else max(retry_after, 0.0)
        self._blocked_until = max(self._blocked_until, self._clock() + wait)


class AdaptiveConcurrency:
    """A ceiling on requests in flight that halves on a 429 and climbs back by one per window
    of successes, never above `maximum` nor below 1."""

    def __init__(self, maximum: int) -> None:
        if isinstance(maximum, bool) or not isinstance(maximum, int) or maximum < 1:
            raise ValueError(f"max_concurrency must be a positive integer, got {maximum!r}")
        self.maximum = maximum
        self.window = float(maximum)
        self.in_flight = 0
        self._changed = asyncio.Condition()

    async def acquire(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < int(self.window))
            self.in_flight += 1

    async def release(self, *, throttled: bool) -> None:
        async with self._changed:
            self.in_flight -= 1
            if throttled:
                self.window = max(1.0, self.window / 2)
            else:
                self.window = min(float(self.maximum), self.window + 1.0 / self.window)
            self._changed.notify_all()
