"""The output file and the journal: what a re-run reads back."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_gpt52.bulk.journal import Journal, OutputFile, journal_path, load_state


def test_last_line_wins_and_sends_are_counted(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    journal = Journal(out)
    journal.sent("a", "job:a", 1)
    journal.sent("b", "job:b", 1)
    journal.sent("b", "job:b:2", 2)
    journal.close()
    output = OutputFile(out)
    output.write({"id": "a", "status": "unknown"})
    output.write({"id": "a", "status": "ok"})
    output.close()
    state = load_state(out)
    assert state.status == {"a": "ok"}
    assert state.sends == {"a": 1, "b": 2}
    lines = journal_path(out).read_text().splitlines()
    assert json.loads(lines[2]) == {"id": "b", "client_request_id": "job:b:2", "send": 2}


def test_a_torn_last_line_is_ignored_and_not_glued_to_the_next(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text('{"id":"a","status":"ok"}\n{"id":"b","sta')
    assert load_state(out).status == {"a": "ok"}
    output = OutputFile(out)
    output.write({"id": "c", "status": "error"})
    output.close()
    assert load_state(out).status == {"a": "ok", "c": "error"}


def test_no_files_is_an_empty_state(tmp_path: Path) -> None:
    state = load_state(tmp_path / "none.jsonl")
    assert state.status == {} and state.sends == {}


async def test_records_written_together_share_fsyncs_and_all_land(tmp_path: Path) -> None:
    import asyncio

    out = tmp_path / "r.jsonl"
    journal = Journal(out)
    await asyncio.gather(*(journal.asent(f"r{i}", f"job:r{i}", 1) for i in range(50)))
    journal.close()
    assert load_state(out).sends == {f"r{i}": 1 for i in range(50)}
