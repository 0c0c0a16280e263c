"""The emulated providers, one module each; the server routes a request to the first whose
``prefix`` owns its path. Adding a provider is one module and one line in :data:`PROVIDERS`."""

from __future__ import annotations

from .aimlapi import AIMLAPI
from .base import EmulatedProvider
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
    """The provider whose routes hold ``path`` (the fallback for any other path)."""
    for provider in PROVIDERS.values():
        if provider.owns(path):
            return provider
    return FALLBACK


__all__ = ["FALLBACK", "PROVIDERS", "EmulatedProvider", "provider_for_path", "provider_named"]
