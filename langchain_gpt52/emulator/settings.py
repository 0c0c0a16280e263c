"""Per-emulator settings the shared server and the provider modules read."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, TypeVar

_OptionsT = TypeVar("_OptionsT")


@dataclass
class Settings:
    """What one `Emulator` is told to do beyond the defaults.

    `chunk_delay` is the pause in seconds between streamed chunks (0: as fast as possible).
    `reasoning_content` (when set) is returned as the reasoning text of every answer:
    `message.reasoning_content`, streamed as `delta.reasoning_content` pieces before the
    content.
    `provider_options` holds each provider's own options by provider name: an instance of the
    options dataclass its module under `emulator/providers/` declares (defaults when missing).
    """

    chunk_delay: float = 0.0
    reasoning_content: str | None = None
    provider_options: dict[str, Any] = field(default_factory=dict)

    def options(self, name: str, kind: type[_OptionsT]) -> _OptionsT:
        """Provider `name`'s options (a `kind` instance, created with its defaults when unset)."""
        options = self.provider_options.get(name)
        if not isinstance(options, kind):
            options = self.provider_options[name] = kind()
        return options

    def copy(self) -> Settings:
        """A deep copy (provider options included), so that changing it leaves `self` as is."""
        return copy.deepcopy(self)
