"""Pure wire functions for OpenAI's Responses API (`POST /responses`).

Requests: the Chat Completions messages `_wire.format_messages` builds (and checks) become
`input` items, the parameters their Responses fields. Answers: a `response` object, or the
events of a Responses stream, become the `chat.completion` / `chat.completion.chunk` shapes
that `_wire.parse_completion` and the stream assembler read, so one parser builds every
`AIMessage`: text, tool calls, reasoning summaries (a `reasoning` content block), usage, cost,
and `finish_reason` (`"length"` for a response cut by `max_output_tokens`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from langchain_gpt52.errors import (
    APIConnectionError,
    APIResponseValidationError,
    ErrorSource,
    error_in_body,
    error_source,
    request_id_from_headers,
)
from langchain_gpt52.providers._openai_schema import RESPONSES_MIN_OUTPUT_TOKENS

__all__ = [
    "EventReader",
    "achat_chunks",
    "as_completion",
    "build_body",
    "chat_chunks",
    "format_input",
    "format_text",
    "format_tool_choice",
    "format_tools",
    "unsendable",
    "usage_as_chat",
]

_NOT_ON_RESPONSES = {
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "logprobs": "logprobs",
    "top_logprobs": "top_logprobs",
    "stream_options": "stream_options (usage always comes with the response)",
}
_NESTED = {
    "reasoning_effort": ("reasoning", "effort"),
    "reasoning_summary": ("reasoning", "summary"),
    "verbosity": ("text", "verbosity"),
}
_HANDLED = frozenset({"max_tokens", "tools", "tool_choice", "response_format", "n", "model"})


def unsendable(params: Mapping[str, Any]) -> str | None:
    """Why `params` cannot be sent to the Responses API (the fix included), or None."""
    for name, what in _NOT_ON_RESPONSES.items():
        if params.get(name) not in (None, False):
            return f"{what} is not a Responses API parameter: remove {name}"
    n = params.get("n")
    if n is not None and n != 1:
        return f"n={n!r}: the Responses API returns one answer per call; remove n"
    cap = params.get("max_tokens")
    if isinstance(cap, int) and cap < RESPONSES_MIN_OUTPUT_TOKENS:
        return (
            f"max_tokens={cap} is below the Responses API's minimum max_output_tokens "
            f"({RESPONSES_MIN_OUTPUT_TOKENS}): use at least {RESPONSES_MIN_OUTPUT_TOKENS}"
        )
    return None


# -- request ---------------------------------------------------------------------------------


def _text_of(content: Any) -> str:
    """A tool or system message's content as one string."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text", p.get("refusal")) if isinstance(p, Mapping) else p for p in content]
        if all(isinstance(t, str) for t in texts):
            return "".join(texts)
    return json.dumps(content, ensure_ascii=False)


