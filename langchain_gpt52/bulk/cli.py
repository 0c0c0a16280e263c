"""`python -m langchain_gpt52 bulk prompts.jsonl -o results.jsonl`: a bulk job from the terminal.

Without the provider's API key (and without `--base-url`) the job runs against the built-in
emulator, so it can be tried offline. Ctrl-C stops it cleanly (rows in flight finish, or end
`unknown` if they do not within a few seconds); the same command resumes it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from langchain_gpt52._cli_providers import EMULATED, PROVIDERS

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m langchain_gpt52 bulk",
        description="Run every row of a JSONL file through GPT-5.2, paced, budgeted, resumable.",
    )
    p.add_argument("rows", help="JSONL file: one {id?, prompt | messages, params?} per line")
    p.add_argument("-o", "--output", required=True, help="JSONL results (appended; resumable)")
    p.add_argument("--provider", choices=sorted(PROVIDERS), default="aimlapi")
    p.add_argument("--model", help="model id (default: the provider's GPT-5.2 id)")
    p.add_argument("--base-url", help="the endpoint (required for --provider gpt52 with a key)")
    p.add_argument("--rpm", type=float, help="requests per minute to pace at")
    p.add_argument("--tpm", type=float, help="tokens per minute to pace at (estimated offline)")
    p.add_argument("--max-concurrency", type=int, default=64, help="requests in flight, at most")
    p.add_argument("--max-usd", type=float, help="budget: rows that would cross it are skipped")
    p.add_argument(
        "--budget-store", help="share the budget through a store, e.g. redis://localhost:6379/0"
    )
    p.add_argument("--schema", help="JSON schema file: each output is the structured object")
    p.add_argument(
        "--resend-unknown", action="store_true", help="re-send rows sent without outcome"
    )
    p.add_argument("--reconcile", action="store_true", help="ask AI/ML API's request log first")
    p.add_argument("--offline", action="store_true", help="use the emulator even with a key")
    p.add_argument("--emulator-rpm", type=int, help="offline: the emulator's requests/minute limit")
    p.add_argument(
        "--emulator-latency", type=float, default=0.0, help="offline: seconds per answer"
    )
    return p


def _schema(path: str | None) -> Any:
    if path is None:
        return None
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"--schema {path}: cannot read a JSON schema ({exc})") from None
    if not isinstance(schema, dict):
        raise ValueError(f"--schema {path}: a JSON schema is an object")
    return schema


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bulk` verb; 0 when every row ended ok, 1 otherwise, 2 on bad arguments, 130 on
    Ctrl-C."""
    from langchain_gpt52.bulk.runner import run_bulk

    args = _parser().parse_args(argv)
    cls = PROVIDERS[args.provider]
    kwargs: dict[str, Any] = {}
    if args.model:
        kwargs["model"] = args.model
    if args.base_url:
        kwargs["base_url"] = args.base_url
    with ExitStack() as stack:
        if args.offline or (not os.environ.get(cls.provider.key_env) and args.base_url is None):
            from langchain_gpt52.testing import Emulator

            emu = stack.enter_context(Emulator())
            emu.limits.configure(rpm=args.emulator_rpm, latency=args.emulator_latency)
            route, model_id = EMULATED[args.provider]
            kwargs.update(base_url=emu.base_url(route), api_key=emu.api_key)
            if model_id:
                kwargs.setdefault("model", model_id)
            print(f"[offline] answering with the built-in emulator at {emu.url}", file=sys.stderr)
        try:
            model = cls(**kwargs)
            summary = run_bulk(
                model,
                args.rows,
                args.output,
                schema=_schema(args.schema),
                rpm=args.rpm,
                tpm=args.tpm,
                max_concurrency=args.max_concurrency,
                max_usd=args.max_usd,
                budget_store=args.budget_store,
                resend_unknown=args.resend_unknown,
                reconcile=args.reconcile,
            )
        except KeyboardInterrupt:
            print("stopped: run the same command to resume", file=sys.stderr)
            return 130
        except (ValueError, TypeError, FileNotFoundError) as exc:
            print(f"invalid arguments: {exc}", file=sys.stderr)
            return 2
    return 0 if summary.ok == summary.total else 1
