"""Pure wire-format functions: LangChain messages + params -> request body; response -> message.

Sync and async code paths share every function here; only the transport does I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.block_translators import openai as openai_blocks
from langchain_core.messages.block_translators import register_translator
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.messages.utils import convert_to_openai_messages
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_gpt52.errors import APIResponseValidationError, ErrorSource, error_in_body

if TYPE_CHECKING:
    from langchain_gpt52.providers import Provider

REASONING_PROVIDER = "langchain_gpt52"
"""`model_provider` of a message that carries reasoning text: its `content_blocks` are the
OpenAI ones with a `reasoning` block first."""


def _reasoning_first(message: AIMessage, blocks: list[Any]) -> list[Any]:
    reasoning = message.additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        return [{"type": "reasoning", "reasoning": reasoning}, *blocks]
    return blocks


def _translate(message: AIMessage) -> list[Any]:
    return _reasoning_first(message, openai_blocks.translate_content(message))


def _translate_chunk(message: AIMessageChunk) -> list[Any]:
    return _reasoning_first(message, openai_blocks.translate_content_chunk(message))


register_translator(REASONING_PROVIDER, _translate, _translate_chunk)

__all__ = [
    "build_body",
    "chunk_to_generation",
    "format_messages",
    "format_tools",
    "parse_completion",
    "tool_choice",
    "usage_to_metadata",
]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
_USER_PARTS = frozenset({"text", "image_url", "file", "input_audio", "video_url", "audio_url"})
_TEXT_ONLY_PARTS = frozenset({"text", "refusal"})
_ASSISTANT_DROPPED_PARTS = frozenset(
    {
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "tool_use",
        "reasoning",
        "thinking",
        "redacted_thinking",
    }
)
_KNOWN_MESSAGE_TYPES = (HumanMessage, AIMessage, SystemMessage, ToolMessage, ChatMessage)


def _bad(index: int, problem: str) -> ValueError:
    return ValueError(f"messages[{index}]: {problem}")


def format_messages(
    messages: Sequence[BaseMessage],
    *,
    system_role: str = "system",
    allow_developer: bool = True,
    provider: str = "this provider",
    user_parts: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """LangChain messages -> Chat Completions `messages`, checked for what the API accepts.

    Standard content blocks (image/file by URL or base64), OpenAI parts and Anthropic-style
    blocks are converted by `langchain_core`'s `convert_to_openai_messages`; anything it
    cannot map (an unknown role, content part or message type) raises `ValueError` naming the
    message, instead of being sent or dropped. `user_parts` narrows the part types a user message
    may carry to those the provider's schema takes.
    """
    if not messages:
        raise ValueError("messages must not be empty: pass at least one message")
    for i, msg in enumerate(messages):
        if isinstance(msg, FunctionMessage) or not isinstance(msg, _KNOWN_MESSAGE_TYPES):
            raise _bad(
                i,
                f"unsupported message type {type(msg).__name__}; use SystemMessage, "
                "HumanMessage, AIMessage or ToolMessage",
            )
    plain = _plain_messages(messages, system_role)
    if plain is not None and (allow_developer or system_role != "developer"):
        return plain
    wire: list[dict[str, Any]] = convert_to_openai_messages(list(messages))
    call_ids: set[Any] = set()
    for i, (msg, out) in enumerate(zip(messages, wire, strict=True)):
        role = out.get("role")
        if role == "system":
            if msg.additional_kwargs.get("__openai_role__") == "developer":
                role = "developer"
            elif system_role != "system":
                role = system_role
            out["role"] = role
        if role not in _ROLES:
            raise _bad(i, f"unsupported role {role!r}; expected one of {sorted(_ROLES)}")
        if role == "developer" and not allow_developer:
            raise _bad(
                i,
                f"{provider} does not accept the 'developer' role; send a SystemMessage instead",
            )
        content = out.get("content")
        if role == "assistant" and isinstance(content, list):
            content = _replayable_assistant_parts(content, has_calls=bool(out.get("tool_calls")))
            out["content"] = content
        if isinstance(content, list):
            allowed = _USER_PARTS if role == "user" else _TEXT_ONLY_PARTS
            for j, part in enumerate(content):
                kind = part.get("type") if isinstance(part, Mapping) else None
                if kind not in allowed:
                    raise _bad(
                        i,
                        f"content[{j}]: content part of type {kind!r} is not supported in a "
                        f"{role!r} message; supported: {sorted(allowed)}",
                    )
                if role == "user" and user_parts is not None and kind not in user_parts:
                    raise _bad(
                        i,
                        f"content[{j}]: {provider}'s request schema does not take a part of type "
                        f"{kind!r} in a user message; it takes {', '.join(sorted(user_parts))}: "
                        "remove the part or use another provider",
                    )
        if isinstance(msg, AIMessage) and msg.invalid_tool_calls:
            # Keep the ids that following ToolMessages answer, with the raw arguments.
            calls = out.setdefault("tool_calls", [])
            for bad in msg.invalid_tool_calls:
                calls.append(
                    {
                        "type": "function",
                        "id": bad.get("id"),
                        "function": {
                            "name": bad.get("name") or "",
                            "arguments": bad.get("args") or "",
                        },
                    }
                )
        if role == "assistant" and out.get("tool_calls") and not out.get("content"):
            out["content"] = None
        if role == "assistant":
            call_ids.update(call.get("id") for call in out.get("tool_calls") or [])
        elif role == "tool" and out.get("tool_call_id") not in call_ids:
            raise _bad(
                i,
                f"ToolMessage tool_call_id {out.get('tool_call_id')!r} answers no tool call of an "
                "earlier AIMessage; use the id of the call it answers",
            )
        if isinstance(content, list):
            _check_data_urls(i, content)
    return wire


_PLAIN_ROLES: dict[type, str] = {
    SystemMessage: "system",
    HumanMessage: "user",
    AIMessage: "assistant",
}
_BASE64 = re.compile(r"[A-Za-z0-9+/\s]*={0,2}\s*")
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+)?(;[\w-]+=[^;,]*)*;base64,(.*)", re.DOTALL)


def _plain_messages(
    messages: Sequence[BaseMessage], system_role: str
) -> list[dict[str, Any]] | None:
    """The wire messages when every message is a plain System/Human/AI string message (the
    common case, sent without the general converter); None otherwise."""
    wire = []
    for msg in messages:
        role = _PLAIN_ROLES.get(type(msg))
        if (
            role is None
            or not isinstance(msg.content, str)
            or msg.additional_kwargs
            or msg.name is not None
            or (isinstance(msg, AIMessage) and (msg.tool_calls or msg.invalid_tool_calls))
        ):
            return None
        if role == "system":
            role = system_role
        wire.append({"role": role, "content": msg.content})
    return wire


def _check_data_urls(index: int, parts: list[Any]) -> None:
    """Refuse an image part whose `data:` URL is not valid base64 (the provider would 400)."""
    for part in parts:
        if not isinstance(part, Mapping) or part.get("type") != "image_url":
            continue
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if not isinstance(url, str) or not url.startswith("data:"):
            continue
        match = _DATA_URL.fullmatch(url)
        data = match.group(3) if match else None
        if not data or not _BASE64.fullmatch(data) or len("".join(data.split())) % 4:
            raise _bad(
                index,
                "image data URL is malformed: use 'data:<mime type>;base64,<base64 data>' "
                "with valid base64",
            )


def _replayable_assistant_parts(parts: list[Any], *, has_calls: bool) -> list[Any] | str | None:
    """An assistant's content parts as Chat Completions takes them back in a history.

    Blocks that repeat what `tool_calls` already carries (LangChain v1 `tool_call` blocks,
    Anthropic `tool_use`) and reasoning that cannot be replayed through Chat Completions
    (`reasoning`, Anthropic `thinking`) are dropped, as `langchain-openai` does; text
    parts keep only `type` and `text` (v1 blocks add `id`/`annotations`).
    """
    kept: list[Any] = []
    for part in parts:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in _ASSISTANT_DROPPED_PARTS:
            continue
        if kind == "text" and isinstance(part.get("text"), str):
            part = {"type": "text", "text": part["text"]}
        kept.append(part)
    if kept:
        return kept
    return None if has_calls else ""


def build_body(
    wire_messages: list[dict[str, Any]],
    params: Mapping[str, Any],
    *,
    stream: bool,
    stream_usage: bool,
) -> dict[str, Any]:
    """The request body: `params` (already merged and checked) + messages + stream flags."""
    body: dict[str, Any] = {"messages": wire_messages}
    for key, value in params.items():
        if value is not None:
            body[key] = value
    if stream:
        body["stream"] = True
        if stream_usage and "stream_options" not in body:
            body["stream_options"] = {"include_usage": True}
    else:
        body.pop("stream", None)
        body.pop("stream_options", None)
    return body


def usage_to_metadata(usage: Any) -> UsageMetadata | None:
    """OpenAI `usage` -> LangChain `UsageMetadata` (None when absent or unreadable)."""
    if not isinstance(usage, Mapping):
        return None
    inp = usage.get("prompt_tokens")
    out = usage.get("completion_tokens")
    if not isinstance(inp, int) and not isinstance(out, int):
        return None
    inp = inp if isinstance(inp, int) else 0
    out = out if isinstance(out, int) else 0
    total = usage.get("total_tokens")
    idet = InputTokenDetails()
    pdet = usage.get("prompt_tokens_details")
    if isinstance(pdet, Mapping):
        if isinstance(pdet.get("cached_tokens"), int):
            idet["cache_read"] = pdet["cached_tokens"]
        if isinstance(pdet.get("audio_tokens"), int):
            idet["audio"] = pdet["audio_tokens"]
    odet = OutputTokenDetails()
    cdet = usage.get("completion_tokens_details")
    if isinstance(cdet, Mapping):
        if isinstance(cdet.get("reasoning_tokens"), int):
            odet["reasoning"] = cdet["reasoning_tokens"]
        if isinstance(cdet.get("audio_tokens"), int):
            odet["audio"] = cdet["audio_tokens"]
    # Both detail keys are always present (empty when the provider sent none), as in
    # langchain-openai; a literal with every key also type-checks on all mypy versions.
    meta = UsageMetadata(
        input_tokens=inp,
        output_tokens=out,
        total_tokens=total if isinstance(total, int) else inp + out,
        input_token_details=idet,
        output_token_details=odet,
    )
    return meta


def _body_cost(data: Mapping[str, Any], provider: Provider | None) -> dict[str, Any]:
    """The cost the provider reports in a body or final chunk (its descriptor's reader)."""
    return provider.body_cost(data) if provider is not None else {}


def _source(provider: Provider | None) -> ErrorSource | str:
    return provider if provider is not None else "the provider"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _as_text(value: Any) -> str:
    """A provider string field that came with another JSON type, as text."""
    return value if isinstance(value, str) else json.dumps(value)


def _content(value: Any) -> str | list[Any]:
    """Message/delta `content` as LangChain takes it: a string or a list of str/dict parts."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if all(isinstance(part, (str, Mapping)) for part in value):
            return [part if isinstance(part, str) else dict(part) for part in value]
        raise APIResponseValidationError(
            "message content is a list with parts that are neither text nor objects", body=value
        )
    return _as_text(value)


def _response_metadata(data: Mapping[str, Any], cost: Mapping[str, Any]) -> dict[str, Any]:
    md: dict[str, Any] = {"model_provider": "openai"}
    for src, dst in (
        ("model", "model_name"),
        ("id", "id"),
        ("system_fingerprint", "system_fingerprint"),
        ("service_tier", "service_tier"),
        ("created", "created"),
    ):
        value = data.get(src)
        if isinstance(value, str) or (src == "created" and _is_number(value)):
            md[dst] = value
    md.update(cost)
    return md


def parse_tool_calls(raw: Any) -> tuple[list[Any], list[Any]]:
    """Raw `tool_calls` -> (valid tool calls, invalid ones with the reason)."""
    calls: list[Any] = []
    invalid: list[Any] = []
    if not isinstance(raw, list):
        return calls, invalid
    for item in raw:
        fn = item.get("function") if isinstance(item, Mapping) else None
        if not isinstance(fn, Mapping):
            invalid.append(_unsupported_tool_call(item))
            continue
        name = fn.get("name") or ""
        args = fn.get("arguments")
        call_id = _str_or_none(item.get("id"))
        if not name:
            invalid.append(
                invalid_tool_call(
                    name=None,
                    args=args if args is None or isinstance(args, str) else json.dumps(args),
                    id=call_id,
                    error="tool call has no function name",
                )
            )
            continue
        if not isinstance(name, str):
            invalid.append(
                invalid_tool_call(
                    name=None,
                    args=args if args is None or isinstance(args, str) else json.dumps(args),
                    id=call_id,
                    error=f"tool name must be a string, got {type(name).__name__}",
                )
            )
            continue
        args_ok, parsed, error = _parse_args(args)
        if args_ok:
            calls.append(tool_call(name=name, args=parsed, id=call_id))
        else:
            raw_args = args if isinstance(args, str) else json.dumps(args)
            invalid.append(invalid_tool_call(name=name, args=raw_args, id=call_id, error=error))
    return calls, invalid


def _unsupported_tool_call(item: Any) -> Any:
    """A tool call without a `function` object (`type: "custom"`, say) as an invalid call,
    so it is reported instead of silently dropped."""
    if not isinstance(item, Mapping):
        return invalid_tool_call(
            name=None,
            args=None,
            id=None,
            error=f"tool call is not an object: {type(item).__name__}",
        )
    kind = item.get("type")
    body = item.get(kind) if isinstance(kind, str) else None
    name = body.get("name") if isinstance(body, Mapping) else None
    args = None
    if isinstance(body, Mapping):
        raw_args = body.get("input", body.get("arguments"))
        args = raw_args if raw_args is None or isinstance(raw_args, str) else _as_text(raw_args)
    if kind in (None, "function"):
        error = "tool call has no 'function' object"
    else:
        error = (
            f"tool calls of type {_as_text(kind)!r} are not supported (only 'function' tool "
            "calls are)"
        )
    return invalid_tool_call(
        name=_str_or_none(name), args=args, id=_str_or_none(item.get("id")), error=error
    )


def _parse_args(args: Any) -> tuple[bool, dict[str, Any], str | None]:
    if args is None or args == "":
        return True, {}, None
    if isinstance(args, Mapping):
        return True, dict(args), None
    if not isinstance(args, str):
        return False, {}, f"arguments must be a JSON string, got {type(args).__name__}"
    try:
        parsed = json.loads(args)
    except ValueError as exc:
        return False, {}, f"arguments are not valid JSON: {exc}"
    if not isinstance(parsed, dict):
        return False, {}, f"arguments must be a JSON object, got {type(parsed).__name__}"
    return True, parsed, None


def _message_from_choice(choice: Mapping[str, Any]) -> AIMessage:
    msg = choice.get("message")
    if not isinstance(msg, Mapping):
        raise APIResponseValidationError(
            "chat completion choice has no 'message' object", body=dict(choice)
        )
    content = _content(msg.get("content"))
    extra: dict[str, Any] = {}
    if msg.get("refusal"):
        extra["refusal"] = _as_text(msg["refusal"])
    reasoning = msg.get("reasoning_content") or msg.get("reasoning")
    if reasoning:
        extra["reasoning_content"] = _as_text(reasoning)
    if msg.get("annotations"):
        extra["annotations"] = msg["annotations"]
    if msg.get("audio"):
        extra["audio"] = msg["audio"]
    calls, invalid = parse_tool_calls(msg.get("tool_calls"))
    try:
        return AIMessage(
            content=content,
            additional_kwargs=extra,
            tool_calls=calls,
            invalid_tool_calls=invalid,
        )
    except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise APIResponseValidationError(
            f"chat completion message is malformed: {str(exc).splitlines()[0]}", body=dict(msg)
        ) from None


def parse_completion(
    data: Any,
    extra_metadata: Mapping[str, Any] | None = None,
    provider: Provider | None = None,
) -> ChatResult:
    """A `chat.completion` body -> `ChatResult` (one generation per choice).

    Raises `APIResponseValidationError` for a body that is not a completion (no `choices`,
    an empty list, `choices: null`, an error object sent with status 200). `provider` (its
    descriptor) reads the cost in the body and the shape of an error object.
    """
    if not isinstance(data, Mapping):
        raise APIResponseValidationError(
            f"expected a JSON object from chat/completions, got {type(data).__name__}", body=data
        )
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        # The transport raises these first, with the provider's name and the request id.
        err = error_in_body(data, provider=_source(provider), where="instead of a completion")
        if err is not None:
            raise err
        raise APIResponseValidationError(
            f"chat completion has no choices (choices={choices!r})", body=data
        )
    base_md = _response_metadata(data, _body_cost(data, provider))
    if extra_metadata:
        for key, value in extra_metadata.items():
            base_md.setdefault(key, value)
    usage = usage_to_metadata(data.get("usage"))
    generations = []
    for choice in choices:
        if not isinstance(choice, Mapping):
            raise APIResponseValidationError("chat completion choice is not an object", body=data)
        message = _message_from_choice(choice)
        md = dict(base_md)
        info: dict[str, Any] = {}
        if choice.get("finish_reason") is not None:
            md["finish_reason"] = info["finish_reason"] = choice["finish_reason"]
        if choice.get("logprobs") is not None:
            md["logprobs"] = info["logprobs"] = choice["logprobs"]
        if "reasoning_content" in message.additional_kwargs:
            md["model_provider"] = REASONING_PROVIDER
        message.response_metadata = md
        if usage is not None:
            message.usage_metadata = usage
        generations.append(ChatGeneration(message=message, generation_info=info or None))
    llm_output = {
        "model_name": base_md.get("model_name"),
        "id": data.get("id"),
        "token_usage": data.get("usage"),
        "system_fingerprint": data.get("system_fingerprint"),
    }
    return ChatResult(generations=generations, llm_output=llm_output)


def chunk_to_generation(data: Any, provider: Provider | None = None) -> ChatGenerationChunk | None:
    """One `chat.completion.chunk` -> a generation chunk (None for a chunk with nothing in it).

    Tolerates `usage: null` on every chunk, a usage chunk with `choices: []` (asked for or
    not), empty-choices chunks after it, `obfuscation` and other unknown fields, and
    the provider's cost on the last chunk (read by `provider`, its descriptor). Only the first
    choice is streamed.
    """
    text = plain_text(data)
    if text is not None:
        return ChatGenerationChunk(message=AIMessageChunk(content=text))
    if not isinstance(data, Mapping):
        raise APIResponseValidationError(
            f"stream chunk is not a JSON object: {type(data).__name__}", body=data
        )
    if not data.get("choices"):
        # The transport raises these first, with the provider's name and the request id.
        err = error_in_body(data, provider=_source(provider), where="mid-stream")
        if err is not None:
            raise err
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    usage = usage_to_metadata(data.get("usage"))
    cost = _body_cost(data, provider)
    if choice is None and usage is None and not cost:
        return None
    content: Any = ""
    extra: dict[str, Any] = {}
    tcc: list[Any] = []
    md: dict[str, Any] = {}
    info: dict[str, Any] | None = None
    if isinstance(choice, Mapping):
        delta = choice.get("delta")
        if isinstance(delta, Mapping):
            if delta.get("content"):
                content = _content(delta["content"])
            if delta.get("refusal"):
                extra["refusal"] = _as_text(delta["refusal"])
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if reasoning:
                extra["reasoning_content"] = _as_text(reasoning)
            raw_calls = delta.get("tool_calls")
            if isinstance(raw_calls, list):
                for pos, raw in enumerate(raw_calls):
                    if not isinstance(raw, Mapping):
                        continue
                    fn_raw = raw.get("function")
                    fn: Mapping[str, Any] = fn_raw if isinstance(fn_raw, Mapping) else {}
                    args = fn.get("arguments")
                    index = raw.get("index", pos)
                    tcc.append(
                        tool_call_chunk(
                            name=_str_or_none(fn.get("name")),
                            args=None if args is None else _as_text(args),
                            id=_str_or_none(raw.get("id")),
                            index=index if type(index) is int else pos,
                        )
                    )
        finish = choice.get("finish_reason")
        if finish is not None:
            finish = _as_text(finish)
            md = _response_metadata(data, cost)
            md["finish_reason"] = finish
            info = {"finish_reason": finish}
        if isinstance(choice.get("logprobs"), Mapping):
            info = {**(info or {}), "logprobs": choice["logprobs"]}
    if not md and (usage is not None or cost):
        # The usage chunk after the finish chunk: only what the finish chunk did not carry
        # (string metadata repeated on two chunks would be concatenated when merged).
        md = {"model_provider": "openai", **cost}
    try:
        # Only the fields that are set (the rest keep their defaults): pydantic validates each
        # keyword passed, and this runs once per streamed chunk.
        fields: dict[str, Any] = {"content": content}
        if extra:
            fields["additional_kwargs"] = extra
        if tcc:
            fields["tool_call_chunks"] = tcc
        if md:
            fields["response_metadata"] = md
        if usage is not None:
            fields["usage_metadata"] = usage
        message = AIMessageChunk(**fields)
    except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise APIResponseValidationError(
            f"stream chunk is malformed: {str(exc).splitlines()[0]}", body=data
        ) from None
    return ChatGenerationChunk(message=message, generation_info=info)


_PLAIN_CHUNK_KEYS = frozenset(
    {"id", "object", "created", "model", "system_fingerprint", "service_tier", "choices", "usage"}
    | {"obfuscation"}
)
_PLAIN_CHOICE_KEYS = frozenset({"index", "delta", "finish_reason", "logprobs"})


def plain_text(data: Any) -> str | None:
    """The text of the usual stream chunk, or None for any other.

    The usual chunk: only the fields above (no usage, no provider cost), one choice without a
    finish reason or logprobs, whose delta holds text (or a role) and nothing else. Its
    generation chunk is the text alone, which `chunk_to_generation` builds directly.
    """
    if type(data) is not dict or not data.keys() <= _PLAIN_CHUNK_KEYS:
        return None
    choices = data.get("choices")
    if data.get("usage") is not None or type(choices) is not list or len(choices) != 1:
        return None
    choice = choices[0]
    if type(choice) is not dict or not choice.keys() <= _PLAIN_CHOICE_KEYS:
        return None
    delta = choice.get("delta")
    if choice.get("finish_reason") is not None or choice.get("logprobs") is not None:
        return None
    if type(delta) is not dict:
        return None
    text = None
    for key, value in delta.items():
        if key == "content":
            text = value
        elif key != "role" and value is not None:
            return None
    if text is None:
        return ""
    return text if type(text) is str else None


def strict_tool_calls(message: AIMessage) -> AIMessage:
    """Move tool calls whose raw streamed arguments are not valid JSON to `invalid_tool_calls`.

    `langchain_core` repairs partial JSON when it merges stream chunks (a call cut by
    `max_tokens` would look whole); re-parse the raw strings strictly instead.
    """
    chunks = getattr(message, "tool_call_chunks", None)
    if not chunks:
        return message
    valid: list[Any] = []
    invalid: list[Any] = []
    for chunk in chunks:
        ok, parsed, error = _parse_args(chunk.get("args"))
        if not chunk.get("name"):
            ok, error = False, "tool call has no function name"
        if ok:
            valid.append(tool_call(name=chunk.get("name") or "", args=parsed, id=chunk.get("id")))
        else:
            invalid.append(
                invalid_tool_call(
                    name=chunk.get("name"), args=chunk.get("args"), id=chunk.get("id"), error=error
                )
            )
    return message.model_copy(update={"tool_calls": valid, "invalid_tool_calls": invalid})


_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def format_tools(tools: Sequence[Any], *, strict: bool | None) -> tuple[list[Any], list[str]]:
    """Tools (pydantic models, functions, `BaseTool`s, dicts) -> (wire `tools`, names)."""
    formatted = []
    for i, tool in enumerate(tools):
        try:
            formatted.append(convert_to_openai_tool(tool, strict=strict))
        except Exception as exc:
            raise ValueError(f"tools[{i}] is not a valid tool ({exc})") from exc
    names: list[str] = []
    for i, formatted_tool in enumerate(formatted):
        if formatted_tool.get("type") != "function":
            continue
        fn = formatted_tool.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else None
        if not isinstance(name, str) or not _TOOL_NAME.fullmatch(name):
            raise ValueError(
                f"tool name {name!r} must be 1-64 characters of letters, digits, '_' or '-'"
            )
        params = fn.get("parameters") if isinstance(fn, Mapping) else None
        if params is None and isinstance(fn, dict):
            # AI/ML API's schema requires `parameters`; a no-argument tool has none.
            fn["parameters"] = params = {"type": "object", "properties": {}}
        if params is not None and not (
            isinstance(params, Mapping) and params.get("type", "object") == "object"
        ):
            raise ValueError(
                f"tools[{i}] ({name}): parameters must be a JSON schema of type 'object', "
                f"got {params!r}"
            )
        names.append(name)
    return formatted, names


def tool_choice(choice: dict[str, Any] | str | bool, names: list[str]) -> dict[str, Any] | str:
    """A LangChain `tool_choice` (name, `"any"`, bool, dict) -> the wire value."""
    if isinstance(choice, dict):
        return choice
    if choice is True or choice in ("any", "required"):
        return "required"
    if choice is False:
        return "none"
    if choice in ("auto", "none"):
        return choice
    if isinstance(choice, str):
        if choice not in names:
            raise ValueError(f"tool_choice {choice!r} is not one of the bound tools {names}")
        return {"type": "function", "function": {"name": choice}}
    raise ValueError(f"unsupported tool_choice {choice!r}")
