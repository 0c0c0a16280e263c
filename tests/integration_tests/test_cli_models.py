"""`python -m langchain_gpt52 models` as a real command: the listing, `--json`, and the drift
check against the built-in emulator and against an emulator serving a drifted catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from langchain_gpt52._prices import Price
from langchain_gpt52.providers import AIMLAPI
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration

_KEY_ENVS = ("AIMLAPI_API_KEY", "OXEN_API_KEY", "AIMLAPI_BASE_URL", "OXEN_BASE_URL")


def _models(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _KEY_ENVS}
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    return subprocess.run(
        [sys.executable, "-m", "langchain_gpt52", "models", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_offline_listing_is_the_catalog() -> None:
    done = _models("--json")
    assert done.returncode == 0, done.stderr
    assert "[offline] no AIMLAPI_API_KEY set" in done.stderr
    listed = {m["id"]: m for m in json.loads(done.stdout)}
    assert set(listed) == {row.model for row in AIMLAPI.models}  # gpt-4o filtered out
    for row in AIMLAPI.models:
        assert listed[row.model]["context_window"] == row.context_window
        if row.price is not None:
            assert listed[row.model]["price"]["output"] == pytest.approx(row.price.output)


def test_offline_check_finds_no_drift() -> None:
    done = _models("--check")
    assert done.returncode == 0, done.stderr
    assert "no drift" in done.stderr
    assert "openai/gpt-5-2 " in done.stdout and "openai/gpt-4o" not in done.stdout


def test_check_reports_a_drifted_gateway(emulator: Emulator) -> None:
    base = AIMLAPI.row("openai/gpt-5-2")
    chat = AIMLAPI.row("openai/gpt-5-2-chat-latest")
    assert base is not None and chat is not None
    served = (
        replace(base, price=Price(1.75, 0.175, 16.0)),
        replace(chat, max_output_tokens=32_768),
        *(row for row in AIMLAPI.models if row.model not in (base.model, chat.model)),
        replace(base, model="openai/gpt-5-2-turbo"),
    )
    emulator.aimlapi_model_rows = served
    done = _models("--check", "--base-url", emulator.aimlapi_base_url)
    assert done.returncode == 1, done.stderr
    assert "[offline]" not in done.stderr  # the gateway given, not the built-in emulator
    assert "served, not in the catalog: openai/gpt-5-2-turbo" in done.stderr
    assert "openai/gpt-5-2: output price 14 in the catalog, 16 served" in done.stderr
    assert (
        "openai/gpt-5-2-chat-latest: max output tokens 16384 in the catalog, 32768 served"
        in done.stderr
    )


def test_check_reports_a_model_gone(emulator: Emulator) -> None:
    emulator.aimlapi_model_rows = AIMLAPI.models[1:]
    done = _models("--check", "--base-url", emulator.aimlapi_base_url)
    assert done.returncode == 1
    assert f"in the catalog, not served: {AIMLAPI.models[0].model}" in done.stderr


def test_oxen_offline_check() -> None:
    done = _models("--provider", "oxen", "--check")
    assert done.returncode == 0, done.stderr
    assert "[offline] no OXEN_API_KEY set" in done.stderr and "no drift" in done.stderr
    assert "gpt-5-2-chat-latest" in done.stdout


def test_an_unreachable_gateway_exits_2() -> None:
    done = _models("--base-url", "http://127.0.0.1:9/v1")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "connection failed" in done.stderr
