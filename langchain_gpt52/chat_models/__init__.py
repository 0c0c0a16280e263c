"""Chat models: one shared implementation, one thin class per provider."""

from typing import TYPE_CHECKING, Any

from langchain_gpt52.chat_models.aimlapi import ChatAIMLAPI
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.chat_models.gpt52 import ChatGPT52
from langchain_gpt52.chat_models.oxen import ChatOxen

if TYPE_CHECKING:
    from langchain_gpt52.chat_models.failover import ChatGPT52Failover

__all__ = ["BaseChatGPT52", "ChatAIMLAPI", "ChatGPT52", "ChatGPT52Failover", "ChatOxen"]


def __getattr__(name: str) -> Any:
    # The failover model is imported on first use (it is not needed to import the package).
    if name == "ChatGPT52Failover":
        from langchain_gpt52.chat_models.failover import ChatGPT52Failover

        return ChatGPT52Failover
    raise AttributeError(f"module 'langchain_gpt52.chat_models' has no attribute {name!r}")
