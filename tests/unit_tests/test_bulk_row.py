"""One row on its own: the client request id, and `arun_row` with any `RateLimiter`."""

from __future__ import annotations

import pytest

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52._rules import check_request
from langchain_gpt52.bulk import RowCall, arun_row, client_request_id, parse_row
from langchain_gpt52.bulk.rows import Row
from langchain_gpt52.providers import AIMLAPI
from langchain_gpt52.testing import Emulator, Fault


@pytest.mark.parametrize("row_id", ["r1", "a b/c", "é" * 300, "x" * 81])
def test_client_request_id_is_deterministic_and_in_aimlapi_alphabet(row_id: str) -> None:
    first = client_request_id("job-abc", row_id)
    assert first == client_request_id("job-abc", row_id)
    assert client_request_id("job-abc", row_id, 2) == first + ":2"
    assert first != client_request_id("job-abd", row_id)
    check_request(AIMLAPI, "openai/gpt-5-2", {"client_request_id": first + ":99"})


class CountingLimiter:
    """A `RateLimiter` as another process would supply it."""

    def __init__(self) -> None:
        self.tokens: list[int] = []
        self.penalties: list[float | None] = []

    async def acquire(self, tokens: int) -> None:
        self.tokens.append(tokens)

    def penalize(self, retry_after: float | None) -> None:
        self.penalties.append(retry_after)


async def test_arun_row_paces_journals_then_sends_once() -> None:
    with Emulator() as emu:
        llm = ChatAIMLAPI(api_key=emu.api_key, base_url=emu.aimlapi_base_url, max_retries=0)
        row = parse_row(llm, {"id": "r", "prompt": "hello", "params": {"seed": 4}}, 0)
        assert isinstance(row, Row)
        limiter = CountingLimiter()
        events: list[int] = []

        async def journal() -> None:
            events.append(len(emu.requests))

        record = await arun_row(
            RowCall.build(llm),
            row,
            "job:r",
            limiter=limiter,
            before_send=journal,
        )
        assert events == [0]  # the journal hook ran before the request
        assert limiter.tokens == [row.tokens]
        assert record["status"] == "ok" and record["client_request_id"] == "job:r"
        assert emu.requests[0].json["seed"] == 4
        emu.enqueue(Fault.status(429, retry_after=7))
        throttled = await arun_row(RowCall.build(llm), row, "job:r:2", limiter=limiter)
        assert throttled["status"] == "error" and throttled["error"]["status_code"] == 429
        assert limiter.penalties == [7.0]
        assert len(emu.requests) == 2  # no resend by the runner
