"""`GPT52Processor`: a callable class for `Dataset.map_batches`, one model per actor.

Each actor rebuilds the model once in `__init__` (from a `ModelSpec`: no key in the dataset
or a log), keeps one event loop, and sends each batch's rows concurrently through the bulk
runner's per-row path (`arun_row`): the rules pipeline before sending, the job's rate limiter
before each request, the durable "sent" journal, one `ainvoke`, one result line.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
from langchain_core.language_models.chat_models import BaseChatModel

from langchain_gpt52.bulk.journal import JobState, Journal
from langchain_gpt52.bulk.pacing import AdaptiveConcurrency, RateLimiter
from langchain_gpt52.bulk.resume import invalid_row_record, plan_row, unknown_record
from langchain_gpt52.bulk.row import RowCall, arun_row, client_request_id
from langchain_gpt52.bulk.rows import Row, RowProblem, parse_row
from langchain_gpt52.cost import _checked_max_usd, track_cost
from langchain_gpt52.ray.cluster import ClusterLimits
from langchain_gpt52.ray.columns import raw_rows, to_table
from langchain_gpt52.ray.model_spec import ModelSpec

__all__ = ["NO_RETRIES", "GPT52Processor"]

NO_RETRIES: dict[str, Any] = {"max_restarts": 0}
"""`map_batches` arguments that stop Ray Data from restarting a dead actor and re-running its
batch (Ray Data's default): rows of that batch may have been sent and billed. A later run
finds them in the journal and reports them `unknown` instead."""


class GPT52Processor:
    """Send each row of a batch to GPT-5.2 once; return one result line per row.

    ```python
    import ray
    from langchain_gpt52 import ChatAIMLAPI
    from langchain_gpt52.ray import NO_RETRIES, ClusterLimits, GPT52Processor

    limits = ClusterLimits.get("labels-2026-12", rpm=600)
    ds = ray.data.read_json("prompts.jsonl")  # id, prompt or messages, params
    results = ds.map_batches(
        GPT52Processor,
        fn_constructor_kwargs={"model": ChatAIMLAPI(max_tokens=300), "limits": limits,
                               "max_usd": 5, "job": "labels-2026-12"},
        compute=ray.data.ActorPoolStrategy(size=4), batch_size=64, num_cpus=0.5,
        **NO_RETRIES,
    )
    results.write_parquet("results/")
    ```

    Arguments (all through `fn_constructor_kwargs`):
        model: a chat model of this package or a `ModelSpec`; rebuilt once per actor, its key
            taken from the spec or the worker's environment (`ModelSpec`).
        job: the job's name, in every `X-Client-Request-Id` (`<job>:<row id>`).
        limits: a `ClusterLimits` (one RPM/TPM for all actors, and the budget store when
            `max_usd` is set and `budget_store` is not).
        max_usd: the job's budget; rows it would cross end `skipped` with reason `budget`.
            It needs a store all actors share: `limits`' actor, or `budget_store`.
        budget_store: a `BudgetStore` shared by the actors (e.g. `RedisBudgetStore`).
        schema: structured output (pydantic model, TypedDict or JSON schema).
        max_concurrency: requests in flight per actor (halved on a 429, recovering as
            the actor's later requests succeed).
        journal_dir: a directory every worker can write: each request is recorded there
            (fsync'd) before it is sent, so a later run knows which rows may have been billed.
        previous: the `JobState` of earlier runs (or a Ray object ref to it): finished rows
            are not sent again; rows sent with no outcome end `unknown` unless
            `resend_unknown=True`.
        json_column: the rows are JSON objects in this text column (`ray.data.read_text`).

    The result batch is a `pyarrow.Table` of `langchain_gpt52.ray.columns.OUTPUT_SCHEMA`, one
    line per row that needed one (rows finished in earlier runs give none). Pass
    `**NO_RETRIES` (`max_restarts=0`, as `run_bulk_on_ray` does) so that Ray Data never
    re-runs a batch whose requests may have been billed.
    """

    def __init__(
        self,
        model: BaseChatModel | ModelSpec,
        *,
        job: str = "ray-job",
        limits: ClusterLimits | None = None,
        max_usd: float | None = None,
        budget_store: Any = None,
        schema: Any = None,
        max_concurrency: int = 32,
        journal_dir: str | None = None,
        previous: Any = None,
        resend_unknown: bool = False,
        json_column: str | None = None,
    ) -> None:
        _checked_max_usd(max_usd)
        self._model = ModelSpec.of(model).build()
        self._call = RowCall.build(self._model, schema)
        self._job = job
        self._limiter: RateLimiter | None = limits.rate_limiter() if limits else None
        if max_usd is not None and budget_store is None:
            if limits is None:
                raise ValueError(
                    "GPT52Processor: max_usd needs a budget shared by the actors: pass "
                    "limits=ClusterLimits.get(job) or budget_store=RedisBudgetStore(...)"
                )
            budget_store = limits.budget_store()
        self._max_usd = max_usd
        self._budget_store = budget_store
        self._window = AdaptiveConcurrency(max_concurrency)
        self._journal = (
            Journal(Path(journal_dir) / uuid.uuid4().hex) if journal_dir is not None else None
        )
        if previous is not None and not isinstance(previous, JobState):
            import ray

            previous = ray.get(previous)
        self._previous: JobState = previous or JobState()
        self._resend_unknown = resend_unknown
        self._json_column = json_column
        self._loop = asyncio.new_event_loop()
        self._index = 0

    def __repr__(self) -> str:
        return f"GPT52Processor(model={type(self._model).__name__}, job={self._job!r})"

    def __call__(self, batch: Any) -> pa.Table:
        return to_table(self._loop.run_until_complete(self._run(batch)))

    async def _run(self, batch: Any) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        sends: list[tuple[Row, int]] = []
        for raw in raw_rows(batch, self._json_column):
            self._index += 1
            item = parse_row(self._model, raw, self._index)
            plan = plan_row(self._previous, item, self._may_resend)
            if isinstance(plan, int):
                assert isinstance(item, Row)
                sends.append((item, plan))
            elif plan == "invalid":
                assert isinstance(item, RowProblem)
                lines.append(invalid_row_record(item))
            elif plan == "unknown":
                sent = self._previous.sends[item.id]
                lines.append(unknown_record(item.id, client_request_id(self._job, item.id, sent)))
        budget: Any = contextlib.nullcontext()
        if self._max_usd is not None:
            budget = track_cost(max_usd=self._max_usd, store=self._budget_store)
        with budget:
            lines += await asyncio.gather(*(self._send(row, n) for row, n in sends))
        return lines

    def _may_resend(self, row_id: str, sends: int) -> bool:
        return self._resend_unknown

    async def _send(self, row: Row, send: int) -> dict[str, Any]:
        cid = client_request_id(self._job, row.id, send)
        journal = self._journal

        async def record_sent() -> None:
            if journal is not None:
                await journal.asent(row.id, cid, send)

        await self._window.acquire()
        throttled = False
        try:
            line = await arun_row(
                self._call,
                row,
                cid,
                limiter=self._limiter,
                before_send=record_sent,
                attempts=send,
            )
            throttled = (line.get("error") or {}).get("status_code") == 429
            return line
        finally:
            await self._window.release(throttled=throttled)
