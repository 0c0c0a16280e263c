"""The CLI's `--provider` choices: the chat class of each, and what answers for it offline."""

from __future__ import annotations

from langchain_gpt52.chat_models import BaseChatGPT52, ChatAIMLAPI, ChatGPT52, ChatOxen

__all__ = ["EMULATED", "PROVIDERS"]

PROVIDERS: dict[str, type[BaseChatGPT52]] = {
    "aimlapi": ChatAIMLAPI,
    "oxen": ChatOxen,
    "gpt52": ChatGPT52,
}
"""`--provider` value -> its chat class."""

EMULATED: dict[str, tuple[str, str | None]] = {
    "aimlapi": ("aimlapi", None),
    "oxen": ("oxen", None),
    "gpt52": ("aimlapi", ChatAIMLAPI.provider.default_model),  # served by the emulated AI/ML API
}
"""`--provider` value -> the emulator route that answers for it offline, and the model it needs."""
