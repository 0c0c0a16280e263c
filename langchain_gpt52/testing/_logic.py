"""The pure "brain" of the loopback provider emulator (AI/ML API and Oxen.ai).

No I/O, standard library only. The HTTP server (``_server.py``) calls:

* :func:`validate` -- raises :class:`RequestRejected` (status + provider-shaped body).
* :func:`complete` -- a non-streaming ``chat.completion`` JSON.
* :func:`stream_chunks` -- the ``chat.completion.chunk`` dicts of a streamed answer, in
  order (the server adds SSE framing and ``data: [DONE]``).
* :func:`error_body`, :func:`models_list`, :func:`model_detail`, :func:`count_tokens`.

Validation
----------
**aimlapi** follows the OpenAPI request schema (``aimlapi-gpt-5-2.openapi.json``) the way
zod does and answers 400 ``{title, status, message: "Body validation error: ...", instance,
timestamp, error: {name: "ZodError", message, data: [{code, path, message, ...}]}}`` with
*all* issues found: ``model`` must be ``openai/gpt-5-2`` (a zod enum, so any other id is a
400 ``invalid_enum_value``); ``messages`` a non-empty array of role objects
(``system|developer|user|assistant|tool``; ``system``, ``developer`` and ``tool`` messages
reject unknown keys; ``tool`` content must be a string; user parts ``text|image_url|file``);
``max_tokens >= 1``; ``temperature`` 0..2; ``top_p`` 0.01..1; ``n`` integer >= 1;
``top_logprobs`` 0..20; ``seed`` integer >= 1; ``reasoning_effort`` in ``low|medium|high``;
``response_format`` ``text|json_object|json_schema`` (``json_schema.name`` required,
``^[a-zA-Z0-9_-]{1,64}$``, unknown keys rejected); ``tools[]`` ``{type: "function",
function: {name, parameters, description?, strict?}}`` (unknown keys rejected);
``tool_choice`` ``none|auto|required|{type: "function", function: {name}}``. Non-nullable
fields reject ``null``. Deviation, on purpose: an assistant message's ``content: null`` is
accepted (OpenAI clients send it next to ``tool_calls``).

*Unknown top-level properties* (``stop``, ``verbosity``, penalties, ``user``,
``max_completion_tokens``, ...) are **accepted and dropped**: the schema's root object does
not set ``additionalProperties: false`` and zod objects strip unknown keys by default, so
AI/ML API does not forward them. Consequently ``stop`` has no effect on aimlapi replies.

After schema validation, upstream OpenAI rules are applied (aimlapi errors use the
``{message, path, requestId, statusCode, timestamp}`` shape): ``tool_choice`` without
``tools`` or naming an unknown function -> 400; and, because AI/ML API only allows
``reasoning_effort`` low/medium/high while GPT-5.2 takes sampling parameters only with
effort ``none``, ``reasoning_effort`` together with a non-default ``temperature``/``top_p``
or ``logprobs: true`` -> 400 "Unsupported value: 'temperature' does not support 0.7 ...".

**oxen**: unknown model -> 404 ``{"error": {"message": "Model not found: <id>"}}``; other
problems -> 400 ``{"error": {"type", "title", "detail"}, "status": "error",
"status_message"}`` (first problem only): empty/non-list ``messages``, a ``developer`` (or
any unknown) role, wrong types/ranges, ``temperature`` other than 1 (upstream text
"Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1)
value is supported."), ``reasoning_effort`` other than ``medium``, ``max_tokens`` above
16384, bad ``tools``/``tool_choice``/``response_format``. Unknown keys are forwarded
(``stop`` works, ``verbosity``/``seed`` are ignored).

Replies (deterministic)
-----------------------
Let *text* be the text of the last ``user`` message (string content or its text parts).

1. **Refusal**: *text* contains the marker ``[refuse]`` and the last message is from the
   user -> ``content: null``, ``refusal: "I'm sorry, I can't help with that."`` (streamed
   as ``delta.refusal`` pieces), ``finish_reason: "stop"``.
2. **Tool calls** (when ``tools`` are given and ``tool_choice`` is not ``"none"``):

   * ``tool_choice`` ``{type: function, function: {name}}`` -> always call that tool.
   * If the last message is a tool result: call the planned tools (below) that were not
     called since that user message (all at once unless ``parallel_tool_calls`` is false,
     else the next one); when none is left answer in text quoting the tool results
     (``"The get_weather tool returned: It's sunny."``) -- so agent loops terminate --
     except with ``tool_choice: "required"``, which (as upstream) always calls a tool.
   * Otherwise: the tools whose exact name appears in *text* (as an identifier; all of
     them unless ``parallel_tool_calls`` is false), else -- when two or more tools have
     *all* their name words in *text* ("What's the weather ... and what time is it?"
     covers ``get_weather`` and ``get_time``, not ``get_current_weather``) -- those, in
     order of appearance, else the tool whose name/description words best overlap the
     words of *text*, else -- only with ``tool_choice: "required"`` or when *text* asks to
     "use the tool" -- the first tool. In plain ``auto`` mode with no overlap at all the
     model answers in text.
   * **Argument text.** One named tool (or a word-matched one): *text* with tool names
     removed. Several named tools: the text after each tool's name up to the next name;
     a tool whose text is only filler words (stop words such as "and", "the", "for",
     "call", "tool" and connectives such as "then", "after", "finally") is *listed
     together* with the next tool: they form a group that shares the text of the group's
     last tool ("get_weather and get_population for Paris" -> both get "Paris").
   * **Numbers** are the numbers of the argument text in order. The tools of a group share
     one pool, so each takes the next unused numbers ("add and multiply with 1, 2, 3 and
     4" -> add(1, 2), multiply(3, 4)). A group tool that runs out of numbers for a
     required number without ``default`` (and is not the first call of the answer) is
     *deferred*: a real model waits for the earlier result. When it is called after the
     tool results, its pool is the numbers in the results of its group's tools first, then
     the text numbers not used by its group's earlier calls ("Use add and multiply to
     compute (3 + 4) * 5." -> add(3, 4); after "7.0" -> multiply(7.0, 5)). Numbers are
     clamped to min/max/exclusive bounds; default or 0 when none is left.
   * **Strings**: ``<prop> is X``/``<prop>: X`` values, else quoted strings in order, else
     for place-like properties (name or description word ``location``, ``city``,
     ``place``, ``address``, ``country``, ``region``, ``town``, ``destination``,
     ``origin``, ``timezone``, ...) a place: the capitalized phrase right after
     "in/at/near/from/to/for" in the argument text ("San Francisco, CA"), else its next
     capitalized phrase, else the same two searches in the whole user text; else for
     query-like properties the argument text, else the next capitalized phrase that does
     not start a sentence, else the phrase after "about", else the argument text. Tool
     names are removed first and never chosen; an argument text made only of filler words
     is never a value (the whole user text is used instead, else ``"<Property>"``).
     Capitalized phrases are runs of capitalized words joined by " " or ", "; a word
     ending in "." ends the phrase ("for Lyon. Finally ..." -> "Lyon") unless it is an
     abbreviation -- a capital plus at most two lower-case letters (``St.``, ``Mt.``,
     ``Dr.``, ``Mrs.``) or an initialism (``D.C.``) -- so "St. Louis" stays whole; an
     abbreviation that ends a phrase loses its dot ("Dr. No." -> "Dr. No").
   * Other values: ``$ref``/``$defs``/``allOf`` resolved, ``anyOf``/``oneOf`` -> first
     non-null branch, ``const``, enums -> the option mentioned in *text* else the first,
     nested objects, arrays with ``max(1, minItems)`` items, required properties always
     and optional ones only when their name is mentioned in *text*; booleans are
     ``false`` when the property is negated ("no X", "without X") or *text* says "false",
     else ``true``. No-arg tools get ``{}``. Ids are ``call_<random>``;
     ``finish_reason: "tool_calls"``; ``content: null``.
3. ``response_format`` **json_schema**: compact JSON text valid against
   ``json_schema.schema`` (all properties filled, ``additionalProperties: false``
   respected, nullable ``anyOf`` -> the non-null branch, formats such as ``date-time``
   get examples); strings are drawn from *text* as above but, for non-name properties,
   shaped ``"<Property> about <topic>"`` (topic = the phrase after "about").
   **json_object**: an object whose keys are the quoted identifiers of *text* when it
   mentions keys/fields/JSON (``'setup' and 'punchline' keys``), else ``{"answer": ...}``.
4. **Plain text**: after tool results, the quoting answer above; a greeting -> "Hello! How
   can I help you today?"; "how are you" -> a scripted reply; a simple ``a + b`` (``-*/``)
   -> the arithmetic result; otherwise ``You said: "<text>"`` (clipped at 400 chars).
   Image/file/audio parts are acknowledged: " I see 1 image." / "I see 1 file (x.pdf)."

``max_tokens`` caps completion tokens (see :func:`count_tokens`); on aimlapi with
``reasoning_effort`` set, reasoning tokens (low 32, medium 96, high 256) are spent first,
so a cap at or below them gives empty content and ``finish_reason: "length"``; a longer
answer is cut to the remaining budget with ``"length"``. ``stop`` (oxen only, see above)
cuts the content before the first stop sequence (``"stop"``). ``n`` gives n identical
choices. ``logprobs: true`` adds ``logprobs.content`` (one entry per token, with
``top_logprobs`` alternatives).

Usage
-----
``prompt_tokens`` = 3 + per message (3 + tokens of its text + 85 per image part, 256 per
file part, 64 per audio part, + 1 with a ``name``, + tool-call name/argument tokens + 3 per
call) + per tool (tokens of its compact JSON ``function`` + 8) + for ``json_schema``
(tokens of the schema JSON + 8) -- so ``"Hello"`` costs 7 as in the provider's example.
``completion_tokens`` = tokens of the content/refusal (+ name/argument tokens + 4 per tool
call) + reasoning tokens, summed over choices. aimlapi reports the full details block;
``cached_tokens`` is ``1024 + 128*k``, the longest such prefix shorter than the prompt, when
``prompt_tokens > 1024`` (else 0). Oxen reports only the three counters and no reasoning.

aimlapi cost (``meta.usage``, derived by the server into the ``x-aimlapi-*`` headers):
``credits_used = ceil(uncached_prompt * 3.675) + ceil(cached * 0.3675) + ceil(completion *
29.4)`` (GPT-5.2 prices +5%, 2,000,000 credits per USD; reproduces the docs' 7/13 -> 409)
and ``usd_spent = credits_used / 2_000_000``.

Streams
-------
The first chunk of each choice has ``delta: {role: "assistant", content: "", refusal:
null}`` (``content: null`` for tool calls; ``content: null, refusal: ""`` for refusals);
then content (or refusal) pieces of 4 tokens; tool calls
OpenAI-style (``{index, id, type, function: {name, arguments: ""}}`` then argument pieces
by ``index``); then an empty delta with ``finish_reason``. Choices are interleaved
round-robin. The pieces concatenate to the non-streaming content. aimlapi: every chunk has
``usage: null`` and a random ``obfuscation`` string, and a final usage chunk
(``choices: []``, with ``meta.usage``) is **always** sent. oxen: no extra fields; the usage
chunk (three counters; other chunks then carry ``usage: null``) only with
``stream_options.include_usage: true``.
"""

