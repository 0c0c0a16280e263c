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
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.messages.ai import UsageMetadata, add_usage

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.__main__ import VERBS, add, main, multiply
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


# -- signals, pipes, errors as JSON, empty and undecodable input -------------------------------


def _popen(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "langchain_gpt52", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


@pytest.fixture
def slow_emu() -> Iterator[Emulator]:
    with Emulator(chunk_delay=0.3) as emu:
        yield emu


def _slow_env(emu: Emulator) -> dict[str, str]:
    return _keyless_env() | {"AIMLAPI_API_KEY": emu.api_key or "key"}


def test_ctrl_c_mid_stream_keeps_the_partial_answer_and_exits_130(slow_emu: Emulator) -> None:
    proc = _popen(
        ["--base-url", slow_emu.aimlapi_base_url, "Write a long story"], _slow_env(slow_emu)
    )
    assert proc.stdout is not None
    first = proc.stdout.read1(1024)  # blocks until the first streamed text arrives
    assert first.strip()
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert (first + rest).startswith(first)
    text = err.decode()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert text.splitlines()[-1] == "interrupted"


@pytest.mark.parametrize("extra", [[], ["--tools"]], ids=["answer", "tools"])
def test_a_closed_pipe_is_silent_with_the_conventional_exit(
    slow_emu: Emulator, extra: list[str]
) -> None:
    proc = _popen(
        [*extra, "--base-url", slow_emu.aimlapi_base_url, "Write a poem"], _slow_env(slow_emu)
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read1(1)  # like `| head -c1`: read a little, then go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 128 + signal.SIGPIPE


def test_a_real_head_pipe_prints_one_line_and_no_traceback(slow_emu: Emulator) -> None:
    cmd = (
        f"{shlex.quote(sys.executable)} -m langchain_gpt52 --tools --base-url "
        f"{shlex.quote(slow_emu.aimlapi_base_url)} "
        "'Use add and multiply to compute (3 + 4) * 5.' | head -1"
    )
    proc = subprocess.run(
        ["bash", "-c", f'{cmd}; echo "status=${{PIPESTATUS[0]}}" >&2'],
        env=_slow_env(slow_emu),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(proc.stdout.splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert f"status={128 + signal.SIGPIPE}" in proc.stderr


def test_json_errors_are_a_json_object_on_stdout(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu.enqueue(Fault.status(401, "bad key"), route="aimlapi")
    assert run(["--json", "--base-url", emu.aimlapi_base_url, "hi"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert set(error) == {"type", "message", "status_code"}
    assert error["type"] == "AuthenticationError" and error["status_code"] == 401
    assert "bad key" in error["message"]


def test_json_invalid_request_is_a_json_object_and_exit_2(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--json", "--max-tokens", "0", "--base-url", emu.aimlapi_base_url, "hi"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["status_code"] is None and "max_tokens" in error["message"]
    assert error["type"] == "invalid_request"


def test_reply_cut_by_max_tokens_is_one_readable_line_and_non_zero() -> None:
    proc = _cli(["--reasoning-effort", "low", "--max-tokens", "20", "hi"], "", _keyless_env())
    assert proc.returncode == 3, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if not x.startswith("[offline]")]
    assert "Warning" not in proc.stderr and "site-packages" not in proc.stderr
    [cut] = [x for x in lines if "max_tokens" in x]
    assert "cut" in cut and "reasoning" in cut


@pytest.mark.parametrize("args", [[], [""], ["  "]], ids=["stdin", "argv", "blank-argv"])
def test_empty_prompt_is_an_error_exit_2(args: list[str]) -> None:
    proc = _cli(args, "\n", _keyless_env())
    assert proc.returncode == 2
    assert "empty prompt" in proc.stderr and proc.stdout == ""


def test_non_utf8_stdin_says_what_is_wrong() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "langchain_gpt52"],
        input=b"caf\xe9 au lait\n",
        env=_keyless_env(),
        capture_output=True,
        timeout=120,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    assert "stdin is not valid UTF-8" in err and "byte 3" in err


def test_offline_with_base_url_is_refused() -> None:
    proc = _cli(["--offline", "--base-url", "http://127.0.0.1:9/v1", "hi"], "", _keyless_env())
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--base-url" in proc.stderr and "--offline" in proc.stderr


@pytest.mark.parametrize(
    ("provider", "env_name"), [("aimlapi", "AIMLAPI_API_KEY"), ("gpt52", "GPT52_API_KEY")]
)
def test_base_url_without_a_key_names_the_env_var(provider: str, env_name: str) -> None:
    proc = _cli(
        ["--provider", provider, "--base-url", "http://127.0.0.1:9/v1", "hi"], "", _keyless_env()
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert env_name in proc.stderr and "--offline" in proc.stderr
    assert "invalid request" not in proc.stderr


def _library_tool_turns(emu: Emulator, prompt: str, turns: int) -> list[Any]:
    llm = ChatAIMLAPI(base_url=emu.aimlapi_base_url).bind_tools([add, multiply])
    messages: list[BaseMessage] = [HumanMessage(prompt)]
    replies = []
    for _ in range(turns):
        reply = llm.invoke(messages)
        replies.append(reply)
        messages.append(reply)
        tools = {"add": add, "multiply": multiply}
        for call in reply.tool_calls:
            result = tools[call["name"]].invoke(call["args"])
            messages.append(ToolMessage(str(result), tool_call_id=call["id"] or ""))
    return replies


def test_tools_report_credits_and_cost_of_every_turn(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = "Use add and multiply to compute (3 + 4) * 5."
    assert run(["--tools", "--json", "--base-url", emu.aimlapi_base_url, prompt]) == 0
    data = json.loads(capsys.readouterr().out)
    replies = _library_tool_turns(emu, prompt, len(chat_bodies(emu)))
    credits = sum(r.response_metadata["credits_used"] for r in replies)
    usd = sum(r.response_metadata["cost"]["usd"] for r in replies)
    assert len(replies) >= 2 and credits > replies[-1].response_metadata["credits_used"]
    assert data["credits_used"] == credits
    assert data["cost"]["usd"] == pytest.approx(usd)


def test_tools_usage_line_sums_credits_and_cost(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = "Use add and multiply to compute (3 + 4) * 5."
    assert run(["--tools", "--base-url", emu.aimlapi_base_url, prompt]) == 0
    err = capsys.readouterr().err
    replies = _library_tool_turns(emu, prompt, len(chat_bodies(emu)))
    credits = sum(r.response_metadata["credits_used"] for r in replies)
    usd = sum(r.response_metadata["cost"]["usd"] for r in replies)
    assert f"credits: {credits}" in err and f"USD {usd:.6f}" in err


def test_a_registered_verb_gets_the_rest_of_the_arguments(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "verb_probe.py").write_text(
        "seen = []\n\ndef main(argv):\n    seen.append(argv)\n    return 7\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(VERBS, "probe", "verb_probe")
    assert run(["probe", "--x", "1"]) == 7
    import verb_probe  # type: ignore[import-not-found]

    assert verb_probe.seen == [["--x", "1"]]


def test_json_argument_errors_are_a_json_object() -> None:
    proc = _cli(["--json", "--max-tokens", "many", "hi"], "", _keyless_env())
    assert proc.returncode == 2
    error = json.loads(proc.stdout)["error"]
    assert error["type"] == "usage" and "--max-tokens" in error["message"]
    assert error["status_code"] is None


def test_json_ctrl_c_is_a_json_object_and_exit_130(slow_emu: Emulator) -> None:
    slow_emu.enqueue(Fault.slow_first_byte(30), route="aimlapi")
    proc = _popen(["--json", "--base-url", slow_emu.aimlapi_base_url, "hi"], _slow_env(slow_emu))
    deadline = time.monotonic() + 60
    while not chat_bodies(slow_emu) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"Traceback" not in err
    assert json.loads(out)["error"]["type"] == "interrupted"
