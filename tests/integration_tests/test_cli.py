"""``python -m langchain_gpt52``: stdin prompt, ``--json``, provider options, usage, errors.

Most tests call ``main`` in-process against the test's emulator (a key in the environment and
``--base-url`` make the CLI use it instead of starting its own); the stdin and keyless cases run
the real command in a subprocess.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.messages.ai import UsageMetadata, add_usage

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.__main__ import add, main, multiply
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration

_KEY_ENVS = ("AIMLAPI_API_KEY", "OXEN_API_KEY", "GPT52_API_KEY", "GPT52_BASE_URL")


@pytest.fixture
def emu(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    for name in _KEY_ENVS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIMLAPI_API_KEY", emulator.api_key or "key")
    monkeypatch.setenv("GPT52_API_KEY", emulator.api_key or "key")
    return emulator


@pytest.fixture(autouse=True)
def _reset_package_logger() -> Iterator[None]:
    logger = logging.getLogger("langchain_gpt52")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def run(args: list[str], stdin: str = "") -> int:
    return main(args, stdin=io.StringIO(stdin))


def chat_bodies(emu: Emulator) -> list[dict[str, Any]]:
    return [r.json for r in emu.requests if r.path.endswith("/chat/completions")]


def _keyless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _KEY_ENVS}
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    return env


def _cli(args: list[str], stdin: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "langchain_gpt52", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prompt_from_stdin_in_a_real_pipe(emu: Emulator) -> None:
    env = _keyless_env() | {"AIMLAPI_API_KEY": emu.api_key or "key"}
    proc = _cli(["--base-url", emu.aimlapi_base_url], "What is 2+2?\n", env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    [body] = chat_bodies(emu)
    assert body["messages"] == [{"role": "user", "content": "What is 2+2?"}]


def test_prompt_argument_wins_over_stdin(emu: Emulator) -> None:
    assert run(["--base-url", emu.aimlapi_base_url, "from", "args"], stdin="from stdin") == 0
    assert chat_bodies(emu)[0]["messages"][-1]["content"] == "from args"


def test_keyless_run_answers_from_its_own_emulator_with_json() -> None:
    proc = _cli(["--json"], "What is 2+2?", _keyless_env())
    assert proc.returncode == 0, proc.stderr
    assert "[offline] no AIMLAPI_API_KEY set" in proc.stderr
    data = json.loads(proc.stdout)
    assert data["provider"] == "aimlapi" and data["text"]


def test_json_is_one_object_with_usage_cost_model_provider(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--json", "--base-url", emu.aimlapi_base_url, "hello"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)  # one object, nothing else on stdout
    expected = {"text", "tool_calls", "structured", "usage", "cost", "model", "provider"}
    assert expected <= set(data)
    assert data["text"] and data["tool_calls"] == [] and data["provider"] == "aimlapi"
    assert data["usage"]["total_tokens"] > 0 and data["model"]
    assert data["credits_used"] > 0


def test_tools_report_usage_of_every_turn(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = "Use add and multiply to compute (3 + 4) * 5."
    assert run(["--tools", "--json", "--base-url", emu.aimlapi_base_url, prompt]) == 0
    data = json.loads(capsys.readouterr().out)
    turns = len(chat_bodies(emu))
    assert turns >= 2 and [c["name"] for c in data["tool_calls"]] == ["add", "multiply"]

    # The same loop through the library (the emulator is deterministic): the sum of all turns.
    llm = ChatAIMLAPI(base_url=emu.aimlapi_base_url).bind_tools([add, multiply])
    messages: list[BaseMessage] = [HumanMessage(prompt)]
    total: UsageMetadata | None = None
    last: UsageMetadata | None = None
    for _ in range(turns):
        reply = llm.invoke(messages)
        assert reply.usage_metadata is not None
        last, total = reply.usage_metadata, add_usage(total, reply.usage_metadata)
        messages.append(reply)
        tools = {"add": add, "multiply": multiply}
        for call in reply.tool_calls:
            result = tools[call["name"]].invoke(call["args"])
            messages.append(ToolMessage(str(result), tool_call_id=call["id"] or ""))
    assert total is not None and last is not None
    assert data["usage"]["total_tokens"] == total["total_tokens"] > last["total_tokens"]


def test_structured_prints_the_object_and_usage(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--structured", "--base-url", emu.aimlapi_base_url, "GPT-5.2 is a model"]) == 0
    captured = capsys.readouterr()
    assert set(json.loads(captured.out)) == {"summary", "keywords"}
    assert "tokens:" in captured.err and "total" in captured.err


def test_provider_gpt52_with_base_url_model_system_and_effort(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--provider", "gpt52", "--base-url", emu.aimlapi_base_url, "--model", "openai/gpt-5-2"]
    args += ["--system", "Be brief.", "--reasoning-effort", "low", "--json", "hi"]
    assert run(args) == 0
    [body] = chat_bodies(emu)
    assert body["model"] == "openai/gpt-5-2"
    assert body["reasoning_effort"] == "low"
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert json.loads(capsys.readouterr().out)["provider"] == "gpt52"


def test_provider_gpt52_keyless_uses_the_emulator() -> None:
    proc = _cli(["--provider", "gpt52", "hi"], "", _keyless_env())
    assert proc.returncode == 0, proc.stderr
    assert "no GPT52_API_KEY set" in proc.stderr and proc.stdout.strip()


def test_verbose_logs_the_package_logger_at_info(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu.enqueue(Fault.status(429, retry_after=0), route="aimlapi")
    assert run(["--verbose", "--base-url", emu.aimlapi_base_url, "hi"]) == 0
    assert len(chat_bodies(emu)) == 2, "retried once, then answered"
    logging.getLogger("langchain_gpt52._retry").info("probe: retrying")
    logging.getLogger("langchain_gpt52._retry").debug("probe: debug")
    err = capsys.readouterr().err
    assert "probe: retrying" in err and "probe: debug" not in err


def test_without_verbose_nothing_is_logged(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--base-url", emu.aimlapi_base_url, "hi"]) == 0
    logging.getLogger("langchain_gpt52._retry").info("probe: retrying")
    assert "probe" not in capsys.readouterr().err


def test_invalid_parameter_is_one_line_not_a_pydantic_dump() -> None:
    proc = _cli(["--max-tokens", "0", "hi"], "", _keyless_env())
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("[offline]")]
    assert lines == [
        "invalid request: max_tokens=0 is not accepted by AI/ML API for openai/gpt-5-2: "
        "use an integer of at least 1"
    ]
    assert "pydantic" not in proc.stderr and proc.stdout == ""


def test_provider_rule_violation_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--provider", "oxen", "--offline", "--max-tokens", "20000", "hi"]) == 2
    [line] = [x for x in capsys.readouterr().err.splitlines() if not x.startswith("[offline]")]
    assert line.startswith("invalid request:") and "max_tokens" in line and "16384" in line


def test_api_error_is_one_line_and_exit_1(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu.enqueue(Fault.status(401, "bad key"), route="aimlapi")
    assert run(["--base-url", emu.aimlapi_base_url, "hi"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ") and "401" in line
