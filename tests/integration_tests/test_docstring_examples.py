"""The examples users read run: class docstrings, against the emulator.

Every ```` ```python ```` example in the docstrings of ``ChatAIMLAPI``, ``ChatOxen`` and
``ChatGPT52`` is executed, in order, in one namespace per class (so ``llm`` from "Instantiate"
is the ``llm`` of "Invoke"). The provider env vars point at the emulator, so snippets that build a
model without ``base_url`` reach it. Statements with ``await`` run on one event loop per snippet.

An expression statement followed by ``# -> <repr>`` comment lines (continued with ``#    ...``)
is checked against the value's ``repr`` the way doctest does (``...`` matches anything,
whitespace is normalized), so the outputs shown in the docstrings stay true.

The README's blocks are run by ``test_readme.py``, each in its own interpreter.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import doctest
import inspect
import re
import struct
import textwrap
import zlib
from typing import Any

import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52, ChatOxen
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration


_CODE_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.M | re.S
)
_CHECKER = doctest.OutputChecker()
_CHECK_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


# -- extraction -----------------------------------------------------------------------------------


def docstring_examples(cls: type) -> list[str]:
    """The ```` ```python ```` bodies of ``cls.__doc__``, dedented, in order."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    blocks = [textwrap.dedent(m.group("code")).strip("\n") for m in _CODE_BLOCK.finditer(doc)]
    return [code + "\n" for code in blocks if code]


# -- execution ------------------------------------------------------------------------------------


def _expected_after(lines: list[str], end_lineno: int) -> str | None:
    """The ``# -> ...`` output comment right below line ``end_lineno`` (1-based), if any."""
    rest = lines[end_lineno:]
    if not rest or not rest[0].lstrip().startswith("# ->"):
        return None
    indent = rest[0].index("#")
    want = [rest[0][indent + len("# ->") :].strip()]
    for line in rest[1:]:
        stripped = line.strip()
        if not stripped.startswith("#") or stripped.startswith("# ->"):
            break
        if len(line) - len(line.lstrip()) != indent:
            break
        want.append(stripped[1:].strip())
    return " ".join(want)


class _Statement:
    def __init__(self, node: ast.stmt, lines: list[str], filename: str) -> None:
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self.lineno = node.lineno
        self.expected = None
        if isinstance(node, ast.Expr):
            self.expected = _expected_after(lines, node.end_lineno or node.lineno)
            tree: ast.AST = ast.Expression(node.value)
            self.code = compile(tree, filename, "eval", flags=flags)
        else:
            self.code = compile(ast.Module([node], []), filename, "exec", flags=flags)
        self.is_async = bool(self.code.co_flags & inspect.CO_COROUTINE)


def _check(stmt: _Statement, value: Any, filename: str) -> None:
    if stmt.expected is None:
        return
    got = repr(value)
    if not _CHECKER.check_output(stmt.expected + "\n", got + "\n", _CHECK_FLAGS):
        pytest.fail(
            f"{filename}, line {stmt.lineno}: the output comment does not match\n"
            f"  shown: {stmt.expected}\n  got:   {got}"
        )


def run_example(code: str, namespace: dict[str, Any], filename: str) -> None:
    """Run ``code`` in ``namespace`` statement by statement, checking ``# ->`` comments.

    If any statement awaits, the whole snippet runs on one event loop (so a model's async
    client is not shared across loops).
    """
    lines = code.splitlines()
    statements = [_Statement(node, lines, filename) for node in ast.parse(code).body]
    if not any(s.is_async for s in statements):
        for stmt in statements:
            _check(stmt, eval(stmt.code, namespace), filename)
        return

    async def main() -> None:
        for stmt in statements:
            value = eval(stmt.code, namespace)
            if stmt.is_async:
                value = await value
            _check(stmt, value, filename)

    asyncio.run(main())


# -- fixtures -------------------------------------------------------------------------------------


def _tiny_png() -> bytes:
    """A valid 2x2 RGB PNG (no files needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00\x00\x00\xff" for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def emulator_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Every provider env var pointed at the emulator (``ChatGPT52`` at its AI/ML API route)."""
    for prefix, url in (
        ("AIMLAPI", emulator.aimlapi_base_url),
        ("OXEN", emulator.oxen_base_url),
        ("GPT52", emulator.aimlapi_base_url),
    ):
        monkeypatch.setenv(f"{prefix}_BASE_URL", url)
        monkeypatch.setenv(f"{prefix}_API_KEY", emulator.api_key or "emulator-key")
    return emulator


def _namespace() -> dict[str, Any]:
    """Names the docstrings use without defining (placeholders for the user's own data)."""
    return {"__name__": "__docstring_example__", "b64_png": base64.b64encode(_tiny_png()).decode()}


# -- tests ----------------------------------------------------------------------------------------

CLASSES = [ChatAIMLAPI, ChatOxen, ChatGPT52]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_docstring_has_examples(cls: type) -> None:
    sections = ("Instantiate", "Invoke", "Stream", "Async", "Tool calling", "Structured output")
    doc = cls.__doc__ or ""
    for section in sections:
        assert f"\n    {section}:\n" in doc, f"{cls.__name__} docstring lacks {section!r}"
    assert len(docstring_examples(cls)) >= len(sections)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_docstring_examples_run(cls: type, emulator_env: Emulator) -> None:
    namespace = _namespace()
    for index, code in enumerate(docstring_examples(cls)):
        run_example(code, namespace, f"<{cls.__name__} example {index + 1}>")
    llm = namespace.get("llm")
    assert isinstance(llm, cls), "the examples should build an `llm` of the documented class"
    assert emulator_env.requests, "the examples should reach the emulator"
    assert emulator_env.server_errors == []


def test_output_comments_are_checked() -> None:
    namespace: dict[str, Any] = {}
    run_example("x = 40\nx + 2\n# -> 42\n", namespace, "<ok>")
    run_example("{'a': 1, 'b': 'long'}\n# -> {'a': 1,\n#     'b': ...}\n", namespace, "<ok>")
    with pytest.raises(pytest.fail.Exception, match="does not match"):
        run_example("x + 1\n# -> 42\n", namespace, "<bad>")
