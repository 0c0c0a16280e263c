"""The job: rows in, one result line per row out, paced, budgeted and resumable."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from langchain_gpt52.bulk.journal import JobState, Journal, OutputFile, load_state
from langchain_gpt52.bulk.pacing import AdaptiveConcurrency, LocalRateLimiter, RateLimiter
from langchain_gpt52.bulk.progress import BulkSummary, Progress
from langchain_gpt52.bulk.resume import invalid_row_record, plan_row, unknown_record
from langchain_gpt52.bulk.row import RowCall, arun_row, client_request_id
from langchain_gpt52.bulk.rows import Row, RowProblem, parse_row, read_rows
from langchain_gpt52.cost import track_cost

__all__ = ["DRAIN_S", "arun_bulk", "default_job_id", "run_bulk"]

DRAIN_S = 10.0
"""Seconds rows already sent get to finish when a job is stopped."""


def default_job_id(output: Path) -> str:
    """A job's id: a hash of its output file's absolute path (the same command, the same id)."""
    return "job-" + hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:12]


def run_bulk(
    model: BaseChatModel,
    rows: str | os.PathLike[str] | Iterable[Any],
    output: str | os.PathLike[str],
    **options: Any,
) -> BulkSummary:
    """Run a bulk job to the end (see `arun_bulk`); Ctrl-C stops it cleanly, resumably."""
    return asyncio.run(arun_bulk(model, rows, output, **options))


async def arun_bulk(
    model: BaseChatModel,
    rows: str | os.PathLike[str] | Iterable[Any],
    output: str | os.PathLike[str],
    *,
    schema: Any = None,
    rpm: float | None = None,
    tpm: float | None = None,
    max_concurrency: int = 64,
    max_usd: float | None = None,
    budget_store: Any = None,
    resend_unknown: bool = False,
    reconcile: bool = False,
    job_id: str | None = None,
    limiter: RateLimiter | None = None,
    progress: bool | None = None,
) -> BulkSummary:
    """Send every row of `rows` through `model` once, writing one JSONL line per row to `output`.

    `rows` is a JSONL path or an iterable of dicts (`id`?, `prompt` or `messages`, `params`?),
    read lazily. A re-run with the same `output` skips finished rows; a row sent without an
    outcome (a killed process) ends `unknown` and is re-sent only with `resend_unknown=True`
    (or, with `reconcile=True`, when the gateway's request log shows it did not run).
    `rpm` / `tpm` pace requests (tokens estimated offline); `max_concurrency` caps requests in
    flight (halved on a 429, recovering gradually); `max_usd` skips rows once the budget
    (reserved before sending) would be crossed. `progress`: a bar (None: on a terminal only).

    ```python
    from langchain_gpt52 import ChatAIMLAPI
    from langchain_gpt52.bulk import run_bulk

    summary = run_bulk(ChatAIMLAPI(), "prompts.jsonl", "results.jsonl", rpm=600, max_usd=5)
    ```
    """
    out = Path(output)
    job = job_id or default_job_id(out)
    call = RowCall.build(model, schema)
    state = load_state(out)
    billed: set[str] | None = None
    if reconcile:
        from langchain_gpt52.bulk.reconcile import succeeded_client_ids

        billed = await succeeded_client_ids(model)
    job_runner = _Job(
        call=call,
        job=job,
        state=state,
        limiter=limiter or LocalRateLimiter(rpm, tpm),
        window=AdaptiveConcurrency(max_concurrency),
        output=OutputFile(out),
        journal=Journal(out),
        progress=Progress(_count(rows), bar=progress, summary=progress is not False),
        resend_unknown=resend_unknown,
        billed=billed,
    )
    shared = {"store": budget_store} if budget_store is not None else {}
    budget = track_cost(max_usd, **shared) if max_usd is not None else contextlib.nullcontext()
    with budget:
        return await job_runner.run(model, rows)


def _count(rows: Any) -> int | None:
    """The number of rows when cheap to know (a file: one pass over its lines)."""
    if isinstance(rows, (str, os.PathLike)):
        path = Path(rows)
        if path.is_file():
            with path.open("rb") as f:
                return sum(1 for line in f if line.strip())
        return None
    return len(rows) if hasattr(rows, "__len__") else None


@dataclass(eq=False, kw_only=True)
class _Job:
    """One run of a job: its rows' plan, sends and result lines."""

    call: RowCall
    job: str
    state: JobState
    limiter: RateLimiter
    window: AdaptiveConcurrency
    output: OutputFile
    journal: Journal
    progress: Progress
    resend_unknown: bool
    billed: set[str] | None
    failure: BaseException | None = None
    seen: set[str] = field(default_factory=set)
    """Row ids met in this run (a repeated id is an error line, never a second send)."""
    in_flight: dict[str, tuple[Row, str, bool]] = field(default_factory=dict)
    """Row id -> (row, client request id, whether its "sent" record is written)."""

    async def run(self, model: BaseChatModel, rows: Any) -> BulkSummary:
        tasks: set[asyncio.Task[None]] = set()
        try:
            for index, raw in read_rows(rows):
                item = parse_row(model, raw, index)
                send = self._plan(item)
                if send is None:
                    continue
                assert isinstance(item, Row)
                await self.window.acquire()
                task = asyncio.create_task(self._send(item, send), name=item.id)
                tasks.add(task)
                task.add_done_callback(self._finished(tasks))
                self._raise_failure()
            while tasks:
                await asyncio.wait(tasks)  # not gather: a stop must not cancel sent rows
            self._raise_failure()
        except BaseException:
            await self._stop(tasks)
            raise
        finally:
            self.output.close()
            self.journal.close()
            summary = self.progress.close()
        return summary

    def _finished(self, tasks: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            if not task.cancelled() and task.exception() is not None and self.failure is None:
                self.failure = task.exception()

        return done

    def _raise_failure(self) -> None:
        """A row's task failed outside the model call (the output file could not be written)."""
        if self.failure is not None:
            raise self.failure

    def _plan(self, item: Row | RowProblem) -> int | None:
        """Which send of the row to make now (1 = first), or None (its line is written)."""
        if item.id in self.seen:
            item = RowProblem(
                f"{item.id}@{item.index}",
                item.index,
                f"row {item.index} repeats the id {item.id!r} of an earlier row (same id, or same "
                "content without an id): give each row its own id",
            )
        self.seen.add(item.id)
        plan = plan_row(self.state, item, self._may_resend)
        if isinstance(plan, int):
            return plan
        if plan == "finished":
            self.progress.add({"status": self.state.status[item.id]}, this_run=False)
        elif plan == "invalid":
            assert isinstance(item, RowProblem)
            self._write(invalid_row_record(item))
        elif plan == "still_unknown":
            self.progress.add({"status": "unknown"}, this_run=False)
        else:
            sends = self.state.sends[item.id]
            self._write(unknown_record(item.id, client_request_id(self.job, item.id, sends)))
        return None

    def _may_resend(self, row_id: str, sends: int) -> bool:
        """A row sent before with no outcome: resend it when asked, or when the request log
        shows none of its sends ran."""
        if self.resend_unknown:
            return True
        if self.billed is None:
            return False
        ids = (client_request_id(self.job, row_id, n) for n in range(1, sends + 1))
        return not any(cid in self.billed for cid in ids)

    async def _send(self, row: Row, send: int) -> None:
        cid = client_request_id(self.job, row.id, send)
        self.in_flight[row.id] = (row, cid, False)

        async def journal() -> None:
            self.in_flight[row.id] = (row, cid, True)  # from here on it may have been sent
            await self.journal.asent(row.id, cid, send)

        throttled = False
        try:
            record = await arun_row(
                self.call, row, cid, limiter=self.limiter, before_send=journal, attempts=send
            )
            throttled = (record.get("error") or {}).get("status_code") == 429
            del self.in_flight[row.id]
            self._write(record)
        finally:
            await self.window.release(throttled=throttled)

    async def _stop(self, tasks: set[asyncio.Task[None]]) -> None:
        """Stopped (Ctrl-C, cancelled): rows not yet sent are dropped, rows sent get `DRAIN_S`
        to finish; the rest end `unknown`."""
        for task in list(tasks):
            if not self.in_flight.get(task.get_name(), (None, "", True))[2]:
                task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=DRAIN_S)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._unknown_in_flight()

    def _unknown_in_flight(self) -> None:
        """Stopped with rows in flight: those already sent end `unknown`."""
        for row_id, (_, cid, sent) in list(self.in_flight.items()):
            if sent:
                self._write(unknown_record(row_id, cid))
        self.in_flight.clear()

    def _write(self, record: dict[str, Any]) -> None:
        self.output.write(record)
        self.progress.add(record)