def _input_part(index: int, part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "text":
        return {"type": "input_text", "text": part.get("text", "")}
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        out: dict[str, Any] = {"type": "input_image", "image_url": url}
        detail = image.get("detail") if isinstance(image, Mapping) else None
        out["detail"] = detail or "auto"
        return out
    if kind == "file":
        file = part.get("file")
        fields = dict(file) if isinstance(file, Mapping) else {}
        return {"type": "input_file", **fields}
    raise ValueError(
        f"messages[{index}]: content part of type {kind!r} cannot be sent to the Responses API; "
        "supported: text, image, file"
    )


def _user_content(index: int, content: Any) -> Any:
    if isinstance(content, str):
        return content
    return [_input_part(index, p) for p in content or [] if isinstance(p, Mapping)]


def format_input(wire_messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat Completions `messages` (already checked) -> Responses `input` items.

    System and developer messages stay in place as items of their role; an assistant's tool
    calls become `function_call` items, a tool message a `function_call_output`.
    """
    items: list[dict[str, Any]] = []
    for index, msg in enumerate(wire_messages):
        role = msg.get("role")
        content = msg.get("content")
        if role in ("system", "developer"):
            items.append({"type": "message", "role": role, "content": _text_of(content)})
        elif role == "user":
            items.append(
                {"type": "message", "role": "user", "content": _user_content(index, content)}
            )
        elif role == "assistant":
            text = _text_of(content) if content else ""
            if text:
                items.append({"type": "message", "role": "assistant", "content": text})
            for call in msg.get("tool_calls") or []:
                fn = call.get("function") or {}
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.get("id") or "",
                        "name": fn.get("name") or "",
                        "arguments": fn.get("arguments") or "",
                    }
                )
        elif role == "tool":
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": msg.get("tool_call_id") or "",
                    "output": _text_of(content),
                }
            )
        else:
            raise ValueError(f"messages[{index}]: role {role!r} has no Responses API item")
    return items


def format_tools(tools: list[Any]) -> list[Any]:
    """Chat Completions `tools` -> Responses function tools (other tool types as given)."""
    out: list[Any] = []
    for tool in tools:
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if tool.get("type") != "function" or not isinstance(fn, Mapping):
            out.append(tool)
            continue
        entry: dict[str, Any] = {
            "type": "function",
            "name": fn.get("name"),
            "parameters": fn.get("parameters") or {"type": "object", "properties": {}},
            "strict": bool(fn.get("strict", False)),
        }
        if fn.get("description"):
            entry["description"] = fn["description"]
        out.append(entry)
    return out


def format_tool_choice(choice: Any) -> Any:
    """A Chat Completions `tool_choice` -> the Responses one."""
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        fn = choice.get("function")
        if isinstance(fn, Mapping):
            return {"type": "function", "name": fn.get("name")}
    return choice


def format_text(response_format: Any) -> dict[str, Any]:
    """A Chat Completions `response_format` -> Responses `text.format`."""
    if not isinstance(response_format, Mapping):
        raise ValueError(f"response_format must be an object, got {response_format!r}")
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, Mapping):
            raise ValueError("response_format json_schema needs a 'json_schema' object")
        return {"type": "json_schema", **spec}
    if kind in ("json_object", "text"):
        return {"type": kind}
    raise ValueError(
        f"response_format type {kind!r} is not supported: use json_schema, json_object or text"
    )


def build_body(
    wire_messages: list[dict[str, Any]],
    params: Mapping[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    """The Responses request body from checked messages and parameters (by parameter name;
    the fields with no Responses counterpart are refused by `unsendable` first)."""
    problem = unsendable(params)
    if problem:
        raise ValueError(problem)
    body: dict[str, Any] = {"model": params.get("model"), "input": format_input(wire_messages)}
    for name, value in params.items():
        skip = name in _HANDLED or name in _NOT_ON_RESPONSES or name in _NESTED
        if value is not None and not skip and name != "stream":
            body[name] = value
    for name, (field, key) in _NESTED.items():
        if params.get(name) is not None:
            body[field] = {**body.get(field, {}), key: params[name]}
    if params.get("max_tokens") is not None:
        body["max_output_tokens"] = params["max_tokens"]
    if params.get("tools"):
        body["tools"] = format_tools(list(params["tools"]))
    if params.get("tool_choice") is not None:
        body["tool_choice"] = format_tool_choice(params["tool_choice"])
    if params.get("response_format") is not None:
        body["text"] = {**body.get("text", {}), "format": format_text(params["response_format"])}
    if stream:
        body["stream"] = True
    return body


# -- answers ---------------------------------------------------------------------------------


def usage_as_chat(usage: Any) -> dict[str, Any] | None:
    """Responses `usage` -> the Chat Completions `usage` shape (None when absent)."""
    if not isinstance(usage, Mapping):
        return None
    out: dict[str, Any] = {
        "prompt_tokens": usage.get("input_tokens"),
        "completion_tokens": usage.get("output_tokens"),
    }
    if isinstance(usage.get("total_tokens"), int):
        out["total_tokens"] = usage["total_tokens"]
    idet = usage.get("input_tokens_details")
    if isinstance(idet, Mapping) and "cached_tokens" in idet:
        out["prompt_tokens_details"] = {"cached_tokens": idet["cached_tokens"]}
    odet = usage.get("output_tokens_details")
    if isinstance(odet, Mapping) and "reasoning_tokens" in odet:
        out["completion_tokens_details"] = {"reasoning_tokens": odet["reasoning_tokens"]}
    return out


def _finish_reason(response: Mapping[str, Any], has_calls: bool) -> str:
    status = response.get("status")
    if status == "incomplete":
        details = response.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, Mapping) else None
        return "length" if reason in (None, "max_output_tokens") else str(reason)
    return "tool_calls" if has_calls else "stop"


def _summary_text(item: Mapping[str, Any]) -> str:
    parts = item.get("summary")
    if not isinstance(parts, list):
        return ""
    texts = [p.get("text") for p in parts if isinstance(p, Mapping)]
    return "\n\n".join(t for t in texts if isinstance(t, str) and t)


def _function_call(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": item.get("call_id") or item.get("id"),
        "type": "function",
        "function": {"name": item.get("name"), "arguments": item.get("arguments")},
    }


def _other_tool_call(item: Mapping[str, Any]) -> dict[str, Any]:
    """A built-in tool item (web search, say): kept as a call of its own type, which the
    shared parser reports as an invalid tool call instead of dropping it."""
    kind = str(item.get("type"))
    return {"id": item.get("id"), "type": kind, kind: dict(item)}


def _failure(
    response: Mapping[str, Any], where: str, provider: ErrorSource | str
) -> APIResponseValidationError:
    err = error_in_body(
        {"error": response.get("error") or {"message": "response failed"}},
        provider=provider,
        where=where,
    )
    assert isinstance(err, APIResponseValidationError)
    return err


def as_completion(response: Any, provider: ErrorSource | str = "the provider") -> dict[str, Any]:
    """A Responses `response` object -> the `chat.completion` it stands for.

    Raises `APIResponseValidationError` for a failed response, one still in progress, or a
    body that is not a response.
    """
    if not isinstance(response, Mapping) or not isinstance(response.get("output"), list):
        err = error_in_body(response, provider=provider, where="instead of a response")
        if err is not None:
            raise err
        raise APIResponseValidationError(
            "expected a Responses API `response` object with an `output` list", body=response
        )
    status = response.get("status")
    if status == "failed":
        raise _failure(response, "as the response", provider)
    if status not in (None, "completed", "incomplete"):
        raise APIResponseValidationError(
            f"the response is not finished (status {status!r}); background responses are "
            "not supported: leave background unset",
            body=dict(response),
        )
    texts: list[str] = []
    refusals: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    annotations: list[Any] = []
    for item in response["output"]:
        if not isinstance(item, Mapping):
            raise APIResponseValidationError("response output item is not an object", body=item)
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if not isinstance(part, Mapping):
                    continue
                if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                    texts.append(part["text"])
                    annotations.extend(part.get("annotations") or [])
                elif part.get("type") == "refusal":
                    refusals.append(str(part.get("refusal") or ""))
        elif kind == "function_call":
            calls.append(_function_call(item))
        elif kind == "reasoning":
            summary = _summary_text(item)
            if summary:
                reasoning.append(summary)
        else:
            calls.append(_other_tool_call(item))
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    if refusals:
        message["refusal"] = "".join(refusals)
    if reasoning:
        message["reasoning_content"] = "\n\n".join(reasoning)
    if annotations:
        message["annotations"] = annotations
    completion: dict[str, Any] = {
        "id": response.get("id"),
        "object": "chat.completion",
        "model": response.get("model"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": _finish_reason(response, bool(calls))}
        ],
    }
    if isinstance(response.get("created_at"), (int, float)):
        completion["created"] = response["created_at"]
    if isinstance(response.get("service_tier"), str):
        completion["service_tier"] = response["service_tier"]
    usage = usage_as_chat(response.get("usage"))
    if usage is not None:
        completion["usage"] = usage
    if isinstance(response.get("meta"), Mapping):
        completion["meta"] = response["meta"]
    return completion


# -- streams ---------------------------------------------------------------------------------


class EventReader:
    """One Responses stream: `feed(event)` -> the `chat.completion.chunk` dicts it stands
    for; `end()` at EOF.

    Reads deltas (text, refusal, function-call arguments, reasoning summaries) as they come,
    and an item's `response.output_item.done` for whatever its deltas did not carry (a
    stream may send only finished items). `response.completed` / `response.incomplete`
    give the finish reason, usage and cost; a stream that ends after its last finished item
    without them is finished by `end()`; one cut inside an item is `APIConnectionError`.
    `response.failed` and `error` events raise `APIResponseValidationError`.
    """

    __slots__ = (
        "_calls",
        "_done_items",
        "_finished",
        "_id",
        "_model",
        "_open",
        "_provider",
        "_seen",
    )

    def __init__(self, provider: ErrorSource | str = "the provider") -> None:
        self._provider = error_source(provider)
        self._id: str | None = None
        self._model: str | None = None
        self._calls: dict[Any, int] = {}  # item key -> tool call index
        self._seen: set[tuple[Any, str]] = set()  # (item key, kind) that had deltas
        self._open: set[Any] = set()
        self._done_items = 0
        self._finished = False

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _call_index(self, output_index: Any) -> int:
        if output_index not in self._calls:
            self._calls[output_index] = len(self._calls)
        return self._calls[output_index]

    def _note(self, response: Any) -> None:
        if isinstance(response, Mapping):
            self._id = response.get("id") if isinstance(response.get("id"), str) else self._id
            model = response.get("model")
            self._model = model if isinstance(model, str) else self._model

    def feed(self, event: Any) -> list[dict[str, Any]]:
        """One decoded SSE event -> chunks (an empty list for events that carry nothing)."""
        if not isinstance(event, Mapping):
            raise APIResponseValidationError(
                f"stream event is not a JSON object: {type(event).__name__}", body=event
            )
        kind = event.get("type")
        if kind is None and event.get("object") == "response":
            # A whole response answering a stream request.
            self._finished = True
            completion = as_completion(event, self._provider)
            choice = completion["choices"][0]
            return [{**completion, "choices": [{**choice, "delta": choice["message"]}]}]
        if not isinstance(kind, str):
            err = error_in_body(event, provider=self._provider, where="mid-stream")
            if err is not None:
                raise err
            raise APIResponseValidationError("stream event has no `type`", body=dict(event))
        handler = _HANDLERS.get(kind)
        return handler(self, event) if handler is not None else []

    def _created(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        self._note(event.get("response"))
        return []

    def _item_added(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        item = event.get("item")
        index = _item_key(event)
        self._open.add(index)
        if not isinstance(item, Mapping) or item.get("type") != "function_call":
            return []
        self._seen.add((index, "call"))
        call = {
            "index": self._call_index(index),
            "id": item.get("call_id"),
            "type": "function",
            "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""},
        }
        if item.get("arguments"):
            self._seen.add((index, "args"))
        return [self._chunk({"tool_calls": [call]})]

    def _args_delta(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        index = _item_key(event)
        self._seen.add((index, "args"))
        delta = event.get("delta")
        if not isinstance(delta, str) or not delta:
            return []
        call = {"index": self._call_index(index), "function": {"arguments": delta}}
        return [self._chunk({"tool_calls": [call]})]

    def _item_done(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        item = event.get("item")
        index = _item_key(event)
        self._open.discard(index)
        self._done_items += 1
        if not isinstance(item, Mapping):
            return []
        kind = item.get("type")
        seen = self._seen
        if kind == "message":
            text = refusal = ""
            for part in item.get("content") or []:
                if isinstance(part, Mapping) and part.get("type") == "output_text":
                    text += str(part.get("text") or "")
                elif isinstance(part, Mapping) and part.get("type") == "refusal":
                    refusal += str(part.get("refusal") or "")
            delta: dict[str, Any] = {}
            if text and (index, "text") not in seen:
                delta["content"] = text
            if refusal and (index, "refusal") not in seen:
                delta["refusal"] = refusal
            return [self._chunk(delta)] if delta else []
        if kind == "reasoning":
            summary = _summary_text(item)
            if summary and (index, "reasoning") not in seen:
                return [self._chunk({"reasoning_content": summary})]
            return []
        if kind == "function_call":
            call: dict[str, Any] = {"index": self._call_index(index)}
            if (index, "call") not in seen:
                call.update(id=item.get("call_id"), type="function")
                call["function"] = {"name": item.get("name")}
            if (index, "args") not in seen:
                call.setdefault("function", {})["arguments"] = item.get("arguments") or ""
            return [self._chunk({"tool_calls": [call]})] if len(call) > 1 else []
        # A built-in tool item: a call with no function name, reported as invalid.
        call = {
            "index": self._call_index(index),
            "id": item.get("id"),
            "function": {"arguments": json.dumps(dict(item))},
        }
        return [self._chunk({"tool_calls": [call]})]

    def _completed(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        response = event.get("response")
        if not isinstance(response, Mapping):
            raise APIResponseValidationError(
                f"{event.get('type')} event has no `response` object", body=dict(event)
            )
        self._note(response)
        self._finished = True
        chunk = self._chunk({}, _finish_reason(response, bool(self._calls)))
        usage = usage_as_chat(response.get("usage"))
        if usage is not None:
            chunk["usage"] = usage
        meta = response.get("meta", event.get("meta"))
        if isinstance(meta, Mapping):
            chunk["meta"] = meta
        return [chunk]

    def _failed(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        response = event.get("response")
        raise _failure(
            response if isinstance(response, Mapping) else {}, "mid-stream", self._provider
        )

    def _error(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        nested = event.get("error")
        detail: Mapping[str, Any] = nested if isinstance(nested, Mapping) else event
        error = {k: detail.get(k) for k in ("message", "code", "param") if detail.get(k)}
        raise _failure({"error": error or {"message": "error event"}}, "mid-stream", self._provider)

    def end(self) -> list[dict[str, Any]]:
        """EOF: a finish chunk when the stream's items all ended but no completion event
        came; `APIConnectionError` when it stopped inside an item."""
        if self._finished:
            return []
        if self._open:
            raise APIConnectionError(
                f"{self._provider.name}: the Responses stream ended inside an output item, "
                "before response.completed"
            )
        if not self._done_items:
            return []
        return [self._chunk({}, "tool_calls" if self._calls else "stop")]


def _item_key(event: Mapping[str, Any]) -> Any:
    """Which output item an event is about: its `output_index`, else the item's id."""
    index = event.get("output_index")
    if index is not None:
        return index
    item = event.get("item")
    return event.get("item_id") or (item.get("id") if isinstance(item, Mapping) else None)


def _delta(what: str, field: str) -> Any:
    """A handler for a text-like delta event: `what` names it, `field` is the chunk's."""

    def handle(reader: EventReader, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        delta = event.get("delta")
        reader._seen.add((_item_key(event), what))
        if not isinstance(delta, str) or not delta:
            return []
        return [reader._chunk({field: delta})]

    return handle


_HANDLERS: dict[str, Any] = {
    "response.created": EventReader._created,
    "response.in_progress": EventReader._created,
    "response.output_item.added": EventReader._item_added,
    "response.output_text.delta": _delta("text", "content"),
    "response.refusal.delta": _delta("refusal", "refusal"),
    "response.reasoning_summary_text.delta": _delta("reasoning", "reasoning_content"),
    "response.function_call_arguments.delta": EventReader._args_delta,
    "response.output_item.done": EventReader._item_done,
    "response.completed": EventReader._completed,
    "response.incomplete": EventReader._completed,
    "response.failed": EventReader._failed,
    "error": EventReader._error,
}


def _add_request_id(
    exc: APIResponseValidationError, provider: ErrorSource | str, headers: Any
) -> None:
    """Give an error a stream's events stand for the response's request id (when it has none)."""
    names = error_source(provider).request_id_headers
    exc.request_id = exc.request_id or request_id_from_headers(headers, names)


def chat_chunks(
    events: Iterator[tuple[Any, Any]], provider: ErrorSource | str
) -> Iterator[tuple[Any, Any]]:
    """`(event, headers)` pairs of one Responses stream -> `(chunk, headers)` pairs; an
    error the events stand for carries the response's request id. The events' iterator is
    closed when this one is."""
    reader = EventReader(provider)
    headers: Any = None
    try:
        for event, headers in events:
            for data in reader.feed(event):
                yield data, headers
        for data in reader.end():
            yield data, headers
    except APIResponseValidationError as exc:
        _add_request_id(exc, provider, headers)
        raise
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


async def achat_chunks(
    events: AsyncIterator[tuple[Any, Any]], provider: ErrorSource | str
) -> AsyncIterator[tuple[Any, Any]]:
    """`chat_chunks` for an async stream (the events' iterator is closed when this one is)."""
    reader = EventReader(provider)
    headers: Any = None
    try:
        async for event, headers in events:
            for data in reader.feed(event):
                yield data, headers
        for data in reader.end():
            yield data, headers
    except APIResponseValidationError as exc:
        _add_request_id(exc, provider, headers)
        raise
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
