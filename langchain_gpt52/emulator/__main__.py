"""Run the provider emulator in the foreground: `python -m langchain_gpt52.testing`
(or `python -m langchain_gpt52.emulator`).

Prints exactly one line, the base URL (`http://127.0.0.1:<port>`), once the server listens, then
serves until SIGINT or SIGTERM. AI/ML API clients use `<url>/v1`, Oxen.ai clients
`<url>/api/ai`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from langchain_gpt52.emulator.server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m langchain_gpt52.testing",
        description="Serve a loopback emulator of the AI/ML API and Oxen.ai GPT-5.2 endpoints.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free one)")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument(
        "--api-key",
        default="emulator-key",
        help="the bearer token to require (default emulator-key)",
    )
    keys.add_argument("--any-key", action="store_true", help="accept any non-empty bearer token")
    parser.add_argument(
        "--credits", type=int, default=None, help="AI/ML API credit balance (default unlimited)"
    )
    parser.add_argument(
        "--no-done-marker",
        action="store_true",
        help="end AI/ML API streams at EOF without 'data: [DONE]'",
    )
    parser.add_argument(
        "--chunk-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause between streamed chunks (default 0; 0.02 makes streaming visible)",
    )
    parser.add_argument(
        "--record", action="store_true", help="keep recorded requests in memory (off by default)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    emulator = Emulator(
        host=args.host,
        port=args.port,
        api_key=None if args.any_key else args.api_key,
        credits=args.credits,
        aimlapi_done_marker=not args.no_done_marker,
        chunk_delay=args.chunk_delay,
        max_recorded=None if args.record else 0,
    )
    stopping = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        emulator.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        print(emulator.url, flush=True)
        while not stopping.wait(0.25):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