from __future__ import annotations

import json
import random
import string
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ._logic_text import (
    AUDIO_PART_TOKENS,
    FILE_PART_TOKENS,
    IMAGE_PART_TOKENS,
    REFUSAL_TEXT,
    REFUSE_MARKER,
    Conversation,
    NumberPool,
    asks_for_tool,
    best_word_match,
    count_tokens,
    covered_tools,
    has_content,
    json_object_reply,
    named_tools,
    numbers_in,
    read_content,
    read_conversation,
    schema_instance,
    text_reply,
    tokenize,
    tool_arguments,
    tool_name,
    tool_parameters,
    truncate_tokens,
)
from ._logic_validation import (
    AIMLAPI_MODEL,
    AIMLAPI_UPSTREAM_MODEL,
    OXEN_MAX_OUTPUT_TOKENS,
    OXEN_MODEL,
    Provider,
    RequestRejected,
    error_body,
    validate,
)

__all__ = [
    "AIMLAPI_MODEL",
    "AIMLAPI_UPSTREAM_MODEL",
    "OXEN_MODEL",
    "REASONING_TOKENS",
    "REFUSAL_TEXT",
    "REFUSE_MARKER",
    "Provider",
    "RequestRejected",
    "complete",
    "count_tokens",
    "credits_for",
    "error_body",
    "model_detail",
    "models_list",
    "stream_chunks",
    "usage_for",
    "validate",
]

