"""The generation parameters a GPT-5.2 chat model takes, shared by the provider models and
the failover model (one declaration, so a value reaches the wire the same through either)."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["GENERATION_FIELDS", "GenerationFields"]


class GenerationFields(BaseModel):
    """Completion parameters every provider model (and the failover model) accepts."""

    # `int | float`: a value reaches the wire as written (`0` stays `0`, not `0.0`).
    temperature: int | float | None = None
    top_p: int | float | None = None
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    """Output token cap, sent as the field the provider documents."""
    frequency_penalty: int | float | None = None
    presence_penalty: int | float | None = None
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences (also enforced client-side where the provider does not document them)."""
    seed: int | None = None
    reasoning_effort: str | None = None
    verbosity: str | None = None


GENERATION_FIELDS = tuple(name for name in GenerationFields.model_fields if name != "stop")
"""The fields above that are request parameters (`stop` is handled on its own)."""
