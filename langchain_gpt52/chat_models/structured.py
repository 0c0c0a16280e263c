"""Structured output: response_format building, parsers that raise on refusals and cut replies."""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import BaseModel

from langchain_gpt52.errors import CutReplyError, RefusalError

__all__ = ["CutReplyError", "structured_output"]

_SCHEMA_NAME = re.compile(r"[^a-zA-Z0-9_-]")


def structured_output(
    model: BaseChatModel,
    schema: dict[str, Any] | type | None,
    *,
    method: Literal["json_schema", "function_calling", "json_mode"],
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
    """`model` bound to produce `schema` and piped into the matching parser."""
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    tool = convert_to_openai_tool(schema, strict=strict) if schema is not None else None
    ls_format: dict[str, Any] = {"kwargs": {"method": method, "strict": strict}}
    if schema is not None:
        ls_format["schema"] = _ls_schema(schema)
    parser: Runnable[Any, Any]
    if method == "function_calling":
        assert tool is not None
        name = tool["function"]["name"]
        llm = model.bind_tools(
            [schema],  # type: ignore[list-item]
            tool_choice=name,
            strict=strict,
            parallel_tool_calls=False,
            ls_structured_output_format=ls_format,
        )
        # A refusal comes back as `refusal` text with no tool call: raise, not None.
        parser = (
            _PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
            if is_pydantic
            else _KeyToolsParser(key_name=name, first_tool_only=True)
        )
    elif method in ("json_schema", "json_mode"):
        if method == "json_schema":
            assert tool is not None
            fn = tool["function"]
            json_schema: dict[str, Any] = {
                "name": _SCHEMA_NAME.sub("_", fn["name"])[:64],
                "schema": fn.get("parameters") or {"type": "object", "properties": {}},
            }
            if fn.get("description"):
                json_schema["description"] = fn["description"]
            if strict is not None:
                json_schema["strict"] = strict
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": json_schema,
            }
        else:
            response_format = {"type": "json_object"}
        bind_kwargs: dict[str, Any] = {"response_format": response_format}
        if schema is not None:
            # langchain-core reads `schema` from this dict on every call (KeyError without).
            bind_kwargs["ls_structured_output_format"] = ls_format
        llm = model.bind(**bind_kwargs)
        parser = (
            _PydanticParser(pydantic_object=schema)  # type: ignore[arg-type]
            if is_pydantic
            else _JsonParser()
        )
    else:
        raise ValueError(
            f"method must be 'json_schema', 'function_calling' or 'json_mode', got {method!r}"
        )
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    fallback = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks([fallback], exception_key="parsing_error")


def _ls_schema(schema: Any) -> Any:
    """`schema` as langchain-core's tracing metadata shows it, converted once.

    langchain-core runs `convert_to_json_schema` on `ls_structured_output_format["schema"]`
    on every call (slow for a pydantic class, quick for a JSON-schema dict); handing it the
    converted dict gives the same metadata for less. Kept as given when conversion fails or is
    not idempotent, so langchain-core sees exactly what it would have.
    """
    try:
        converted = convert_to_json_schema(schema)
        if convert_to_json_schema(converted) == converted:
            return converted
    except Exception:
        pass
    return schema


def _raise_on_refusal(message: BaseMessage, *, partial: bool = False) -> BaseMessage:
    refusal = message.additional_kwargs.get("refusal")
    if refusal:
        raise RefusalError(str(refusal), raw_message=message)
    if (
        not partial
        and isinstance(message, AIMessage)
        and message.response_metadata.get("finish_reason") == "length"
    ):
        raise CutReplyError(
            "the reply was cut by the output token limit (finish_reason='length') before the "
            "structured output was complete: raise max_tokens"
        )
    return message


class _RefusalAware:
    """Output-parser mixin: a refusal (or a reply cut before any output) raises first.

    Folded into the parser rather than chained before it: each extra step of a
    `RunnableSequence` costs langchain-core plumbing on every call.
    """

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        if result and isinstance(result[0], ChatGeneration):
            _raise_on_refusal(result[0].message, partial=partial)
        return super().parse_result(result, partial=partial)  # type: ignore[misc]


class _JsonParser(_RefusalAware, JsonOutputParser):
    pass


class _PydanticParser(_RefusalAware, PydanticOutputParser):  # type: ignore[type-arg]
    pass


class _PydanticToolsParser(_RefusalAware, PydanticToolsParser):
    pass


class _KeyToolsParser(_RefusalAware, JsonOutputKeyToolsParser):
    pass
