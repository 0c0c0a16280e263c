"""Client-side benchmark: langchain-gpt52 vs the null LangChain model, raw httpx/httpx2 and
langchain-openai.

    python benchmarks/run.py            # full run (under five minutes on 2 cores)
    python benchmarks/run.py --quick    # ~60 s smoke run (noisy numbers)

Starts the provider emulator in its own process (``python -m langchain_gpt52.testing --port 0``)
plus a second emulator process that serves scripted long streams, runs every scenario for every
client in this one process (client CPU via ``time.process_time()``: the emulators' CPU is not
counted), and prints three markdown tables: the targets (target / measured / met), every
measurement with its ratio to the null LangChain model (the floor for any LangChain chat model),
and the scaling table (history, tools, response size, stream length).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import scenarios as sc  # noqa: E402

ROUTE_OF = {"aimlapi": "/v1", "oxen": "/api/ai"}
# (kind, route) columns of the table, in order.
COLUMNS = [
    ("floor", "aimlapi"),
    ("floor2", "aimlapi"),
    ("null", "aimlapi"),
    ("ours", "aimlapi"),
    ("ours", "oxen"),
    ("openai", "aimlapi"),
]
HEADERS = [
    "raw httpx",
    "raw httpx2",
    "null LangChain model",
    "ChatAIMLAPI",
    "ChatOxen",
    "ChatOpenAI",
]
NULL = ("null", "aimlapi")
RAW = ("floor", "aimlapi")
RAW2 = ("floor2", "aimlapi")
OURS = [key for key in COLUMNS if key[0] == "ours"]


@dataclass
class Settings:
    quick: bool
    repeats: int
    invoke_ops: int
    stream_ops: int
    stream_events: int
    burst: int
    burst_repeats: int
    batch_concurrency: int
    import_runs: int
    rss_checkpoints: tuple[int, int]

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(True, 3, 40, 2, 400, 200, 2, 64, 3, (100, 300))
        return cls(False, 5, 200, 6, 1000, 200, 5, 64, 5, (1000, 3000))


@dataclass
class Row:
    metric: str
    values: dict[tuple[str, str], float] = field(default_factory=dict)
    unit: str = "µs"
    higher_is_better: bool = False
    target: str = ""
    met: bool | None = None
    notes: str = ""
    measured: str = ""
    """What the target is checked against, e.g. the worse ratio of the two providers."""


# -- processes -------------------------------------------------------------------------------------


@contextmanager
def spawned(args: list[str]) -> Iterator[list[str]]:
    """Start a helper process that prints its URL(s) on one line; yield them; kill it at the end."""
    proc = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_env()
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        if not line:
            raise RuntimeError(f"{' '.join(args)} exited without printing its URL")
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


# -- measurement helpers ---------------------------------------------------------------------------


def cpu_us(
    cases: dict[Any, Callable[[], Any]], *, ops: int, repeats: int, units: int = 1
) -> dict[Any, float]:
    """Median client CPU µs per unit; cases are interleaved in each repeat to share any drift."""
    for fn in cases.values():  # warm-up: connections, lazy imports, caches
        for _ in range(max(3, ops // 10)):
            fn()
    samples: dict[Any, list[float]] = {key: [] for key in cases}
    for _ in range(repeats):
        for key, fn in cases.items():
            gc.collect()
            start = time.process_time()
            for _ in range(ops):
                fn()
            samples[key].append((time.process_time() - start) / (ops * units) * 1e6)
    return {key: statistics.median(vals) for key, vals in samples.items()}


def acpu_us(
    runner: asyncio.Runner,
    cases: dict[Any, Callable[[], Awaitable[Any]]],
    *,
    ops: int,
    repeats: int,
    units: int = 1,
) -> dict[Any, float]:
    """``cpu_us`` for coroutine workloads, run one after another on one event loop."""

    async def loop(fn: Callable[[], Awaitable[Any]], n: int) -> None:
        for _ in range(n):
            await fn()

    for fn in cases.values():
        runner.run(loop(fn, max(3, ops // 10)))
    samples: dict[Any, list[float]] = {key: [] for key in cases}
    for _ in range(repeats):
        for key, fn in cases.items():
            gc.collect()
            start = time.process_time()
            runner.run(loop(fn, ops))
            samples[key].append((time.process_time() - start) / (ops * units) * 1e6)
    return {key: statistics.median(vals) for key, vals in samples.items()}


def throughput(
    runner: asyncio.Runner,
    cases: dict[Any, Callable[[], Awaitable[Any]]],
    *,
    calls: int,
    repeats: int,
) -> tuple[dict[Any, float], dict[Any, float]]:
    """Median calls/s (wall clock) and client CPU µs/call of one workload of ``calls`` calls."""
    for fn in cases.values():
        runner.run(fn())  # warm-up: opens the pool's connections
    rates: dict[Any, list[float]] = {key: [] for key in cases}
    cpus: dict[Any, list[float]] = {key: [] for key in cases}
    for _ in range(repeats):
        for key, fn in cases.items():
            gc.collect()
            cpu, wall = time.process_time(), time.perf_counter()
            runner.run(fn())
            wall = time.perf_counter() - wall
            cpus[key].append((time.process_time() - cpu) / calls * 1e6)
            rates[key].append(calls / wall)
    return (
        {key: statistics.median(v) for key, v in rates.items()},
        {key: statistics.median(v) for key, v in cpus.items()},
    )


_COMPILED: set[str] = set()


def import_ms(statement: str, runs: int, setup: str = "pass") -> list[float]:
    code = (
        f"{setup}; import time; t = time.perf_counter(); "
        f"{statement}; print((time.perf_counter() - t) * 1000)"
    )
    # With bytecode caching on, as for an installed package (pip compiles it): a run with
    # PYTHONDONTWRITEBYTECODE would time compiling this checkout's sources, while every
    # dependency in site-packages is already compiled.
    env = _env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if statement not in _COMPILED:
        subprocess.run([sys.executable, "-c", statement], check=True, env=env)  # writes caches
        _COMPILED.add(statement)
    out = []
    for _ in range(runs):
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        out.append(float(res.stdout.strip()))
    return out


# -- the run ---------------------------------------------------------------------------------------


def run(settings: Settings, log: Callable[[str], None]) -> tuple[list[Row], list[str]]:
    """Every measurement: the rows of the main table and the lines of the scaling table."""
    rows: list[Row] = []
    rows += imports(settings, log)
    specs = sc.scripted_specs()
    with (
        spawned(["-m", "langchain_gpt52.testing", "--port", "0"]) as (url,),
        spawned(
            ["-m", "benchmarks.scenarios", "serve", str(settings.stream_events)]
        ) as stream_urls,
        spawned(["-m", "benchmarks.scenarios", "serve-scripted", *specs]) as scripted_urls,
    ):
        stream_url = dict(zip(sc.ROUTES, stream_urls, strict=True))
        scripted = dict(zip(specs, scripted_urls, strict=True))
        log(f"emulator {url}; stream emulators {stream_urls}")
        rows += rss(settings, url, log)
        rows += in_process(settings, url, stream_url, log)
        scale_rows, scale_lines = scaling(settings, url, scripted, log)
        rows += scale_rows
    return rows, scale_lines


def imports(settings: Settings, log: Callable[[str], None]) -> list[Row]:
    log("import time ...")
    statements = {
        "httpx": "import httpx",
        "httpx2": "import httpx2",
        "chat": "import langchain_core.language_models.chat_models, httpx2, pydantic",
        "ours": "import langchain_gpt52",
        "openai": "import langchain_openai",
    }
    samples: dict[str, list[float]] = {key: [] for key in statements}
    for _ in range(settings.import_runs):  # interleaved
        for key, stmt in statements.items():
            samples[key] += import_ms(stmt, 1)
    ms = {key: statistics.median(v) for key, v in samples.items()}
    row = Row(
        "import, ms (null model column: `langchain_core...chat_models, httpx2, pydantic`)",
        unit="ms",
        target="≤ baseline + 20 ms",
    )
    row.values = {
        RAW: ms["httpx"],
        RAW2: ms["httpx2"],
        NULL: ms["chat"],
        ("ours", "aimlapi"): ms["ours"],
        ("ours", "oxen"): ms["ours"],
        ("openai", "aimlapi"): ms["openai"],
    }
    row.met = ms["ours"] <= ms["chat"] + 20
    row.measured = f"baseline + {ms['ours'] - ms['chat']:.0f} ms"
    return [row]


def rss(settings: Settings, url: str, log: Callable[[str], None]) -> list[Row]:
    log("RSS (fresh process per client) ...")
    first, second = settings.rss_checkpoints
    results: dict[tuple[str, str], dict[str, float]] = {}
    checkpoints = [str(first), str(second)]
    for kind, route in COLUMNS:
        res = subprocess.run(
            [sys.executable, "-m", "benchmarks.scenarios", "rss", kind, route, url, *checkpoints],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=_env(),
        )
        results[(kind, route)] = json.loads(res.stdout.strip().splitlines()[-1])
    k1, k3 = (f"{n // 1000}k" if n >= 1000 else str(n) for n in (first, second))
    after = Row(f"RSS after {k1} invokes, MiB", unit="MiB", target="≤ 70 MiB")
    growth = Row(f"RSS growth {k1} → {k3} invokes, MiB", unit="MiB", target="< 1 MiB")
    for key, res in results.items():
        after.values[key] = res[str(first)]
        growth.values[key] = res[str(second)] - res[str(first)]
    after.met = all(after.values[key] <= 70 for key in OURS)
    growth.met = all(growth.values[key] < 1.0 for key in OURS)
    after.measured = f"{max(after.values[k] for k in OURS):.1f} MiB"
    growth.measured = f"{max(growth.values[k] for k in OURS):+.1f} MiB"
    core = json.loads(
        subprocess.run(
            [sys.executable, "-m", "benchmarks.scenarios", "rss", "core", "-", url],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=_env(),
        ).stdout.strip()
    )
    after.notes = (
        "baseline `import langchain_core.language_models.chat_models`: "
        f"{core['after_import']:.1f}, + an SSL context: {core['with_ssl_context']:.1f}"
    )
    return [after, growth]


def _short(key: tuple[str, str]) -> str:
    return HEADERS[COLUMNS.index(key)]


def in_process(
    settings: Settings, url: str, stream_url: dict[str, str], log: Callable[[str], None]
) -> list[Row]:
    clients = {key: sc.make_client(*key, url) for key in COLUMNS}
    streamers = {key: sc.make_client(key[0], key[1], stream_url[key[1]]) for key in COLUMNS}
    reps, ops = settings.repeats, settings.invoke_ops
    rows: list[Row] = []

    log("invoke ...")
    plain = cpu_us({k: c.invoke for k, c in clients.items()}, ops=ops, repeats=reps)
    rows.append(_ratio_row("invoke, client CPU µs/call", plain, 1.0))

    log("tool-call invoke ...")
    tools = cpu_us({k: c.invoke_tool for k, c in clients.items()}, ops=ops, repeats=reps)
    rows.append(_ratio_row("tool-call invoke (bound tool), client CPU µs/call", tools, 1.0))

    log("structured output ...")
    struct = cpu_us({k: c.structured for k, c in clients.items()}, ops=ops, repeats=reps)
    row = Row("structured output (json_schema) minus plain invoke, µs/call", target="≤ ~50 µs")
    row.values = {k: struct[k] - plain[k] for k in COLUMNS}
    row.met = all(row.values[k] <= 50 for k in OURS)
    row.measured = f"{max(row.values[k] for k in OURS):.0f} µs"
    rows.append(row)

    log("stream ...")
    n_ev = settings.stream_events
    stream = cpu_us(
        {k: c.stream for k, c in streamers.items()},
        ops=settings.stream_ops,
        repeats=reps,
        units=n_ev,
    )
    rows.append(_ratio_row(f"stream ({n_ev}-chunk answer), client CPU µs/chunk", stream, 1.05))

    with asyncio.Runner() as runner:
        log("astream ...")
        astream = acpu_us(
            runner,
            {k: c.astream for k, c in streamers.items()},
            ops=settings.stream_ops,
            repeats=reps,
            units=n_ev,
        )
        rows.append(
            _ratio_row(f"astream ({n_ev}-chunk answer), client CPU µs/chunk", astream, 1.05)
        )

        log("200 concurrent ainvoke ...")
        burst = settings.burst

        def gather(c: sc.Client) -> Callable[[], Awaitable[Any]]:
            async def go() -> Any:
                return await asyncio.gather(*(c.ainvoke() for _ in range(burst)))

            return go

        rates, cpus = throughput(
            runner,
            {k: gather(c) for k, c in clients.items()},
            calls=burst,
            repeats=settings.burst_repeats,
        )
        rows.append(_rate_row(f"{burst} concurrent `ainvoke`, calls/s", rates, cpus))

        log("abatch ...")
        conc = settings.batch_concurrency

        def batch(c: sc.Client) -> Callable[[], Awaitable[Any]]:
            async def go() -> Any:
                return await c.abatch(burst, conc)

            return go

        rates, cpus = throughput(
            runner,
            {k: batch(c) for k, c in clients.items()},
            calls=burst,
            repeats=settings.burst_repeats,
        )
        rows.append(_rate_row(f"`abatch` of {burst}, max_concurrency={conc}, calls/s", rates, cpus))
        for c in [*clients.values(), *streamers.values()]:
            runner.run(c.aclose())
    for c in [*clients.values(), *streamers.values()]:
        c.close()
    return rows


def _ratio_row(metric: str, values: dict[tuple[str, str], float], limit: float) -> Row:
    """A per-call cost row: each provider against the null LangChain model."""
    row = Row(metric, values=dict(values), target=f"≤ {limit:g}× null model")
    worst = max(values[k] / values[NULL] for k in OURS)
    row.met = worst <= limit
    row.measured = f"{worst:.2f}×"
    return row


def _rate_row(
    metric: str, rates: dict[tuple[str, str], float], cpus: dict[tuple[str, str], float]
) -> Row:
    row = Row(
        metric,
        values=dict(rates),
        unit="/s",
        higher_is_better=True,
        target="≥ 2.0× raw httpx and ≥ 0.9× raw httpx2",
    )
    vs_raw = min(rates[k] / rates[RAW] for k in OURS)
    vs_raw2 = min(rates[k] / rates[RAW2] for k in OURS)
    row.met = vs_raw >= 2.0 and vs_raw2 >= 0.9
    row.measured = f"{vs_raw:.2f}× httpx, {vs_raw2:.2f}× httpx2"
    row.notes = "client CPU µs/call: " + ", ".join(f"{_short(k)} {cpus[k]:.0f}" for k in COLUMNS)
    return row


# -- scaling ---------------------------------------------------------------------------------------

SCALING_KINDS = [RAW2, NULL, ("ours", "aimlapi")]


def scaling(
    settings: Settings, url: str, scripted: dict[str, str], log: Callable[[str], None]
) -> tuple[list[Row], list[str]]:
    """µs per unit (message, tool, KB, chunk) at each size, with the ratio to the null model;
    returns the target rows (per history message; no superlinear growth) and the table."""
    lines = [
        "| workload | size | "
        + " | ".join(f"{_short(k)} µs/unit" for k in SCALING_KINDS)
        + " | ChatAIMLAPI / null |",
        "|---|---|" + "---|" * (len(SCALING_KINDS) + 1),
    ]
    per_unit: dict[str, list[tuple[float, dict[tuple[str, str], float]]]] = {}
    reps = max(2, settings.repeats - 2)

    def measure(
        name: str, size: float, unit: str, ops: int, make: Callable[[Any], Any], label: str = ""
    ) -> None:
        log(f"scaling: {name} {size} ...")
        clients = {k: make(k) for k in SCALING_KINDS}
        cases = {k: call for k, (_, call) in clients.items()}
        cost = cpu_us(cases, ops=ops, repeats=reps, units=size)
        for client, _ in clients.values():
            client.close()
        per_unit.setdefault(name, []).append((size, cost))
        ratio = cost[("ours", "aimlapi")] / cost[NULL]
        lines.append(
            f"| {name} | {label or f'{size:,} {unit}'} | "
            + " | ".join(_fmt(cost[k], "µs") for k in SCALING_KINDS)
            + f" | {ratio:.2f}× |"
        )

    def chat(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> Any:
        def make(key: tuple[str, str]) -> Any:
            client = sc.make_client(key[0], key[1], url)
            return client, client.call_with(messages, tools)

        return make

    q = settings.quick
    for n in (1, 10, 100) if q else (1, 10, 100, 1000):
        ops = max(5, 2000 // n // (4 if q else 1))
        measure("history", n, "messages", ops, chat(sc.history(n)))
    for n in (1, 10, 100):
        measure(
            "tools",
            n,
            "tools",
            max(5, 400 // n // (4 if q else 1)),
            chat(sc.history(1), sc.tools(n)),
        )
    for size, label in sc.RESPONSE_SIZES:
        scripted_url = scripted[f"size-{size}"]

        def make_sized(key: tuple[str, str], u: str = scripted_url) -> Any:
            client = sc.make_client(key[0], key[1], u)
            return client, client.call_with(sc.history(1), None)

        kb = max(1, size // 1024)
        ops = max(3, 200 // kb // (4 if q else 1))
        measure("response", size / 1024, "KB", ops, make_sized, label)
    for events in sc.STREAM_LENGTHS:
        stream_url = scripted[f"stream-{events}"]

        def make_stream(key: tuple[str, str], u: str = stream_url) -> Any:
            client = sc.make_client(key[0], key[1], u)
            return client, client.stream

        measure("stream", events, "chunks", max(2, 2000 // events), make_stream)

    history = dict(per_unit["history"])
    big = max(history)
    marginal = {k: (history[big][k] * big - history[1][k]) / (big - 1) for k in SCALING_KINDS}
    row = Row("per history message (marginal), µs", target="≤ 1.1× null model")
    row.values = {NULL: marginal[NULL], ("ours", "aimlapi"): marginal[("ours", "aimlapi")]}
    ratio = marginal[("ours", "aimlapi")] / marginal[NULL]
    row.met = ratio <= 1.1
    row.measured = f"{ratio:.2f}×"
    worst = 0.0
    key = ("ours", "aimlapi")
    for series in per_unit.values():
        if len(series) < 3:
            continue
        # marginal µs per unit between consecutive sizes: rising means superlinear
        (n0, c0), (n1, c1), (n2, c2) = series[-3:]
        step = (c2[key] * n2 - c1[key] * n1) / (n2 - n1)
        before = (c1[key] * n1 - c0[key] * n0) / (n1 - n0)
        worst = max(worst, step / before)
    growth = Row(
        "scaling: marginal µs/unit, largest step ÷ the step before",
        target="≤ 1.25 (no superlinear growth)",
    )
    growth.met = worst <= 1.25
    growth.measured = f"{worst:.2f}"
    return [row, growth], lines


# -- output ----------------------------------------------------------------------------------------


def _fmt(value: float, unit: str) -> str:
    if unit == "/s":
        return f"{value:,.0f}"
    if unit in ("ms", "MiB"):
        return f"{value:.1f}"
    return f"{value:.1f}" if abs(value) < 100 else f"{value:,.0f}"


def targets(rows: list[Row]) -> str:
    """One line per target: target / measured / met."""
    lines = ["| Target | Target value | Measured | Met |", "|---|---|---|---|"]
    for row in rows:
        if not row.target:
            continue
        met = "–" if row.met is None else ("met" if row.met else "**NOT met**")
        lines.append(f"| {row.metric} | {row.target} | {row.measured or '–'} | {met} |")
    return "\n".join(lines)


def table(rows: list[Row]) -> str:
    head = ["Metric", *HEADERS, "Notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row.metric]
        for key in COLUMNS:
            value = row.values.get(key)
            if value is None:
                cells.append("–")
                continue
            text = _fmt(value, row.unit)
            ref = RAW if row.unit == "/s" else NULL
            base = row.values.get(ref)
            ratio_row = row.target.endswith("null model") or row.unit == "/s"
            if ratio_row and base and key != ref:
                text += f" ({value / base:.2f}×)"
            cells.append(text)
        cells.append(row.notes)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


SWEEP_LIMITS = [
    (100, 20, "httpx2 default"),
    (256, 16, "httpcore 1.0 choice"),
    (256, 32, ""),
    (256, 64, "DEFAULT_LIMITS"),
    (1000, 100, "openai SDK's numbers"),
]


def sweep_limits(settings: Settings, log: Callable[[str], None]) -> str:
    """ChatAIMLAPI at 200-way ``ainvoke`` and ``abatch(64)`` under several pool limits."""
    import httpx2

    from langchain_gpt52 import _transport

    burst, conc, reps = settings.burst, settings.batch_concurrency, settings.burst_repeats
    lines = [
        "| max_connections / max_keepalive | server delay | "
        f"{burst} concurrent ainvoke, calls/s | CPU µs/call | abatch max_concurrency={conc}, "
        "calls/s | CPU µs/call |",
        "|---|---|---|---|---|---|",
    ]
    original = _transport.DEFAULT_LIMITS
    try:
        for delay in (0.0, 0.2):
            args = ["-m", "langchain_gpt52.testing", "--port", "0"]
            if delay:
                args = ["-m", "benchmarks.scenarios", "serve-slow", str(delay)]
            with spawned(args) as (url,), asyncio.Runner() as runner:
                for total, keep, label in SWEEP_LIMITS:
                    log(f"limits {total}/{keep}, delay {delay} s ...")
                    _transport.DEFAULT_LIMITS = httpx2.Limits(
                        max_connections=total, max_keepalive_connections=keep, keepalive_expiry=30
                    )
                    client = sc.make_client("ours", "aimlapi", url)

                    async def gather(c: sc.Client = client) -> Any:
                        return await asyncio.gather(*(c.ainvoke() for _ in range(burst)))

                    async def batch(c: sc.Client = client) -> Any:
                        return await c.abatch(burst, conc)

                    rates, cpus = throughput(
                        runner, {"g": gather, "b": batch}, calls=burst, repeats=reps
                    )
                    runner.run(client.aclose())
                    name = f"{total} / {keep}" + (f" ({label})" if label else "")
                    lines.append(
                        f"| {name} | {delay * 1000:.0f} ms | {rates['g']:,.0f} | {cpus['g']:,.0f} "
                        f"| {rates['b']:,.0f} | {cpus['b']:,.0f} |"
                    )
    finally:
        _transport.DEFAULT_LIMITS = original
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="~30 s smoke run (noisy numbers)")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument(
        "--sweep-limits",
        action="store_true",
        help="instead: ChatAIMLAPI's concurrency under several httpx pool limits",
    )
    args = parser.parse_args(argv)
    settings = Settings.make(args.quick)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr, flush=True)

    if args.sweep_limits:
        print(sweep_limits(settings, log))
        print(
            f"\nMedians of {settings.burst_repeats} runs each; server delay = seconds the "
            "emulator waits before answering (a slow model)."
        )
        return 0
    rows, scale_lines = run(settings, log)
    log("done")
    print("### Targets\n")
    print(targets(rows))
    print("\n### Measurements (ratios: to the null LangChain model; calls/s: to raw httpx)\n")
    print(table(rows))
    print("\n### Scaling (client CPU µs per unit)\n")
    print("\n".join(scale_lines))
    print(
        f"\nMedians of {settings.repeats} interleaved repeats; client CPU = time.process_time() "
        "of this process (the emulators run in other processes). The null LangChain model: a "
        "BaseChatModel doing one raw httpx2 POST + json.loads (the floor for any LangChain chat "
        "model); ChatOxen is compared with it on the AI/ML API route. Streams: scripted "
        f"{settings.stream_events}-chunk answers built from the emulator's own chunks. "
        f"Total {time.perf_counter() - started:.0f} s"
        + (" (--quick: smoke numbers only)." if settings.quick else ".")
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [
                    {
                        "metric": r.metric,
                        "values": {f"{k[0]}/{k[1]}": v for k, v in r.values.items()},
                        "target": r.target,
                        "met": r.met,
                        "notes": r.notes,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
