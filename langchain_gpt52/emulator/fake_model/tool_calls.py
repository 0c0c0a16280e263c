"""Which tool calls the fake model makes, and their arguments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .conversation import Conversation
from .schema import ValueBuilder, schema_property_names
from .tool_choice import (
    asks_for_tool,
    best_word_match,
    covered_tools,
    named_tools,
    tool_name,
    tool_parameters,
)
from .values import NumberPool, TextValues, has_content, numbers_in


@dataclass
class ToolCall:
    name: str
    arguments: str


def _forced_tool(choice: Any, names: list[str]) -> str | None:
    if isinstance(choice, dict):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, dict) else None
        return name if isinstance(name, str) and name in names else None
    if isinstance(choice, str) and choice in names and choice not in ("none", "auto", "required"):
        return choice
    return None


def _strip_names(text: str, names: list[str]) -> str:
    for name in names:
        if name:
            text = text.replace(name, " ")
    return text


@dataclass
class _Planned:
    """A tool call to make: the text its arguments come from and its group."""

    name: str
    text: str
    #: the tools named together with it ("add and multiply ..."): one text, one number pool
    group: tuple[str, ...] = ()


def _named_groups(text: str, mentioned: list[tuple[int, str]], names: list[str]) -> list[_Planned]:
    """Each named tool with the text after its name up to the next tool name.

    A tool whose text is only filler words ("get_weather and get_population for Paris")
    joins the next tool's group and shares that tool's text.
    """
    planned: list[_Planned] = []
    members: list[str] = []
    for i, (pos, name) in enumerate(mentioned):
        end = mentioned[i + 1][0] if i + 1 < len(mentioned) else len(text)
        segment = _strip_names(text[pos + len(name) : end], names)
        members.append(name)
        if has_content(segment) or i + 1 == len(mentioned):
            group = tuple(members)
            planned.extend(_Planned(member, segment, group) for member in members)
            members = []
    return planned


def _choose_calls(body: dict[str, Any], conv: Conversation) -> list[_Planned]:
    """The tool calls that may be made now, in order (see `_tool_calls`)."""
    tools = [t for t in body.get("tools") or [] if tool_name(t)]
    if not tools:
        return []
    choice = body.get("tool_choice")
    if choice is None:
        choice = "auto"
    if choice == "none":
        return []
    names = [tool_name(t) for t in tools]
    text = conv.user.text
    plain = _strip_names(text, names)
    forced = _forced_tool(choice, names)
    if forced is not None:
        return [_Planned(forced, plain)]
    parallel = body.get("parallel_tool_calls") is not False
    mentioned = named_tools(text, tools)
    if len(mentioned) == 1:
        planned = [_Planned(mentioned[0][1], plain)]
    elif mentioned:
        planned = _named_groups(text, mentioned, names)
    else:
        covered = covered_tools(text, tools)
        planned = [_Planned(n, plain) for _, n in covered] if len(covered) > 1 else []
    if conv.last_role == "tool":
        remaining = [p for p in planned if p.name not in conv.called_since_user]
        if remaining:
            return remaining if parallel else remaining[:1]
        if choice != "required":
            return []
    if planned:
        return planned if parallel else planned[:1]
    best, score = best_word_match(text, tools)
    if score > 0:
        return [_Planned(best, plain)]
    if choice == "required" or asks_for_tool(text):
        return [_Planned(names[0], plain)]
    return []


def _numbers_of(value: Any) -> list[float]:
    """The numbers in a JSON value (booleans excluded)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers_of(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers_of(v)]
    return []


def _group_pool(planned: _Planned, conv: Conversation) -> NumberPool:
    """Numbers for a group: earlier results of the group first, then unused text numbers."""
    numbers = numbers_in(" ".join(planned.text.split()))
    results: list[float] = []
    for name, raw in conv.calls_since_user:
        if name not in planned.group:
            continue
        try:
            used = _numbers_of(json.loads(raw)) if raw else []
        except ValueError:
            used = []
        for number in used:
            if number in numbers:
                numbers.remove(number)
    for name, content in conv.tool_results:
        if name in planned.group:
            results.extend(numbers_in(content))
    return NumberPool(results + numbers)


def tool_calls(body: dict[str, Any], conv: Conversation) -> list[ToolCall]:
    """The tool calls of the answer (empty: answer in text).

    A tool of a group (not the first call of the answer) that runs out of numbers is
    deferred: it is called after the tool results, with those results as numbers.
    """
    tools = [t for t in body.get("tools") or [] if tool_name(t)]
    by_name = {tool_name(t): t for t in tools}
    reserved = set(by_name)
    context = _strip_names(conv.user.text, list(by_name))
    pools: dict[tuple[str, ...], NumberPool] = {}
    calls: list[ToolCall] = []
    for planned in _choose_calls(body, conv):
        pool = None
        if len(planned.group) > 1:
            if planned.group not in pools:
                pools[planned.group] = _group_pool(planned, conv)
            pool = pools[planned.group]
        short = pool.short if pool is not None else 0
        params = tool_parameters(by_name.get(planned.name))
        args = tool_arguments(params, planned.text, reserved, context=context, pool=pool)
        if calls and pool is not None and pool.short > short:
            continue  # waits for the results of the calls before it
        arguments = json.dumps(args, ensure_ascii=False, separators=(",", ":"))
        calls.append(ToolCall(planned.name, arguments))
    return calls


def tool_arguments(
    parameters: dict[str, Any],
    text: str,
    reserved: set[str],
    *,
    context: str = "",
    pool: NumberPool | None = None,
) -> dict[str, Any]:
    """Arguments for a tool call built from the tool's parameter schema and `text`.

    `context` is the whole user text (fallback, see `TextValues`); a shared
    `pool` hands out numbers across calls and counts the ones missing in `pool.short`.
    """
    names = schema_property_names(parameters) | reserved
    values = TextValues(text, names, for_tool=True, context=context, pool=pool)
    builder = ValueBuilder(parameters, values, fill_optional=False)
    result = builder.build(parameters)
    return result if isinstance(result, dict) else {}
