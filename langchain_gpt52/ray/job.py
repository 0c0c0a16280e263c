"""`run_bulk_on_ray`: the common case, a JSONL file through a Ray cluster into a directory.

The output directory holds one sub-directory of part files per run (`run-<time>-<id>/`, written
by Ray Data's `write_json` or `write_parquet`) and `_journal/` (one "sent" file per actor;
Ray Data's readers skip names starting with `_`). A later run with the same output reads both:
rows with a final line are not sent again, rows sent without an outcome end `unknown`.
"""

from __future__ import annotations

import json
import os
import time
import uuid
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, cast

from langchain_core.language_models.chat_models import BaseChatModel

from langchain_gpt52.bulk.journal import JobState
from langchain_gpt52.bulk.progress import BulkSummary
from langchain_gpt52.bulk.runner import default_job_id
from langchain_gpt52.cost import _checked_max_usd
from langchain_gpt52.ray.cluster import ClusterLimits
from langchain_gpt52.ray.model_spec import ModelSpec
from langchain_gpt52.ray.processor import NO_RETRIES, GPT52Processor

__all__ = ["JOURNAL_DIR", "load_job_state", "read_results", "run_bulk_on_ray", "summarize"]

JOURNAL_DIR = "_journal"
_RANK = {"skipped": 0, "unknown": 1, "error": 2, "ok": 3}
"""When a row has lines from several runs, the one that counts: a final status beats
`unknown`, which beats `skipped` (a skipped row is tried again)."""


def _result_files(output: Path) -> list[str]:
    if not output.is_dir():
        return []
    return sorted(
        str(p)
        for p in output.rglob("*")
        if p.is_file()
        and p.suffix in (".json", ".jsonl", ".parquet")
        and not any(part.startswith(("_", ".")) for part in p.relative_to(output).parts)
    )


def read_results(path: str | os.PathLike[str]) -> Any:
    """A Ray dataset of every result line under `path` (all runs; JSON and Parquet parts)."""
    import ray.data

    files = _result_files(Path(path))
    if not files:
        raise FileNotFoundError(f"no result files under {path}")
    parquet = [f for f in files if f.endswith(".parquet")]
    other = [f for f in files if not f.endswith(".parquet")]
    parts = ([ray.data.read_parquet(parquet)] if parquet else []) + (
        [ray.data.read_json(other)] if other else []
    )
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])


def _lines(files: list[str]) -> Iterable[dict[str, Any]]:
    """The result lines of `files` as dicts (read on the driver, a block at a time)."""
    if not files:
        return
    import ray.data

    parquet = [f for f in files if f.endswith(".parquet")]
    other = [f for f in files if not f.endswith(".parquet")]
    for reader, group in ((ray.data.read_parquet, parquet), (ray.data.read_json, other)):
        if group:
            blocks = reader(group).iter_batches(batch_format="pyarrow", batch_size=None)
            for block in blocks:
                yield from cast(Any, block).to_pylist()


def load_job_state(output: str | os.PathLike[str]) -> JobState:
    """What earlier runs into `output` left: each row's status and how often it was sent."""
    out = Path(output)
    state = JobState()
    for line in _lines(_result_files(out)):
        rid, status = line.get("id"), line.get("status")
        if not (isinstance(rid, str) and isinstance(status, str) and status in _RANK):
            continue
        if _RANK[status] >= _RANK[state.status.get(rid, "skipped")]:
            state.status[rid] = status
    journal_dir = out / JOURNAL_DIR
    if journal_dir.is_dir():
        for journal in sorted(journal_dir.glob("*.journal")):
            with journal.open("rb") as records:
                for raw in records:
                    try:
                        record = json.loads(raw)
                    except ValueError:
                        continue  # a torn last line of a killed worker
                    rid = record.get("id") if isinstance(record, dict) else None
                    if isinstance(rid, str):
                        state.sends[rid] = state.sends.get(rid, 0) + 1
    return state


def summarize(
    output: str | os.PathLike[str], run_dir: str | os.PathLike[str], elapsed_s: float
) -> BulkSummary:
    """Row counts over every run into `output`; USD, tokens and speed of the run in `run_dir`."""
    summary = BulkSummary()
    state = load_job_state(output)
    for status in state.status.values():
        summary.total += 1
        setattr(summary, status, getattr(summary, status) + 1)
    sent = 0
    for line in _lines(_result_files(Path(run_dir))):
        sent += line.get("status") in ("ok", "error")
        cost = line.get("cost")
        if isinstance(cost, (int, float)):
            summary.usd += cost
        usage = line.get("usage") or {}
        summary.input_tokens += int(usage.get("input_tokens") or 0)
        summary.output_tokens += int(usage.get("output_tokens") or 0)
    summary.usd = round(summary.usd, 9)
    summary.elapsed_s = round(elapsed_s, 3)
    summary.rows_per_s = round(sent / elapsed_s, 2) if elapsed_s > 0 else 0.0
    return summary