REASONING_TOKENS = {"low": 32, "medium": 96, "high": 256}
CREDITS_PER_USD = 2_000_000
PIECE_TOKENS = 4

_RNG = random.Random()
_ALNUM = string.ascii_letters + string.digits


def _rand(length: int) -> str:
    return "".join(_RNG.choices(_ALNUM, k=length))


# --------------------------------------------------------------------------------------
# Planning the answer
# --------------------------------------------------------------------------------------


@dataclass
class _ToolCall:
    name: str
    arguments: str


@dataclass
class _Plan:
    content: str | None
    refusal: str | None
    tool_calls: list[_ToolCall] = field(default_factory=list)
    finish_reason: str = "stop"
    reasoning_tokens: int = 0

    def completion_tokens(self) -> int:
        total = self.reasoning_tokens
        if self.content:
            total += count_tokens(self.content)
        if self.refusal:
            total += count_tokens(self.refusal)
        for call in self.tool_calls:
            total += count_tokens(call.name) + count_tokens(call.arguments) + 4
        return total


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
    """The tool calls that may be made now, in order (see :func:`_tool_calls`)."""
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


def _tool_calls(body: dict[str, Any], conv: Conversation) -> list[_ToolCall]:
    """The tool calls of the answer (empty: answer in text).

    A tool of a group (not the first call of the answer) that runs out of numbers is
    deferred: it is called after the tool results, with those results as numbers.
    """
    tools = [t for t in body.get("tools") or [] if tool_name(t)]
    by_name = {tool_name(t): t for t in tools}
    reserved = set(by_name)
    context = _strip_names(conv.user.text, list(by_name))
    pools: dict[tuple[str, ...], NumberPool] = {}
    calls: list[_ToolCall] = []
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
        calls.append(_ToolCall(planned.name, arguments))
    return calls


