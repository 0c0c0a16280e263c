"""AI/ML API's request log, `GET /v2/logs`: one row per chat request the emulator answered
(newest first), with `status`, `cost`, `inference_id` and the `client_request_id` sent.

Only the `status`, `model`, `limit` and `offset` query parameters filter; the window
(`period`, `start`/`end`) is checked for shape and covers the emulator's whole life.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

__all__ = ["ROUTE", "UsageLog"]

ROUTE = "/v2/logs"
_PERIOD = re.compile(r"[1-9][0-9]*[hd]")


class UsageLog:
    """The rows `GET /v2/logs` pages through; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[dict[str, Any]] = []

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def record(
        self,
        *,
        status: int,
        model: Any,
        request_headers: Mapping[str, str],
        reply_headers: list[tuple[str, str]],
    ) -> None:
        """Log one answered chat request (a non-2xx answer is `failed`, billed nothing)."""
        reply = dict(reply_headers)
        ok = 200 <= status < 300
        usd = _number(reply.get("x-aimlapi-usd-spent")) if ok else 0.0
        credits = int(_number(reply.get("x-aimlapi-credits-used"))) if ok else 0
        row = {
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "status": "succeeded" if ok else "failed",
            "origin": "api",
            "model": model if isinstance(model, str) else "",
            "cost": {"usd": usd, "credits": credits},
            "tokens": {"input": 0, "output": 0, "total": 0},
            "request_id": None,
            "inference_id": reply.get("x-inference-id", ""),
            "client_request_id": request_headers.get("x-client-request-id"),
        }
        with self._lock:
            self._rows.append(row)

    def page(self, query: str) -> tuple[int, dict[str, Any]]:
        """`(status, body)` for a `GET /v2/logs?...` query string."""
        params = parse_qs(query, keep_blank_values=True)
        problem = _query_problem(params)
        if problem:
            return 400, {"message": problem, "statusCode": 400}
        limit = int(params.get("limit", ["50"])[0])
        offset = int(params.get("offset", ["0"])[0])
        statuses = set(params.get("status", ["succeeded", "failed"]))
        models = set(params.get("model", []))
        with self._lock:
            rows = [
                r
                for r in reversed(self._rows)
                if r["status"] in statuses and (not models or r["model"] in models)
            ]
        data = rows[offset : offset + limit]
        pagination = {
            "limit": limit,
            "offset": offset,
            "total": len(rows),
            "has_more": offset + limit < len(rows),
        }
        return 200, {"data": data, "pagination": pagination}


def _number(value: str | None) -> float:
    """A cost header as a finite number (0 when absent or not one: a scripted fault's header)."""
    try:
        number = float(value or 0)
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def _query_problem(params: dict[str, list[str]]) -> str | None:
    period = params.get("period")
    window = "start" in params or "end" in params
    if period and window:
        return "Provide either period or both start and end, never both"
    if period and not _PERIOD.fullmatch(period[0]):
        return "period must be a positive integer followed by h or d, e.g. 24h or 7d"
    if window and not ("start" in params and "end" in params):
        return "start and end must be used together"
    for status in params.get("status", []):
        if status not in ("succeeded", "failed"):
            return f"status must be 'succeeded' or 'failed', got {status!r}"
    for name, low, high in (("limit", 1, 100), ("offset", 0, None)):
        for value in params.get(name, []):
            if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
                bounds = f"between {low} and {high}" if high else f"at least {low}"
                return f"{name} must be an integer {bounds}, got {value!r}"
    return None
