"""Models-endpoint parsing, the typed errors of its I/O, and the once-per-process price cache."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from langchain_gpt52 import ChatOxen, NotFoundError, model_details
from langchain_gpt52._prices import Price
from langchain_gpt52.errors import APIConnectionError, APIResponseValidationError
from langchain_gpt52.model_details import parse_model, parse_model_list, pricing_to_price

KEY = "sk-oxen-secret-123"
BASE = "https://hub.oxen.ai/api/ai"
DETAIL = {
    "id": "gpt-5-2-chat-latest",
    "object": "model",
    "display_name": "GPT 5.2 Chat",
    "capabilities": {"input": ["text", "image"], "output": ["text"]},
    "pricing": {
        "method": "per_token",
        "input_cost_per_token": 0.000002,
        "output_cost_per_token": 0.000016,
    },
    "request_schema": {"type": "object", "properties": {"model": {"type": "string"}}},
}


def _as_tuple(price: Price | None) -> tuple[float, float, float]:
    assert price is not None
    return (price.input, price.cached_input, price.output)


def test_per_token_pricing_in_usd_per_million() -> None:
    price = pricing_to_price(DETAIL["pricing"])
    assert price == Price(
        input=pytest.approx(2.0), cached_input=pytest.approx(2.0), output=pytest.approx(16.0)
    )  # type: ignore[arg-type]


def test_per_million_pricing_with_cached_input() -> None:
    price = pricing_to_price(
        {"unit": "1M tokens", "input": 1.75, "cached_input": 0.175, "output": 14}
    )
    assert price == Price(1.75, 0.175, 14.0)


@pytest.mark.parametrize("pricing", [None, {}, {"method": "free"}, {"input": 1}, "1.75"])
def test_no_price(pricing: Any) -> None:
    assert pricing_to_price(pricing) is None


def test_parse_model_reads_request_schema() -> None:
    details = parse_model(DETAIL)
    assert details.id == "gpt-5-2-chat-latest"
    assert details.display_name == "GPT 5.2 Chat"
    assert details.capabilities == {"input": ["text", "image"], "output": ["text"]}
    assert details.request_schema == DETAIL["request_schema"]
    assert details.raw["object"] == "model"


@pytest.mark.parametrize("empty", [None, {}])
def test_parse_model_falls_back_to_json_request_schema(empty: Any) -> None:
    data = {**DETAIL, "request_schema": empty, "json_request_schema": {"type": "object"}}
    assert parse_model(data).request_schema == {"type": "object"}


def test_parse_model_all_optional_fields_null() -> None:
    details = parse_model(
        {"id": "m", "capabilities": None, "pricing": None, "json_request_schema": None}
    )
    assert (details.capabilities, details.pricing, details.request_schema, details.price) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("bad", [{}, {"id": 3}, [], "x"])
def test_parse_model_without_id(bad: Any) -> None:
    with pytest.raises(APIResponseValidationError, match="id"):
        parse_model(bad)


def test_parse_model_list_shapes() -> None:
    assert [m.id for m in parse_model_list({"object": "list", "data": [DETAIL]})] == [DETAIL["id"]]
    assert [m.id for m in parse_model_list([DETAIL, {"id": "b"}])] == [DETAIL["id"], "b"]
    with pytest.raises(APIResponseValidationError):
        parse_model_list({"models": []})


def _oxen(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> ChatOxen:
    transport = httpx.MockTransport(handler)
    return ChatOxen(
        base_url=kw.pop("base_url", BASE),
        api_key=KEY,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **kw,
    )


def _serve(seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"object": "list", "data": [DETAIL]})
        if request.url.path.endswith("/models/gpt-5-2-chat-latest"):
            return httpx.Response(200, json=DETAIL)
        return httpx.Response(404, json={"error": {"message": "Model not found: x"}})

    return handler


def test_methods_call_the_routes_with_the_key() -> None:
    seen: list[httpx.Request] = []
    llm = _oxen(_serve(seen))
    assert [m.id for m in llm.list_models()] == [DETAIL["id"]]
    assert llm.get_model_details().id == DETAIL["id"]
    assert asyncio.run(llm.aget_model_details("gpt-5-2-chat-latest")).id == DETAIL["id"]
    assert [m.id for m in asyncio.run(llm.alist_models())] == [DETAIL["id"]]
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", "/api/ai/models"),
        ("GET", "/api/ai/models/gpt-5-2-chat-latest"),
        ("GET", "/api/ai/models/gpt-5-2-chat-latest"),
        ("GET", "/api/ai/models"),
    ]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in seen)


def test_unknown_model_is_a_typed_error() -> None:
    with pytest.raises(NotFoundError, match="Model not found"):
        _oxen(_serve([])).get_model_details("nope")


def test_echoed_key_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": f"bad key {KEY}"}})

    with pytest.raises(Exception) as err:
        _oxen(handler).list_models()
    assert KEY not in str(err.value) and KEY not in repr(err.value.__dict__)


def test_connection_error_is_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(APIConnectionError, match="connection failed") as err:
        _oxen(handler).list_models()
    assert err.value.__cause__ is None


def test_non_json_answer() -> None:
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        _oxen(lambda r: httpx.Response(200, content=b"<html>")).list_models()


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_details, "_PRICES", {})


@pytest.mark.usefixtures("fresh_cache")
def test_price_fetched_once_per_model_and_used() -> None:
    seen: list[httpx.Request] = []
    llm = _oxen(_serve(seen))
    assert llm._list_price() == Price(1.75, 0.175, 14.0)  # not fetched: the list price
    assert seen == []  # asking for the price sends nothing
    assert _as_tuple(model_details.fetch_price(llm)) == pytest.approx((2.0, 2.0, 16.0))
    assert _as_tuple(llm._list_price()) == pytest.approx((2.0, 2.0, 16.0))
    model_details.fetch_price(_oxen(_serve(seen)))  # another instance, same model: cached
    assert len(seen) == 1


@pytest.mark.usefixtures("fresh_cache")
def test_price_fetch_failure_keeps_the_list_price() -> None:
    seen: list[httpx.Request] = []

    def down(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"error": {"message": "down"}})

    llm = _oxen(down)
    assert model_details.fetch_price(llm) is None
    assert model_details.fetch_price(llm) is None
    assert llm._list_price() == Price(1.75, 0.175, 14.0)
    assert len(seen) == 1  # not retried on every call


@pytest.mark.usefixtures("fresh_cache")
def test_list_models_feeds_the_cost() -> None:
    llm = _oxen(_serve([]))
    llm.list_models()
    assert _as_tuple(llm._list_price()) == pytest.approx((2.0, 2.0, 16.0))


@pytest.mark.usefixtures("fresh_cache")
def test_fetched_price_used_for_invoke_cost() -> None:
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-5-2-chat-latest",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
    }
    seen: list[httpx.Request] = []
    serve = _serve(seen)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(
                200,
                content=json.dumps(completion).encode(),
                headers={"content-type": "application/json"},
            )
        return serve(request)

    llm = _oxen(handler)
    first = llm.invoke("hi").response_metadata["cost"]
    llm.get_model_details()
    second = llm.invoke("hi").response_metadata["cost"]
    assert first == {"usd": pytest.approx((1000 * 1.75 + 100 * 14) / 1e6), "source": "price_table"}
    assert second == {"usd": pytest.approx((1000 * 2 + 100 * 16) / 1e6), "source": "price_table"}


def test_a_network_failure_of_the_own_httpx2_client_is_typed() -> None:
    llm = ChatOxen(base_url="http://127.0.0.1:9/api/ai", api_key="sk-not-shown", max_retries=0)
    with pytest.raises(APIConnectionError) as err:
        llm.get_model_details()
    assert "fetching /models/" in str(err.value) and "sk-not-shown" not in str(err.value)
