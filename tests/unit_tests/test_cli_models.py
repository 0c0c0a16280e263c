"""The pure parts of the `models` verb: the GPT-5.2 filter and the drift lines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from langchain_gpt52._cli_models import drift, gpt52_models
from langchain_gpt52._prices import Price
from langchain_gpt52.model_details import ModelDetails
from langchain_gpt52.providers import ModelRow

ROW = ModelRow(
    model="openai/gpt-5-2",
    context_window=400_000,
    max_output_tokens=128_000,
    efforts=None,
    default_effort=None,
    price=Price(1.75, 0.175, 14.0),
    source="test",
)


def _served(row: ModelRow = ROW, **changes: object) -> ModelDetails:
    details = ModelDetails(
        id=row.model,
        price=row.price,
        context_window=row.context_window,
        max_output_tokens=row.max_output_tokens,
    )
    return replace(details, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "kept"),
    [
        ("openai/gpt-5-2", True),
        ("openai/gpt-5.2-pro", True),
        ("gpt-5-2-chat-latest", True),
        ("openai/gpt-5-20", False),
        ("openai/gpt-4o", False),
        ("openai/gpt-5-1", False),
    ],
)
def test_gpt52_filter(model: str, kept: bool) -> None:
    assert bool(gpt52_models([ModelDetails(id=model)])) is kept


def test_agreement_is_no_drift() -> None:
    assert drift([ROW], [_served()]) == []


def test_a_price_within_rounding_is_no_drift() -> None:
    price = Price(1.75 * (1 + 1e-9), 0.175, 14.0)
    assert drift([ROW], [_served(price=price)]) == []


def test_ids_on_one_side_only() -> None:
    other = replace(ROW, model="openai/gpt-5-2-pro")
    assert drift([ROW, other], [_served(), _served(id="openai/gpt-5-2-codex")]) == [
        "served, not in the catalog: openai/gpt-5-2-codex",
        "in the catalog, not served: openai/gpt-5-2-pro",
    ]


def test_prices_and_limits_that_differ() -> None:
    served = _served(price=Price(2.0, 0.2, 14.0), max_output_tokens=64_000)
    assert drift([ROW], [served]) == [
        "openai/gpt-5-2: max output tokens 128000 in the catalog, 64000 served",
        "openai/gpt-5-2: input price 1.75 in the catalog, 2 served",
        "openai/gpt-5-2: cached input price 0.175 in the catalog, 0.2 served",
    ]


def test_what_the_gateway_does_not_publish_is_not_compared() -> None:
    # no limits, and no cached-input rate (cached priced as input)
    served = _served(price=Price(1.75, 1.75, 14.0), context_window=None, max_output_tokens=None)
    assert drift([ROW], [served]) == []


def test_a_price_on_one_side_only() -> None:
    assert drift([ROW], [_served(price=None)]) == [
        "openai/gpt-5-2: price 1.75 / 0.175 / 14 in the catalog, none served"
    ]
    assert drift([replace(ROW, price=None)], [_served()]) == [
        "openai/gpt-5-2: price none in the catalog, 1.75 / 0.175 / 14 served"
    ]
