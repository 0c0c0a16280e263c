"""The `bulk` CLI verb, in process, offline against the emulator it starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_gpt52.bulk.cli import main


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"p{i}"}) + "\n" for i in range(4)))
    return path


def test_offline_job_writes_results_and_a_summary(
    rows: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.jsonl"
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "title": "T",
                "type": "object",
                "properties": {"a": {"type": "string"}},
                "required": ["a"],
            }
        )
    )
    assert (
        main([str(rows), "-o", str(out), "--offline", "--rpm", "6000", "--schema", str(schema)])
        == 0
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in lines] == ["ok"] * 4
    assert all(set(r["output"]) == {"a"} for r in lines)
    err = capsys.readouterr().err
    assert "[offline]" in err and "4 rows: 4 ok" in err
    assert main([str(rows), "-o", str(out), "--offline"]) == 0  # resumed: nothing to send


def test_bad_arguments_exit_2_naming_the_problem(
    rows: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "r.jsonl")
    assert main([str(tmp_path / "missing.jsonl"), "-o", out, "--offline"]) == 2
    assert "rows file not found" in capsys.readouterr().err
    (tmp_path / "s.json").write_text("[1]")
    assert main([str(rows), "-o", out, "--offline", "--schema", str(tmp_path / "s.json")]) == 2
    assert "a JSON schema is an object" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(rows)])  # -o is required
