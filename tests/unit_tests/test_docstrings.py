"""Every docstring in the package is in LangChain's Markdown dialect, not reST."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import langchain_gpt52

PACKAGE = Path(langchain_gpt52.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))
REST = {
    "reST double backticks (use single backticks)": re.compile(r"``[^`\n]+``"),
    "Sphinx role (use a plain `name`)": re.compile(r":(py:)?(class|func|meth|attr|mod|exc|data):`"),
    "reST literal block `::` (use a fenced block)": re.compile(r"::\n\s*\n"),
}


def docstrings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    nodes = [tree, *ast.walk(tree)]
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = []
    for node in nodes:
        if isinstance(node, kinds) and (doc := ast.get_docstring(node, clean=False)):
            found.append((getattr(node, "lineno", 1), doc))
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_docstrings_are_markdown(path: Path) -> None:
    problems = [
        f"line {line}: {what}"
        for line, doc in docstrings(path)
        for what, pattern in REST.items()
        if pattern.search(doc)
    ]
    assert not problems, problems


def test_the_check_finds_rest() -> None:
    doc = "Use ``x`` or :class:`Y`::\n\n    code\n"
    assert all(pattern.search(doc) for pattern in REST.values())
