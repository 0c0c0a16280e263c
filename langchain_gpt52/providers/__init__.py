"""Providers as data: one descriptor per provider, each with the catalog of models it serves."""

from __future__ import annotations

from langchain_gpt52.providers._types import ModelRow, Param, Provider
from langchain_gpt52.providers.aimlapi import AIMLAPI
from langchain_gpt52.providers.openai_compatible import OPENAI_COMPATIBLE
from langchain_gpt52.providers.oxen import OXEN

__all__ = ["AIMLAPI", "OPENAI_COMPATIBLE", "OXEN", "PROVIDERS", "ModelRow", "Param", "Provider"]

PROVIDERS: tuple[Provider, ...] = (AIMLAPI, OXEN, OPENAI_COMPATIBLE)
"""Every built-in provider, in documentation order."""
