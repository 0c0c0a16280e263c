"""Rows per second of `run_bulk_on_ray` with 1, 2 and 4 actors, with and without a global RPM.

```bash
pip install -e ".[ray]"
python benchmarks/ray_scaling.py           # about two minutes on 2 cores; prints a table
python benchmarks/ray_scaling.py --rows 200 --limited-rows 100   # quicker, noisier
```

A local Ray (`ray.init(num_cpus=2)`) and the in-process emulator answering every request after
200 ms. Each actor keeps at most `--per-actor` (8) requests in flight, so without a limit a job
is latency-bound: about 8 / 0.2 = 40 rows/s per actor, and more actors should scale it even on
2 cores. With a global limit (`rpm=1200`, 20 rows/s for the whole job) the rate should stay at
the limit whatever the number of actors, not at N times it.

Two rates per run: **wall** is rows over the whole `run_bulk_on_ray` call (actor start-up,
reading and writing included); **sending** is rows over the span from the first batch's start
to the last batch's end inside the actors (what the pacing and the latency decide).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import ray

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.ray import job, run_bulk_on_ray
from langchain_gpt52.ray.processor import GPT52Processor
from langchain_gpt52.testing import Emulator

LATENCY = 0.2
RPM = 1200


class TimedProcessor(GPT52Processor):
    """`GPT52Processor` that appends each batch's wall-clock span to a file."""

    def __init__(self, *args: Any, spans: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spans = spans

    def __call__(self, batch: Any) -> Any:
        start = time.time()
        table = super().__call__(batch)
        with open(self._spans, "a") as f:
            f.write(json.dumps({"start": start, "end": time.time(), "rows": table.num_rows}) + "\n")
        return table


def _one(
    llm: ChatAIMLAPI, rows: Path, work: Path, actors: int, rpm: int | None, per_actor: int
) -> tuple[float, float]:
    spans = work / f"spans-{actors}-{rpm}.jsonl"
    out = work / f"out-{actors}-{rpm}"
    with mock.patch.object(job, "GPT52Processor", _bind(spans)):
        start = time.monotonic()
        summary = run_bulk_on_ray(
            llm,
            rows,
            out,
            rpm=rpm,
            concurrency=actors,
            batch_size=32,
            max_concurrency=per_actor,
            num_cpus=0.25,
        )
        wall = time.monotonic() - start
    records = [json.loads(line) for line in spans.read_text().splitlines()]
    span = max(r["end"] for r in records) - min(r["start"] for r in records)
    assert summary.ok == sum(r["rows"] for r in records), summary
    return summary.ok / wall, summary.ok / span


def _bind(spans: Path) -> type[GPT52Processor]:
    class Bound(TimedProcessor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, spans=str(spans), **kwargs)

    return Bound


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=480, help="rows per run without a limit")
    parser.add_argument("--limited-rows", type=int, default=200, help="rows per limited run")
    parser.add_argument("--per-actor", type=int, default=8, help="requests in flight per actor")
    args = parser.parse_args()

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    with Emulator() as emu, tempfile.TemporaryDirectory() as tmp:
        emu.limits.configure(latency=LATENCY)
        work = Path(tmp)
        llm = ChatAIMLAPI(api_key="emulator-key", base_url=emu.aimlapi_base_url, max_tokens=40)
        table = []
        for rpm, count in ((None, args.rows), (RPM, args.limited_rows)):
            rows = work / f"rows-{count}.jsonl"
            rows.write_text(
                "".join(json.dumps({"prompt": f"Say hello to {i}"}) + "\n" for i in range(count))
            )
            for actors in (1, 2, 4):
                wall, sending = _one(llm, rows, work, actors, rpm, args.per_actor)
                table.append((actors, rpm, count, wall, sending))
    ray.shutdown()

    print(
        f"\nRay Data, {LATENCY * 1000:.0f} ms emulator latency, {args.per_actor} requests in "
        "flight per actor, ray.init(num_cpus=2)\n"
    )
    print("| actors | global limit | rows | wall rows/s | sending rows/s |")
    print("|---:|---|---:|---:|---:|")
    for actors, rpm, count, wall, sending in table:
        limit = f"{rpm} rpm ({rpm / 60:.0f}/s)" if rpm else "none"
        print(f"| {actors} | {limit} | {count} | {wall:.1f} | {sending:.1f} |")


if __name__ == "__main__":
    main()
