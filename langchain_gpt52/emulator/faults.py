"""One-shot misbehaviours the emulator can be told to show on its next chat-completions requests.

A `Fault` is plain data; the server (`server.py`) decides how to act it out. Faults fall
in two groups:

* *replacements* answer the request themselves, whatever its body says: `status`, `html`,
  `reset`, `malformed_json` and `respond`;
* *modifiers* let the request be parsed, validated and answered as usual, then change how the answer
  is delivered: `invalid_utf8`, `empty_choices`, `null_choices`, `cut_stream`,
  `truncated_sse`, `no_done`, `slow_first_byte` and `slow_chunks`. If the request is
  rejected (bad JSON, validation error) the rejection is sent instead; `slow_first_byte` still
  delays it.

Every constructor takes `times` (default 1): the fault is queued that many times.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal[
    "status",
    "html",
    "reset",
    "malformed_json",
    "invalid_utf8",
    "empty_choices",
    "null_choices",
    "cut_stream",
    "truncated_sse",
    "no_done",
    "slow_first_byte",
    "slow_chunks",
    "respond",
]

#: Faults that produce the whole answer without looking at the request body.
REPLACEMENTS: frozenset[str] = frozenset({"status", "html", "reset", "malformed_json", "respond"})


def _check_times(times: int) -> int:
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError(f"times must be a positive integer, got {times!r}")
    return times


def _check_status(code: int) -> int:
    if isinstance(code, bool) or not isinstance(code, int) or not 200 <= code <= 599:
        raise ValueError(f"status code must be an integer in 200..599, got {code!r}")
    return code


def _check_count(after: int) -> int:
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValueError(f"chunk count must be a non-negative integer, got {after!r}")
    return after


def _check_seconds(seconds: float) -> float:
    value = float(seconds)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"seconds must be a finite non-negative number, got {seconds!r}")
    return value


def _header_items(headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    if not headers:
        return ()
    return tuple((str(name).lower(), str(value)) for name, value in headers.items())


def _format_retry_after(value: str | float | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass(frozen=True)
class Fault:
    """A queued one-shot behaviour; build one with the static constructors, not directly."""

    kind: FaultKind
    times: int = 1
    code: int = 200
    message: str | None = None
    seconds: float = 0.0
    after: int = 0
    retry_after: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    json: Any = field(default=None, hash=False)
    body: bytes | None = None
    sse: tuple[Any, ...] | None = field(default=None, hash=False)
    done: bool = True

    # -- replacements -------------------------------------------------------------------------

    @staticmethod
    def status(
        code: int,
        message: str | None = None,
        *,
        retry_after: str | float | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> Fault:
        """Answer with `code` and a provider-shaped error body (or `body`: JSON data, or raw
        `bytes`/`str`), plus a `Retry-After` header when `retry_after` is given."""
        raw: bytes | None = None
        data: Any = None
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
        else:
            data = body
        return Fault(
            "status",
            times=_check_times(times),
            code=_check_status(code),
            message=message,
            retry_after=_format_retry_after(retry_after),
            headers=_header_items(headers),
            json=data,
            body=raw,
        )

    @staticmethod
    def html(code: int = 502, *, times: int = 1) -> Fault:
        """Answer with a reverse proxy's `text/html` error page."""
        return Fault("html", times=_check_times(times), code=_check_status(code))

    @staticmethod
    def reset(*, times: int = 1) -> Fault:
        """Read the request, then abort the TCP connection (RST) before sending any byte."""
        return Fault("reset", times=_check_times(times))

    @staticmethod
    def malformed_json(code: int = 200, *, times: int = 1) -> Fault:
        """Answer `application/json` whose body is truncated JSON."""
        return Fault("malformed_json", times=_check_times(times), code=_check_status(code))

    @staticmethod
    def respond(
        status: int = 200,
        *,
        json: Any = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        sse: list[Any] | None = None,
        done: bool = True,
        times: int = 1,
    ) -> Fault:
        """An exact scripted answer. `sse` wins over `body`, which wins over `json`.

        `sse` items are dicts (JSON-encoded compactly) or raw strings, each sent as
        `data: <item>\\n\\n`; `done` appends `data: [DONE]`. The content type defaults to
        `text/event-stream` for `sse` and `application/json` otherwise; `headers` override.
        No provider headers are added.
        """
        return Fault(
            "respond",
            times=_check_times(times),
            code=_check_status(status),
            headers=_header_items(headers),
            json=json,
            body=bytes(body) if body is not None else None,
            sse=tuple(sse) if sse is not None else None,
            done=done,
        )

    # -- modifiers ----------------------------------------------------------------------------

    @staticmethod
    def invalid_utf8(*, times: int = 1) -> Fault:
        """A 200 `application/json` answer whose message content holds invalid UTF-8 bytes
        (for a stream request: the first content chunk does)."""
        return Fault("invalid_utf8", times=_check_times(times))

    @staticmethod
    def empty_choices(*, times: int = 1) -> Fault:
        """A 200 completion with `choices: []` (for a stream request: every chunk's)."""
        return Fault("empty_choices", times=_check_times(times))

    @staticmethod
    def null_choices(*, times: int = 1) -> Fault:
        """A 200 completion with `choices: null` (for a stream request: every chunk's)."""
        return Fault("null_choices", times=_check_times(times))

    @staticmethod
    def cut_stream(after: int = 2, *, times: int = 1) -> Fault:
        """Send `after` real chunks, then close the connection without ending the HTTP body.

        For a non-stream request: send the headers and half of the body, then close.
        """
        return Fault("cut_stream", times=_check_times(times), after=_check_count(after))

    @staticmethod
    def truncated_sse(after: int = 2, *, times: int = 1) -> Fault:
        """Send `after` chunks, then half a `data:` line, then end the HTTP body cleanly
        (no `[DONE]`). No effect on a non-stream request."""
        return Fault("truncated_sse", times=_check_times(times), after=_check_count(after))

    @staticmethod
    def no_done(*, times: int = 1) -> Fault:
        """End the stream at EOF without `data: [DONE]`. No effect on a non-stream request."""
        return Fault("no_done", times=_check_times(times))

    @staticmethod
    def slow_first_byte(seconds: float, *, times: int = 1) -> Fault:
        """Sleep `seconds` before sending the response headers, then answer normally."""
        return Fault("slow_first_byte", times=_check_times(times), seconds=_check_seconds(seconds))

    @staticmethod
    def slow_chunks(seconds: float, *, times: int = 1) -> Fault:
        """Sleep `seconds` between stream events (also before `[DONE]`). No effect on a
        non-stream request."""
        return Fault("slow_chunks", times=_check_times(times), seconds=_check_seconds(seconds))
