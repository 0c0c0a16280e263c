"""Shared fakes for the chat-model unit tests: a scripted provider behind ``MockTransport``.

Imported by the test modules (not a conftest, so other suites in this folder are unaffected).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from langchain_gpt52 import _transport

ENV_VARS = (
    "AIMLAPI_API_KEY",
    "AIMLAPI_BASE_URL",
    "OXEN_API_KEY",
    "OXEN_BASE_URL",
    "GPT52_API_KEY",
    "GPT52_BASE_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider env var leaks in from the machine running the tests."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def completion(
    content: str | None = "Hello!",
    *,
    model: str = "gpt-5.2-2025-12-11",
    finish_reason: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
    refusal: str | None = None,
    usage: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``chat.completion`` body."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1765494440,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": usage
        or {
            "prompt_tokens": 7,
            "completion_tokens": 13,
            "total_tokens": 20,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
        **extra,
    }


def sse(*events: Any, done: bool = True) -> bytes:
    """An SSE body: each event JSON-encoded (or a raw string), then ``[DONE]``."""
    out = b""
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        out += b"data: " + data.encode() + b"\n\n"
    if done:
        out += b"data: [DONE]\n\n"
    return out


def text_chunks(
    pieces: list[str],
    *,
    model: str = "gpt-5.2-2025-12-11",
    usage: bool = True,
    meta: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """A realistic chunk sequence for a text answer."""
    base = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1765494441,
        "model": model,
        "system_fingerprint": None,
    }
    out: list[dict[str, Any]] = [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
            "usage": None,
            "obfuscation": "a1",
        }
    ]
    for piece in pieces:
        out.append(
            {
                **base,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                "usage": None,
                "obfuscation": "b2",
            }
        )
    out.append(
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": None}
    )
    if usage:
        last: dict[str, Any] = {
            **base,
            "choices": [],
            "usage": {
                "prompt_tokens": 5,
                "completion_tokens": len(pieces),
                "total_tokens": 5 + len(pieces),
            },
        }
        if meta:
            last["meta"] = meta
        out.append(last)
    return out


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body served in pieces to sync and async clients; may fail after some."""

    def __init__(self, pieces: list[bytes], error: Exception | None = None) -> None:
        self.pieces = pieces
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces
        if self.error is not None:
            raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece
        if self.error is not None:
            raise self.error


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeProvider:
    """Records every request; answers from a script (the last reply repeats)."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [httpx.Response(200, json=completion())]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        reply = self.replies[index]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        # A fresh copy: a Response's stream can be read once.
        return _copy(reply)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    @property
    def body(self) -> dict[str, Any]:
        return self.bodies[-1]

    def clients(self) -> dict[str, Any]:
        transport = httpx.MockTransport(self)
        return {
            "http_client": httpx.Client(transport=transport),
            "http_async_client": httpx.AsyncClient(transport=transport),
        }


def _copy(resp: httpx.Response) -> httpx.Response:
    stream = resp.stream
    if isinstance(stream, Body):
        return httpx.Response(resp.status_code, headers=resp.headers, stream=stream)
    return httpx.Response(resp.status_code, headers=resp.headers, content=resp.content)


def json_reply(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def sse_reply(
    events: list[Any], *, done: bool = True, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        200,
        content=sse(*events, done=done),
        headers={"content-type": "text/event-stream", **(headers or {})},
    )


class _AsyncioProxy:
    def __init__(self, sleeps: list[float]) -> None:
        self._sleeps = sleeps

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self._sleeps.append(delay)


class _TimeProxy:
    def __init__(self, sleeps: list[float]) -> None:
        self._sleeps = sleeps

    def sleep(self, delay: float) -> None:
        self._sleeps.append(delay)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The transport's retry sleeps, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(_transport, "time", _TimeProxy(recorded))
    monkeypatch.setattr(_transport, "asyncio", _AsyncioProxy(recorded))
    return recorded
