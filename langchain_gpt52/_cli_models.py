"""`python -m langchain_gpt52 models`: the GPT-5.2 models a gateway serves, and their drift from
the package's catalog.

```bash
python -m langchain_gpt52 models                     # AI/ML API's GPT-5.2 models, limits, prices
python -m langchain_gpt52 models --provider oxen --check
```

It lists the gateway's models endpoint (`list_models`), keeps the GPT-5.2 family, and prints
each model's context window, output cap and price in USD per 1M tokens. `--check` compares them
with the catalog: ids on one side only, limits and prices that differ (exit 1 on drift). A limit
or cached-input rate the gateway does not publish is not compared. Without the provider's API
key in the environment (and without `--base-url`), or with `--offline`, it asks the built-in
emulator instead and says so in one line. Exit status: 0 fine, 1 drift, 2 the gateway could not
be asked.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import Any

from langchain_gpt52._cli_providers import EMULATED, PROVIDERS
from langchain_gpt52._prices import Price
from langchain_gpt52.chat_models import BaseChatGPT52
from langchain_gpt52.errors import APIError
from langchain_gpt52.model_details import ModelDetails
from langchain_gpt52.providers import ModelRow

__all__ = ["drift", "gpt52_models", "main"]

_PROVIDERS: dict[str, type[BaseChatGPT52]] = {
    name: cls for name, cls in PROVIDERS.items() if EMULATED[name][0] == name
}
"""The gateways with a models list of their own (the emulator route of the same name answers
offline)."""
_GPT52 = re.compile(r"gpt-5[.-]2(?![0-9])")
"""A model id of the GPT-5.2 family (`openai/gpt-5-2-pro`, `gpt-5.2-chat`, ...)."""
_PRICE_FIELDS = (
    ("input", "input price"),
    ("cached_input", "cached input price"),
    ("output", "output price"),
)
_LIMITS = (("context_window", "context window"), ("max_output_tokens", "max output tokens"))


def gpt52_models(models: Iterable[ModelDetails]) -> list[ModelDetails]:
    """The GPT-5.2 models among `models`, sorted by id."""
    return sorted((m for m in models if _GPT52.search(m.id)), key=lambda m: m.id)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def _price_drift(model: str, listed: Price | None, served: Price | None) -> list[str]:
    if listed is None and served is None:
        return []
    if listed is None or served is None:
        return [f"{model}: price {_money(listed)} in the catalog, {_money(served)} served"]
    lines = []
    for name, label in _PRICE_FIELDS:
        if name == "cached_input" and served.cached_input == served.input:
            continue  # no cached-input rate published: cached tokens priced as input
        a, b = getattr(listed, name), getattr(served, name)
        if not _same(a, b):
            lines.append(f"{model}: {label} {_num(a)} in the catalog, {_num(b)} served")
    return lines


def drift(rows: Sequence[ModelRow], served: Sequence[ModelDetails]) -> list[str]:
    """Pure: one line per difference between catalog `rows` and the `served` models (ids on
    one side only, limits and prices that differ); empty when they agree."""
    by_id = {m.id: m for m in served}
    listed = {row.model: row for row in rows}
    lines = [f"served, not in the catalog: {m}" for m in sorted(set(by_id) - set(listed))]
    lines += [f"in the catalog, not served: {m}" for m in sorted(set(listed) - set(by_id))]
    for model in sorted(set(listed) & set(by_id)):
        row, details = listed[model], by_id[model]
        for name, label in _LIMITS:
            ours, theirs = getattr(row, name), getattr(details, name)
            if theirs is not None and ours != theirs:
                lines.append(f"{model}: {label} {ours} in the catalog, {theirs} served")
        lines += _price_drift(model, row.price, details.price)
    return lines


def _num(value: float) -> str:
    return f"{value:g}"


def _money(price: Price | None) -> str:
    if price is None:
        return "none"
    return f"{_num(price.input)} / {_num(price.cached_input)} / {_num(price.output)}"


def _table(models: Sequence[ModelDetails]) -> str:
    head = ("id", "context", "max output", "USD/1M in / cached / out")
    body = [
        (
            m.id,
            "?" if m.context_window is None else str(m.context_window),
            "?" if m.max_output_tokens is None else str(m.max_output_tokens),
            _money(m.price),
        )
        for m in models
    ]
    widths = [max(len(r[i]) for r in (head, *body)) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in (head, *body)
    )


def _as_json(model: ModelDetails) -> dict[str, Any]:
    price = model.price
    return {
        "id": model.id,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "price": None
        if price is None
        else {"input": price.input, "cached_input": price.cached_input, "output": price.output},
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m langchain_gpt52 models",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    p.add_argument("--provider", choices=sorted(_PROVIDERS), default="aimlapi")
    p.add_argument("--check", action="store_true", help="compare with the catalog; exit 1 on drift")
    p.add_argument("--base-url", help="the gateway's base URL (default: the provider's)")
    p.add_argument("--json", action="store_true", help="print the models as one JSON list")
    p.add_argument("--offline", action="store_true", help="ask the emulator even if a key is set")
    return p


def _model(stack: ExitStack, args: argparse.Namespace) -> BaseChatGPT52:
    cls = _PROVIDERS[args.provider]
    spec = cls.provider
    kwargs: dict[str, Any] = {}
    if args.base_url is not None:
        kwargs["base_url"] = args.base_url
    if args.offline or (not os.environ.get(spec.key_env) and args.base_url is None):
        from langchain_gpt52.testing import Emulator

        emu = stack.enter_context(Emulator())
        kwargs.update(base_url=emu.base_url(args.provider), api_key=emu.api_key)
        why = "--offline" if args.offline else f"no {spec.key_env} set"
        print(f"[offline] {why}: asking the built-in {spec.name} emulator", file=sys.stderr)
    return stack.enter_context(cls(**kwargs))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `models` verb with `argv` (the arguments after `models`); the exit status."""
    args = _parser().parse_args(argv)
    with ExitStack() as stack:
        llm = _model(stack, args)
        try:
            models = gpt52_models(llm.list_models())  # type: ignore[attr-defined]
        except APIError as exc:
            print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        spec = llm.provider
        if args.json:
            print(json.dumps([_as_json(m) for m in models]))
        else:
            print(f"{spec.name} at {llm.base_url}: {len(models)} GPT-5.2 models")
            print(_table(models))
        if not args.check:
            return 0
        lines = drift(spec.models, models)
        if not lines:
            print(f"no drift: the catalog's {len(spec.models)} models match", file=sys.stderr)
            return 0
        print(f"drift from the {spec.name} catalog:", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)
        return 1
