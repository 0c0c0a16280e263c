"""A request the emulated provider refuses, and the timestamp format its error bodies use."""

from __future__ import annotations

import json
import time
from typing import Any


class RequestRejected(Exception):
    """The provider would reject this request with `status` and `body`."""

    status: int
    body: dict[str, Any]

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {json.dumps(body, ensure_ascii=False)[:500]}")
        self.status = status
        self.body = body


def iso_now() -> str:
    """UTC timestamp like `2025-12-11T23:07:20.123Z` (JavaScript `toISOString`)."""
    now = time.time()
    millis = int((now - int(now)) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


def is_number(value: Any) -> bool:
    """A JSON number (booleans excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def js_number(value: Any) -> str:
    """A number as JavaScript prints it (`1.0` -> `1`)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if is_number(value) else json.dumps(value)
