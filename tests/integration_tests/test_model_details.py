"""The models-endpoint methods of `ChatOxen` and `ChatAIMLAPI` against the emulator: through
the package's own clients, a user's `httpx` clients and a cassette's, with ETags and cost."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatOxen, NotFoundError, model_details
from langchain_gpt52._prices import Price
from langchain_gpt52.providers import AIMLAPI
from langchain_gpt52.testing import Cassette, Emulator

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_details, "_PRICES", {})
    monkeypatch.setattr(model_details, "_ETAGS", {})


def _oxen(emulator: Emulator, **kw: object) -> ChatOxen:
    return ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key, **kw)


def test_list_and_details(emulator: Emulator) -> None:
    llm = _oxen(emulator)
    models = llm.list_models()
    assert "gpt-5-2-chat-latest" in [m.id for m in models]
    details = llm.get_model_details()
    assert details.id == "gpt-5-2-chat-latest"
    assert details.request_schema and "properties" in details.request_schema
    assert details.capabilities and "text" in details.capabilities["input"]
    assert (details.context_window, details.max_output_tokens) == (128_000, 16_384)
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


async def test_a_users_httpx_clients(emulator: Emulator) -> None:
    with httpx.Client(timeout=5) as client:
        llm = _oxen(emulator, http_client=client, timeout=httpx.Timeout(3.0))
        assert llm.get_model_details().id == "gpt-5-2-chat-latest"
    async with httpx.AsyncClient() as aclient:
        llm = _oxen(emulator, http_async_client=aclient)
        assert "gpt-5-2-chat-latest" in [m.id for m in await llm.alist_models()]


def test_a_cassettes_client_records_and_replays(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    with Cassette(path, "record") as cassette:
        recorded = _oxen(emulator, http_client=cassette.client()).get_model_details()
    with Cassette(path, "replay") as cassette:
        replayed = _oxen(emulator, http_client=cassette.client()).get_model_details()
    assert replayed == recorded
    assert len(emulator.requests) == 1  # the replay did not reach the emulator


def _aimlapi(emulator: Emulator, **kw: object) -> ChatAIMLAPI:
    return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, **kw)


def test_aimlapi_lists_the_catalog_with_prices_and_limits(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    listed = {m.id: m for m in _aimlapi(emulator).list_models()}  # no key needed
    for row in AIMLAPI.models:
        details = listed[row.model]
        assert (details.context_window, details.max_output_tokens) == (
            row.context_window,
            row.max_output_tokens,
        )
        if row.price is None:  # no published price: quoted as variable
            assert details.price is None
            continue
        assert details.price is not None
        assert details.price.input == pytest.approx(row.price.input)
        assert details.price.cached_input == pytest.approx(row.price.cached_input)
        assert details.price.output == pytest.approx(row.price.output)
    assert "authorization" not in emulator.requests[0].headers
    assert "include=pricing,capabilities" in emulator.requests[0].path


async def test_aimlapi_etag_revalidation(emulator: Emulator) -> None:
    llm = _aimlapi(emulator, api_key=emulator.api_key)
    first = [m.id for m in llm.list_models()]
    again = [m.id for m in await llm.alist_models()]
    assert first == again
    tags = [r.headers.get("if-none-match") for r in emulator.requests]
    assert tags[0] is None and tags[1] and tags[1].startswith('"')


def test_aimlapi_fetched_price_feeds_the_cost(emulator: Emulator) -> None:
    row = AIMLAPI.row("openai/gpt-5-2")
    assert row is not None
    emulator.aimlapi_model_rows = (replace(row, price=Price(3.0, 0.3, 30.0)),)
    llm = _aimlapi(emulator, api_key=emulator.api_key)
    details = llm.get_model_details()
    assert details.price is not None and details.price.output == pytest.approx(30.0)
    price = llm._list_price()
    assert price is not None and price.fetched and price.output == pytest.approx(30.0)


def test_aimlapi_unknown_model(emulator: Emulator) -> None:
    with pytest.raises(NotFoundError, match="not in the models list"):
        _aimlapi(emulator, api_key=emulator.api_key).get_model_details("openai/gpt-9")
