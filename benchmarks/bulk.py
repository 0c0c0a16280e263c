"""Bulk runs against a rate-limited emulator: the runner beside `abatch`, CPU per row, RSS.

```bash
python benchmarks/bulk.py                       # the full run: 5,000 rows, 60 s window
python benchmarks/bulk.py --rows 1000 --window 6 --rss-rows 10000 30000   # a shorter run
```

The emulator runs in its own process (so client CPU is the benchmark process's alone) with
200 ms latency per answer and a 1,200 requests/minute limit over a sliding `--window` (a
shorter window keeps the same rate and reaches the steady state sooner). Prints three
Markdown tables: pacing (rows/s, fraction of the limit, 429s, failed rows), client CPU per row
with no limit binding, and RSS while a long job runs.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.bulk import arun_bulk

LIMIT_RPM = 1200


def _serve(conn: Connection) -> None:
    """The emulator process: answers commands on `conn` until told to stop."""
    from langchain_gpt52.testing import Emulator

    with Emulator(max_recorded=1) as emu:
        conn.send(emu.aimlapi_base_url)
        while True:
            command, kwargs = conn.recv()
            if command == "configure":
                emu.limits.configure(**kwargs)
                conn.send(None)
            elif command == "throttled":
                conn.send(emu.limits.throttled)
            else:
                conn.send(None)
                return


class Server:
    def __init__(self) -> None:
        self.conn, child = mp.Pipe()
        self.proc = mp.get_context("spawn").Process(target=_serve, args=(child,), daemon=True)
        self.proc.start()
        self.url: str = self.conn.recv()

    def call(self, command: str, **kwargs: Any) -> Any:
        self.conn.send((command, kwargs))
        return self.conn.recv()

    def stop(self) -> None:
        self.call("stop")
        self.proc.join(5)


def _rows(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    for i in range(start, start + n):
        yield {"id": f"r{i}", "prompt": f"Summarize item {i} in one line."}


def _model(url: str, **kwargs: Any) -> ChatAIMLAPI:
    return ChatAIMLAPI(api_key="emulator-key", base_url=url, max_tokens=64, **kwargs)


async def _runner(url: str, n: int, out: Path, **options: Any) -> tuple[float, int, float]:
    """(seconds, failed rows, client CPU seconds) of one bulk job."""
    cpu, start = time.process_time(), time.monotonic()
    summary = await arun_bulk(_model(url), _rows(n), out, progress=False, **options)
    return time.monotonic() - start, summary.total - summary.ok, time.process_time() - cpu


async def _abatch(url: str, n: int, concurrency: int) -> tuple[float, int, float]:
    llm = _model(url)
    prompts = [row["prompt"] for row in _rows(n)]
    cpu, start = time.process_time(), time.monotonic()
    results = await llm.abatch(
        prompts, config={"max_concurrency": concurrency}, return_exceptions=True
    )
    failed = sum(isinstance(r, BaseException) for r in results)
    return time.monotonic() - start, failed, time.process_time() - cpu


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def pacing(server: Server, rows: int, window: float, tmp: Path) -> list[str]:
    limit_rps = LIMIT_RPM / 60
    table = [
        "| client | rows/s | fraction of the limit | 429s | failed rows |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(table), flush=True)
    cases: list[tuple[str, Any]] = [
        ("bulk runner (rpm=1200)", lambda: _runner(server.url, rows, tmp / "p.jsonl", rpm=1200)),
        *(
            (f"abatch max_concurrency={c}", lambda c=c: _abatch(server.url, rows, c))
            for c in (16, 64, 256)
        ),
    ]
    for name, run in cases:
        server.call("configure", rpm=LIMIT_RPM, latency=0.2, window=window)
        seconds, failed, _ = await run()
        throttled = server.call("throttled")
        rate = (rows - failed) / seconds
        table.append(f"| {name} | {rate:.1f} | {rate / limit_rps:.3f} | {throttled} | {failed} |")
        print(table[-1], flush=True)
    return table


async def cpu(server: Server, rows: int, tmp: Path) -> list[str]:
    server.call("configure")  # no limit, no latency
    await _abatch(server.url, 200, 64)  # warm-up
    plain = await _abatch(server.url, rows, 64)
    runner = await _runner(server.url, rows, tmp / "cpu.jsonl", max_concurrency=64)
    a, b = plain[2] / rows * 1e6, runner[2] / rows * 1e6
    return [
        "| client (no limit binding) | CPU µs/row | ratio |",
        "|---|---|---|",
        f"| abatch max_concurrency=64 | {a:.0f} | 1.00 |",
        f"| bulk runner max_concurrency=64 | {b:.0f} | {b / a:.2f} |",
    ]


async def rss(server: Server, marks: list[int], tmp: Path) -> list[str]:
    server.call("configure")
    seen: list[tuple[int, float]] = []

    def rows() -> Iterator[dict[str, Any]]:
        for i, row in enumerate(_rows(marks[-1]), 1):
            yield row
            if i in marks:
                seen.append((i, _rss_mib()))

    await arun_bulk(_model(server.url), rows(), tmp / "rss.jsonl", progress=False)
    table = ["| rows read | RSS MiB |", "|---|---|"]
    table += [f"| {n:,} | {mib:.1f} |" for n, mib in seen]
    return table


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--cpu-rows", type=int, default=2000)
    parser.add_argument("--rss-rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--parts", nargs="+", choices=["pacing", "cpu", "rss"], default=["pacing", "cpu", "rss"]
    )
    args = parser.parse_args()
    server = Server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            where = Path(tmp)
            if "pacing" in args.parts:
                print(
                    f"## Pacing: {args.rows} rows, 200 ms latency, {LIMIT_RPM} RPM limit "
                    f"({args.window:g} s sliding window)\n",
                    flush=True,
                )
                await pacing(server, args.rows, args.window, where)
            if "cpu" in args.parts:
                print("\n## Client CPU per row\n")
                print("\n".join(await cpu(server, args.cpu_rows, where)))
            if "rss" in args.parts:
                print("\n## RSS during one job\n")
                print("\n".join(await rss(server, sorted(args.rss_rows), where)))
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
