"""Chat with GPT-5.2 from the terminal: `python -m langchain_gpt52 "your prompt"`.

Streams the answer as it arrives and prints token usage (and AI/ML API credits) at the end. The
prompt comes from the arguments, or from stdin when none is given
(`echo "What is 2+2?" | python -m langchain_gpt52`). With the provider's API key in the
environment it talks to the real API; without one (and without `--base-url`) it starts the
built-in emulator on 127.0.0.1 and says so in one line. `--json` prints one JSON object instead
(errors too: `{"error": {"type", "message", "status_code"}}`).

Exit status: 0 answered; 1 the API refused or failed; 2 bad input (an empty or undecodable
prompt, a parameter the provider does not accept, a missing key); 3 the reply was cut at
`--max-tokens`; 130 interrupted (Ctrl-C: what was streamed stays); 141 stdout was closed
(`| head -1`), silently.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from typing import Any, NoReturn, TextIO

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata, add_usage
from langchain_core.tools import tool
from pydantic import BaseModel, Field, ValidationError

from langchain_gpt52._cli_providers import EMULATED as _EMULATED
from langchain_gpt52._cli_providers import PROVIDERS as _PROVIDERS
from langchain_gpt52.chat_models import BaseChatGPT52
from langchain_gpt52.errors import APIError

_CHUNK_DELAY = 0.02
"""Seconds between streamed chunks offline, so the answer is seen streaming."""
_DEFAULT_PROMPT = "Write a haiku about GPT-5.2"
EXIT_API_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_CUT = 3
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_CLOSED_PIPE = 128 + signal.SIGPIPE
_TOOLS_PROMPT = "Use add and multiply to compute (3 + 4) * 5."
_MAX_TOOL_TURNS = 6


@tool
def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


class Summary(BaseModel):
    """A one-line summary of the prompt with its keywords."""

    summary: str = Field(description="One sentence")
    keywords: list[str] = Field(description="Up to five keywords")


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as a JSON object on stdout when `--json` is given."""

    json_errors = False

    def error(self, message: str) -> NoReturn:
        if not self.json_errors:
            super().error(message)
        _write(json.dumps({"error": _error("usage", message, None)}) + "\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _parser(json_errors: bool = False) -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m langchain_gpt52",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "prompt", nargs="*", help=f"what to ask (default: stdin, else {_DEFAULT_PROMPT!r})"
    )
    p.add_argument("--provider", choices=sorted(_PROVIDERS), default="aimlapi")
    p.add_argument("--base-url", help="the endpoint (required for --provider gpt52 with a key)")
    p.add_argument("--model", help="model id (default: the provider's GPT-5.2 id)")
    p.add_argument("--system", help="a system message")
    p.add_argument("--reasoning-effort", help="none / low / medium / high / xhigh (per provider)")
    p.add_argument("--max-tokens", type=int, default=None)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--tools", action="store_true", help="demo: a tool-calling loop")
    mode.add_argument("--structured", action="store_true", help="demo: structured output")
    p.add_argument("--json", action="store_true", help="print one JSON object, no streaming")
    p.add_argument("--verbose", action="store_true", help="log retries and failovers to stderr")
    p.add_argument("--offline", action="store_true", help="use the emulator even if a key is set")
    p.json_errors = json_errors
    return p


@dataclass
class _Result:
    """What one CLI run produced: the final message, the usage of every turn, tool calls made."""

    message: AIMessage
    usage: UsageMetadata | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    structured: dict[str, Any] | None = None
    spent: dict[str, Any] = field(default_factory=dict)
    """`credits_used`, `usd_spent` and `cost` summed over every turn (absent: never reported)."""

    def add_turn(self, message: AIMessage) -> None:
        self.message = message
        if message.usage_metadata:
            self.usage = add_usage(self.usage, message.usage_metadata)
        md = message.response_metadata
        for key in ("credits_used", "usd_spent"):
            if md.get(key) is not None:
                self.spent[key] = self.spent.get(key, 0) + md[key]
        cost = md.get("cost")
        if isinstance(cost, dict):
            self.spent["cost"] = _add_cost(self.spent.get("cost"), cost)

    @property
    def cut(self) -> bool:
        """Whether the last reply stopped at the output token limit."""
        return self.message.response_metadata.get("finish_reason") == "length"


