"""The one rules pipeline: request parameters against the provider's schema and the model's row.

`check_request` runs on the constructor's fields (at construction) and on the merged per-call
parameters (at call time). It refuses what the provider documents as invalid, naming the
parameter and the fix. Rules known only for the upstream model are not enforced:
`upstream_hints` names them, and the chat model adds that line to a provider 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gpt52 import _responses_wire
from langchain_gpt52.providers import ModelRow, Provider
from langchain_gpt52.providers._types import Endpoint

__all__ = ["check_request", "check_structured_method", "upstream_hints"]

_API = {"chat": "Chat Completions API", "responses": "Responses API"}
_ESCAPE = "to send it anyway, pass model_kwargs={{'{name}': ...}}"


def check_request(
    provider: Provider, model: str, params: Mapping[str, Any], endpoint: Endpoint = "chat"
) -> None:
    """Raise `ValueError` naming the parameter and what to change when `params` cannot work.

    `params` are the request parameters the user set, by parameter name (`max_tokens` for
    the output cap); `stream` is the call's mode; `client_request_id` is the caller's
    request id (a header), checked against the format the provider documents; `endpoint` the
    API the call goes to. `model_kwargs` / `extra_body` are not passed here: the escape
    hatch stays unchecked.
    """
    row = provider.row(model)
    if row is not None and row.endpoint == "responses" and endpoint != "responses":
        raise ValueError(
            f"{model} is served by the {_API[row.endpoint]} only, not the {_API[endpoint]}: "
            "leave use_responses_api unset or use another model"
        )
    where = f"{provider.name} for {model}"
    documented = provider.params_for(row)
    schema = f"{provider.name}'s request schema" + (f" for {model}" if row and row.params else "")
    for name, value in params.items():
        if value is None or name == "stream":
            continue
        if name == "client_request_id":
            _check_client_request_id(provider, value)
            continue
        rule = documented.get(name)
        if rule is None:
            if provider.strict_schema:
                raise ValueError(
                    f"{name!r} is not in {schema}: remove it ({_ESCAPE.format(name=name)})"
                )
            continue
        problem = rule.problem(value)
        if problem:
            raise ValueError(f"{name}={value!r} is not accepted by {where}: {problem}")
    if row is not None:
        _check_row(row, where, params)
    _check_combinations(params)
    if endpoint == "responses":
        problem = _responses_wire.unsendable(params)
        if problem:
            raise ValueError(problem)


_METHOD_FIELDS = {
    "json_schema": "response_format",
    "json_mode": "response_format",
    "function_calling": "tools",
}


def check_structured_method(provider: Provider, model: str, method: str) -> None:
    """Refuse a `with_structured_output` method whose request field the model's schema does
    not document (a schema-validating provider would refuse the call), naming the others."""
    field = _METHOD_FIELDS.get(method)
    if field is None or not provider.strict_schema:
        return
    documented = provider.params_for(provider.row(model))
    if field in documented:
        return
    usable = [m for m, f in _METHOD_FIELDS.items() if f in documented]
    fix = f"use method={usable[0]!r}" if usable else "no structured-output method is available"
    raise ValueError(
        f"with_structured_output(method={method!r}) sends {field!r}, which {provider.name}'s "
        f"request schema for {model} does not document: {fix}"
    )


def _check_client_request_id(provider: Provider, value: Any) -> None:
    """The caller's request id (sent as a header) against what the provider documents for it."""
    problem = provider.client_request_id.problem(value)
    if problem:
        raise ValueError(
            f"client_request_id={value!r} is not accepted by {provider.name} "
            f"(sent as {provider.client_request_id_header}): {problem}"
        )


def _check_row(row: ModelRow, where: str, params: Mapping[str, Any]) -> None:
    effort = params.get("reasoning_effort")
    if effort is not None and row.efforts is not None and effort not in row.efforts:
        raise ValueError(
            f"reasoning_effort={effort!r} is not accepted by {where}: "
            f"use one of {list(row.efforts)} or leave it unset"
        )
    cap = params.get("max_tokens")
    if isinstance(cap, int) and row.max_output_tokens and cap > row.max_output_tokens:
        raise ValueError(
            f"max_tokens={cap} exceeds the output limit of {where} "
            f"({row.max_output_tokens}): lower it"
        )


def _check_combinations(params: Mapping[str, Any]) -> None:
    n = params.get("n")
    if isinstance(n, int) and n > 1 and params.get("stream"):
        raise ValueError("n > 1 cannot be streamed: use n=1 when streaming")
    if params.get("top_logprobs") is not None and not params.get("logprobs"):
        raise ValueError("top_logprobs requires logprobs=True: set logprobs=True")


def upstream_hints(provider: Provider, model: str, params: Mapping[str, Any]) -> list[str]:
    """One line per upstream-only rule of `model` that `params` break (sent as given)."""
    row = provider.row(model)
    if row is None:
        return []
    hints = (rule.broken_by(params, row) for rule in row.upstream)
    return [hint for hint in hints if hint]
