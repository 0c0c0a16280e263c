"""Chat models: one shared implementation, one thin class per provider."""

from langchain_gpt52.chat_models.aimlapi import ChatAIMLAPI
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.chat_models.failover import ChatGPT52Failover
from langchain_gpt52.chat_models.gpt52 import ChatGPT52
from langchain_gpt52.chat_models.oxen import ChatOxen

__all__ = ["BaseChatGPT52", "ChatAIMLAPI", "ChatGPT52", "ChatGPT52Failover", "ChatOxen"]
