"""Counting rows into `BulkSummary`, the bar on a terminal, the one summary line."""

from __future__ import annotations

import io

from langchain_gpt52.bulk.progress import BulkSummary, Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_counts_statuses_spend_and_tokens_of_this_run_only() -> None:
    stream = io.StringIO()
    progress = Progress(4, stream=stream)
    usage = {"input_tokens": 10, "output_tokens": 5}
    progress.add({"status": "ok", "cost": 0.5, "usage": usage})
    progress.add({"status": "error", "error": {}})
    progress.add({"status": "skipped", "reason": "budget"})
    progress.add({"status": "ok"}, this_run=False)
    summary = progress.close()
    assert (summary.total, summary.ok, summary.error, summary.skipped) == (4, 2, 1, 1)
    assert (summary.usd, summary.input_tokens, summary.output_tokens) == (0.5, 10, 5)
    assert stream.getvalue() == str(summary) + "\n"  # not a terminal: only the summary
    assert "4 rows: 2 ok, 1 error, 1 skipped, 0 unknown; $0.5000" in str(summary)


def test_a_terminal_gets_a_bar_and_quiet_gets_nothing() -> None:
    tty = Tty()
    progress = Progress(2, stream=tty)
    progress.add({"status": "ok", "cost": 0.25})
    progress.close()
    assert "1/2" in tty.getvalue() and "usd=0.2500" in tty.getvalue()
    quiet = io.StringIO()
    Progress(1, bar=False, summary=False, stream=quiet).close()
    assert quiet.getvalue() == ""
    assert BulkSummary().rows_per_s == 0.0
