"""Every ```python block of README.md runs as written, on its own, in a fresh interpreter.

Each block runs in its own ``python`` subprocess with no provider key or base URL in the
environment, statement by statement like a script. An expression statement followed by a
``# -> <repr>`` comment is checked against the value's ``repr`` (doctest's ``...`` and whitespace
rules), so the outputs the README shows stay true.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
_BLOCK = re.compile(r"^```(?P<lang>\w+)[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)
_SECRET_ENV = re.compile(r"^(AIMLAPI|OXEN|GPT52|OPENAI)_(API_KEY|BASE_URL)$")

# Runs the file named by argv[1] as a script, checking `# -> repr` comments after expressions.
RUNNER = r"""
import ast, doctest, sys
path = sys.argv[1]
code = open(path, encoding="utf-8").read()
lines = code.splitlines()
namespace = {"__name__": "__main__", "__file__": path}
checker = doctest.OutputChecker()
flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

def expected(end):
    rest = lines[end:]
    if not rest or not rest[0].lstrip().startswith("# ->"):
        return None
    indent = rest[0].index("#")
    want = [rest[0][indent + 4:].strip()]
    for line in rest[1:]:
        s = line.strip()
        if not s.startswith("#") or s.startswith("# ->") or line.index("#") != indent:
            break
        want.append(s[1:].strip())
    return " ".join(want)

for node in ast.parse(code, path).body:
    if isinstance(node, ast.Expr):
        value = eval(compile(ast.Expression(node.value), path, "eval"), namespace)
        want = expected(node.end_lineno)
        if want is not None and not checker.check_output(want + "\n", repr(value) + "\n", flags):
            sys.exit(f"{path}, line {node.lineno}: shown {want}, got {value!r}")
    else:
        exec(compile(ast.Module([node], []), path, "exec"), namespace)
"""


def readme_blocks(lang: str = "python") -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [m.group("code") for m in _BLOCK.finditer(text) if m.group("lang") == lang]


def _keyless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _SECRET_ENV.match(k)}
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    return env


def run_block(
    code: str, tmp_path: Path, name: str = "block.py"
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / name
    script.write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(script)],
        cwd=tmp_path,
        env=_keyless_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )


BLOCKS = readme_blocks()


def test_readme_has_self_contained_blocks() -> None:
    assert len(BLOCKS) >= 5
    assert "Emulator" in BLOCKS[0], "the quick start must run with no key: it starts the emulator"


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i + 1}")
def test_readme_block_runs_alone_without_a_key(index: int, tmp_path: Path) -> None:
    proc = run_block(BLOCKS[index], tmp_path)
    assert proc.returncode == 0, f"README python block {index + 1} failed:\n{proc.stderr[-3000:]}"
    if "print(" in BLOCKS[index]:
        assert proc.stdout.strip(), f"README python block {index + 1} printed nothing"


def test_runner_checks_output_comments(tmp_path: Path) -> None:
    assert run_block("x = 40\nx + 2\n# -> 42\n", tmp_path).returncode == 0
    bad = run_block("x = 40\nx + 1\n# -> 42\n", tmp_path)
    assert bad.returncode != 0 and "shown 42, got 41" in bad.stderr


def test_runner_hides_provider_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-should-not-leak")
    proc = run_block("import os\nos.environ.get('AIMLAPI_API_KEY')\n# -> None\n", tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_readme_test_command_is_where_ci_reads_it() -> None:
    # .ci/run takes the first bash block within three lines after "Run the tests".
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^Run the tests.*\n\n```bash\n(?P<cmd>.+)\n```", text, re.M)
    assert match, "README: the 'Run the tests' paragraph must be followed by its bash block"
    assert "pytest" in match.group("cmd") and "--group test" in match.group("cmd")
