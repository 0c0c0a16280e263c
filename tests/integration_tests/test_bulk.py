"""Bulk runs from the CLI in a real subprocess: killed halfway and resumed without re-sending,
Ctrl-C stopping cleanly, pacing against the emulator's limits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from langchain_gpt52.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]


def _prompts(path: Path, n: int) -> Path:
    path.write_text(
        "".join(json.dumps({"id": f"r{i}", "prompt": f"item {i}"}) + "\n" for i in range(n))
    )
    return path


def _command(emu: Emulator, rows: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "langchain_gpt52",
        "bulk",
        str(rows),
        "-o",
        str(out),
        "--base-url",
        emu.aimlapi_base_url,
        *extra,
    ]


def _env(emu: Emulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["AIMLAPI_API_KEY"] = emu.api_key or "k"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"the job did not write {n} lines in time")


def test_sigkill_halfway_then_the_same_command_finishes_with_no_row_sent_twice(
    tmp_path: Path,
) -> None:
    rows = _prompts(tmp_path / "prompts.jsonl", 60)
    out = tmp_path / "results.jsonl"
    with Emulator() as emu:
        emu.limits.configure(latency=0.2)
        command = _command(emu, rows, out, "--max-concurrency", "8")
        proc = subprocess.Popen(command, env=_env(emu), stderr=subprocess.PIPE)
        _wait_for_lines(out, 25, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        first = {r["id"] for r in _lines(out)}
        assert 25 <= len(first) < 60
        done = subprocess.run(command, env=_env(emu), capture_output=True, timeout=60)
        assert done.returncode == 1  # rows in flight at the kill are unknown, not ok
        counts = emu.limits.client_request_counts()
    assert max(counts.values()) == 1
    sent_rows = Counter(cid.split(":")[1] for cid in counts)
    assert max(sent_rows.values()) == 1  # no row was sent twice, under any id
    last = {r["id"]: r["status"] for r in _lines(out)}
    assert set(last) == {f"r{i}" for i in range(60)}
    unknown = {rid for rid, status in last.items() if status == "unknown"}
    assert 1 <= len(unknown) <= 8  # at most what was in flight
    assert not unknown & first  # only rows without an outcome at the kill
    ok_ids = {r["client_request_id"] for r in _lines(out) if r["status"] == "ok"}
    assert len(ok_ids) == 60 - len(unknown) and all(counts[cid] == 1 for cid in ok_ids)
    assert b"unknown" in done.stderr.splitlines()[-1]


def test_ctrl_c_stops_cleanly_and_the_same_command_resumes(tmp_path: Path) -> None:
    rows = _prompts(tmp_path / "prompts.jsonl", 40)
    out = tmp_path / "results.jsonl"
    with Emulator() as emu:
        emu.limits.configure(latency=0.1)
        command = _command(emu, rows, out, "--rpm", "600")
        proc = subprocess.Popen(command, env=_env(emu), stderr=subprocess.PIPE)
        _wait_for_lines(out, 5, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert b"run the same command to resume" in err
        stopped = _lines(out)
        assert {r["status"] for r in stopped} == {"ok"}  # rows in flight finished
        assert len(stopped) < 40
        done = subprocess.run(command, env=_env(emu), capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert max(emu.limits.client_request_counts().values()) == 1
    assert len(_lines(out)) == 40


def test_pacing_under_a_rate_limited_emulator_has_no_failed_rows(tmp_path: Path) -> None:
    rows = _prompts(tmp_path / "prompts.jsonl", 60)
    out = tmp_path / "results.jsonl"
    with Emulator() as emu:
        emu.limits.configure(rpm=1200, window=2.0, latency=0.05)  # 40 in any 2 s: 60 rows exceed it
        command = _command(emu, rows, out, "--rpm", "1080", "--max-usd", "5")
        done = subprocess.run(command, env=_env(emu), capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert emu.limits.throttled == 0
    assert b"60 ok" in done.stderr
