"""What each provider accepts, and the pure check that rejects a bad request before it is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ProviderSpec", "check_params"]


@dataclass(frozen=True)
class ProviderSpec:
    """A provider's defaults and documented limits (the quirks a provider class declares)."""

    name: str
    """Human name used in errors, e.g. ``"AI/ML API"``."""
    ls_provider: str
    key_env: str
    base_url_env: str
    default_base_url: str | None
    default_model: str | None
    developer_role: bool = True
    reasoning_efforts: frozenset[str] | None = None
    """Accepted ``reasoning_effort`` values; None: not checked (generic endpoint)."""
    unsupported: Mapping[str, str] = field(default_factory=dict)
    """Parameters the provider does not document -> what to do instead."""
    send_stop: bool = True
    """Whether ``stop`` is sent; stop sequences are enforced client-side either way."""
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """Narrower ranges the provider documents (e.g. AI/ML API: ``seed`` >= 1)."""
    max_output_tokens: int | None = None
    context_window: int | None = None


GPT52_EFFORTS = frozenset({"none", "low", "medium", "high", "xhigh"})
_SAMPLING = ("temperature", "top_p", "logprobs", "top_logprobs")


def _is_chat_latest(model: str) -> bool:
    return "chat-latest" in model


def _is_gpt52(model: str) -> bool:
    m = model.lower()
    return "gpt-5.2" in m or "gpt-5-2" in m


_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0, 2),
    "top_p": (0, 1),
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
    "top_logprobs": (0, 20),
}
"""OpenAI API ranges, checked for per-call values too (fields are checked at construction)."""


def _check_ranges(spec: ProviderSpec, params: Mapping[str, Any]) -> None:
    for name, (low, high) in {**_RANGES, **spec.ranges}.items():
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if not low <= value <= high:
            where = f" on {spec.name}" if name in spec.ranges else ""
            bounds = f"at least {low}" if high >= 2**53 else f"between {low} and {high}"
            raise ValueError(f"{name} must be {bounds}{where}, got {value!r}")
    n = params.get("n")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"n must be a positive integer, got {n!r}")


def check_params(spec: ProviderSpec, model: str, params: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` that says what to change when ``params`` cannot work.

    ``params`` are the request parameters (wire names) the user set; the ``model_kwargs`` /
    ``extra_body`` escape hatch is not passed here, so it stays unchecked.
    """
    _check_ranges(spec, params)
    for name, advice in spec.unsupported.items():
        if params.get(name) is not None:
            raise ValueError(
                f"{spec.name} does not support '{name}' for {model}: {advice} "
                f"(to send it anyway, pass model_kwargs={{'{name}': ...}})"
            )
    effort = params.get("reasoning_effort")
    if effort is not None:
        if effort == "minimal":
            raise ValueError(
                "reasoning_effort='minimal' is not accepted by GPT-5.2; "
                f"use one of {sorted(spec.reasoning_efforts or GPT52_EFFORTS)}"
            )
        allowed = spec.reasoning_efforts
        if _is_chat_latest(model):
            allowed = frozenset({"medium"})
        if allowed is not None and effort not in allowed:
            raise ValueError(
                f"reasoning_effort={effort!r} is not accepted by {spec.name} for {model}; "
                f"use one of {sorted(allowed)} or leave it unset"
            )
    temperature = params.get("temperature")
    if _is_chat_latest(model) and temperature is not None and temperature != 1:
        raise ValueError(
            f"{model} only supports temperature=1 (got {temperature}); "
            "remove temperature or set it to 1"
        )
    if _is_gpt52(model) and effort not in (None, "none") and not _is_chat_latest(model):
        for name in _SAMPLING:
            value = params.get(name)
            if value is None or (name in ("temperature", "top_p") and value == 1):
                continue
            if name == "logprobs" and value is False:
                continue
            fix = (
                "set reasoning_effort='none'"
                if spec.reasoning_efforts is None or "none" in spec.reasoning_efforts
                else "remove reasoning_effort (the model then does not reason)"
            )
            raise ValueError(
                f"GPT-5.2 accepts '{name}' only without reasoning (reasoning_effort='none'), "
                f"but reasoning_effort={effort!r}: {fix}, or remove '{name}'"
            )
    n = params.get("n")
    if n is not None and n > 1 and params.get("stream"):
        raise ValueError("n > 1 cannot be streamed; use n=1 when streaming")
    if params.get("top_logprobs") is not None and not params.get("logprobs"):
        raise ValueError("top_logprobs requires logprobs=True")
    for name in ("max_tokens", "max_completion_tokens"):
        value = params.get(name)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if spec.max_output_tokens:
        cap = params.get("max_tokens") or params.get("max_completion_tokens")
        if isinstance(cap, int) and cap > spec.max_output_tokens:
            raise ValueError(
                f"max_tokens={cap} exceeds {model}'s output limit on {spec.name} "
                f"({spec.max_output_tokens}); lower it"
            )
