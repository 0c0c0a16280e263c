"""The emulator's gateway limits, request counting and AI/ML API request log."""

from __future__ import annotations

import httpx2
import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatOxen
from langchain_gpt52.emulator.limits import Limits, request_tokens, retry_after_header
from langchain_gpt52.errors import RateLimitError
from langchain_gpt52.testing import Emulator


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rpm_window_admits_the_limit_then_says_when_room_frees() -> None:
    clock = Clock()
    limits = Limits(clock)
    limits.configure(rpm=3)
    assert [limits.admit(b"{}", {}) for _ in range(3)] == [None, None, None]
    clock.now = 10.0
    assert limits.admit(b"{}", {}) == pytest.approx(50.0)
    assert limits.throttled == 1
    clock.now = 60.0
    assert limits.admit(b"{}", {}) is None  # the first request left the window


def test_tpm_counts_body_bytes_and_the_output_cap() -> None:
    assert request_tokens(b"x" * 40, {"max_tokens": 100}) == 110
    assert request_tokens(b"x" * 41, {"max_completion_tokens": 5}) == 16
    clock = Clock()
    limits = Limits(clock)
    limits.configure(tpm=250)
    assert limits.admit(b"x" * 40, {"max_tokens": 100}) is None
    clock.now = 30.0
    assert limits.admit(b"x" * 40, {"max_tokens": 100}) is None
    assert limits.admit(b"x" * 40, {"max_tokens": 100}) == pytest.approx(30.0)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="rpm must be at least 1"):
        Limits().configure(rpm=0)
    with pytest.raises(ValueError, match="latency"):
        Limits().configure(latency=-1)
    assert retry_after_header(0.2) == "1" and retry_after_header(2.5) == "3"


@pytest.mark.parametrize("cls", [ChatAIMLAPI, ChatOxen])
def test_a_429_comes_in_the_provider_shape_with_retry_after(cls: type) -> None:
    with Emulator() as emu:
        emu.limits.configure(rpm=1)
        route = "aimlapi" if cls is ChatAIMLAPI else "oxen"
        llm = cls(api_key=emu.api_key, base_url=emu.base_url(route), max_retries=0)
        llm.invoke("one")
        with pytest.raises(RateLimitError) as caught:
            llm.invoke("two")
        assert int(caught.value.headers["retry-after"]) >= 59
        assert "Rate limit exceeded" in str(caught.value)
        shape = emu._route(route).error_body(429, "x", "/")
        assert set(caught.value.body) == set(shape)


def test_latency_and_counts_per_client_request_id() -> None:
    with Emulator() as emu:
        emu.limits.configure(latency=0.2)
        llm = ChatAIMLAPI(api_key=emu.api_key, base_url=emu.aimlapi_base_url)
        reply = llm.invoke("hi", client_request_id="row-1")
        llm.invoke("hi", client_request_id="row-1")
        llm.invoke("hi")
        assert emu.limits.client_request_counts() == {"row-1": 2}
        assert reply.response_metadata["client_request_id"] == "row-1"
        emu.reset()
        assert emu.limits.latency == 0 and not emu.limits.client_request_counts()


def test_request_log_pages_newest_first_and_filters_by_status() -> None:
    with Emulator() as emu:
        llm = ChatAIMLAPI(api_key=emu.api_key, base_url=emu.aimlapi_base_url, max_retries=0)
        for i in range(3):
            llm.invoke("hi", client_request_id=f"c{i}")
        auth = {"Authorization": f"Bearer {emu.api_key}"}
        page = httpx2.get(f"{emu.url}/v2/logs?period=1d&limit=2", headers=auth).json()
        assert [r["client_request_id"] for r in page["data"]] == ["c2", "c1"]
        assert page["pagination"] == {"limit": 2, "offset": 0, "total": 3, "has_more": True}
        assert page["data"][0]["status"] == "succeeded" and page["data"][0]["cost"]["usd"] > 0
        failed = httpx2.get(f"{emu.url}/v2/logs?status=failed", headers=auth).json()
        assert failed["data"] == []
        bad = httpx2.get(f"{emu.url}/v2/logs?status=ok,failed", headers=auth)
        assert bad.status_code == 400 and "status must be" in bad.text
        assert httpx2.get(f"{emu.url}/v2/logs").status_code == 401


def test_request_log_survives_scripted_cost_headers_that_are_not_numbers() -> None:
    from langchain_gpt52.emulator.providers.aimlapi_logs import UsageLog

    log = UsageLog()
    for usd, credits in (("NaN", "inf"), ("-0.25", "x"), ("0.5", "1000")):
        log.record(
            status=200,
            model="m",
            request_headers={},
            reply_headers=[("x-aimlapi-usd-spent", usd), ("x-aimlapi-credits-used", credits)],
        )
    _, page = log.page("")
    assert [r["cost"] for r in page["data"]] == [
        {"usd": 0.5, "credits": 1000},
        {"usd": -0.25, "credits": 0},
        {"usd": 0.0, "credits": 0},
    ]
