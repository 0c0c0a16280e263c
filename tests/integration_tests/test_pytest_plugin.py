"""A user's own test file gets the `emulator` and `cassette` fixtures with no conftest line:
the plugin is registered through the package's `pytest11` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

USER_TEST = """
import pytest
from langchain_gpt52 import ChatAIMLAPI


def test_with_the_emulator(emulator):
    llm = ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=emulator.api_key)
    assert llm.invoke("hi").text
    assert emulator.requests[0].json["model"] == "openai/gpt-5-2"


@pytest.mark.cassette("recorded.json", mode="record")
def test_with_a_cassette(cassette, emulator):
    llm = ChatAIMLAPI(
        base_url=emulator.aimlapi_base_url,
        api_key=emulator.api_key,
        http_client=cassette.client(),
    )
    assert llm.invoke("hi").text
"""


def _declared_entry_points(site: Path) -> None:
    """Expose the entry points pyproject.toml declares, as an installed distribution would."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = project.get("entry-points", {})
    info = site / "langchain_gpt52_under_test-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: langchain-gpt52-under-test\n")
    lines = []
    for group, entries in groups.items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def _run_user_tests(
    tmp_path: Path, env_extra: dict[str, str], conftest: str | None = None
) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "user_project"
    project.mkdir()
    (project / "test_mine.py").write_text(USER_TEST)
    if conftest is not None:
        (project / "conftest.py").write_text(conftest)
    site = tmp_path / "site"
    _declared_entry_points(site)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_users_test_file_gets_the_fixtures_without_a_conftest(tmp_path: Path) -> None:
    proc = _run_user_tests(tmp_path, {})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
    assert (tmp_path / "user_project" / "recorded.json").exists()


def test_without_autoload_the_documented_conftest_line_loads_them(tmp_path: Path) -> None:
    line = 'pytest_plugins = ["langchain_gpt52.testing.pytest_plugin"]\n'
    proc = _run_user_tests(tmp_path, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}, conftest=line)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
