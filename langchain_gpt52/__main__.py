"""Chat with GPT-5.2 from the terminal: ``python -m langchain_gpt52 "your prompt"``.

Streams the answer as it arrives and prints token usage (and AI/ML API credits) at the end. The
prompt comes from the arguments, or from stdin when none is given
(``echo "What is 2+2?" | python -m langchain_gpt52``). With the provider's API key in the
environment it talks to the real API; without one (and without ``--base-url``) it starts the
built-in emulator on 127.0.0.1 and says so in one line. ``--json`` prints one JSON object instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, TextIO

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

from langchain_gpt52.chat_models import BaseChatGPT52, ChatAIMLAPI, ChatGPT52, ChatOxen
from langchain_gpt52.errors import APIError

_PROVIDERS: dict[str, type[BaseChatGPT52]] = {
    "aimlapi": ChatAIMLAPI,
    "oxen": ChatOxen,
    "gpt52": ChatGPT52,
}
_EMULATED: dict[str, tuple[str, str | None]] = {
    "aimlapi": ("aimlapi", None),
    "oxen": ("oxen", None),
    "gpt52": ("aimlapi", ChatAIMLAPI._spec.default_model),  # served by the emulated AI/ML API
}
"""Provider -> the emulator route that answers for it offline, and the model id it needs."""
_CHUNK_DELAY = 0.02
"""Seconds between streamed chunks offline, so the answer is seen streaming."""
_DEFAULT_PROMPT = "Write a haiku about GPT-5.2"
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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
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
    return p


@dataclass
class _Result:
    """What one CLI run produced: the final message, the usage of every turn, tool calls made."""

    message: AIMessage
    usage: UsageMetadata | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    structured: dict[str, Any] | None = None

    def add_turn(self, message: AIMessage) -> None:
        self.message = message
        if message.usage_metadata:
            self.usage = add_usage(self.usage, message.usage_metadata)


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
    if md.get("credits_used") is not None:
        parts.append(f"credits: {md['credits_used']}")
    cost = md.get("cost")
    if isinstance(cost, dict):
        parts.append(f"cost: USD {cost['usd']:.6f} ({cost['source']})")
    if md.get("model_name"):
        parts.append(f"model: {md['model_name']}")
    return " | ".join(parts)


def _as_json(result: _Result, provider: str) -> str:
    md = result.message.response_metadata
    data = {
        "text": result.message.text,
        "tool_calls": result.tool_calls or [dict(call) for call in result.message.tool_calls],
        "structured": result.structured,
        "usage": dict(result.usage) if result.usage else None,
        "cost": md.get("cost"),
        "credits_used": md.get("credits_used"),
        "usd_spent": md.get("usd_spent"),
        "model": md.get("model_name"),
        "provider": provider,
    }
    return json.dumps(data, default=str)


def _ask(llm: Any, messages: Sequence[BaseMessage], out: Callable[[str], None] | None) -> AIMessage:
    """One turn: streamed to ``out`` when given, else a plain invoke."""
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
        if result is None:
            result = _Result(reply)
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
    result.add_turn(answer["raw"])
    result.structured = answer["parsed"].model_dump()
    return result


def _read_prompt(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.prompt:
        return " ".join(args.prompt)
    if not stdin.isatty():
        text = stdin.read().strip()
        if text:
            return text
    return _TOOLS_PROMPT if args.tools else _DEFAULT_PROMPT


def _one_line(exc: BaseException) -> str:
    """An error as one line: pydantic errors as ``field: message`` pairs (the message alone
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

    spec = _PROVIDERS[args.provider]._spec
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


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    if words[:1] == ["models"]:  # the `models` verb: the gateway's models and catalog drift
        from langchain_gpt52._cli_models import main as models

        return models(words[1:])
    args = _parser().parse_args(argv)
    if args.verbose:
        _enable_logging()
    prompt = _read_prompt(args, sys.stdin if stdin is None else stdin)
    spec = _PROVIDERS[args.provider]._spec
    out = None if args.json else _write

    with ExitStack() as stack:
        kwargs = _model_kwargs(args)
        if args.offline or (not os.environ.get(spec.key_env) and args.base_url is None):
            _start_emulator(stack, args, kwargs)
        messages: list[BaseMessage] = []
        if args.system:
            messages.append(SystemMessage(args.system))
        messages.append(HumanMessage(prompt))
        try:
            llm = stack.enter_context(_PROVIDERS[args.provider](**kwargs))
            if args.structured:
                result = _structured(llm, messages)
                if out is not None:
                    out(json.dumps(result.structured, indent=2) + "\n")
            elif args.tools:
                result = _tool_loop(llm, messages, out)
            else:
                reply = _ask(llm, messages, out)
                result = _Result(reply)
                result.add_turn(reply)
        except APIError as exc:
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return 1
        except (ValueError, TypeError) as exc:
            print(f"invalid request: {_one_line(exc)}", file=sys.stderr)
            return 2
        if args.json:
            _write(_as_json(result, args.provider) + "\n")
        else:
            line = _usage_line(result)
            if line:
                print(line, file=sys.stderr)
    return 0


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
