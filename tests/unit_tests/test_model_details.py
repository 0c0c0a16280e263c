"""Models-endpoint parsing (the common shape and AI/ML API's), its I/O through the transport
(retries, typed errors, the user's clients, ETags, redaction that keeps the data) and the
once-per-process price cache."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatOxen, NotFoundError, model_details
from langchain_gpt52._prices import Price
from langchain_gpt52.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    InternalServerError,
)
from langchain_gpt52.model_details import (
    parse_model,
    parse_model_list,
    pricing_to_price,
    route,
)
from langchain_gpt52.providers import OXEN
from langchain_gpt52.providers.aimlapi import read_model, units_to_price

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
    with pytest.raises(APIResponseValidationError, match="not valid JSON"):
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

    llm = _oxen(down, max_retries=0)
    assert model_details.fetch_price(llm) is None
    assert model_details.fetch_price(llm) is None
    assert llm._list_price() == Price(1.75, 0.175, 14.0)
    assert len(seen) == 1  # not fetched again on every call


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
    assert second == {
        "usd": pytest.approx((1000 * 2 + 100 * 16) / 1e6),
        "source": "fetched_price",
    }


def test_a_network_failure_of_the_own_httpx2_client_is_typed() -> None:
    llm = ChatOxen(base_url="http://127.0.0.1:9/api/ai", api_key="sk-not-shown", max_retries=0)
    with pytest.raises(APIConnectionError) as err:
        llm.get_model_details()
    assert "connection failed" in str(err.value) and "sk-not-shown" not in str(err.value)


# -- through the transport: retries, the user's clients, redaction that keeps the data ------


@pytest.fixture
def fresh_etags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_details, "_ETAGS", {})


@pytest.mark.usefixtures("fresh_cache")
def test_a_short_key_inside_the_data_leaves_the_data_alone() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(_serve(seen))
    llm = ChatOxen(base_url=BASE, api_key="token", http_client=httpx.Client(transport=transport))
    details = llm.get_model_details()
    assert details.pricing == DETAIL["pricing"]  # "input_cost_per_token" as sent
    assert details.raw == DETAIL
    assert _as_tuple(llm._list_price()) == pytest.approx((2.0, 2.0, 16.0))  # and it is used


def test_a_short_key_is_still_redacted_from_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "bad key: token"}})

    transport = httpx.MockTransport(handler)
    llm = ChatOxen(base_url=BASE, api_key="token", http_client=httpx.Client(transport=transport))
    with pytest.raises(Exception) as err:
        llm.list_models()
    assert "bad key: ***" in str(err.value) and "key: token" not in repr(err.value.__dict__)


def test_a_failed_status_is_retried_like_a_chat_call() -> None:
    seen: list[httpx.Request] = []
    serve = _serve([])

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(
                503, json={"error": {"message": "busy"}}, headers={"retry-after": "0"}
            )
        return serve(request)

    assert _oxen(flaky).get_model_details().id == DETAIL["id"]
    assert len(seen) == 2


def test_no_retry_with_max_retries_zero() -> None:
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            503, json={"error": {"message": "busy"}}, headers={"retry-after": "0"}
        )

    with pytest.raises(InternalServerError, match="busy"):
        _oxen(busy, max_retries=0).list_models()


def test_routes_come_from_the_descriptor() -> None:
    seen: list[httpx.Request] = []

    class Moved(ChatOxen):
        provider = replace(OXEN, models_route="/catalogue", model_route="/catalogue/{model}/about")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body: Any = {"data": [DETAIL]} if request.url.path.endswith("/catalogue") else DETAIL
        return httpx.Response(200, json=body)

    transport = httpx.MockTransport(handler)
    llm = Moved(base_url=BASE, api_key=KEY, http_client=httpx.Client(transport=transport))
    llm.list_models()
    llm.get_model_details("a/b")
    assert [r.url.raw_path for r in seen] == [
        b"/api/ai/catalogue",
        b"/api/ai/catalogue/a%2Fb/about",
    ]


def test_a_provider_without_models_routes_says_so() -> None:
    with pytest.raises(NotImplementedError, match="no models endpoint"):
        route(replace(OXEN, models_route=None), None)


@pytest.mark.usefixtures("fresh_etags")
def test_etag_is_revalidated_and_a_304_serves_the_kept_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"etag": '"v1"'})
        return httpx.Response(200, json={"data": [DETAIL]}, headers={"etag": '"v1"'})

    llm = _oxen(handler)
    first = llm.list_models()
    again = llm.list_models()
    later = asyncio.run(llm.alist_models())
    assert [m.id for m in first] == [m.id for m in again] == [m.id for m in later] == [DETAIL["id"]]
    assert [r.headers.get("if-none-match") for r in seen] == [None, '"v1"', '"v1"']


def test_a_304_to_a_request_without_an_etag_is_an_error() -> None:
    with pytest.raises(APIStatusError):
        _oxen(lambda r: httpx.Response(304)).list_models()


# -- AI/ML API: its model list and pricing block ---------------------------------------------

AIML_BASE = "https://api.aimlapi.com/v1"
AIML_ENTRY = {
    "id": "openai/gpt-5-2",
    "aliases": ["gpt-5.2"],
    "type": "openai/chat-completions",
    "info": {
        "name": "GPT-5.2",
        "developer": "Open AI",
        "contextLength": 400000,
        "outputMax": 128000,
    },
    "tags": ["playground:chat"],
    "capabilities": ["streaming", "tools"],
    "modalities": {"input": ["text", "image"], "output": ["text"]},
    "pricing": {
        "kind": "fixed",
        "currency": "USD",
        "units": [
            {"unit": "input_tokens", "price": 2.0, "per": 1_000_000},
            {"unit": "cached_input_tokens", "price": 0.0002, "per": 1_000},
            {"unit": "output_tokens", "price": 16.0, "per": 1_000_000},
        ],
    },
}
OTHER_ENTRY = {
    "id": "openai/gpt-4o",
    "aliases": [],
    "type": "openai/chat-completions",
    "info": {"name": "GPT-4o", "developer": "Open AI"},
    "tags": [],
}


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (AIML_ENTRY["pricing"]["units"], (2.0, 0.2, 16.0)),  # type: ignore[index]
        (
            [
                {"unit": "input_token", "price": 0.00175, "per": 1000},
                {"unit": "output_token", "price": 14, "per": 1_000_000},
            ],
            (1.75, 1.75, 14.0),
        ),
    ],
)
def test_units_divide_by_per(units: Any, expected: tuple[float, float, float]) -> None:
    price = units_to_price({"kind": "fixed", "units": units})
    assert _as_tuple(price) == pytest.approx(expected)


@pytest.mark.parametrize(
    "pricing",
    [
        None,
        {"kind": "variable"},
        {"kind": "variants", "variants": [{"price": 1, "per": 1}]},
        {"kind": "fixed", "units": [{"unit": "input_tokens", "price": 1, "per": 0}]},
        {"kind": "fixed", "units": [{"unit": "input_tokens", "price": 1, "per": 1}]},
    ],
)
def test_no_price_without_fixed_input_and_output_rates(pricing: Any) -> None:
    assert units_to_price(pricing) is None


def test_read_model_takes_limits_capabilities_and_aliases() -> None:
    details = read_model(AIML_ENTRY)
    assert (details.context_window, details.max_output_tokens) == (400_000, 128_000)
    assert details.aliases == ("gpt-5.2",)
    assert details.display_name == "GPT-5.2"
    assert details.capabilities == {
        "declared": ["streaming", "tools"],
        "input": ["text", "image"],
        "output": ["text"],
    }
    assert read_model(OTHER_ENTRY).price is None


def _aiml_serve(seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        wanted = request.url.params.get("id")
        data = [e for e in (AIML_ENTRY, OTHER_ENTRY) if wanted in (None, e["id"], *e["aliases"])]
        return httpx.Response(200, json={"object": "list", "data": data})

    return handler


def _aiml(handler: Callable[[httpx.Request], httpx.Response], key: str | None) -> ChatAIMLAPI:
    transport = httpx.MockTransport(handler)
    return ChatAIMLAPI(
        base_url=AIML_BASE,
        api_key=key,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
    )


@pytest.mark.usefixtures("fresh_cache")
def test_aimlapi_lists_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    seen: list[httpx.Request] = []
    llm = _aiml(_aiml_serve(seen), None)
    models = llm.list_models()
    assert [m.id for m in models] == ["openai/gpt-5-2", "openai/gpt-4o"]
    assert asyncio.run(llm.aget_model_details("gpt-5.2")).id == "openai/gpt-5-2"  # an alias
    assert "authorization" not in seen[0].headers
    assert seen[0].url.params["include"] == "pricing,capabilities,modalities"
    assert seen[1].url.params["id"] == "gpt-5.2"


@pytest.mark.usefixtures("fresh_cache")
def test_aimlapi_details_and_cost_from_the_fetched_price() -> None:
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-5.2-2025-12-11",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
    }
    seen: list[httpx.Request] = []
    serve = _aiml_serve(seen)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json=completion)
        return serve(request)

    llm = _aiml(handler, KEY)
    assert llm.invoke("hi").response_metadata["cost"]["source"] == "price_table"
    details = llm.get_model_details()
    assert _as_tuple(details.price) == pytest.approx((2.0, 0.2, 16.0))
    assert llm.invoke("hi").response_metadata["cost"] == {
        "usd": pytest.approx((1000 * 2 + 100 * 16) / 1e6),
        "source": "fetched_price",
    }
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


def test_aimlapi_model_missing_from_the_list() -> None:
    with pytest.raises(NotFoundError, match="'openai/gpt-9' is not in the models list"):
        _aiml(_aiml_serve([]), KEY).get_model_details("openai/gpt-9")
