"""A gateway's models endpoint and the per-token prices it publishes, kept per base URL and
model id for the rest of the process.

The routes come from the provider's descriptor: `models_route` lists the models,
`model_route` describes one (`{model}` is its id; a route that answers with a list, such as
AI/ML API's `GET /v1/models?id=...`, is searched for the id). Requests go through the
instance's transport (its retries, typed errors, key redaction and the user's `httpx` or
`httpx2` client); an instance without a key may list the models of a provider whose models
routes need none. An answer with an `ETag` is kept per URL and revalidated with
`If-None-Match` (a 304 serves the kept body).

How one model object reads is the descriptor's `model_reader`; the common shape (`parse_model`,
Oxen.ai's) carries the request JSON schema under `request_schema` or `json_request_schema`, its
`pricing` and `capabilities` (any may be missing or null), and its limits as `context_length`
and `max_output_tokens`. Prices come per token (`input_cost_per_token`,
`output_cost_per_token`) or per 1M tokens (`input`, `output`, `cached_input`); without a
cached-input price, cached tokens are priced as input.

A fetched price is used for the cost of later calls to that model (`"source":
"fetched_price"` in `response_metadata["cost"]`) in place of the catalog's list price.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from langchain_gpt52._prices import Price
from langchain_gpt52._transport import Transport
from langchain_gpt52.errors import APIResponseValidationError, NotFoundError

if TYPE_CHECKING:
    from langchain_gpt52.chat_models.base import BaseChatGPT52
    from langchain_gpt52.providers import Provider

__all__ = [
    "ModelDetails",
    "aget_model_details",
    "alist_models",
    "fetch_price",
    "get_model_details",
    "known_price",
    "list_models",
    "parse_model",
    "parse_model_list",
    "pricing_to_price",
]


@dataclass(frozen=True)
class ModelDetails:
    """One model as the endpoint describes it (`raw` is the whole JSON object, as sent)."""

    id: str
    display_name: str | None = None
    capabilities: dict[str, Any] | None = None
    pricing: dict[str, Any] | None = None
    price: Price | None = None
    """The published price in USD per 1M tokens, or None when it publishes none."""
    context_window: int | None = None
    max_output_tokens: int | None = None
    aliases: tuple[str, ...] = ()
    request_schema: dict[str, Any] | None = field(default=None, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


# -- pure parsing --------------------------------------------------------------------------

Reader = Callable[[Mapping[str, Any]], ModelDetails]
"""Reads one model object (a provider's `model_reader`)."""


def _dict_or_none(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) and value else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def pricing_to_price(pricing: Any) -> Price | None:
    """A `pricing` object of the common shape -> `Price` (USD per 1M tokens), or None when it
    has no input and output price."""
    if not isinstance(pricing, Mapping):
        return None
    inp = _num(pricing.get("input_cost_per_token"))
    out = _num(pricing.get("output_cost_per_token"))
    cached = _num(pricing.get("cached_input_cost_per_token"))
    scale = 1_000_000.0
    if inp is None or out is None:
        inp, out, cached = (_num(pricing.get(k)) for k in ("input", "output", "cached_input"))
        scale = 1.0
    if inp is None or out is None:
        return None
    return Price(
        input=inp * scale,
        cached_input=(inp if cached is None else cached) * scale,
        output=out * scale,
    )


def parse_model(data: Any) -> ModelDetails:
    """One model object of the common shape -> `ModelDetails`; `APIResponseValidationError`
    without an id."""
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        raise APIResponseValidationError("a model object without a string `id`", body=data)
    schema = data.get("request_schema")
    if not isinstance(schema, Mapping) or not schema:
        schema = data.get("json_request_schema")
    name = data.get("display_name")
    return ModelDetails(
        id=data["id"],
        display_name=name if isinstance(name, str) else None,
        capabilities=_dict_or_none(data.get("capabilities")),
        pricing=_dict_or_none(data.get("pricing")),
        price=pricing_to_price(data.get("pricing")),
        context_window=_int(data.get("context_length")),
        max_output_tokens=_int(data.get("max_output_tokens")),
        request_schema=_dict_or_none(schema),
        raw=dict(data),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_model_list(data: Any, reader: Reader | None = None) -> list[ModelDetails]:
    """`{"data": [...]}` (or a bare list) -> the models in it, each read by `reader`
    (default `parse_model`)."""
    items = data.get("data") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise APIResponseValidationError("a model list without a `data` list", body=data)
    return [_read(item, reader) for item in items]


def _read(item: Any, reader: Reader | None) -> ModelDetails:
    if reader is None or not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
        return parse_model(item)
    return reader(item)


def pick_model(
    data: Any, model_id: str, provider: str, reader: Reader | None = None
) -> ModelDetails:
    """The answer of a model-details route -> that model: the object itself, or the entry of a
    list whose id or alias is `model_id` (`NotFoundError` when the list lacks it)."""
    if isinstance(data, Mapping) and "data" not in data:
        return _read(data, reader)
    for details in parse_model_list(data, reader):
        if model_id == details.id or model_id in details.aliases:
            return details
    raise NotFoundError(
        f"{provider}: model {model_id!r} is not in the models list", status_code=404
    )


def route(spec: Provider, model_id: str | None) -> str:
    """The models route of `spec` for the list (no `model_id`) or one model."""
    path = spec.models_route if model_id is None else spec.model_route
    if path is None:
        raise NotImplementedError(f"{spec.name} has no models endpoint")
    return path if model_id is None else path.replace("{model}", quote(model_id, safe=""))


# -- I/O -----------------------------------------------------------------------------------

_ETAGS: dict[str, tuple[str, Any]] = {}
"""Full URL -> (`ETag`, decoded body) of the last answer that carried an `ETag`."""
_ETAGS_LOCK = threading.Lock()


def _kept(url: str) -> tuple[str, Any] | None:
    with _ETAGS_LOCK:
        return _ETAGS.get(url)


def _settle(url: str, data: Any, etag: str | None, kept: tuple[str, Any] | None) -> Any:
    """The body to use: the kept one on a 304 (`data` None), else `data`, kept when it has an
    `ETag`."""
    if data is None and kept is not None:
        return kept[1]
    if etag:
        with _ETAGS_LOCK:
            _ETAGS[url] = (etag, data)
    return data


def _transport(chat: BaseChatGPT52) -> tuple[Transport, bool]:
    """The transport for the models routes, and whether it is a keyless one made for this call
    (to be closed after it)."""
    spec = chat.provider
    if chat.api_key is not None or spec.models_key:
        return chat._get_transport(), False
    assert chat.base_url is not None
    keyless = Transport(
        base_url=chat.base_url,
        headers={
            "Accept": "application/json",
            "User-Agent": "langchain-gpt52",
            **(chat.default_headers or {}),
        },
        timeout=chat.timeout,
        stream_timeout=None,
        max_retries=chat.max_retries,
        total_timeout=chat.total_timeout,
        provider=spec.name,
        secret=None,
        http_client=chat.http_client,
        http_async_client=chat.http_async_client,
    )
    return keyless, True


def get_json(chat: BaseChatGPT52, model_id: str | None = None) -> Any:
    """`GET` the models list (no `model_id`) or one model's route, decoded."""
    path = route(chat.provider, model_id)
    transport, keyless = _transport(chat)
    url = transport.base_url + path
    kept = _kept(url)
    try:
        data, _, etag = transport.get(path, kept[0] if kept else None)
    finally:
        if keyless:
            transport.close()
    return _settle(url, data, etag, kept)


async def aget_json(chat: BaseChatGPT52, model_id: str | None = None) -> Any:
    """`get_json` for async code."""
    path = route(chat.provider, model_id)
    transport, keyless = _transport(chat)
    url = transport.base_url + path
    kept = _kept(url)
    try:
        data, _, etag = await transport.aget(path, kept[0] if kept else None)
    finally:
        if keyless:
            await transport.aclose()
    return _settle(url, data, etag, kept)


def list_models(chat: BaseChatGPT52) -> list[ModelDetails]:
    """The models `chat`'s gateway serves; their published prices are kept for cost."""
    return _models(chat, get_json(chat))


async def alist_models(chat: BaseChatGPT52) -> list[ModelDetails]:
    """`list_models` for async code."""
    return _models(chat, await aget_json(chat))


def get_model_details(chat: BaseChatGPT52, model_id: str | None = None) -> ModelDetails:
    """One model's details (default: `chat`'s model); its published price is kept for cost."""
    model_id = model_id or chat.model_name
    return _one(chat, get_json(chat, model_id), model_id)


async def aget_model_details(chat: BaseChatGPT52, model_id: str | None = None) -> ModelDetails:
    """`get_model_details` for async code."""
    model_id = model_id or chat.model_name
    return _one(chat, await aget_json(chat, model_id), model_id)


def _models(chat: BaseChatGPT52, data: Any) -> list[ModelDetails]:
    models = parse_model_list(data, chat.provider.model_reader)
    for details in models:
        remember(chat.base_url, details)
    return models


def _one(chat: BaseChatGPT52, data: Any, model_id: str) -> ModelDetails:
    spec = chat.provider
    details = pick_model(data, model_id, spec.name, spec.model_reader)
    remember(chat.base_url, details)
    return details


# -- the process-wide price cache ----------------------------------------------------------

_PRICES: dict[tuple[str, str], Price | None] = {}
"""(base URL, model id) -> published price (None: fetched, or tried, and none known)."""
_PRICES_LOCK = threading.Lock()


def remember(base_url: str | None, details: ModelDetails) -> None:
    """Keep `details.price`, marked as fetched, for the cost of later calls to this model."""
    price = details.price if details.price is None else replace(details.price, fetched=True)
    with _PRICES_LOCK:
        _PRICES[(base_url or "", details.id)] = price


def known_price(chat: BaseChatGPT52) -> Price | None:
    """The published price of `chat`'s model once its details were fetched in this process
    (`get_model_details`, `list_models` or `fetch_price`), else None (no I/O here)."""
    with _PRICES_LOCK:
        return _PRICES.get((chat.base_url or "", chat.model_name))


def fetch_price(chat: BaseChatGPT52) -> Price | None:
    """The published price of `chat`'s model, fetched at most once per model id and process
    (a failed fetch is not retried: the list price stays in use)."""
    key = (chat.base_url or "", chat.model_name)
    with _PRICES_LOCK:
        if key in _PRICES:
            return _PRICES[key]
        _PRICES[key] = None
    try:
        _one(chat, get_json(chat, chat.model_name), chat.model_name)
    except Exception:
        return None
    return known_price(chat)
