"""The emulator's shared code knows no provider by name: providers are modules of hooks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import langchain_gpt52.emulator as emulator_package
from langchain_gpt52.emulator.providers import PROVIDERS, provider_for_path, provider_named

ROOT = Path(emulator_package.__file__).parent
SHARED = sorted(p for p in ROOT.rglob("*.py") if "providers" not in p.parts)
NAME_TEST = re.compile(
    r"""(==|!=|\bin)\s*\(?\s*["'](aimlapi|oxen)["']|["'](aimlapi|oxen)["']\s*(==|!=)"""
)


@pytest.mark.parametrize("path", SHARED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_code_never_tests_a_provider_name(path: Path) -> None:
    source = path.read_text()
    assert not NAME_TEST.search(source)
    assert "provider.name ==" not in source


def test_routes_by_prefix() -> None:
    assert provider_for_path("/v1/chat/completions").name == "aimlapi"
    assert provider_for_path("/api/ai/models/x").name == "oxen"
    assert provider_for_path("/elsewhere").name == "aimlapi"  # the fallback's 404 shape
    assert set(PROVIDERS) == {"aimlapi", "oxen"}


def test_unknown_provider_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown provider 'openrouter'"):
        provider_named("openrouter")