def _structured_content(body: dict[str, Any], conv: Conversation) -> str | None:
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            schema = {"type": "object"}
        value = schema_instance(schema, conv.user.text)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if fmt.get("type") == "json_object":
        return json.dumps(json_object_reply(conv.user.text), ensure_ascii=False)
    return None


def _stop_list(provider: Provider, body: dict[str, Any]) -> list[str]:
    if provider != "oxen":
        return []  # AI/ML API strips the unknown ``stop`` property
    stop = body.get("stop")
    if isinstance(stop, str):
        return [stop] if stop else []
    if isinstance(stop, list):
        return [s for s in stop if isinstance(s, str) and s]
    return []


def _max_tokens(body: dict[str, Any]) -> int | None:
    value = body.get("max_tokens")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(int(value), 0)
    return None


def _plan(provider: Provider, body: dict[str, Any]) -> _Plan:
    messages = body.get("messages")
    conv = read_conversation(messages if isinstance(messages, list) else [])
    effort = body.get("reasoning_effort")
    reasoning = (
        REASONING_TOKENS.get(effort, 0) if provider == "aimlapi" and isinstance(effort, str) else 0
    )
    cap = _max_tokens(body)
    if provider == "oxen" and cap is None:
        cap = OXEN_MAX_OUTPUT_TOKENS
    if cap is not None and reasoning >= cap:
        return _Plan(content="", refusal=None, finish_reason="length", reasoning_tokens=cap)
    budget = None if cap is None else cap - reasoning

    if conv.last_role == "user" and REFUSE_MARKER in conv.user.text:
        return _Plan(content=None, refusal=REFUSAL_TEXT, reasoning_tokens=reasoning)

    tool_calls = _tool_calls(body, conv)
    if tool_calls:
        return _Plan(
            content=None,
            refusal=None,
            tool_calls=tool_calls,
            finish_reason="tool_calls",
            reasoning_tokens=reasoning,
        )

    content = _structured_content(body, conv)
    if content is None:
        content = text_reply(conv)
    finish = "stop"
    stops = _stop_list(provider, body)
    if stops:
        cut = min((i for i in (content.find(s) for s in stops) if i >= 0), default=-1)
        if cut >= 0:
            content = content[:cut]
    if budget is not None and count_tokens(content) > budget:
        content = truncate_tokens(content, budget)
        finish = "length"
    return _Plan(content=content, refusal=None, finish_reason=finish, reasoning_tokens=reasoning)


