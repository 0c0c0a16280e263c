"""Per-call CPU of cost tracking and budgets, and how far a budget can overshoot.

```bash
python benchmarks/cost_tracking.py                  # ~1 min; prints two markdown tables
python benchmarks/cost_tracking.py --calls 50       # quicker, noisier
python benchmarks/cost_tracking.py --redis-url redis://127.0.0.1:6379/0
```

CPU table: client CPU is `time.thread_time()` of the calling thread (the in-process emulator
serves from its own thread and Redis from its own process, so their work is not counted). Each
cell is the median over interleaved repeats of `--calls` calls, in four modes: no tracker,
`track_cost()`, `track_cost(max_usd=...)` (in-process reservations) and the same with a Redis
store (a `redis-server` is started on a free port when `--redis-url` is not given; the column
says n/a when neither works). The models set `max_tokens`, so every mode sends the same request.

Overshoot table: `--trials` trials of 200 concurrent `ainvoke` calls, each started after a random
0-100 ms and answered after a random 0-10 ms more, under a random budget worth 3 to 20 reservations
($0.005 to $0.03 with `max_tokens=100`, $0.05 to $0.30 without `max_tokens`); the worst
`(spent - max_usd) / max_usd` seen. The emulator's replies (at most a few hundred tokens) never
pass the 1,024-token minimum allowance, so a third row lowers it to 64 tokens: the allowance is
then the largest output seen so far, as it is for real replies longer than the minimum.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

from langchain_gpt52 import BudgetExceededError, ChatAIMLAPI, ChatOxen, cost, track_cost
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.testing import Emulator, Fault

MODES = ["none", "track_cost()", "budget in-process", "budget Redis"]


def _per_call(work: Callable[[], object], calls: int, mode: str, redis_url: str | None) -> float:
    if mode == "none":
        block: Any = contextlib.nullcontext()
    elif mode == "track_cost()":
        block = track_cost()
    elif mode == "budget in-process":
        block = track_cost(max_usd=1e6)
    else:
        block = track_cost(max_usd=1e6, store=redis_url, name="benchmark")
    start = time.thread_time()
    with block:
        for _ in range(calls):
            work()
    return (time.thread_time() - start) / calls * 1e6


def measure(
    calls: int = 200, repeats: int = 5, redis_url: str | None = None
) -> list[tuple[str, dict[str, float]]]:
    """Rows of (workload, {mode: µs per call})."""
    modes = [m for m in MODES if m != "budget Redis" or redis_url]
    rows = []
    with Emulator() as emu:
        models: dict[str, BaseChatGPT52] = {
            "aimlapi": ChatAIMLAPI(
                base_url=emu.aimlapi_base_url, api_key=emu.api_key, max_tokens=500
            ),
            "oxen": ChatOxen(base_url=emu.oxen_base_url, api_key=emu.api_key, max_tokens=500),
        }
        for route, llm in models.items():
            workloads: dict[str, Callable[[], object]] = {
                "invoke": lambda llm=llm: llm.invoke("Hello!"),
                "stream": lambda llm=llm: list(llm.stream("What is 12 * 12?")),
            }
            for name, work in workloads.items():
                for mode in modes:  # warm-up: connections, imports, caches
                    _per_call(work, 10, mode, redis_url)
                samples: dict[str, list[float]] = {m: [] for m in modes}
                for _ in range(repeats):
                    for mode in modes:
                        samples[mode].append(_per_call(work, calls, mode, redis_url))
                    emu.reset()  # the emulator keeps every request: keep its memory flat
                rows.append(
                    (f"{route} {name}", {m: statistics.median(v) for m, v in samples.items()})
                )
    return rows


def callbacks_us(budget: bool, number: int = 20_000) -> float:
    """µs per call of the tracker's own callbacks (start and end of one priced chat call, as
    LangChain calls them), without HTTP: the part of the table above that the tracker adds."""
    from uuid import uuid4

    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_core.outputs import ChatGeneration, LLMResult

    from langchain_gpt52 import CostTracker

    tracker = CostTracker(max_usd=1e6) if budget else CostTracker()
    metadata = {"ls_provider": "aimlapi", "ls_model_name": "openai/gpt-5-2", "ls_max_tokens": 500}
    messages = [[HumanMessage("Hello!")]]
    usage = {"input_tokens": 9, "output_tokens": 14, "total_tokens": 23}
    reply = AIMessage(
        content="Hello! How can I help you today?",
        usage_metadata=usage,  # type: ignore[arg-type]
        response_metadata={"cost": {"usd": 0.0002135, "source": "provider"}},
    )
    result = LLMResult(generations=[[ChatGeneration(message=reply)]])
    start = time.thread_time()
    for _ in range(number):
        run_id = uuid4()
        tracker.on_chat_model_start({}, messages, run_id=run_id, metadata=metadata)
        tracker.on_llm_end(result, run_id=run_id)
    return (time.thread_time() - start) / number * 1e6


def render(rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [
        "| workload | no tracker | track_cost() | budget in-process | budget Redis "
        "| reservation added (in-process) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, cells in rows:
        shown = [f"{cells[m]:,.0f} µs" if m in cells else "n/a" for m in MODES]
        added = cells["budget in-process"] - cells["track_cost()"]
        lines.append(f"| {name} | " + " | ".join(shown) + f" | {added:+,.1f} µs |")
    return "\n".join(lines)


async def _overshoot_trial(
    emu: Emulator, llm: ChatAIMLAPI, rng: random.Random, words: list[str], limit: float
) -> tuple[float, int]:
    emu.reset()
    emu.enqueue(*[Fault.slow_first_byte(rng.uniform(0, 0.01)) for _ in range(200)])
    prompts = [
        "Write about " + " ".join(rng.choices(words, k=rng.randint(1, 60))) for _ in range(200)
    ]

    async def call(prompt: str, delay: float) -> Any:
        await asyncio.sleep(delay)
        return await llm.ainvoke(prompt)

    async with track_cost(max_usd=limit) as cost:
        results = await asyncio.gather(
            *(call(p, rng.uniform(0, 0.1)) for p in prompts), return_exceptions=True
        )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(e, BudgetExceededError) for e in errors), errors[:3]
    return (cost.total_usd - limit) / limit, cost.calls


def overshoot(trials: int = 50) -> list[tuple[str, float, float]]:
    """Rows of (setting, worst overshoot as a fraction of max_usd, mean calls sent a trial)."""
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
    ]
    rows = []
    with Emulator() as emu:
        default = cost.MIN_OUTPUT_ALLOWANCE
        settings: list[tuple[str, dict[str, Any], tuple[float, float], int]] = [
            ("max_tokens=100", {"max_tokens": 100}, (0.005, 0.03), default),
            ("no max_tokens", {}, (0.05, 0.3), default),
            ("no max_tokens, minimum allowance 64", {}, (0.005, 0.03), 64),
        ]
        for label, kw, limits, minimum in settings:
            llm = ChatAIMLAPI(base_url=emu.aimlapi_base_url, api_key=emu.api_key, **kw)
            rng = random.Random(20)
            cost.MIN_OUTPUT_ALLOWANCE = minimum

            async def run(
                llm: ChatAIMLAPI = llm, rng: random.Random = rng, limits: Any = limits
            ) -> list[Any]:
                return [
                    await _overshoot_trial(emu, llm, rng, words, rng.uniform(*limits))
                    for _ in range(trials)
                ]

            try:
                found = asyncio.run(run())
            finally:
                cost.MIN_OUTPUT_ALLOWANCE = default
            rows.append((label, max(f for f, _ in found), statistics.mean(c for _, c in found)))
    return rows


def render_overshoot(rows: list[tuple[str, float, float]], trials: int) -> str:
    lines = [
        f"| 200 concurrent calls x {trials} trials | worst overshoot of max_usd "
        "| calls sent (mean) |",
        "|---|---:|---:|",
    ]
    for label, worst, sent in rows:
        lines.append(f"| {label} | {worst:+.2%} | {sent:.1f} |")
    return "\n".join(lines)


@contextlib.contextmanager
def _redis(url: str | None) -> Iterator[str | None]:
    """`url`, else a `redis-server` on a free port for the run, else None."""
    binary = shutil.which("redis-server")
    if url or binary is None:
        yield url
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    with _redis(args.redis_url) as url:
        print(render(measure(args.calls, args.repeats, url)))
    plain, budgeted = callbacks_us(budget=False), callbacks_us(budget=True)
    print(
        f"\nTracker callbacks alone (start + end of one call, no HTTP): {plain:.1f} µs without "
        f"a budget, {budgeted:.1f} µs with an in-process budget ({budgeted - plain:+.1f} µs)\n"
    )
    print(render_overshoot(overshoot(args.trials), args.trials))


if __name__ == "__main__":
    main()
