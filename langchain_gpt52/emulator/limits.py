"""The emulator's gateway limits: latency per answer, requests and tokens per minute, and a
count of requests per `X-Client-Request-Id`.

```python
from langchain_gpt52.testing import Emulator

with Emulator() as emu:
    emu.limits.configure(rpm=1200, latency=0.2)  # a 429 with Retry-After above 1,200 a minute
    ...
    assert max(emu.limits.client_request_counts().values()) == 1
```

A request over a limit is answered 429 at once, in its provider's error shape, with a
`Retry-After` of the seconds until the window has room; it is not counted against the limits.
Tokens are estimated as the gateways do before answering: body bytes / 4 plus the output cap.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

__all__ = ["Limits"]


class Limits:
    """Sliding-window RPM/TPM limits and a fixed answer latency, thread-safe, mutable."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.rpm: int | None = None
        self.tpm: int | None = None
        self.latency = 0.0
        self.window = 60.0
        self._sent: deque[tuple[float, int]] = deque()
        self._tokens = 0
        self._by_client_id: Counter[str] = Counter()
        self.throttled = 0
        """Requests answered 429 by these limits."""

    def configure(
        self,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        latency: float = 0.0,
        window: float = 60.0,
    ) -> None:
        """Set the limits (None: no limit) and the seconds every answer waits; resets counts.

        `window` is the length of the sliding window in seconds; the limits scale with it
        (`rpm=1200, window=6` admits 120 requests in any 6 s), for short tests.
        """
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"{name} must be an integer or None, got {value!r}")
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value!r}")
        if not 0 <= latency <= 60:
            raise ValueError(f"latency must be between 0 and 60 seconds, got {latency!r}")
        if not window > 0:
            raise ValueError(f"window must be a positive number of seconds, got {window!r}")
        with self._lock:
            self.rpm, self.tpm, self.latency, self.window = rpm, tpm, float(latency), window
            self._sent.clear()
            self._tokens = 0
            self.throttled = 0

    def reset(self) -> None:
        """No limits, no latency, no counts."""
        self.configure()
        with self._lock:
            self._by_client_id.clear()

    def count(self, headers: dict[str, str]) -> None:
        """Count one chat request by its `x-client-request-id` (when it has one)."""
        client_id = headers.get("x-client-request-id")
        if client_id is not None:
            with self._lock:
                self._by_client_id[client_id] += 1

    def client_request_counts(self) -> Counter[str]:
        """How many chat requests arrived with each `X-Client-Request-Id` (429s included)."""
        with self._lock:
            return Counter(self._by_client_id)

    def admit(self, body: bytes, parsed: Any) -> float | None:
        """Take a request into the window, or return the seconds to wait (a 429)."""
        rpm, tpm = self.rpm, self.tpm
        if rpm is None and tpm is None:
            return None
        tokens = request_tokens(body, parsed)
        with self._lock:
            now = self._clock()
            self._expire(now)
            scale = self.window / 60.0
            wait = 0.0
            if rpm is not None and self._sent and len(self._sent) + 1 > rpm * scale:
                wait = max(wait, self._sent[0][0] + self.window - now)
            if tpm is not None and self._sent and self._tokens + tokens > tpm * scale:
                wait = max(wait, self._free_after(tokens, tpm * scale) - now)
            if wait > 0:
                self.throttled += 1
                return wait
            self._sent.append((now, tokens))
            self._tokens += tokens
            return None

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0][0] <= now - self.window:
            self._tokens -= self._sent.popleft()[1]

    def _free_after(self, tokens: int, cap: float) -> float:
        """When enough of the window's tokens will have expired for `tokens` more."""
        total = self._tokens
        for at, used in self._sent:
            total -= used
            if total + tokens <= cap:
                return at + self.window
        return self._sent[-1][0] + self.window


def request_tokens(body: bytes, parsed: Any) -> int:
    """A gateway's pre-answer token estimate: the body's bytes / 4 plus the output cap."""
    cap = 0
    if isinstance(parsed, dict):
        value = parsed.get("max_completion_tokens") or parsed.get("max_tokens") or 0
        cap = value if isinstance(value, int) else 0
    return math.ceil(len(body) / 4) + cap


def retry_after_header(wait: float) -> str:
    """`Retry-After` in whole seconds (at least 1), as gateways send it."""
    return str(max(1, math.ceil(wait)))
