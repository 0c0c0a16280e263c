"""Review findings end to end, against the loopback emulator: redirects, unmapped statuses, error
objects sent with status 200 and error chunks after content."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatOxen, _retry
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import (
    APIResponseValidationError,
    APIStatusError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
)
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration

MODES = ["invoke", "ainvoke", "stream", "astream"]


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "INITIAL_DELAY", 0.001)


def make(emulator: Emulator, provider: str) -> BaseChatGPT52:
    if provider == "aimlapi":
        return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=emulator.api_key)
    return ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key)


async def call(model: BaseChatGPT52, mode: str) -> tuple[list[str], Exception | None]:
    pieces: list[str] = []
    try:
        if mode == "invoke":
            pieces.append(str(model.invoke("Say hello").content))
        elif mode == "ainvoke":
            pieces.append(str((await model.ainvoke("Say hello")).content))
        elif mode == "stream":
            for chunk in model.stream("Say hello"):
                pieces.append(str(chunk.content))
        else:
            async for chunk in model.astream("Say hello"):
                pieces.append(str(chunk.content))
    except Exception as exc:
        return pieces, exc
    finally:
        model.close()
        await model.aclose()
    return pieces, None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
async def test_redirect_says_fix_base_url(emulator: Emulator, provider: str, mode: str) -> None:
    target = "https://elsewhere.example.com/v1/chat/completions"
    emulator.enqueue(Fault.status(308, body=b"", headers={"location": target}))
    _, exc = await call(make(emulator, provider), mode)
    assert type(exc) is APIStatusError, repr(exc)
    assert exc.status_code == 308
    assert f"redirected to {target}: fix base_url" in str(exc)
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("code", "cls"), [(405, APIStatusError), (418, APIStatusError), (413, BadRequestError)]
)
async def test_unmapped_4xx_is_not_retried(
    emulator: Emulator, code: int, cls: type[Exception], mode: str
) -> None:
    emulator.enqueue(Fault.status(code, f"provider says {code}"))
    _, exc = await call(make(emulator, "aimlapi"), mode)
    assert type(exc) is cls, repr(exc)
    assert f"provider says {code}" in str(exc)
    assert not exc.is_retryable  # type: ignore[union-attr]
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("body", "cls", "text"),
    [
        ({"message": "Model is under maintenance", "statusCode": 500}, InternalServerError, None),
        ({"message": "Model is under maintenance", "statusCode": 429}, RateLimitError, None),
        (
            {
                "error": {"type": "internal", "title": "Server Error", "detail": "GPU lost"},
                "status": "error",
                "status_message": "GPU lost",
            },
            APIResponseValidationError,
            "Server Error: GPU lost",
        ),
    ],
    ids=["aimlapi-500", "aimlapi-429", "oxen"],
)
async def test_error_object_with_status_200(
    emulator: Emulator, body: dict[str, Any], cls: type[Exception], text: str | None, mode: str
) -> None:
    emulator.enqueue(Fault.respond(200, json=body, headers={"x-request-id": "req-200"}))
    _, exc = await call(make(emulator, "aimlapi"), mode)
    assert type(exc) is cls, repr(exc)
    assert (text or "Model is under maintenance") in str(exc)
    assert "{'" not in str(exc)
    assert exc.request_id == "req-200"  # type: ignore[union-attr]
    assert len(emulator.requests) == 1


def _chunk(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-r",
        "object": "chat.completion.chunk",
        "created": 1765494441,
        "model": "gpt-5.2-2025-12-11",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
async def test_error_chunk_after_content(emulator: Emulator, provider: str, mode: str) -> None:
    emulator.enqueue(
        Fault.respond(
            sse=[
                _chunk("Hel"),
                _chunk("lo"),
                {"message": "Upstream overloaded", "statusCode": 503},
            ],
            done=False,
            headers={"x-request-id": "req-s"},
        )
    )
    pieces, exc = await call(make(emulator, provider), mode)
    assert "".join(pieces) == "Hello"
    assert type(exc) is InternalServerError, repr(exc)
    assert exc.status_code == 503
    assert "Upstream overloaded" in str(exc)
    assert exc.request_id == "req-s"
    assert len(emulator.requests) == 1
