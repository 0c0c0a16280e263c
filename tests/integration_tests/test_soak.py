"""Soak: ~2,000 calls against the emulator -- sync and async, invoke and stream, with a fault on
every fifth call (5xx, resets, cut streams, bad bodies, 4xx) and a fresh event loop per async
round -- then open fds and RSS must not grow between the first and the second half.

No timing assertions: the test is bounded by its call count (about 10 s on a laptop).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langchain_gpt52 import ChatAIMLAPI, ChatOxen, _retry
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import APIError
from langchain_gpt52.testing import Emulator, Fault

pytestmark = [pytest.mark.integration, pytest.mark.soak]

ROUNDS = 40
SYNC_PER_ROUND = 25
ASYNC_PER_ROUND = 25
"""40 rounds x 50 calls = 2,000 calls (plus the retries the faults cause)."""

FD_MARGIN = 4
RSS_MARGIN_KB = 6 * 1024
"""Observed growth between the halves is well under 1 MB; a per-call leak of a few KB fails."""


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def settled_fds() -> int:
    """Open fds once the count stops moving (the emulator closes its side a moment later)."""
    count = open_fds()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = open_fds()
        if now == count:
            break
        count = now
    return count


# (fault or None, call kind, expected outcome) -- a fault every fifth call.
SYNC_PLAN: list[tuple[Fault | None, str, str]] = [
    (None, "invoke", "ok"),
    (None, "stream", "ok"),
    (None, "invoke", "ok"),
    (None, "stream", "ok"),
    (Fault.status(500, times=3), "invoke", "InternalServerError"),
    (None, "stream", "ok"),
    (None, "invoke", "ok"),
    (None, "stream-break", "ok"),
    (None, "invoke", "ok"),
    (Fault.reset(), "stream", "ok"),
    (None, "invoke", "ok"),
    (None, "stream", "ok"),
    (None, "invoke", "ok"),
    (None, "stream", "ok"),
    (Fault.cut_stream(after=2), "stream", "APIConnectionError"),
    (None, "invoke", "ok"),
    (None, "stream", "ok"),
    (None, "invoke", "ok"),
    (None, "stream", "ok"),
    (Fault.status(429, retry_after=0), "invoke", "ok"),
    (None, "stream", "ok"),
    (None, "invoke", "ok"),
    (None, "stream", "ok"),
    (None, "invoke", "ok"),
    (Fault.malformed_json(), "invoke", "APIResponseValidationError"),
]
ASYNC_FAULTS = [
    Fault.status(503),
    Fault.reset(),
    Fault.cut_stream(after=1),
    Fault.status(400),
    Fault.null_choices(),
]


def _sync_call(model: BaseChatGPT52, kind: str, prompt: str) -> str:
    try:
        if kind == "invoke":
            text = str(model.invoke(prompt).content)
        elif kind == "stream":
            text = "".join(str(c.content) for c in model.stream(prompt))
        else:
            for _chunk in model.stream(prompt):
                return "ok"  # abandoned after the first chunk
            return "no chunk"
    except APIError as exc:
        return type(exc).__name__
    assert text == f'You said: "{prompt}"'
    return "ok"


async def _async_round(models: list[BaseChatGPT52], emulator: Emulator, n: int) -> list[Any]:
    """25 concurrent calls (invoke and stream) with five faults queued for whichever comes."""
    emulator.enqueue(*ASYNC_FAULTS)

    async def one(i: int) -> str:
        model = models[i % 2]
        prompt = f"async {n}.{i}"
        if i % 2:
            return str((await model.ainvoke(prompt)).content)
        return "".join([str(c.content) async for c in model.astream(prompt)])

    results = await asyncio.gather(
        *(one(i) for i in range(ASYNC_PER_ROUND)), return_exceptions=True
    )
    # async generators abandoned by a failure are closed by finalizer tasks the loop schedules;
    # they must all finish (nothing of ours keeps running)
    deadline = time.monotonic() + 5
    while True:
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if not others or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.005)
    assert others == []
    return results


def _round(models: list[BaseChatGPT52], emulator: Emulator, n: int) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for i, (fault, kind, expected) in enumerate(SYNC_PLAN):
        if fault is not None:
            emulator.enqueue(fault)
        outcome = _sync_call(models[(n + i) % 2], kind, f"sync {n}.{i}")
        assert outcome == expected, (n, i, kind)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    emulator.reset()  # drop a fault a call may have left unconsumed
    for result in asyncio.run(_async_round(models, emulator, n)):
        if isinstance(result, BaseException):
            # every failure is typed; no KeyError/JSONDecodeError/httpx error escapes
            assert isinstance(result, APIError), repr(result)
            name = type(result).__name__
        else:
            assert result.startswith('You said: "async ')
            name = "ok"
        outcomes[name] = outcomes.get(name, 0) + 1
    emulator.reset()
    return outcomes


def test_soak_no_growth(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "INITIAL_DELAY", 0.001)
    models: list[BaseChatGPT52] = [
        ChatAIMLAPI(api_key=emulator.api_key, base_url=emulator.aimlapi_base_url),
        ChatOxen(api_key=emulator.api_key, base_url=emulator.oxen_base_url),
    ]
    totals: dict[str, int] = {}
    marks: list[tuple[int, int]] = []
    for half in range(2):
        for n in range(half * ROUNDS // 2, (half + 1) * ROUNDS // 2):
            for name, count in _round(models, emulator, n).items():
                totals[name] = totals.get(name, 0) + count
        marks.append((settled_fds(), rss_kb()))
    (fds_mid, rss_mid), (fds_end, rss_end) = marks
    assert sum(totals.values()) == ROUNDS * (SYNC_PER_ROUND + ASYNC_PER_ROUND)
    assert totals["ok"] >= ROUNDS * (SYNC_PER_ROUND - 3)  # the faults did not take over
    assert len(totals) >= 5  # several kinds of typed failure were seen
    assert fds_end <= fds_mid + FD_MARGIN, (fds_mid, fds_end)
    assert rss_end - rss_mid <= RSS_MARGIN_KB, (rss_mid, rss_end)
    for model in models:
        model.close()
    assert emulator.server_errors == []
    assert isinstance(models[0].invoke("still fine"), AIMessage)
