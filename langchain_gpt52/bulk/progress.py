"""The job's counts (`BulkSummary`) and what a person sees while it runs (a tqdm bar on a
terminal, one summary line at the end)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["BulkSummary", "Progress"]


@dataclass
class BulkSummary:
    """A bulk job after a run: row counts by status (rows finished in earlier runs included),
    and this run's spend, tokens and speed."""

    total: int = 0
    ok: int = 0
    error: int = 0
    skipped: int = 0
    unknown: int = 0
    usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0

    def __str__(self) -> str:
        return (
            f"bulk: {self.total} rows: {self.ok} ok, {self.error} error, {self.skipped} skipped, "
            f"{self.unknown} unknown; ${self.usd:.4f}, {self.input_tokens} in / "
            f"{self.output_tokens} out tokens; {self.elapsed_s:.1f} s, {self.rows_per_s:.1f} rows/s"
        )


class Progress:
    """Counts rows as they end; draws a bar when `bar` (default: `stream` is a terminal)."""

    def __init__(
        self,
        total: int | None,
        *,
        bar: bool | None = None,
        summary: bool = True,
        stream: IO[str] | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.summary = BulkSummary()
        self._show_summary = summary
        self._start = time.monotonic()
        self._sent = 0
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        if bar or (bar is None and tty):
            from tqdm.auto import tqdm  # type: ignore[import-untyped]

            self._bar = tqdm(total=total, unit="row", file=self.stream, dynamic_ncols=True)

    def add(self, record: dict[str, Any], *, this_run: bool = True) -> None:
        """Count one row's outcome (`this_run=False`: finished by an earlier run)."""
        s = self.summary
        s.total += 1
        status = record.get("status")
        if status in ("ok", "error", "skipped", "unknown"):
            setattr(s, status, getattr(s, status) + 1)
        if this_run:
            self._sent += status in ("ok", "error")
            cost = record.get("cost")
            if isinstance(cost, (int, float)):
                s.usd += cost
            usage = record.get("usage") or {}
            s.input_tokens += int(usage.get("input_tokens") or 0)
            s.output_tokens += int(usage.get("output_tokens") or 0)
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(
                tokens=s.input_tokens + s.output_tokens,
                usd=f"{s.usd:.4f}",
                errors=s.error,
                refresh=False,
            )

    def close(self) -> BulkSummary:
        s = self.summary
        s.elapsed_s = round(time.monotonic() - self._start, 3)
        s.rows_per_s = round(self._sent / s.elapsed_s, 2) if s.elapsed_s > 0 else 0.0
        if self._bar is not None:
            self._bar.close()
        if self._show_summary:
            print(s, file=self.stream, flush=True)
        return s
