"""What a run does with a row given earlier runs (shared by the bulk runner and Ray)."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from langchain_gpt52.bulk.journal import JobState
from langchain_gpt52.bulk.resume import Hold, invalid_row_record, plan_row, unknown_record
from langchain_gpt52.bulk.rows import Row, RowProblem


def _row(rid: str) -> Row:
    return Row(rid, 0, [HumanMessage("hi")], {}, 10)


def _state(status: str | None, sends: int) -> JobState:
    return JobState(status={"r": status} if status else {}, sends={"r": sends} if sends else {})


@pytest.mark.parametrize(
    ("status", "sends", "resend", "plan"),
    [
        (None, 0, False, 1),  # new row: first send
        ("ok", 1, False, "finished"),
        ("error", 1, True, "finished"),  # an error is final too, even when resending
        ("skipped", 1, False, 2),  # refused before sending (budget): tried again
        (None, 1, False, "unknown"),  # sent, no outcome: an unknown line, not sent
        ("unknown", 1, False, "still_unknown"),  # its unknown line is written already
        ("unknown", 1, True, 2),  # may resend: the second send
        (None, 2, True, 3),
    ],
)
def test_plan_row(status: str | None, sends: int, resend: bool, plan: int | Hold) -> None:
    assert plan_row(_state(status, sends), _row("r"), lambda _id, _n: resend) == plan


def test_may_resend_is_asked_with_the_row_and_its_sends_only_when_it_matters() -> None:
    asked: list[tuple[str, int]] = []

    def may_resend(row_id: str, sends: int) -> bool:
        asked.append((row_id, sends))
        return False

    assert plan_row(_state(None, 0), _row("r"), may_resend) == 1
    assert plan_row(_state("skipped", 2), _row("r"), may_resend) == 3
    assert asked == []
    assert plan_row(_state(None, 2), _row("r"), may_resend) == "unknown"
    assert asked == [("r", 2)]


def test_a_bad_row_gets_its_error_line_once() -> None:
    problem = RowProblem("r", 0, "bad")
    assert plan_row(JobState(), problem, lambda _id, _n: False) == "invalid"
    assert plan_row(_state("error", 0), problem, lambda _id, _n: False) == "finished"


def test_invalid_row_record_names_the_problem() -> None:
    record = invalid_row_record(RowProblem("r7", 7, "row 7: 'prompt' is empty"))
    assert record == {
        "id": "r7",
        "status": "error",
        "error": {"type": "InvalidRow", "status_code": None, "message": "row 7: 'prompt' is empty"},
    }


def test_unknown_record_names_the_request_and_how_to_resend() -> None:
    record = unknown_record("r", "job:r:2")
    assert (record["id"], record["status"], record["client_request_id"]) == (
        "r",
        "unknown",
        "job:r:2",
    )
    assert "resend_unknown=True" in record["reason"]
