"""List prices of models, in USD per 1M tokens."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Price:
    """A model's list price in USD per 1M tokens: input, cached input and output."""

    input: float
    cached_input: float
    output: float
    fetched: bool = False
    """True for a price the gateway published on its models endpoint (not the catalog's)."""