# --------------------------------------------------------------------------------------
# Usage and cost
# --------------------------------------------------------------------------------------


def prompt_tokens(body: dict[str, Any]) -> int:
    """Prompt tokens of a request (see the module docstring)."""
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
    """Emulated prompt-cache hits: the longest ``1024 + 128*k`` prefix below ``prompt``."""
    if prompt <= 1024:
        return 0
    return 1024 + ((prompt - 1025) // 128) * 128


def credits_for(prompt: int, cached: int, completion: int) -> int:
    """AI/ML API credits for a request (exact integer arithmetic, see module docstring)."""
    uncached = prompt - cached
    return (
        (uncached * 3675 + 999) // 1000
        + (cached * 3675 + 9999) // 10000
        + (completion * 294 + 9) // 10
    )


def usage_for(provider: Provider, prompt: int, completion: int, reasoning: int) -> dict[str, Any]:
    """The ``usage`` object of a response."""
    if provider == "oxen":
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached_tokens_for(prompt), "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _meta(usage: dict[str, Any]) -> dict[str, Any]:
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    credits = credits_for(usage["prompt_tokens"], cached, usage["completion_tokens"])
    return {"usage": {"credits_used": credits, "usd_spent": round(credits / CREDITS_PER_USD, 8)}}


# --------------------------------------------------------------------------------------
# Logprobs
# --------------------------------------------------------------------------------------

_ALTERNATIVES = (" the", ",", ".", " a", " and", " to", " I", " is", " of", "!", " you")


def _logprob_entries(tokens: list[str], start: int, top: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for offset, token in enumerate(tokens):
        i = start + offset
        logprob = -round(((i * 37) % 97) / 1000 + 0.0001, 6)
        tops: list[dict[str, Any]] = []
        if top > 0:
            tops.append({"token": token, "logprob": logprob, "bytes": list(token.encode())})
            alts = (a for a in _ALTERNATIVES if a != token)
            for j, alt in zip(range(1, top), alts, strict=False):
                alt_lp = round(logprob - 1.5 * j, 6)
                tops.append({"token": alt, "logprob": alt_lp, "bytes": list(alt.encode())})
        entries.append(
            {
                "token": token,
                "logprob": logprob,
                "bytes": list(token.encode()),
                "top_logprobs": tops,
            }
        )
    return entries


def _wants_logprobs(body: dict[str, Any]) -> tuple[bool, int]:
    top = body.get("top_logprobs")
    return body.get("logprobs") is True, int(top) if isinstance(top, (int, float)) else 0


# --------------------------------------------------------------------------------------
# Non-streaming
# --------------------------------------------------------------------------------------


def _completion_id(provider: Provider) -> str:
    return f"chatcmpl-{uuid.uuid4()}" if provider == "oxen" else f"chatcmpl-{_rand(29)}"


def _call_id() -> str:
    return f"call_{_rand(24)}"


def complete(provider: Provider, body: dict[str, Any]) -> dict[str, Any]:
    """Non-streaming ``chat.completion`` response JSON (``body`` already validated)."""
    plan = _plan(provider, body)
    n = body.get("n")
    count = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
    want_lp, top = _wants_logprobs(body)
    choices: list[dict[str, Any]] = []
    for index in range(count):
        message: dict[str, Any] = {"role": "assistant", "content": plan.content}
        if provider == "aimlapi":
            message["refusal"] = plan.refusal
            message["annotations"] = []
        elif plan.refusal is not None:
            message["refusal"] = plan.refusal
        if plan.tool_calls:
            calls: list[dict[str, Any]] = []
            for call_index, call in enumerate(plan.tool_calls):
                entry: dict[str, Any] = {
                    "id": _call_id(),
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                if provider == "oxen":
                    entry["index"] = call_index
                calls.append(entry)
            message["tool_calls"] = calls
        choice: dict[str, Any] = {
            "index": index,
            "message": message,
            "finish_reason": plan.finish_reason,
        }
        if want_lp:
            choice["logprobs"] = _choice_logprobs(plan, top)
        choices.append(choice)
    prompt = prompt_tokens(body)
    usage = usage_for(
        provider, prompt, plan.completion_tokens() * count, plan.reasoning_tokens * count
    )
    response: dict[str, Any] = {
        "id": _completion_id(provider),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": AIMLAPI_UPSTREAM_MODEL if provider == "aimlapi" else OXEN_MODEL,
        "choices": choices,
        "usage": usage,
    }
    if provider == "aimlapi":
        response["service_tier"] = "default"
        response["system_fingerprint"] = None
        response["meta"] = _meta(usage)
    return response


def _choice_logprobs(plan: _Plan, top: int) -> dict[str, Any]:
    if plan.refusal is not None:
        return {"content": None, "refusal": _logprob_entries(tokenize(plan.refusal), 0, top)}
    if plan.content is None:
        return {"content": None, "refusal": None}
    return {"content": _logprob_entries(tokenize(plan.content), 0, top), "refusal": None}


# --------------------------------------------------------------------------------------
# Streaming
# --------------------------------------------------------------------------------------


def _pieces(text: str) -> list[tuple[str, list[str]]]:
    tokens = tokenize(text)
    return [
        ("".join(tokens[i : i + PIECE_TOKENS]), tokens[i : i + PIECE_TOKENS])
        for i in range(0, len(tokens), PIECE_TOKENS)
    ]


def _choice_events(
    plan: _Plan, index: int, want_lp: bool, top: int
) -> list[tuple[dict[str, Any], dict[str, Any] | None, str | None]]:
    """(delta, logprobs, finish_reason) for one choice, in order."""
    events: list[tuple[dict[str, Any], dict[str, Any] | None, str | None]] = []
    if plan.refusal is not None:
        events.append(({"role": "assistant", "content": None, "refusal": ""}, None, None))
        position = 0
        for piece, tokens in _pieces(plan.refusal):
            lp = (
                {"content": None, "refusal": _logprob_entries(tokens, position, top)}
                if want_lp
                else None
            )
            events.append(({"refusal": piece}, lp, None))
            position += len(tokens)
    elif plan.tool_calls:
        events.append(({"role": "assistant", "content": None, "refusal": None}, None, None))
        for call_index, call in enumerate(plan.tool_calls):
            head = {
                "index": call_index,
                "id": _call_id(),
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            events.append(({"tool_calls": [head]}, None, None))
            for piece, _tokens in _pieces(call.arguments):
                arg_delta = {"index": call_index, "function": {"arguments": piece}}
                events.append(({"tool_calls": [arg_delta]}, None, None))
    else:
        events.append(({"role": "assistant", "content": "", "refusal": None}, None, None))
        position = 0
        for piece, tokens in _pieces(plan.content or ""):
            lp = (
                {"content": _logprob_entries(tokens, position, top), "refusal": None}
                if want_lp
                else None
            )
            events.append(({"content": piece}, lp, None))
            position += len(tokens)
    events.append(({}, None, plan.finish_reason))
    del index
    return events


def stream_chunks(provider: Provider, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` dicts of a streamed answer, in order."""
    plan = _plan(provider, body)
    n = body.get("n")
    count = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
    want_lp, top = _wants_logprobs(body)
    completion_id = _completion_id(provider)
    created = int(time.time())
    model = AIMLAPI_UPSTREAM_MODEL if provider == "aimlapi" else OXEN_MODEL
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    per_choice = [_choice_events(plan, i, want_lp, top) for i in range(count)]

    def envelope(choices: list[dict[str, Any]]) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
        }
        if provider == "aimlapi":
            chunk["service_tier"] = "default"
            chunk["system_fingerprint"] = None
        chunk["choices"] = choices
        if provider == "aimlapi":
            chunk["usage"] = None
            chunk["obfuscation"] = _rand(_RNG.randint(2, 12))
        elif include_usage:
            chunk["usage"] = None
        return chunk

    chunks: list[dict[str, Any]] = []
    longest = max(len(events) for events in per_choice)
    for step in range(longest):
        for index, events in enumerate(per_choice):
            if step >= len(events):
                continue
            delta, logprobs, finish = events[step]
            choice: dict[str, Any] = {"index": index, "delta": delta}
            if provider == "aimlapi" or want_lp:
                choice["logprobs"] = logprobs
            choice["finish_reason"] = finish
            chunks.append(envelope([choice]))

    if provider == "aimlapi" or include_usage:
        prompt = prompt_tokens(body)
        usage = usage_for(
            provider, prompt, plan.completion_tokens() * count, plan.reasoning_tokens * count
        )
        final = envelope([])
        final["usage"] = usage
        if provider == "aimlapi":
            final["meta"] = _meta(usage)
        chunks.append(final)
    return chunks


# --------------------------------------------------------------------------------------
# Oxen model endpoints
# --------------------------------------------------------------------------------------


def _oxen_request_schema() -> dict[str, Any]:
    number = {"type": "number"}
    return {
        "type": "object",
        "required": ["model", "messages"],
        "properties": {
            "model": {"type": "string", "enum": [OXEN_MODEL]},
            "messages": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["role"],
                    "properties": {
                        "role": {"type": "string", "enum": ["system", "user", "assistant", "tool"]},
                        "content": {
                            "anyOf": [{"type": "string"}, {"type": "array"}, {"type": "null"}]
                        },
                        "name": {"type": "string"},
                        "tool_calls": {"type": "array"},
                        "tool_call_id": {"type": "string"},
                    },
                },
            },
            "stream": {"type": "boolean", "default": False},
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": OXEN_MAX_OUTPUT_TOKENS},
            "temperature": {**number, "minimum": 0, "maximum": 2, "default": 1},
            "top_p": {**number, "minimum": 0, "maximum": 1, "default": 1},
            "frequency_penalty": {**number, "minimum": -2, "maximum": 2, "default": 0},
            "presence_penalty": {**number, "minimum": -2, "maximum": 2, "default": 0},
            "tools": {"type": "array", "items": {"type": "object"}},
            "tool_choice": {
                "anyOf": [
                    {"type": "string", "enum": ["none", "auto", "required"]},
                    {"type": "object"},
                ]
            },
            "parallel_tool_calls": {"type": "boolean"},
            "response_format": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["text", "json_object", "json_schema"]}
                },
            },
        },
    }


def _oxen_model() -> dict[str, Any]:
    return {
        "id": OXEN_MODEL,
        "object": "model",
        "display_name": "GPT 5.2 Chat",
        "description": "GPT-5.2 chat model for ChatGPT",
        "owned_by": "openai",
        "developer": "OpenAI",
        "context_length": 128000,
        "max_output_tokens": OXEN_MAX_OUTPUT_TOKENS,
        "capabilities": {"input": ["text", "image"], "output": ["text"]},
        "supports": {
            "streaming": True,
            "function_calling": True,
            "structured_outputs": True,
        },
        "pricing": {
            "currency": "USD",
            "unit": "1M tokens",
            "input": 1.75,
            "cached_input": 0.175,
            "output": 14.0,
        },
        "json_request_schema": _oxen_request_schema(),
    }


def models_list() -> dict[str, Any]:
    """Oxen ``GET /api/ai/models``."""
    return {"object": "list", "data": [_oxen_model()]}


def model_detail(model_id: str) -> dict[str, Any] | None:
    """Oxen ``GET /api/ai/models/{id}``; ``None`` means 404."""
    return _oxen_model() if model_id == OXEN_MODEL else None
