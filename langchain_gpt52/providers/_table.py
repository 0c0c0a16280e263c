"""`docs/parameters.md`, rendered from the descriptors and the catalog.

Regenerate with `python -m langchain_gpt52.providers._table > docs/parameters.md`.
"""

from __future__ import annotations

from collections.abc import Mapping

from langchain_gpt52.providers import PROVIDERS
from langchain_gpt52.providers._types import ModelRow, Param, Provider

__all__ = ["render"]


def _accepted(param: Param) -> str:
    if param.choices is not None:
        return " / ".join(f"`{c}`" for c in param.choices)
    if param.boolean:
        return "`true` / `false`"
    kind = "integer" if param.integer else "number"
    if param.low is None and param.high is None:
        return kind if (param.integer or param.number) else "as the API defines it"
    if param.high is None:
        return f"{kind} ≥ {param.low}"
    return f"{kind} {param.low}..{param.high}"


def _tokens(value: int | None) -> str:
    return f"{value:,}" if value else "?"


def _row(row: ModelRow) -> str:
    efforts = " / ".join(row.efforts) if row.efforts else "not documented (sent as given)"
    if row.params is not None and "reasoning_effort" not in row.params:
        efforts = "not in its schema (refused)"
    upstream = "; ".join(rule.describe() for rule in row.upstream) or "-"
    price = (
        f"${row.price.input} / ${row.price.cached_input} / ${row.price.output}"
        if row.price
        else "?"
    )
    cells = [
        f"`{row.model}`",
        _ENDPOINTS[row.endpoint],
        _tokens(row.context_window),
        _tokens(row.max_output_tokens),
        efforts,
        row.default_effort or "?",
        upstream,
        ", ".join(row.inputs),
        price,
        row.source,
    ]
    return "| " + " | ".join(cells) + " |"


_ENDPOINTS = {"chat": "`/chat/completions`", "responses": "`/responses`"}
_RESPONSES_NAMES = (
    "On `/responses`, `max_tokens` is sent as `max_output_tokens`, `response_format` as "
    "`text.format`, `reasoning_effort` as `reasoning.effort`, `reasoning_summary` as "
    "`reasoning.summary`, `verbosity` as `text.verbosity`, tools and `tool_choice` in the "
    "Responses shape; `stop` is enforced client-side only; `seed`, `n` > 1, penalties, "
    "`logprobs` and `top_logprobs` are refused."
)


def _params_table(params: Mapping[str, Param]) -> list[str]:
    lines = ["| parameter | accepted |", "|---|---|"]
    return lines + [f"| `{name}` | {_accepted(param)} |" for name, param in sorted(params.items())]


def _own_params(p: Provider) -> list[str]:
    """A table per row that documents its own parameters (its own schema)."""
    lines: list[str] = []
    for row in p.models:
        if row.params is None:
            continue
        lines += ["", f"Parameters of `{row.model}` (its own schema):", ""]
        lines += _params_table(row.params)
    return lines


def _provider(p: Provider) -> list[str]:
    schema = (
        "validated against the documented schema: other fields are refused"
        if p.strict_schema
        else "fields it does not document are sent as given"
    )
    lines = [
        f"## {p.name} (`{p.ls_provider}`)",
        "",
        f"- Key: `{p.key_env}`; base URL: `base_url` or `{p.base_url_env}`"
        + (f" or `{p.default_base_url}`" if p.default_base_url else "")
        + "; "
        f"default model: `{p.default_model}`",
        f"- Request bodies: {schema}; `max_tokens` is sent as `{p.max_tokens_field}`; "
        f"`stop` is {'sent and ' if p.send_stop else ''}enforced client-side",
        f"- Roles: {', '.join(sorted(p.roles))}",
        "",
    ]
    lines += _params_table(p.params)
    lines += [
        "",
        "| model | endpoint | context | max output | `reasoning_effort` | default effort "
        "| upstream-only rules (hinted on a 400) | inputs | price per 1M (in / cached / out) "
        "| source |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_row(row) for row in p.models]
    lines += _own_params(p)
    return [*lines, ""]


def render() -> str:
    """The whole page."""
    lines = [
        "# Parameters by provider and model",
        "",
        "Generated from `langchain_gpt52/providers/` by "
        "`python -m langchain_gpt52.providers._table > docs/parameters.md`; do not edit.",
        "",
        "What a provider documents is checked before sending (the error names the parameter "
        "and the fix). Upstream-only rules are sent as given; a 400 then carries the "
        "provider's text and a `hint:` line naming the rule. A model id not listed here is "
        "accepted with the provider's rules only. `model_kwargs` / `extra_body` are sent "
        "unchecked.",
        "",
        _RESPONSES_NAMES,
        "",
    ]
    for p in PROVIDERS:
        lines += _provider(p)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
