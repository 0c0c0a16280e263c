"""The benchmark's workloads, a few iterations each, so ``benchmarks/`` cannot rot.

No timing is asserted: only that every client (the minimal httpx floor, ours, langchain-openai)
gets the same, correct answers from the emulator, and that the table renders.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_gpt52.testing import Emulator, Fault

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import run as bench  # noqa: E402
from benchmarks import scenarios as sc  # noqa: E402

pytestmark = pytest.mark.integration

ROUTES = list(sc.ROUTES)
EVENTS = 40


def _kinds() -> list[str]:
    try:
        import langchain_openai  # noqa: F401
    except ImportError:
        return ["floor", "ours"]
    return list(sc.KINDS)


@pytest.fixture(params=ROUTES)
def route(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clients(emulator: Emulator, route: str) -> Iterator[dict[str, sc.Client]]:
    made = {kind: sc.make_client(kind, route, emulator.url) for kind in _kinds()}
    yield made
    for client in made.values():
        client.close()


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for the module: langchain-openai caches its async HTTP client across
    instances, and that client's connections belong to the loop that opened them."""
    with asyncio.Runner() as loop_runner:
        yield loop_runner


def _stream_faults(emulator: Emulator, route: str, times: int) -> None:
    emulator.enqueue(Fault.respond(sse=sc.scripted_stream(route, EVENTS), times=times))


def test_sync_workloads_agree(emulator: Emulator, clients: dict[str, sc.Client]) -> None:
    for _ in range(2):
        answers = {kind: c.invoke() for kind, c in clients.items()}
        assert set(answers.values()) == {answers["floor"]}, answers
        assert answers["floor"].startswith('You said: "Summarise the plot of Hamlet')

        calls = {kind: c.invoke_tool() for kind, c in clients.items()}
        assert all(call == ("get_weather", {"location": "Paris"}) for call in calls.values())

        facts = {kind: c.structured() for kind, c in clients.items()}
        assert all(isinstance(f, sc.CityFact) for f in facts.values())
        assert facts["ours"] == facts["floor"]
        assert facts["floor"].population == 2100000


def test_streams_agree(
    emulator: Emulator, route: str, clients: dict[str, sc.Client], runner: asyncio.Runner
) -> None:
    expected = sc.expected_stream_text(route, EVENTS)
    assert len(expected) > 500
    ours = clients["ours"]
    assert isinstance(ours, sc.LangChainClient)
    _stream_faults(emulator, route, 3 * len(clients) + 2)
    for client in clients.values():
        assert client.stream() == expected
        assert runner.run(client.astream()) == expected
    assert ours.direct_stream() == expected
    assert runner.run(ours.direct_astream()) == expected
    for client in clients.values():
        assert client.stream() == expected


def test_async_workloads_agree(clients: dict[str, sc.Client], runner: asyncio.Runner) -> None:
    async def main() -> None:
        for kind, client in clients.items():
            answers = await asyncio.gather(*(client.ainvoke() for _ in range(5)))
            batch = await client.abatch(6, 3)
            assert len(set(answers) | set(batch)) == 1, kind
            if isinstance(client, sc.LangChainClient):
                assert await client.direct_agenerate() == answers[0]

    runner.run(main())


def test_direct_generate_matches_invoke(emulator: Emulator) -> None:
    client = sc.make_client("ours", "aimlapi", emulator.url)
    assert isinstance(client, sc.LangChainClient)
    assert client.direct_generate() == client.invoke()
    assert client.direct_generate_tool() == client.invoke_tool()
    assert client.invoke_format().startswith("{")
    client.close()


def test_floor_mirrors_the_package_settings() -> None:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from langchain_gpt52._transport import DEFAULT_LIMITS

    assert sc.FLOOR_LIMITS.max_connections == DEFAULT_LIMITS.max_connections
    assert sc.FLOOR_LIMITS.max_keepalive_connections == DEFAULT_LIMITS.max_keepalive_connections
    assert sc.FLOOR_LIMITS.keepalive_expiry == DEFAULT_LIMITS.keepalive_expiry
    fn = convert_to_openai_tool(sc.CityFact)["function"]
    assert sc.CITY_FACT_FORMAT["json_schema"] == {
        "name": fn["name"],
        "description": fn["description"],
        "schema": fn["parameters"],
    }


def test_scripted_stream_shape() -> None:
    for route in ROUTES:
        chunks = sc.scripted_stream(route, EVENTS)
        assert len(chunks) == EVENTS
        assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
        assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
        assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]


def test_measurement_helpers_and_table(emulator: Emulator) -> None:
    client = sc.make_client("floor", "aimlapi", emulator.url)
    cpu = bench.cpu_us({("floor", "aimlapi"): client.invoke}, ops=2, repeats=1)
    assert cpu[("floor", "aimlapi")] > 0
    with asyncio.Runner() as runner:
        rates, _cpus = bench.throughput(
            runner, {("floor", "aimlapi"): lambda: client.abatch(4, 2)}, calls=4, repeats=1
        )
        runner.run(client.aclose())
    assert rates[("floor", "aimlapi")] > 0
    client.close()
    values = {key: 100.0 + i for i, key in enumerate(bench.COLUMNS)}
    rows = [
        bench._ratio_row("invoke", dict(values), 1.4),
        bench._rate_row("burst", dict(values), dict(values)),
        bench.Row("rss", values=dict(values), unit="MiB", target="≤ 70 MiB", met=False),
    ]
    text = bench.table(rows)
    lines = text.splitlines()
    assert len(lines) == 2 + len(rows)
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    assert "(1.01×)" in lines[2]  # ChatAIMLAPI vs the null model
    summary = bench.targets(rows).splitlines()
    assert len(summary) == 2 + len(rows)
    assert "**NOT met**" in summary[4]
    assert summary[2].endswith("| 1.02× | met |")  # ≤ 1.4× the null model; worst: ChatOxen
    assert bench.Settings.make(quick=True).quick


def test_scaling_workloads_run_on_every_kind(emulator: Emulator) -> None:
    assert [m["role"] for m in sc.history(3)] == ["user", "assistant", "user"]
    assert len({t["function"]["name"] for t in sc.tools(5)}) == 5
    for kind in _kinds():
        client = sc.make_client(kind, "aimlapi", emulator.url)
        client.call_with(sc.history(3), sc.tools(2))()
        client.call_with(sc.history(1), None)()
        client.close()
