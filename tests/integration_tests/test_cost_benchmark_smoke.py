"""`benchmarks/cost_tracking.py` runs, a few calls each, so it cannot rot (no timing asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import cost_tracking as bench  # noqa: E402

pytestmark = pytest.mark.integration


def test_cpu_table_has_every_mode(redis_url: str) -> None:
    rows = bench.measure(calls=2, repeats=1, redis_url=redis_url)
    assert [name for name, _ in rows] == [
        "aimlapi invoke",
        "aimlapi stream",
        "oxen invoke",
        "oxen stream",
    ]
    assert all(set(cells) == set(bench.MODES) for _, cells in rows)
    assert "| aimlapi invoke |" in bench.render(rows)
    assert bench.callbacks_us(budget=True, number=10) > 0


def test_overshoot_table_stays_under_the_budget_with_max_tokens() -> None:
    rows = bench.overshoot(trials=1)
    assert rows[0][0] == "max_tokens=100"
    assert rows[0][1] <= 0
    assert "worst overshoot" in bench.render_overshoot(rows, 1)
