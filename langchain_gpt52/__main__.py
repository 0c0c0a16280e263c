"""Chat with GPT-5.2 from the terminal: ``python -m langchain_gpt52 "your prompt"``.

Streams the answer as it arrives and prints token usage (and AI/ML API credits) at the end. With
the provider's API key in the environment it talks to the real API; without one it starts the
built-in emulator on 127.0.0.1 and says so in one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

from langchain_core.messages import (
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_gpt52.chat_models import BaseChatGPT52, ChatAIMLAPI, ChatOxen
from langchain_gpt52.errors import APIError

_PROVIDERS: dict[str, type[BaseChatGPT52]] = {"aimlapi": ChatAIMLAPI, "oxen": ChatOxen}


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
    p = argparse.ArgumentParser(prog="python -m langchain_gpt52", description=__doc__)
    p.add_argument("prompt", nargs="*", help="what to ask (default: a haiku about GPT-5.2)")
    p.add_argument("--provider", choices=sorted(_PROVIDERS), default="aimlapi")
    p.add_argument("--model", help="model id (default: the provider's GPT-5.2 id)")
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--system", help="a system message")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--tools", action="store_true", help="demo: a tool-calling loop")
    mode.add_argument("--structured", action="store_true", help="demo: structured output")
    p.add_argument("--offline", action="store_true", help="use the emulator even if a key is set")
    return p


def _usage_line(msg: AIMessageChunk | None) -> str:
    if msg is None:
        return ""
    parts = []
    usage = msg.usage_metadata
    if usage:
        parts.append(
            f"tokens: {usage['input_tokens']} in, {usage['output_tokens']} out, "
            f"{usage['total_tokens']} total"
        )
        reasoning = (usage.get("output_token_details") or {}).get("reasoning")
        if reasoning:
            parts.append(f"{reasoning} reasoning")
    md = msg.response_metadata
    if md.get("credits_used") is not None:
        parts.append(f"credits: {md['credits_used']}")
    if md.get("usd_spent") is not None:
        parts.append(f"USD {md['usd_spent']}")
    if md.get("model_name"):
        parts.append(f"model: {md['model_name']}")
    return " | ".join(parts)


def _stream(
    llm: Any, messages: Sequence[BaseMessage], out: Callable[[str], None]
) -> AIMessageChunk:
    full: AIMessageChunk | None = None
    for chunk in llm.stream(list(messages)):
        out(chunk.text)
        full = chunk if full is None else full + chunk
    out("\n")
    if full is None:
        raise RuntimeError("the stream ended without any chunk")
    return full


def _tool_loop(llm: BaseChatGPT52, messages: list[BaseMessage], out: Callable[[str], None]) -> Any:
    tools = {t.name: t for t in (add, multiply)}
    bound = llm.bind_tools(list(tools.values()))
    for _ in range(6):
        reply = _stream(bound, messages, out)
        messages.append(reply)
        if not reply.tool_calls:
            return reply
        for call in reply.tool_calls:
            result = tools[call["name"]].invoke(call["args"])
            out(f"  -> {call['name']}({json.dumps(call['args'])}) = {result}\n")
            messages.append(ToolMessage(str(result), tool_call_id=call["id"] or ""))
    return messages[-1]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cls = _PROVIDERS[args.provider]
    spec = cls._spec
    if args.tools and not args.prompt:
        args.prompt = ["Use add and multiply to compute (3 + 4) * 5."]
    prompt = " ".join(args.prompt) or "Write a haiku about GPT-5.2"

    def out(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    with ExitStack() as stack:
        kwargs: dict[str, Any] = {"max_tokens": args.max_tokens}
        if args.model:
            kwargs["model"] = args.model
        if args.offline or not os.environ.get(spec.key_env):
            from langchain_gpt52.testing import Emulator

            emu = stack.enter_context(Emulator())
            base = emu.aimlapi_base_url if args.provider == "aimlapi" else emu.oxen_base_url
            kwargs.update(base_url=base, api_key=emu.api_key)
            why = "--offline" if args.offline else f"no {spec.key_env} set"
            print(
                f"[offline] {why}: answering with the built-in {spec.name} emulator at {base}",
                file=sys.stderr,
            )
        messages: list[BaseMessage] = []
        if args.system:
            messages.append(SystemMessage(args.system))
        messages.append(HumanMessage(prompt))
        try:
            llm = stack.enter_context(cls(**kwargs))
            if args.structured:
                result = llm.with_structured_output(Summary).invoke(messages)
                assert isinstance(result, BaseModel)
                out(result.model_dump_json(indent=2) + "\n")
                return 0
            final = _tool_loop(llm, messages, out) if args.tools else _stream(llm, messages, out)
        except APIError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except ValueError as exc:
            print(f"invalid request: {exc}", file=sys.stderr)
            return 2
        line = _usage_line(final if isinstance(final, AIMessageChunk) else None)
        if line:
            print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
