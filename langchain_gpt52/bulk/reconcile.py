"""Which earlier requests ran: the provider's request log (AI/ML API's `GET /v2/logs`), read
for the client request ids of requests that succeeded."""

from __future__ import annotations

from typing import Any

import httpx2
from langchain_core.language_models import BaseChatModel

from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.chat_models.failover import ChatGPT52Failover
from langchain_gpt52.errors import error_from_response, network_error

__all__ = ["succeeded_client_ids"]

PAGE = 100
"""Rows per page (the route's maximum)."""


async def succeeded_client_ids(model: BaseChatModel, *, period: str = "7d") -> set[str]:
    """Client request ids of the requests that succeeded in the last `period`, from every
    member with a request log; `ValueError` when no member's provider has one."""
    members = model.models if isinstance(model, ChatGPT52Failover) else [model]
    logged = [m for m in members if isinstance(m, BaseChatGPT52) and m.provider.usage_logs_route]
    if not logged:
        raise ValueError(
            "reconcile=True needs a provider with a request log (AI/ML API's GET /v2/logs); "
            "use resend_unknown=True to re-send unknown rows without checking"
        )
    ids: set[str] = set()
    for member in logged:
        ids |= await _member_ids(member, period)
    return ids


async def _member_ids(member: BaseChatGPT52, period: str) -> set[str]:
    spec = member.provider
    assert member.base_url is not None and spec.usage_logs_route is not None
    url = httpx2.URL(member.base_url).copy_with(path=spec.usage_logs_route, query=None)
    secret = member.api_key.get_secret_value() if member.api_key is not None else ""
    headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    ids: set[str] = set()
    offset = 0
    async with httpx2.AsyncClient(headers=headers, timeout=30) as client:
        while True:
            params: dict[str, Any] = {
                "period": period,
                "status": "succeeded",
                "limit": PAGE,
                "offset": offset,
            }
            try:
                resp = await client.get(url, params=params)
            except httpx2.HTTPError as exc:
                raise network_error(
                    exc, spec.name, during="reading the request log", secret=secret
                ) from None
            if resp.status_code != 200:
                raise error_from_response(
                    resp.status_code, resp.content, resp.headers, provider=spec
                )
            page = resp.json()
            for row in page.get("data") or []:
                if row.get("status") == "succeeded" and row.get("client_request_id"):
                    ids.add(row["client_request_id"])
            if not (page.get("pagination") or {}).get("has_more"):
                return ids
            offset += PAGE