def _add_cost(total: dict[str, Any] | None, cost: dict[str, Any]) -> dict[str, Any]:
    """Two `{"usd", "source"}` costs added; the source is `"mixed"` when they differ."""
    if total is None:
        return {"usd": cost["usd"], "source": cost["source"]}
    source = total["source"] if total["source"] == cost["source"] else "mixed"
    return {"usd": total["usd"] + cost["usd"], "source": source}


def _usage_line(result: _Result) -> str:
    parts = []
    usage = result.usage
    if usage:
        parts.append(
            f"tokens: {usage['input_tokens']} in, {usage['output_tokens']} out, "
            f"{usage['total_tokens']} total"
        )
        reasoning = (usage.get("output_token_details") or {}).get("reasoning")
        if reasoning:
            parts.append(f"{reasoning} reasoning")
    md = result.message.response_metadata
    if result.spent.get("credits_used") is not None:
        parts.append(f"credits: {result.spent['credits_used']}")
    cost = result.spent.get("cost")
    if cost is not None:
        parts.append(f"cost: USD {cost['usd']:.6f} ({cost['source']})")
    if md.get("model_name"):
        parts.append(f"model: {md['model_name']}")
    return " | ".join(parts)


def _as_json(result: _Result, provider: str) -> dict[str, Any]:
    md = result.message.response_metadata
    data = {
        "text": result.message.text,
        "tool_calls": result.tool_calls or [dict(call) for call in result.message.tool_calls],
        "structured": result.structured,
        "usage": dict(result.usage) if result.usage else None,
        "cost": result.spent.get("cost"),
        "credits_used": result.spent.get("credits_used"),
        "usd_spent": result.spent.get("usd_spent"),
        "model": md.get("model_name"),
        "provider": provider,
    }
    return data


def _ask(llm: Any, messages: Sequence[BaseMessage], out: Callable[[str], None] | None) -> AIMessage:
    """One turn: streamed to `out` when given, else a plain invoke."""
    if out is None:
        reply = llm.invoke(list(messages))
        assert isinstance(reply, AIMessage)
        return reply
    full: Any = None
    for chunk in llm.stream(list(messages)):
        out(chunk.text)
        full = chunk if full is None else full + chunk
    out("\n")
    if full is None:
        raise RuntimeError("the stream ended without any chunk")
    return full  # type: ignore[no-any-return]


def _tool_loop(
    llm: BaseChatGPT52, messages: list[BaseMessage], out: Callable[[str], None] | None
) -> _Result:
    tools = {t.name: t for t in (add, multiply)}
    bound = llm.bind_tools(list(tools.values()))
    result: _Result | None = None
    for _ in range(_MAX_TOOL_TURNS):
        reply = _ask(bound, messages, out)
        result = result or _Result(reply)
        result.add_turn(reply)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            value = tools[call["name"]].invoke(call["args"])
            result.tool_calls.append({"name": call["name"], "args": call["args"], "result": value})
            if out is not None:
                out(f"  -> {call['name']}({json.dumps(call['args'])}) = {value}\n")
            messages.append(ToolMessage(str(value), tool_call_id=call["id"] or ""))
    assert result is not None
    return result


def _structured(llm: BaseChatGPT52, messages: list[BaseMessage]) -> _Result:
    answer = llm.with_structured_output(Summary, include_raw=True).invoke(messages)
    assert isinstance(answer, dict)
    if answer["parsing_error"] is not None:
        raise ValueError(f"the reply did not match the schema: {answer['parsing_error']}")
    result = _Result(answer["raw"])
    result.add_turn(answer["raw"])  # one call: with_structured_output makes a single request
    result.structured = answer["parsed"].model_dump()
    return result


