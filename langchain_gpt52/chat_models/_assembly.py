"""Stream assembly: chunk JSON -> generation chunks, stop sequences, the merged result."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata, add_usage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.messages.utils import message_chunk_to_message
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gpt52 import _wire, cost
from langchain_gpt52._prices import Price
from langchain_gpt52._stop import StopFilter, cut_at_stop
from langchain_gpt52.errors import APIResponseValidationError, request_id_from_headers
from langchain_gpt52.providers import Provider

__all__ = ["StreamAssembler", "cut_result_at_stop", "strict_result"]


def cut_result_at_stop(result: ChatResult, stop: list[str] | None) -> ChatResult:
    """Cut each text reply at the first stop sequence (invoke side; streams: `StreamAssembler`)."""
    if not stop:
        return result
    for gen in result.generations:
        msg = gen.message
        if isinstance(msg.content, str):
            text, found = cut_at_stop(msg.content, stop)
            if found:
                msg.content = text
                msg.response_metadata["finish_reason"] = "stop"
    return result


def strict_result(chunks: list[ChatGenerationChunk]) -> ChatResult:
    """Merge streamed chunks into one result, re-parsing tool arguments strictly.

    The strict parse needs the raw `tool_call_chunks`, which converting the merged chunk to an
    `AIMessage` drops, so it runs on the merged chunk first.
    """
    if not chunks:
        raise ValueError("No generations found in stream.")
    total = chunks[0] + chunks[1:] if len(chunks) > 1 else chunks[0]
    message: BaseMessage = total.message
    if isinstance(message, AIMessageChunk):
        message = _wire.strict_tool_calls(message)
    return ChatResult(
        generations=[
            ChatGeneration(
                message=message_chunk_to_message(message),
                generation_info=total.generation_info,
            )
        ]
    )


class StreamAssembler:
    """Per-stream state shared by `_stream` and `_astream`: chunk JSON -> generation chunks.

    Applies client-side stop sequences, and keeps every string in `response_metadata` on
    one chunk only (langchain-core concatenates strings when it merges chunks): the header
    facts go on the first finish chunk, a repeated finish (some providers send it again on the
    usage chunk) loses its metadata, and the provider's cost figures (its descriptor's
    `cost_units` keys) are reported once, from the body (`meta.usage` on AI/ML API) or, failing
    that, from the response headers at the end.

    The closing chunk (`chunk_position="last"`, from `end`) carries what is said once per call:
    the finish chunk's `response_metadata` and `finish_reason`, the `usage_metadata`, the
    provider's figures and the USD `cost`; earlier chunks carry only the output. So the last
    chunk alone and the merge of every chunk report the same usage and cost.
    """

    __slots__ = (
        "_choice_seen",
        "_cost",
        "_cost_keys",
        "_filter",
        "_finished",
        "_headers",
        "_headers_md",
        "_held_info",
        "_held_md",
        "_held_usage",
        "_length",
        "_meter",
        "_named",
        "_nameless",
        "_output_seen",
        "_provider",
        "_reasoning_seen",
    )

    def __init__(
        self,
        stop: list[str] | None,
        headers_md: Callable[[Mapping[str, str]], dict[str, Any]],
        price: Price | None = None,
        provider: Provider | None = None,
    ) -> None:
        self._provider = provider
        units = provider.cost_units if provider is not None else {}
        self._cost_keys = tuple(units)
        self._meter = cost.StreamCost(price, units)
        self._filter = StopFilter(stop) if stop else None
        self._headers_md = headers_md
        self._finished = False
        self._cost: set[str] = set()
        self._choice_seen = False
        self._headers: Mapping[str, str] | None = None
        self._length = False
        self._output_seen = False
        self._reasoning_seen = False
        self._named: set[Any] = set()
        self._nameless: dict[Any, dict[str, Any]] = {}
        self._held_md: dict[str, Any] = {}
        self._held_usage: UsageMetadata | None = None
        self._held_info: dict[str, Any] = {}

    @property
    def cut_empty(self) -> bool:
        """True when the stream ended at the token limit without any text or tool call."""
        return self._length and not self._output_seen

    def _invalid(self, exc: APIResponseValidationError) -> APIResponseValidationError:
        """`exc` with the response's request id (the pure parsers do not know it)."""
        names = self._provider.request_id_headers if self._provider is not None else ()
        exc.request_id = exc.request_id or request_id_from_headers(self._headers, names)
        return exc

    def _metadata_once(
        self, md: dict[str, Any], info: dict[str, Any] | None, headers: Mapping[str, str]
    ) -> bool:
        """Drop what an earlier chunk already reported; True for the (first) finish chunk."""
        for key in self._cost_keys:
            if key in md:
                if key in self._cost:
                    del md[key]
                else:
                    self._cost.add(key)
        if "finish_reason" not in md:
            return False
        if self._finished:
            for key in [k for k in md if k != "model_provider" and k not in self._cost_keys]:
                del md[key]
            if info:
                info.pop("finish_reason", None)
            return False
        self._finished = True
        for key, value in self._headers_md(headers).items():
            if key not in self._cost_keys:
                md.setdefault(key, value)
        return True

    def __call__(self, data: Any, headers: Mapping[str, str]) -> list[ChatGenerationChunk]:
        self._headers = headers
        text = _wire.plain_text(data) if self._filter is None else None
        if text is not None:  # the usual chunk: text only, nothing to track but that
            self._choice_seen = True
            self._output_seen = self._output_seen or bool(text)
            return [ChatGenerationChunk(message=AIMessageChunk(content=text))]
        try:
            chunk = _wire.chunk_to_generation(data, self._provider)
        except APIResponseValidationError as exc:
            raise self._invalid(exc) from None
        if not self._choice_seen and _readable_choice(data.get("choices")):
            self._choice_seen = True
        if chunk is None:
            return []
        msg = chunk.message
        if isinstance(msg, AIMessageChunk) and msg.tool_call_chunks:
            chunk = self._hold_nameless(chunk, msg)
            msg = chunk.message
            if isinstance(msg, AIMessageChunk) and _empty(msg):
                return []
        self._meter.observe(msg)
        if msg.content or (isinstance(msg, AIMessageChunk) and msg.tool_call_chunks):
            self._output_seen = True
        if msg.response_metadata.get("finish_reason") == "length":
            self._length = True
        if "reasoning_content" in msg.additional_kwargs:
            self._reasoning_seen = True
        if self._reasoning_seen and "finish_reason" in msg.response_metadata:
            msg.response_metadata["model_provider"] = _wire.REASONING_PROVIDER
        finish = bool(msg.response_metadata) and self._metadata_once(
            msg.response_metadata, chunk.generation_info, headers
        )
        filt = self._filter
        if filt is None:
            if (
                msg.response_metadata
                or chunk.generation_info
                or (isinstance(msg, AIMessageChunk) and msg.usage_metadata)
            ):
                return self._hold(chunk)
            return [chunk]
        if filt.stopped:
            msg.content = ""
            if isinstance(msg, AIMessageChunk):
                msg.tool_call_chunks = []
        elif isinstance(msg.content, str) and msg.content:
            msg.content = filt.push(msg.content)
        elif finish:
            msg.content = filt.flush()
        if finish and filt.stopped:
            msg.response_metadata["finish_reason"] = "stop"
            if chunk.generation_info:
                chunk.generation_info["finish_reason"] = "stop"
        return self._hold(ChatGenerationChunk(message=msg, generation_info=chunk.generation_info))

    def _hold(self, chunk: ChatGenerationChunk) -> list[ChatGenerationChunk]:
        """Keep a chunk's once-per-call facts for the closing chunk; pass the rest, if any."""
        msg = chunk.message
        if msg.response_metadata:
            self._held_md.update(msg.response_metadata)
            msg.response_metadata = {}
        info = chunk.generation_info
        if info and "finish_reason" in info:
            self._held_info["finish_reason"] = info.pop("finish_reason")
            chunk.generation_info = info or None
        if isinstance(msg, AIMessageChunk) and msg.usage_metadata:
            self._held_usage = add_usage(self._held_usage, msg.usage_metadata)
            msg.usage_metadata = None
        if (
            not msg.content
            and not msg.additional_kwargs
            and not chunk.generation_info
            and not (isinstance(msg, AIMessageChunk) and msg.tool_call_chunks)
        ):
            return []
        return [chunk]

    def _hold_nameless(
        self, chunk: ChatGenerationChunk, msg: AIMessageChunk
    ) -> ChatGenerationChunk:
        """Keep back the pieces of a tool call that has no name yet; pass the named ones.

        A call that never gets a name is reported by `end` as an invalid tool call (never a
        callable call named `''`); one named later gets its held pieces back.
        """
        kept = []
        for tcc in msg.tool_call_chunks:
            index = tcc.get("index")
            if tcc.get("name"):
                self._named.add(index)
            if index in self._named:
                held = self._nameless.pop(index, None)
                if held is not None:
                    args = held["args"] + (tcc.get("args") or "")
                    tcc = {**tcc, "args": args, "id": tcc.get("id") or held["id"]}
                kept.append(tcc)
                continue
            held = self._nameless.setdefault(index, {"args": "", "id": None})
            held["args"] += tcc.get("args") or ""
            held["id"] = held["id"] or tcc.get("id")
        if len(kept) == len(msg.tool_call_chunks):
            return chunk
        fields: dict[str, Any] = {"content": msg.content, "tool_call_chunks": kept}
        for name in ("additional_kwargs", "response_metadata", "usage_metadata"):
            if getattr(msg, name):
                fields[name] = getattr(msg, name)
        return ChatGenerationChunk(
            message=AIMessageChunk(**fields), generation_info=chunk.generation_info
        )

    def end(self) -> list[ChatGenerationChunk]:
        """The last chunks: text still held back by the stop filter, and cost from the headers
        when no chunk carried `meta.usage`.

        Raises `APIResponseValidationError` when no chunk carried a choice (`choices`
        empty or null throughout, or no chunk at all): that is no completion.
        """
        if not self._choice_seen:
            raise self._invalid(
                APIResponseValidationError(
                    "the stream ended without any readable choice (no chunk, or `choices` "
                    "empty, null or without a `delta` object or `finish_reason` in every chunk)"
                )
            )
        tail: list[ChatGenerationChunk] = []
        for index, held in self._nameless.items():
            # Arguments as a JSON string literal: never parsed into a callable call.
            raw = tool_call_chunk(
                name=None, args=json.dumps(held["args"]), id=held["id"], index=index
            )
            tail.append(
                ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[raw]))
            )
        rest = self._filter.flush() if self._filter is not None else ""
        if rest:
            tail.append(ChatGenerationChunk(message=AIMessageChunk(content=rest)))
        tail.append(self._closing())
        return tail

    def cut(self) -> list[ChatGenerationChunk]:
        """The closing chunk for a stream that ends in an error after its usage or the
        provider's figures arrived (they are what the call is billed), else nothing.

        Delivered before the error is raised, so a cost tracker counts the provider's own
        figure rather than an estimate.
        """
        if self._held_usage is None and not self._cost:
            return []
        return [self._closing()]

    def _closing(self) -> ChatGenerationChunk:
        """The closing chunk: the held once-per-call facts, the header cost when no chunk
        carried one, and the USD `cost`."""
        if self._headers is not None and not self._cost:
            spent = {
                k: v for k, v in self._headers_md(self._headers).items() if k in self._cost_keys
            }
            if spent:
                self._held_md.setdefault("model_provider", "openai")
                self._held_md.update(spent)
        if self._reasoning_seen and "finish_reason" in self._held_md:
            self._held_md["model_provider"] = _wire.REASONING_PROVIDER
        last = AIMessageChunk(
            content="",
            response_metadata=self._held_md,
            usage_metadata=self._held_usage,
            chunk_position="last",
        )
        self._meter.observe(last)
        closing = self._meter.chunk()
        if closing is not None:
            last.response_metadata.update(closing.message.response_metadata)
        return ChatGenerationChunk(message=last, generation_info=self._held_info or None)


def _readable_choice(choices: Any) -> bool:
    """Whether a chunk's `choices` hold a choice with a `delta` object or a finish reason."""
    if not isinstance(choices, list):
        return False
    return any(
        isinstance(c, Mapping)
        and (isinstance(c.get("delta"), Mapping) or c.get("finish_reason") is not None)
        for c in choices
    )


def _empty(msg: AIMessageChunk) -> bool:
    return not (
        msg.content
        or msg.response_metadata
        or msg.additional_kwargs
        or msg.tool_call_chunks
        or msg.usage_metadata
    )
