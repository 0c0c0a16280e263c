"""The emulated providers, one module each; the server routes a request to the first whose
`prefix` owns its path. Adding a provider is one module and one line in `PROVIDERS`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .aimlapi import AIMLAPI
from .base import Answered, EmulatedProvider
from .oxen import Oxen

#: every emulated provider by route name, in routing order
PROVIDERS: dict[str, EmulatedProvider] = {p.name: p for p in (Oxen(), AIMLAPI())}
#: the provider that answers paths no provider owns (its error shape, its 404)
FALLBACK = PROVIDERS["aimlapi"]


def provider_named(name: str) -> EmulatedProvider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(
            f"unknown provider {name!r}; expected one of {sorted(PROVIDERS)}"
        ) from None


def provider_for_path(path: str) -> EmulatedProvider:
    """The provider whose routes hold `path` (the fallback for any other path)."""
    for provider in PROVIDERS.values():
        if provider.owns(path):
            return provider
    return FALLBACK


def option_names() -> dict[str, tuple[EmulatedProvider, str]]:
    """Every provider option by its keyword name `<provider>_<option>`."""
    return {
        f"{provider.name}_{option.name}": (provider, option.name)
        for provider in PROVIDERS.values()
        for option in dataclasses.fields(provider.options_type)
    }


def provider_options(keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Each provider's options object (by provider name) from keywords `<provider>_<option>`.

    Raises `TypeError` naming an unknown keyword and the known ones; each options dataclass
    checks its own values.
    """
    known = option_names()
    chosen: dict[str, dict[str, Any]] = {name: {} for name in PROVIDERS}
    for keyword, value in keywords.items():
        if keyword not in known:
            raise TypeError(
                f"unknown emulator option {keyword!r}; provider options are {sorted(known)}"
            )
        provider, option = known[keyword]
        chosen[provider.name][option] = value
    return {name: PROVIDERS[name].options_type(**values) for name, values in chosen.items()}


__all__ = [
    "FALLBACK",
    "PROVIDERS",
    "Answered",
    "EmulatedProvider",
    "option_names",
    "provider_for_path",
    "provider_named",
    "provider_options",
]
