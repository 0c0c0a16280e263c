"""Durability: the output file (one JSON line per finished row) and the journal beside it.

The journal (`<output>.journal`) gets one fsync'd line per request *before* it is sent:
`{"id", "client_request_id", "send"}`. On a re-run, a row whose last output line is `ok` or
`error` is done; a row the journal shows as sent with no outcome line (or an `unknown` one)
may have been billed: it is `unknown` and not sent again unless asked. `skipped` rows (not
sent) are tried again. When an id has several lines, the last one is its outcome.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["FINAL", "JobState", "Journal", "OutputFile", "journal_path", "load_state"]

FINAL = frozenset({"ok", "error"})
"""Statuses that end a row for good (a re-run does not send it again)."""


def journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".journal")


@dataclass
class JobState:
    """What earlier runs of a job left: each row's last status and how often it was sent."""

    status: dict[str, str] = field(default_factory=dict)
    sends: dict[str, int] = field(default_factory=dict)


def load_state(output: Path) -> JobState:
    """Read the output file and its journal (a torn last line, from a killed process, is
    ignored)."""
    state = JobState()
    for record in _records(output):
        rid, status = record.get("id"), record.get("status")
        if isinstance(rid, str) and isinstance(status, str):
            state.status[rid] = status
    for record in _records(journal_path(output)):
        rid = record.get("id")
        if isinstance(rid, str):
            state.sends[rid] = state.sends.get(rid, 0) + 1
    return state


def _records(path: Path) -> Any:
    if not path.exists():
        return
    with path.open("rb") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def _dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"


class _Appender:
    """A text file opened for appending, one line per record, after a torn last line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torn = path.exists() and path.stat().st_size > 0 and not _ends_with_newline(path)
        self._file: IO[str] = path.open("a", encoding="utf-8")
        if torn:
            self._file.write("\n")

    def close(self) -> None:
        self._file.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


class Journal(_Appender):
    """The sent records: each written and fsync'd before its request goes out.

    `asent` returns once an fsync that started after its record was written has finished;
    records written while an fsync runs share the next one (group commit, in a thread).
    """

    def __init__(self, output: Path) -> None:
        super().__init__(journal_path(output))
        self._next: asyncio.Future[None] | None = None
        self._syncing = False

    def sent(self, row_id: str, client_request_id: str, send: int) -> None:
        """Write and fsync one record (blocking)."""
        self._write(row_id, client_request_id, send)
        os.fsync(self._file.fileno())

    async def asent(self, row_id: str, client_request_id: str, send: int) -> None:
        """Write one record and wait until it is on disk."""
        self._write(row_id, client_request_id, send)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if not self._syncing:
                self._syncing = True
                asyncio.get_running_loop().create_task(self._sync())
        await asyncio.shield(self._next)

    def _write(self, row_id: str, client_request_id: str, send: int) -> None:
        record = {"id": row_id, "client_request_id": client_request_id, "send": send}
        self._file.write(_dumps(record))
        self._file.flush()

    async def _sync(self) -> None:
        try:
            while self._next is not None:
                done, self._next = self._next, None
                try:
                    await asyncio.to_thread(os.fsync, self._file.fileno())
                except OSError as exc:
                    done.set_exception(exc)
                else:
                    done.set_result(None)
        finally:
            self._syncing = False


class OutputFile(_Appender):
    """The result lines, each flushed as its row finishes."""

    def write(self, record: Mapping[str, Any]) -> None:
        self._file.write(_dumps(record))
        self._file.flush()
