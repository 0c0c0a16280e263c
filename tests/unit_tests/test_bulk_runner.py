"""The job against the loopback emulator: results, resume, budget, schema, pacing, the key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.bulk import arun_bulk, client_request_id, run_bulk
from langchain_gpt52.bulk.journal import journal_path
from langchain_gpt52.bulk.runner import default_job_id
from langchain_gpt52.testing import Emulator, Fault

KEY = "sk-bulk-secret-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


@pytest.fixture
def emu(server: Emulator) -> Emulator:
    server.reset()
    return server


def model(emu: Emulator, **kwargs: Any) -> ChatAIMLAPI:
    return ChatAIMLAPI(api_key=KEY, base_url=emu.aimlapi_base_url, **kwargs)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def rows(n: int) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "prompt": f"say {i}"} for i in range(n)]


def test_every_row_gets_one_line_with_the_documented_fields(emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = run_bulk(model(emu), rows(5), out, progress=False)
    got = lines(out)
    assert sorted(r["id"] for r in got) == [f"r{i}" for i in range(5)]
    first = got[0]
    for name in ("output", "finish_reason", "usage", "cost", "served_by", "request_id"):
        assert first[name], name
    assert first["status"] == "ok" and first["attempts"] == 1 and first["latency_s"] >= 0
    assert first["client_request_id"] == client_request_id(default_job_id(out), first["id"])
    assert first["served_by"] == "aimlapi/openai/gpt-5-2"
    assert (summary.total, summary.ok, summary.error) == (5, 5, 0)
    assert summary.usd == pytest.approx(sum(r["cost"] for r in got))
    assert summary.input_tokens == sum(r["usage"]["input_tokens"] for r in got)
    sent = [r.headers.get("x-client-request-id") for r in emu.requests]
    assert sorted(sent) == sorted(r["client_request_id"] for r in got)


def test_a_bad_row_is_an_error_line_and_the_job_goes_on(emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    job = [*rows(2), {"id": "hot", "prompt": "x", "params": {"temperature": 9}}, "nonsense"]
    summary = run_bulk(model(emu), job, out, progress=False)
    by_id = {r["id"]: r for r in lines(out)}
    assert by_id["hot"]["status"] == "error"
    assert "temperature=9" in by_id["hot"]["error"]["message"]
    assert (summary.ok, summary.error) == (2, 2)
    assert len(emu.requests) == 2  # the bad rows were never sent


def test_rerun_skips_finished_rows_and_never_resends_unknown_ones(
    emu: Emulator, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    job_id = default_job_id(out)
    # An earlier run that was killed: r0 finished, r1 was sent (journal) with no outcome.
    out.write_text(json.dumps({"id": "r0", "status": "ok"}) + "\n")
    journal_path(out).write_text(
        json.dumps({"id": "r0", "client_request_id": f"{job_id}:r0", "send": 1})
        + "\n"
        + json.dumps({"id": "r1", "client_request_id": f"{job_id}:r1", "send": 1})
        + "\n"
    )
    summary = run_bulk(model(emu), rows(3), out, progress=False)
    assert (summary.ok, summary.unknown) == (2, 1)
    assert [r.headers["x-client-request-id"] for r in emu.requests] == [f"{job_id}:r2"]
    assert lines(out)[-1]["status"] == "unknown" or lines(out)[-2]["status"] == "unknown"
    again = run_bulk(model(emu), rows(3), out, progress=False)
    assert (again.ok, again.unknown) == (2, 1)
    assert len(emu.requests) == 1  # nothing sent the second time
    resent = run_bulk(model(emu), rows(3), out, resend_unknown=True, progress=False)
    assert (resent.ok, resent.unknown) == (3, 0)
    assert emu.requests[-1].headers["x-client-request-id"] == f"{job_id}:r1:2"
    assert lines(out)[-1]["attempts"] == 2


def test_reconcile_resends_only_rows_the_request_log_shows_did_not_run(
    emu: Emulator, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    job_id = default_job_id(out)
    llm = model(emu)
    llm.invoke("say 0", client_request_id=f"{job_id}:r0")  # r0 ran; its line was lost
    records = [{"id": f"r{i}", "client_request_id": f"{job_id}:r{i}", "send": 1} for i in (0, 1)]
    journal_path(out).write_text("".join(json.dumps(r) + "\n" for r in records))
    summary = run_bulk(llm, rows(2), out, reconcile=True, progress=False)
    assert (summary.ok, summary.unknown) == (1, 1)
    assert {r["id"]: r["status"] for r in lines(out)} == {"r0": "unknown", "r1": "ok"}
    assert emu.requests[-1].headers["x-client-request-id"] == f"{job_id}:r1:2"


def test_budget_skips_rows_and_a_higher_budget_continues(emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    llm = model(emu, max_tokens=20)
    one = run_bulk(llm, rows(1), tmp_path / "probe.jsonl", progress=False).usd
    summary = run_bulk(llm, rows(8), out, max_usd=one * 3.5, max_concurrency=1, progress=False)
    skipped = [r for r in lines(out) if r["status"] == "skipped"]
    assert 1 <= summary.ok <= 4 and summary.skipped == 8 - summary.ok
    assert {r["reason"] for r in skipped} == {"budget"}
    assert summary.usd <= one * 4.5
    sent_before = len(emu.requests)
    more = run_bulk(llm, rows(8), out, max_usd=1.0, progress=False)
    assert (more.ok, more.skipped) == (8, 0)
    assert len(emu.requests) - sent_before == summary.skipped  # only the skipped rows


class Answer(BaseModel):
    text: str
    words: int


@pytest.mark.parametrize("schema", [Answer, Answer.model_json_schema()])
def test_schema_makes_each_output_the_structured_object(
    emu: Emulator, tmp_path: Path, schema: Any
) -> None:
    out = tmp_path / "out.jsonl"
    summary = run_bulk(model(emu), rows(3), out, schema=schema, progress=False)
    assert summary.ok == 3
    for record in lines(out):
        assert set(record["output"]) == {"text", "words"}
        assert record["usage"]["output_tokens"] > 0
    assert "response_format" in emu.requests[0].json


def test_the_key_is_in_no_output_or_journal_line_even_when_echoed(
    emu: Emulator, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    llm = ChatAIMLAPI(api_key=KEY, base_url=emu.aimlapi_base_url, max_retries=0)
    wrong = ChatAIMLAPI(api_key=KEY + "x", base_url=emu.aimlapi_base_url, max_retries=0)
    emu.enqueue(Fault.status(400, f"bad key Bearer {KEY}", headers={"x-echo": KEY}))
    run_bulk(llm, rows(2), out, progress=False)
    run_bulk(wrong, rows(4), tmp_path / "wrong.jsonl", progress=False)
    assert any(r["status"] == "error" for r in lines(out))
    for path in tmp_path.iterdir():
        assert KEY not in path.read_text(), path.name
    assert {r["status"] for r in lines(tmp_path / "wrong.jsonl")} == {"error"}


async def test_pacing_keeps_under_the_emulator_limit(emu: Emulator, tmp_path: Path) -> None:
    emu.limits.configure(rpm=1200, window=2.0)  # 40 requests in any 2 s
    summary = await arun_bulk(
        model(emu, max_retries=0), rows(60), tmp_path / "o.jsonl", rpm=1080, progress=False
    )
    assert summary.ok == 60  # more than the 40 the window admits
    assert emu.limits.throttled == 0
    assert 3.0 < summary.elapsed_s < 9


async def test_without_pacing_429s_shrink_concurrency_and_are_counted_once(
    emu: Emulator, tmp_path: Path
) -> None:
    emu.limits.configure(rpm=600, window=1.0)  # 10 a second
    out = tmp_path / "o.jsonl"
    summary = await arun_bulk(
        model(emu, max_retries=0), rows(30), out, max_concurrency=30, progress=False
    )
    assert emu.limits.throttled > 0
    assert summary.error == emu.limits.throttled == summary.total - summary.ok
    errors = [r["error"] for r in lines(out) if r["status"] == "error"]
    assert {e["status_code"] for e in errors} == {429}
    assert max(emu.limits.client_request_counts().values()) == 1


async def test_two_jobs_share_one_redis_budget(
    emu: Emulator, tmp_path: Path, redis_url: str
) -> None:
    import asyncio

    from langchain_gpt52.budget import RedisBudgetStore

    llm = model(emu, max_tokens=20)
    one = (await arun_bulk(llm, rows(1), tmp_path / "probe.jsonl", progress=False)).usd
    store = RedisBudgetStore(redis_url, f"bulk-{tmp_path.name}")
    limit = one * 6.5
    a, b = await asyncio.gather(
        *(
            arun_bulk(
                llm,
                rows(8),
                tmp_path / f"{n}.jsonl",
                max_usd=limit,
                budget_store=store,
                max_concurrency=2,
                progress=False,
            )
            for n in ("a", "b")
        )
    )
    spent, reserved = store.totals()
    assert a.skipped + b.skipped >= 16 - 8  # together they could not run all 16
    assert float(spent) <= limit and reserved == 0
    assert a.usd + b.usd == pytest.approx(float(spent), rel=1e-6)


def test_an_unreachable_budget_store_skips_rows_unsent(emu: Emulator, tmp_path: Path) -> None:
    from langchain_gpt52.budget import RedisBudgetStore

    store = RedisBudgetStore("redis://127.0.0.1:1/0", "nowhere", timeout=0.2)
    out = tmp_path / "out.jsonl"
    summary = run_bulk(
        model(emu, max_tokens=20), rows(2), out, max_usd=1, budget_store=store, progress=False
    )
    assert summary.skipped == 2 and not emu.requests
    assert {r["reason"] for r in lines(out)} == {"budget_store_unavailable"}


def test_a_repeated_id_is_an_error_line_not_a_second_send(emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    job = [
        {"prompt": "same"},
        {"prompt": "same"},
        {"id": "x", "prompt": "a"},
        {"id": "x", "prompt": "b"},
    ]
    summary = run_bulk(model(emu), job, out, progress=False)
    assert (summary.ok, summary.error) == (2, 2)
    assert len(emu.requests) == 2
    errors = [r for r in lines(out) if r["status"] == "error"]
    assert {r["id"] for r in errors} == {f"{errors[0]['id'].split('@')[0]}@1", "x@3"}
    assert all("repeats the id" in r["error"]["message"] for r in errors)
    again = run_bulk(model(emu), job, out, progress=False)
    assert (again.ok, again.error) == (2, 2) and len(emu.requests) == 2
