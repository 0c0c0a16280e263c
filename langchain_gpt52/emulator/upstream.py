"""Upstream OpenAI rules that apply behind every provider (checked after its own schema)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .rejection import RequestRejected


def tool_names(body: dict[str, Any]) -> list[str]:
    """The function names of ``body["tools"]``."""
    names: list[str] = []
    tools = body.get("tools")
    if isinstance(tools, list):
        for tool in tools:
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                names.append(fn["name"])
    return names


def upstream_checks(body: dict[str, Any], reject: Callable[[str], RequestRejected]) -> None:
    """``tool_choice`` needs ``tools`` and must name one of them; ``reject`` builds the 400."""
    choice = body.get("tool_choice")
    if choice is not None and not body.get("tools"):
        raise reject(
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
            "specified."
        )
    if isinstance(choice, dict):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, dict) else None
        if isinstance(name, str) and name not in tool_names(body):
            raise reject(
                f"Invalid value for 'tool_choice': function '{name}' not found in 'tools'."
            )