def run_bulk_on_ray(
    model: BaseChatModel | ModelSpec,
    rows: str | os.PathLike[str] | Any,
    output: str | os.PathLike[str],
    *,
    rpm: float | None = None,
    tpm: float | None = None,
    max_usd: float | None = None,
    budget_store: Any = None,
    schema: Any = None,
    job: str | None = None,
    concurrency: int = 2,
    batch_size: int = 64,
    max_concurrency: int = 32,
    num_cpus: float = 0.5,
    resend_unknown: bool = False,
    output_format: Literal["json", "parquet"] = "json",
    limits: ClusterLimits | None = None,
) -> BulkSummary:
    """Run a bulk job on the connected Ray cluster (`ray.init()` first); one limit, one budget.

    `rows`: a JSONL path (read with `ray.data.read_text`, one row per line; a bad line is an
    `error` row) or a Ray `Dataset` with the bulk runner's columns. `output`: a directory on a
    filesystem every worker can write (each run adds `run-*/` part files and `_journal/`).
    `rpm`/`tpm`/`max_usd` hold for the whole job across the `concurrency` actors, through the
    job's `ClusterLimits` actor (or `limits=`, kept after the run; `budget_store=` for a Redis
    budget). A second run with the same `output` skips finished rows; rows sent without an
    outcome are `unknown` and re-sent only with `resend_unknown=True`. `num_cpus` per actor:
    the actors mostly wait on the network, so half a CPU each leaves room for Ray Data's
    read and write tasks.

    ```python
    import ray
    from langchain_gpt52 import ChatAIMLAPI
    from langchain_gpt52.ray import run_bulk_on_ray

    ray.init()
    summary = run_bulk_on_ray(ChatAIMLAPI(max_tokens=300), "prompts.jsonl", "results/",
                              rpm=600, max_usd=5)
    print(summary)
    ```
    """
    import ray
    import ray.data

    if output_format not in ("json", "parquet"):
        raise ValueError(f"output_format must be 'json' or 'parquet', got {output_format!r}")
    _checked_max_usd(max_usd)
    if limits is not None and (rpm, tpm) != (None, None):
        raise ValueError(
            "run_bulk_on_ray: give rpm/tpm to ClusterLimits.get(name, rpm=..., tpm=...) when "
            "passing limits=, not here"
        )
    json_column = None
    if isinstance(rows, (str, os.PathLike)):
        if not Path(rows).is_file():
            raise FileNotFoundError(f"rows file not found: {rows}")
        dataset = ray.data.read_text(str(rows))
        json_column = "text"
    elif isinstance(rows, ray.data.Dataset):
        dataset = rows
    else:
        raise TypeError(
            f"rows must be a JSONL path or a ray.data.Dataset, not {type(rows).__name__}"
        )
    out = Path(output)
    job = job or default_job_id(out)
    spec = ModelSpec.of(model)
    own_limits = limits is None
    limits = limits or ClusterLimits.get(job, rpm=rpm, tpm=tpm)
    start = time.monotonic()
    try:
        previous = ray.put(load_job_state(out))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
            results = dataset.map_batches(
                GPT52Processor,
                fn_constructor_kwargs={
                    "model": spec,
                    "job": job,
                    "limits": limits,
                    "max_usd": max_usd,
                    "budget_store": budget_store,
                    "schema": schema,
                    "max_concurrency": max_concurrency,
                    "journal_dir": str((out / JOURNAL_DIR).resolve()),
                    "previous": previous,
                    "resend_unknown": resend_unknown,
                    "json_column": json_column,
                },
                batch_format="pyarrow",
                batch_size=batch_size,
                compute=ray.data.ActorPoolStrategy(
                    size=concurrency, max_tasks_in_flight_per_actor=1
                ),
                num_cpus=num_cpus,
                **NO_RETRIES,
            )
        run_dir = out / f"run-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        if output_format == "parquet":
            results.write_parquet(str(run_dir.resolve()))
        else:
            results.write_json(str(run_dir.resolve()))
    finally:
        if own_limits:
            limits.kill()
    return summarize(out, run_dir, time.monotonic() - start)
