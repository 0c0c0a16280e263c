"""The notebooks follow LangChain's integration-docs layout and their stored outputs say what the
text claims (``pytest --nbmake`` executes them; this checks their structure and saved results)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
TEMPLATE = [
    "## Overview",
    "## Setup",
    "### Credentials",
    "### Installation",
    "## Instantiation",
    "## Invocation",
    "## Chaining",
    "## API reference",
]


def _cells(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]  # type: ignore[no-any-return]


def _headings(path: Path) -> list[str]:
    lines = (
        line
        for cell in _cells(path)
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
    )
    return [line.strip() for line in lines if line.startswith("##")]


def _outputs(path: Path, needle: str) -> str:
    """The stored text output of the code cells whose source contains ``needle``."""
    texts = []
    for cell in _cells(path):
        if cell["cell_type"] == "code" and needle in "".join(cell["source"]):
            for out in cell.get("outputs", []):
                texts.append("".join(out.get("text", "")))
    return "\n".join(texts)


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_integration_docs_template(path: Path) -> None:
    headings = _headings(path)
    positions = [headings.index(h) if h in headings else -1 for h in TEMPLATE]
    assert -1 not in positions, f"{path.name} lacks {TEMPLATE[positions.index(-1)]!r}"
    assert positions == sorted(positions), f"{path.name}: sections out of order: {headings}"
    assert positions[-1] == len(headings) - 2, "API reference comes last, before Clean up"
    sources = "".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code")
    assert "prompt | " in sources, f"{path.name} never chains a prompt into the model"
    assert "| ✅ |" in "".join("".join(c["source"]) for c in _cells(path)), "features table"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_are_stored_without_errors(path: Path) -> None:
    code = [c for c in _cells(path) if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    executed = [c for c in code if not "".join(c["source"]).lstrip().startswith("#")]
    assert all(c["execution_count"] for c in executed), f"{path.name} has unexecuted cells"
    kinds = {o["output_type"] for c in code for o in c.get("outputs", [])}
    assert "error" not in kinds


def test_agent_makes_one_tool_call_per_step_only_with_the_middleware() -> None:
    path = next(p for p in NOTEBOOKS if p.stem == "tool_calling_agent")
    assert "tool calls per model step: [1, 1, 1, 0]" in _outputs(path, "def show(")
    assert "tool calls per model step: [3, 0]" in _outputs(path, "create_agent(oxen, tools)")
    assert "one_tool_call_per_step" in "".join(
        "".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code"
    )


def test_quickstart_plot_has_labelled_axes_and_an_image() -> None:
    path = next(p for p in NOTEBOOKS if p.stem == "quickstart")
    cell = next(c for c in _cells(path) if "plt.subplots" in "".join(c["source"]))
    source = "".join(cell["source"])
    axes = source.count("plt.subplots(1, 3")
    assert axes == 1 and source.count("set_xlabel(") == 3 and source.count("set_ylabel(") == 3
    assert any("image/png" in o.get("data", {}) for o in cell["outputs"])


def test_quickstart_plot_labels_emulator_data_and_measures_latency() -> None:
    path = next(p for p in NOTEBOOKS if p.stem == "quickstart")
    cell = next(c for c in _cells(path) if "plt.subplots" in "".join(c["source"]))
    source = "".join(cell["source"])
    # Emulator numbers are labelled as such on the figure, with what the cost gap is.
    assert "emulator data" in source and "built-in 5 % markup" in source
    assert "fig.text(" in source
    # Latency is measured on the calls, never the Retry-After the cell configures.
    assert "retry_after" not in source and "perf_counter()" in source
    stored = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    assert "median first token" in stored and "(emulator data)" in stored
