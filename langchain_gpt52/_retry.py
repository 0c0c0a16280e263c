"""Pure retry policy: which failures to retry and how long to wait (no I/O, no sleeping)."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
"""Statuses worth another try; 400/401/403/404/422 and the rest are final."""

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
"""A `Retry-After` longer than this is not waited for: the error is raised at once."""


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a response with this status may be retried (`x-should-retry` overrides)."""
    hint = headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    return status in RETRY_STATUSES


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_delay(
    attempt: int,
    headers: Mapping[str, str] | None = None,
    *,
    rand: float | None = None,
) -> float | None:
    """Seconds to sleep before retry number `attempt` (1-based); `None`: do not retry.

    Honours the server's `Retry-After` up to `MAX_RETRY_AFTER`; otherwise exponential
    backoff from `INITIAL_DELAY` capped at `MAX_DELAY`, with up to 25% jitter taken off.
    """
    if headers:
        asked = parse_retry_after(headers)
        if asked is not None:
            return asked if asked <= MAX_RETRY_AFTER else None
    base = min(INITIAL_DELAY * 2.0 ** (attempt - 1), MAX_DELAY)
    jitter = random.random() if rand is None else rand
    return base * (1 - 0.25 * jitter)
