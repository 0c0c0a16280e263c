"""What a run does with a row given earlier runs, and the lines it writes without sending.

The bulk runner and the Ray processor both call these, so a re-run of either pays for no row
twice and reports bad and unknown rows the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_gpt52.bulk.journal import FINAL, JobState
from langchain_gpt52.bulk.rows import Row, RowProblem

__all__ = ["Hold", "invalid_row_record", "plan_row", "unknown_record"]

Hold = Literal["finished", "invalid", "unknown", "still_unknown"]
"""Why a row is not sent now (see `plan_row`)."""


def plan_row(
    state: JobState, item: Row | RowProblem, may_resend: Callable[[str, int], bool]
) -> int | Hold:
    """The send to make now (1 = first), or why the row is not sent.

    - `"finished"`: its last outcome is final (`ok` or `error`): nothing to write.
    - `"invalid"`: a bad row: write its error line (`invalid_row_record`).
    - `"unknown"`: sent before with no outcome (it may have been billed): write an `unknown`
      line (`unknown_record`), do not send.
    - `"still_unknown"`: as `"unknown"`, but its `unknown` line is written already.

    A row sent before is sent again only when `may_resend(row id, sends so far)` says so
    (asked with `resend_unknown`, or shown not to have run); a `skipped` row (refused before
    sending) is always tried again.
    """
    last = state.status.get(item.id)
    if last in FINAL:
        return "finished"
    if isinstance(item, RowProblem):
        return "invalid"
    sends = state.sends.get(item.id, 0)
    if sends and last != "skipped" and not may_resend(item.id, sends):
        return "still_unknown" if last == "unknown" else "unknown"
    return sends + 1


def invalid_row_record(problem: RowProblem) -> dict[str, Any]:
    """The result line of a bad row: an `InvalidRow` error naming the problem."""
    return {
        "id": problem.id,
        "status": "error",
        "error": {"type": "InvalidRow", "status_code": None, "message": problem.message},
    }


def unknown_record(row_id: str, cid: str) -> dict[str, Any]:
    """The result line of a row sent (as `cid`) without a recorded outcome."""
    return {
        "id": row_id,
        "status": "unknown",
        "client_request_id": cid,
        "reason": "sent without a recorded outcome (it may have been billed); "
        "resend_unknown=True sends it again",
    }
