"""Offline token estimates for GPT-5.2 prompts (no tokenizer download)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["content_tokens", "estimate_tokens", "prompt_tokens"]

_TOKEN_PIECES = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_IMAGE_TOKENS = {"low": 85, "high": 765, "auto": 765}
"""GPT image cost: 85 tokens at low detail; a 512 px tile layout (~765) otherwise."""
_FILE_TOKENS = 1_500
"""A coarse figure per attached file (about one PDF page of text and its image)."""


def content_tokens(content: Any) -> int:
    """Estimated tokens of a wire `content`: text by the estimator, images and files by
    their fixed costs (a base64 image is not ~length/4 text tokens)."""
    if not content:
        return 0
    if isinstance(content, str):
        return estimate_tokens(content)
    total = 0
    for part in content if isinstance(content, list) else [content]:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            total += estimate_tokens(str(part.get("text") or ""))
        elif kind == "image_url":
            detail = (part.get("image_url") or {}).get("detail") or "auto"
            total += _IMAGE_TOKENS.get(detail, 765)
        elif kind == "file":
            total += _FILE_TOKENS
        else:
            total += estimate_tokens(json.dumps(part, ensure_ascii=False))
    return total


def estimate_tokens(text: str) -> int:
    total = 0
    for piece in _TOKEN_PIECES.findall(text):
        total += 1 if len(piece) <= 6 else math.ceil(len(piece) / 5)
    return total


def prompt_tokens(wire: list[dict[str, Any]], tool_schemas: list[dict[str, Any]]) -> int:
    """A prompt's estimate: content + ~3 tokens per message + tool calls and tool schemas."""
    total = 3
    for msg in wire:
        total += 3 + content_tokens(msg.get("content"))
        for call in msg.get("tool_calls") or []:
            total += estimate_tokens(json.dumps(call, ensure_ascii=False))
    for tool in tool_schemas:
        total += estimate_tokens(json.dumps(tool, ensure_ascii=False))
    return total
