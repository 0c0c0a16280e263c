"""A gateway's models endpoint (``GET {base}/models``, ``GET {base}/models/{id}``) and the
per-token prices it publishes, kept per base URL and model id for the rest of the process.

Oxen.ai serves both routes. A model's details carry its request JSON schema under
``request_schema`` or ``json_request_schema``, its ``pricing`` and ``capabilities``; any of them
may be missing or null. Prices come per token (``input_cost_per_token``,
``output_cost_per_token``) or per 1M tokens (``input``, ``output``, ``cached_input``); without a
cached-input price, cached tokens are priced as input.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from langchain_gpt52._prices import Price
from langchain_gpt52._transport import library_of
from langchain_gpt52.errors import (
    APIError,
    APIResponseValidationError,
    error_from_response,
    network_error,
    request_id_from_headers,
)

if TYPE_CHECKING:
    from langchain_gpt52.chat_models.base import BaseChatGPT52

__all__ = [
    "ModelDetails",
    "fetch_price",
    "known_price",
    "parse_model",
    "parse_model_list",
    "pricing_to_price",
]


@dataclass(frozen=True)
class ModelDetails:
    """One model as the endpoint describes it (``raw`` is the whole JSON object)."""

    id: str
    display_name: str | None = None
    capabilities: dict[str, Any] | None = None
    pricing: dict[str, Any] | None = None
    request_schema: dict[str, Any] | None = field(default=None, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def price(self) -> Price | None:
        """The published price in USD per 1M tokens, or None when it publishes none."""
        return pricing_to_price(self.pricing)


# -- pure parsing --------------------------------------------------------------------------


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
    """A ``pricing`` object -> ``Price`` (USD per 1M tokens), or None when it has no
    input and output price."""
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
    """One model object -> ``ModelDetails``; ``APIResponseValidationError`` without an id."""
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
        request_schema=_dict_or_none(schema),
        raw=dict(data),
    )


def parse_model_list(data: Any) -> list[ModelDetails]:
    """``{"data": [...]}`` (or a bare list) -> the models in it."""
    items = data.get("data") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise APIResponseValidationError("a model list without a `data` list", body=data)
    return [parse_model(item) for item in items]


# -- I/O -----------------------------------------------------------------------------------


def _secret(chat: BaseChatGPT52) -> str | None:
    return chat.api_key.get_secret_value().strip() if chat.api_key is not None else None


def _network_error(chat: BaseChatGPT52, exc: Exception, what: str) -> APIError:
    return network_error(exc, chat.provider.name, during=f"fetching {what}", secret=_secret(chat))


def _decode(chat: BaseChatGPT52, response: Any, what: str) -> Any:
    content = response.content
    secret = _secret(chat)
    if secret:
        content = content.replace(secret.encode(), b"[REDACTED]")
    if not 200 <= response.status_code < 300:
        raise error_from_response(
            response.status_code, content, response.headers, provider=chat.provider
        )
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise APIResponseValidationError(
            f"{chat.provider.name}: {what} is not JSON",
            request_id=request_id_from_headers(response.headers, chat.provider.request_id_headers),
        ) from None


def _path(model_id: str | None) -> str:
    return "/models" if model_id is None else "/models/" + quote(model_id, safe="")


def get_json(chat: BaseChatGPT52, model_id: str | None = None) -> Any:
    """``GET {base}/models`` (no ``model_id``) or ``{base}/models/{model_id}``, decoded."""
    transport = chat._get_transport()
    path = _path(model_id)
    client = transport.client()
    try:
        response = client.get(
            transport.base_url + path, headers=transport.headers, timeout=transport.timeout
        )
    except library_of(client).HTTPError as exc:
        raise _network_error(chat, exc, path) from None
    return _decode(chat, response, path)


async def aget_json(chat: BaseChatGPT52, model_id: str | None = None) -> Any:
    """``get_json`` for async code."""
    transport = chat._get_transport()
    path = _path(model_id)
    client = transport.aclient()
    try:
        response = await client.get(
            transport.base_url + path, headers=transport.headers, timeout=transport.timeout
        )
    except library_of(client).HTTPError as exc:
        raise _network_error(chat, exc, path) from None
    return _decode(chat, response, path)


# -- the process-wide price cache ----------------------------------------------------------

_PRICES: dict[tuple[str, str], Price | None] = {}
"""(base URL, model id) -> published price (None: fetched, or tried, and none known)."""
_PRICES_LOCK = threading.Lock()


def remember(base_url: str | None, details: ModelDetails) -> None:
    """Keep ``details.price`` for the cost of later calls to this model."""
    with _PRICES_LOCK:
        _PRICES[(base_url or "", details.id)] = details.price


def known_price(chat: BaseChatGPT52) -> Price | None:
    """The published price of ``chat``'s model once its details were fetched in this process
    (``get_model_details``, ``list_models`` or ``fetch_price``), else None (no I/O here)."""
    with _PRICES_LOCK:
        return _PRICES.get((chat.base_url or "", chat.model_name))


def fetch_price(chat: BaseChatGPT52) -> Price | None:
    """The published price of ``chat``'s model, fetched at most once per model id and process
    (a failed fetch is not retried: the list price stays in use)."""
    key = (chat.base_url or "", chat.model_name)
    with _PRICES_LOCK:
        if key in _PRICES:
            return _PRICES[key]
        _PRICES[key] = None
    try:
        details = parse_model(get_json(chat, chat.model_name))
    except Exception:
        return None
    remember(chat.base_url, details)
    return details.price