class _UsageError(ValueError):
    """Bad command-line input, found before anything is sent (exit 2)."""


def _read_prompt(args: argparse.Namespace, stdin: TextIO) -> str:
    """The prompt from the arguments, else from stdin when it is not a terminal, else the
    demo's default. An empty prompt is refused (never replaced by the default)."""
    if args.prompt:
        text = " ".join(args.prompt).strip()
        if not text:
            raise _UsageError("empty prompt: the prompt argument is blank")
        return text
    if stdin.isatty():
        return _TOOLS_PROMPT if args.tools else _DEFAULT_PROMPT
    text = _read_text(stdin).strip()
    if not text:
        raise _UsageError(
            "empty prompt on stdin: pipe some text in, or pass the prompt as an argument"
        )
    return text


def _read_text(stdin: TextIO) -> str:
    """All of stdin as UTF-8 text; `_UsageError` saying where it is not UTF-8."""
    raw = getattr(stdin, "buffer", None)
    if raw is None:
        return stdin.read()
    data = raw.read()
    try:
        return str(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _UsageError(
            f"stdin is not valid UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x}): "
            "convert it first, e.g. `iconv -f latin1 -t utf-8`"
        ) from None


def _check_endpoint(args: argparse.Namespace) -> bool:
    """Whether to answer from the built-in emulator; `_UsageError` for a contradiction."""
    spec = _PROVIDERS[args.provider].provider
    if args.offline and args.base_url is not None:
        raise _UsageError(
            f"--base-url {args.base_url} cannot be used with --offline, which answers from "
            "the built-in emulator: drop one of them"
        )
    if args.offline:
        return True
    has_key = bool(os.environ.get(spec.key_env))
    if args.base_url is not None and not has_key:
        raise _UsageError(
            f"no API key for --base-url {args.base_url}: set {spec.key_env}, or use --offline "
            "(without --base-url) to try the built-in emulator"
        )
    return not has_key


def _one_line(exc: BaseException) -> str:
    """An error as one line: pydantic errors as `field: message` pairs (the message alone
    for a check of the whole model, which names its parameters itself)."""
    if isinstance(exc, ValidationError):
        return "; ".join(_field_error(err) for err in exc.errors())
    return " ".join(str(exc).split())


def _field_error(err: Any) -> str:
    message = str(err["msg"]).removeprefix("Value error, ")
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {message}" if where else message


def _enable_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(levelname)s %(name)s] %(message)s"))
    logger = logging.getLogger("langchain_gpt52")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _model_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for name in ("model", "base_url", "max_tokens", "reasoning_effort"):
        value = getattr(args, name)
        if value is not None:
            kwargs[name] = value
    return kwargs


def _start_emulator(stack: ExitStack, args: argparse.Namespace, kwargs: dict[str, Any]) -> None:
    from langchain_gpt52.testing import Emulator

    spec = _PROVIDERS[args.provider].provider
    route, model = _EMULATED[args.provider]
    emu = stack.enter_context(Emulator(chunk_delay=_CHUNK_DELAY))
    base = emu.base_url(route)
    kwargs.update(base_url=base, api_key=emu.api_key)
    if model is not None:
        kwargs.setdefault("model", model)
    why = "--offline" if args.offline else f"no {spec.key_env} set"
    print(
        f"[offline] {why}: answering with the built-in {spec.name} emulator at {base}",
        file=sys.stderr,
    )


VERBS: dict[str, str] = {
    "models": "langchain_gpt52._cli_models",  # the gateway's models and catalog drift
}
"""Subcommands: `python -m langchain_gpt52 <verb> ARGS...` imports the module named here and
returns its `main(ARGS)`; any other first word is (part of) a prompt. One line per verb."""


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in VERBS:
        verb: Any = importlib.import_module(VERBS[argv[0]])
        return int(verb.main(argv[1:]))
    args = _parser(json_errors="--json" in argv).parse_args(argv)
    if args.verbose:
        _enable_logging()
    try:
        return _chat(args, sys.stdin if stdin is None else stdin)
    except KeyboardInterrupt:
        if args.json:
            error = _error("interrupted", "interrupted (Ctrl-C)", None)
            _write_quietly(json.dumps({"error": error}) + "\n")
        else:
            _write_quietly("\n")  # end the partial answer's line
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Nothing reads stdout any more: point it at /dev/null so the final flush is silent.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLOSED_PIPE


