"""Added per-call CPU cost of ``track_cost`` (invoke and stream, both gateways).

```bash
python benchmarks/cost_tracking.py            # ~20 s; prints a markdown table
python benchmarks/cost_tracking.py --calls 50 # quicker, noisier
```

Client CPU is ``time.thread_time()`` of the calling thread (the in-process emulator serves from
its own thread, so its work is not counted). Each cell is the median over interleaved repeats of
``--calls`` calls, with and without an enclosing ``track_cost()``; the last column is the
difference per call. The response's ``cost`` metadata is computed in both cases (it is part of
every response); the difference is the tracker's callback work.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from langchain_gpt52 import ChatAIMLAPI, ChatOxen, track_cost
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.testing import Emulator


def _per_call(work: Callable[[], object], calls: int, tracked: bool) -> float:
    start = time.thread_time()
    if tracked:
        with track_cost():
            for _ in range(calls):
                work()
    else:
        for _ in range(calls):
            work()
    return (time.thread_time() - start) / calls * 1e6


def measure(calls: int = 200, repeats: int = 5) -> list[tuple[str, float, float]]:
    """Rows of (workload, µs per call without tracking, µs per call with it)."""
    rows = []
    with Emulator() as emu:
        models: dict[str, BaseChatGPT52] = {
            "aimlapi": ChatAIMLAPI(base_url=emu.aimlapi_base_url, api_key=emu.api_key),
            "oxen": ChatOxen(base_url=emu.oxen_base_url, api_key=emu.api_key),
        }
        for route, llm in models.items():
            workloads: dict[str, Callable[[], object]] = {
                "invoke": lambda llm=llm: llm.invoke("Hello!"),
                "stream": lambda llm=llm: list(llm.stream("What is 12 * 12?")),
            }
            for name, work in workloads.items():
                for _ in range(20):  # warm-up: connections, imports, caches
                    work()
                plain, tracked = [], []
                for _ in range(repeats):
                    plain.append(_per_call(work, calls, tracked=False))
                    tracked.append(_per_call(work, calls, tracked=True))
                    emu.reset()  # the emulator keeps every request: keep its memory flat
                rows.append(
                    (f"{route} {name}", statistics.median(plain), statistics.median(tracked))
                )
    return rows


def cost_metadata_us(number: int = 20_000) -> float:
    """µs per response of the always-on ``cost`` metadata (``attach_cost`` on one message)."""
    from langchain_core.messages import AIMessage

    from langchain_gpt52._prices import Price
    from langchain_gpt52.cost import attach_cost

    price = Price(1.75, 0.175, 14.0)
    usage = {"input_tokens": 95, "output_tokens": 14, "total_tokens": 109}
    msg = AIMessage(content="hi", usage_metadata=usage)  # type: ignore[arg-type]
    start = time.thread_time()
    for _ in range(number):
        attach_cost(msg, price)
    return (time.thread_time() - start) / number * 1e6


def render(rows: list[tuple[str, float, float]]) -> str:
    lines = [
        "| workload | CPU/call without | CPU/call with track_cost | added |",
        "|---|---:|---:|---:|",
    ]
    for name, plain, tracked in rows:
        lines.append(
            f"| {name} | {plain:,.0f} µs | {tracked:,.0f} µs | {tracked - plain:+,.0f} µs "
            f"({(tracked - plain) / plain:+.1%}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(render(measure(args.calls, args.repeats)))
    print(f"\n`cost` metadata on a response (always on): {cost_metadata_us():.2f} µs")


if __name__ == "__main__":
    main()
