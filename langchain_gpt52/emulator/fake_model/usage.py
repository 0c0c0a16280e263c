"""Token accounting of a request: prompt tokens and emulated prompt-cache hits."""

from __future__ import annotations

import json
from typing import Any

from .conversation import AUDIO_PART_TOKENS, FILE_PART_TOKENS, IMAGE_PART_TOKENS, read_content
from .tokens import count_tokens


def prompt_tokens(body: dict[str, Any]) -> int:
    """Prompt tokens of a request (rules in docs/emulator.md, "Usage")."""
    total = 3
    messages = body.get("messages")
    for msg in messages if isinstance(messages, list) else []:
        if not isinstance(msg, dict):
            continue
        info = read_content(msg.get("content"))
        total += 3 + count_tokens(info.text)
        total += (
            info.images * IMAGE_PART_TOKENS
            + info.files * FILE_PART_TOKENS
            + info.audio * AUDIO_PART_TOKENS
        )
        if msg.get("name"):
            total += 1
        for call in msg.get("tool_calls") or []:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict):
                total += 3 + count_tokens(str(fn.get("name", "")))
                total += count_tokens(str(fn.get("arguments", "")))
    for tool in body.get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if fn is not None:
            total += 8 + count_tokens(json.dumps(fn, separators=(",", ":")))
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if schema is not None:
            total += 8 + count_tokens(json.dumps(schema, separators=(",", ":")))
    return total


def cached_tokens_for(prompt: int) -> int:
    """Emulated prompt-cache hits: the longest `1024 + 128*k` prefix below `prompt`."""
    if prompt <= 1024:
        return 0
    return 1024 + ((prompt - 1025) // 128) * 128


# Logprobs
# --------------------------------------------------------------------------------------