def _chat(args: argparse.Namespace, stdin: TextIO) -> int:
    out = None if args.json else _write
    try:
        prompt = _read_prompt(args, stdin)
        offline = _check_endpoint(args)
    except _UsageError as exc:
        return _fail(args, "usage", str(exc), None, EXIT_BAD_INPUT)

    with ExitStack() as stack:
        kwargs = _model_kwargs(args)
        if offline:
            _start_emulator(stack, args, kwargs)
        messages: list[BaseMessage] = []
        if args.system:
            messages.append(SystemMessage(args.system))
        messages.append(HumanMessage(prompt))
        try:
            with warnings.catch_warnings():
                # A reply cut at max_tokens is reported below in one line, not as a warning.
                warnings.filterwarnings("ignore", "the reply is empty", UserWarning)
                result = _converse(stack, args, kwargs, messages, out)
        except APIError as exc:
            code = getattr(exc, "status_code", None)
            return _fail(args, type(exc).__name__, _one_line(exc), code, EXIT_API_ERROR)
        except (ValueError, TypeError) as exc:
            return _fail(args, "invalid_request", _one_line(exc), None, EXIT_BAD_INPUT)
    if args.json:
        data = _as_json(result, args.provider)
        if result.cut:
            data["error"] = _error("max_tokens", _cut_message(args), None)
        _write(json.dumps(data, default=str) + "\n")
    else:
        line = _usage_line(result)
        if line:
            print(line, file=sys.stderr)
        if result.cut:
            print(_cut_message(args), file=sys.stderr)
    return EXIT_CUT if result.cut else 0


def _converse(
    stack: ExitStack,
    args: argparse.Namespace,
    kwargs: dict[str, Any],
    messages: list[BaseMessage],
    out: Callable[[str], None] | None,
) -> _Result:
    llm = stack.enter_context(_PROVIDERS[args.provider](**kwargs))
    if args.structured:
        result = _structured(llm, messages)
        if out is not None:
            out(json.dumps(result.structured, indent=2) + "\n")
        return result
    if args.tools:
        return _tool_loop(llm, messages, out)
    reply = _ask(llm, messages, out)
    result = _Result(reply)
    result.add_turn(reply)
    return result


def _cut_message(args: argparse.Namespace) -> str:
    limit = f"max_tokens={args.max_tokens}" if args.max_tokens else "the output token limit"
    return (
        f"the reply was cut at {limit}; reasoning tokens count toward it: raise --max-tokens "
        "or lower --reasoning-effort"
    )


def _error(kind: str, message: str, status_code: int | None) -> dict[str, Any]:
    return {"type": kind, "message": message, "status_code": status_code}


def _fail(
    args: argparse.Namespace, kind: str, message: str, status_code: int | None, code: int
) -> int:
    """Report an error: a JSON object on stdout with `--json`, else one line on stderr."""
    if args.json:
        _write(json.dumps({"error": _error(kind, message, status_code)}) + "\n")
    elif kind != "invalid_request":
        print(f"error: {message}", file=sys.stderr)
    else:
        print(f"invalid request: {message}", file=sys.stderr)
    return code


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _write_quietly(text: str) -> None:
    """`_write`, ignoring a stdout that is already gone."""
    with suppress(BrokenPipeError, ValueError):
        _write(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["bulk"]:
        from langchain_gpt52.bulk.cli import main as bulk_main

        raise SystemExit(bulk_main(sys.argv[2:]))
    raise SystemExit(main())
