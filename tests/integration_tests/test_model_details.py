"""``ChatOxen``'s models-endpoint methods against the emulator's Oxen routes."""

from __future__ import annotations

import pytest

from langchain_gpt52 import ChatOxen, NotFoundError, model_details
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_details, "_PRICES", {})


def _oxen(emulator: Emulator) -> ChatOxen:
    return ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key)


def test_list_and_details(emulator: Emulator) -> None:
    llm = _oxen(emulator)
    models = llm.list_models()
    assert "gpt-5-2-chat-latest" in [m.id for m in models]
    details = llm.get_model_details()
    assert details.id == "gpt-5-2-chat-latest"
    assert details.request_schema and "properties" in details.request_schema
    assert details.capabilities and "text" in details.capabilities["input"]
    assert [(r.method, r.path) for r in emulator.requests] == [
        ("GET", "/api/ai/models"),
        ("GET", "/api/ai/models/gpt-5-2-chat-latest"),
    ]


async def test_async_twins(emulator: Emulator) -> None:
    llm = _oxen(emulator)
    assert [m.id for m in await llm.alist_models()] == [m.id for m in llm.list_models()]
    assert (await llm.aget_model_details()).id == "gpt-5-2-chat-latest"


def test_unknown_model(emulator: Emulator) -> None:
    with pytest.raises(NotFoundError, match="Model not found"):
        _oxen(emulator).get_model_details("gpt-4")
