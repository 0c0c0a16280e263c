"""The shared chat model: fields, request building, invoke and stream, tools, structured output."""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, ClassVar, Literal

import httpx2
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.utils import message_chunk_to_message
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, Generation
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import (
    convert_to_json_schema,
    convert_to_openai_tool,
)
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from langchain_gpt52 import _wire
from langchain_gpt52._rules import ProviderSpec, check_params
from langchain_gpt52._stop import StopFilter, cut_at_stop
from langchain_gpt52._transport import Transport, timeout_values
from langchain_gpt52.errors import (
    APIResponseValidationError,
    RefusalError,
    redact_validation_error,
    request_id_from_headers,
    secrets_in,
)

__all__ = ["BaseChatGPT52"]

_PATH = "/chat/completions"
_TRANSPORT_LOCK = threading.Lock()
_CLIENT_FIELDS = frozenset(
    {
        "api_key",
        "base_url",
        "timeout",
        "stream_chunk_timeout",
        "total_timeout",
        "max_retries",
        "max_concurrency",
        "default_headers",
        "http_client",
        "http_async_client",
    }
)
"""Fields the HTTP transport is built from: changing one after the first call rebuilds it."""
_SCHEMA_NAME = re.compile(r"[^a-zA-Z0-9_-]")
_TOKEN_PIECES = re.compile(r"\w+|[^\w\s]", re.UNICODE)

# Field name -> wire name for the completion parameters the model sends.
_PARAM_FIELDS = (
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "n",
    "reasoning_effort",
    "verbosity",
    "logprobs",
    "top_logprobs",
)


class BaseChatGPT52(BaseChatModel):
    """Shared implementation behind ``ChatAIMLAPI``, ``ChatOxen`` and ``ChatGPT52``.

    Subclasses set ``_spec`` (a ``ProviderSpec``: defaults, env vars, documented limits) and
    may override ``_headers_metadata``; everything else is shared.
    """

    _spec: ClassVar[ProviderSpec]

    model_name: str = Field(default="", alias="model")
    """Model id sent to the provider."""
    api_key: SecretStr | None = None
    """API key; read from the provider's env var when not given."""
    base_url: str | None = None
    """Base URL (``/chat/completions`` is appended); from the provider's env var or default."""
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, gt=0, alias="max_completion_tokens")
    """Output token cap, sent as the field the provider documents (``max_tokens`` on both)."""
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences (also enforced client-side where the provider does not document them)."""
    seed: int | None = None
    n: int | None = Field(default=None, ge=1)
    reasoning_effort: str | None = None
    verbosity: Literal["low", "medium", "high"] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    timeout: Any = Field(default=None, alias="request_timeout")
    """Seconds (or an ``httpx2``/``httpx`` ``Timeout``) per request; default 600 s read, 10 s
    connect."""
    stream_chunk_timeout: float | None = Field(default=None, gt=0)
    """Longest silence between stream reads before ``APITimeoutError`` (default: read timeout)."""
    total_timeout: float | None = Field(default=None, gt=0)
    """Wall-clock budget of one call, retries and their waits included (a stream: until its
    last chunk); ``APITimeoutError`` once it is spent. Default: no total limit."""
    max_retries: int = Field(default=2, ge=0)
    max_concurrency: int | None = Field(default=None, ge=1)
    """Cap on requests in flight from this instance (sync and async), e.g. for a big ``abatch``."""
    streaming: bool = False
    stream_usage: bool = True
    """Ask for token usage in streams (``stream_options.include_usage``)."""
    use_developer_role: bool = False
    """Send system messages with the ``developer`` role (where the provider accepts it)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra body fields sent as they are (not checked): the escape hatch for new parameters."""
    extra_body: dict[str, Any] | None = None
    """Same as ``model_kwargs`` (the openai SDK's name)."""
    default_headers: dict[str, str] | None = None
    http_client: Any = Field(default=None, exclude=True)
    """An ``httpx2.Client`` (or ``httpx.Client``) to use instead of the instance's own."""
    http_async_client: Any = Field(default=None, exclude=True)
    """An ``httpx2.AsyncClient`` (or ``httpx.AsyncClient``) to use instead of the instance's
    own."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    _transport: Transport | None = PrivateAttr(default=None)

    # -- construction ----------------------------------------------------------------------

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            # A mistake next to a valid key must not print the key (pydantic shows the input).
            env = os.environ.get(self._spec.key_env)
            keys = secrets_in(data.get("api_key")) + secrets_in(env)
            raise redact_validation_error(exc, keys) from None

    @field_validator("timeout", mode="before")
    @classmethod
    def _check_timeout(cls, value: Any) -> Any:
        """A timeout the transport can use, refused here rather than when sending."""
        timeout_values(value)
        return float(value) if type(value) is int else value

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        spec = cls._spec
        values = dict(values)
        if not (values.get("model") or values.get("model_name")):
            if spec.default_model is None:
                raise ValueError(f"{cls.__name__} needs model=... (the model id to call)")
            values["model"] = spec.default_model
        if values.get("api_key") is None and os.environ.get(spec.key_env):
            values["api_key"] = os.environ[spec.key_env]
        if not values.get("base_url"):
            values["base_url"] = os.environ.get(spec.base_url_env) or spec.default_base_url
        base_url = values.get("base_url")
        if not base_url:
            raise ValueError(
                f"{cls.__name__} needs base_url=... or the {spec.base_url_env} environment variable"
            )
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        stop = values.get("stop", values.get("stop_sequences"))
        if isinstance(stop, str):
            values.pop("stop_sequences", None)
            values["stop"] = [stop]
        return values

    @model_validator(mode="after")
    def _check_fields(self) -> BaseChatGPT52:
        if self.use_developer_role and not self._spec.developer_role:
            raise ValueError(f"{self._spec.name} does not accept the 'developer' role")
        overlap = set(self.model_kwargs) & set(type(self).model_fields)
        # A completion parameter left unset may go through model_kwargs unchecked: that is the
        # escape hatch ``check_params`` errors point to (e.g. ``verbosity`` on AI/ML API).
        overlap -= {
            name
            for name in overlap
            if name in (*_PARAM_FIELDS, "max_tokens") and getattr(self, name) is None
        }
        if overlap:
            raise ValueError(
                f"model_kwargs must not repeat named parameters {sorted(overlap)}; "
                "set them directly"
            )
        return self

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": self._spec.key_env}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_gpt52", "chat_models"]

    @property
    def _llm_type(self) -> str:
        return f"{self._spec.ls_provider}-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "base_url": _public_url(self.base_url),
            **self._params(),
        }

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        """``generate`` over several prompts: token usage summed, model name kept."""
        usage: dict[str, Any] = {}
        combined: dict[str, Any] = {}
        for output in llm_outputs:
            if not output:
                continue
            for key in ("model_name", "system_fingerprint"):
                if output.get(key) is not None:
                    combined.setdefault(key, output[key])
            for key, value in (output.get("token_usage") or {}).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    usage[key] = usage.get(key, 0) + value
        if usage:
            combined["token_usage"] = usage
        return combined

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        # What core's version returns, without its per-call ``self.dict()`` (~20 µs a call).
        return {**self._identifying_params, "_type": self._llm_type, "stop": stop, **kwargs}

    def _resolve_model_profile(self) -> ModelProfile | None:
        spec = self._spec
        profile = ModelProfile(
            text_inputs=True,
            image_inputs=True,
            image_url_inputs=True,
            pdf_inputs=True,
            tool_calling=True,
            tool_choice=True,
            structured_output=True,
            text_outputs=True,
            reasoning_output=spec.reasoning_efforts is not None,
        )
        if spec.context_window:
            profile["max_input_tokens"] = spec.context_window
        if spec.max_output_tokens:
            profile["max_output_tokens"] = spec.max_output_tokens
        if spec.reasoning_efforts:
            profile["reasoning_effort_levels"] = sorted(spec.reasoning_efforts)
        return profile

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=self._spec.ls_provider,
            ls_model_name=kwargs.get("model") or self.model_name,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stop = stop or kwargs.get("stop") or self.stop
        if stop:
            params["ls_stop"] = stop
        return params

    # -- request building ------------------------------------------------------------------

    @property
    def _max_tokens_param(self) -> str:
        """The body field that carries ``max_tokens`` (both providers document ``max_tokens``)."""
        return "max_tokens"

    def _params(self) -> dict[str, Any]:
        """The configured completion parameters (unset ones left out)."""
        params = {name: getattr(self, name) for name in _PARAM_FIELDS}
        params["max_tokens"] = self.max_tokens
        return {k: v for k, v in params.items() if v is not None}

    def _get_transport(self) -> Transport:
        transport = self._transport
        if transport is None:
            with _TRANSPORT_LOCK:
                if self._transport is None:
                    self._transport = self._new_transport()
                transport = self._transport
        return transport

    def _new_transport(self) -> Transport:
        """The HTTP side of this instance, built once from its current fields."""
        spec = self._spec
        secret = self.api_key.get_secret_value().strip() if self.api_key is not None else ""
        if not secret:
            raise ValueError(
                f"No API key for {spec.name}: pass api_key=... or set the "
                f"{spec.key_env} environment variable"
            )
        if not (secret.isascii() and secret.isprintable()) or any(c.isspace() for c in secret):
            raise ValueError(
                f"The API key for {spec.name} (api_key=... or {spec.key_env}) contains spaces, "
                "control or non-ASCII characters; check for a pasted line break or quote"
            )
        headers = {
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "langchain-gpt52",
            **(self.default_headers or {}),
        }
        assert self.base_url is not None
        return Transport(
            base_url=self.base_url,
            headers=headers,
            timeout=self.timeout,
            stream_timeout=self.stream_chunk_timeout,
            max_retries=self.max_retries,
            total_timeout=self.total_timeout,
            provider=self._spec.name,
            secret=secret,
            max_concurrency=self.max_concurrency,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )

    def _build_request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        stream: bool,
        kwargs: dict[str, Any],
    ) -> tuple[bytes, list[str] | None]:
        """Messages + params + per-call kwargs -> (JSON body, stop sequences to enforce)."""
        spec = self._spec
        kwargs.pop("ls_structured_output_format", None)
        params = self._params()
        model = kwargs.pop("model", None) or self.model_name
        stop = stop if stop is not None else kwargs.pop("stop", None) or self.stop
        kwargs.pop("stop", None)
        stream_usage = kwargs.pop("stream_usage", self.stream_usage)
        if "max_completion_tokens" in kwargs:
            kwargs["max_tokens"] = kwargs.pop("max_completion_tokens")
        params.update(kwargs)
        check_params(spec, model, {**params, "stream": stream})
        if isinstance(stop, str):
            stop = [stop]
        if stop and spec.send_stop:
            params["stop"] = stop
        wire_max = self._max_tokens_param
        if wire_max != "max_tokens" and "max_tokens" in params:
            params[wire_max] = params.pop("max_tokens")
        params["model"] = model
        params.update(self.model_kwargs)
        if self.extra_body:
            params.update(self.extra_body)
        wire = _wire.format_messages(
            messages,
            system_role="developer" if self.use_developer_role else "system",
            allow_developer=spec.developer_role,
            provider=spec.name,
        )
        body = _wire.build_body(wire, params, stream=stream, stream_usage=bool(stream_usage))
        try:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"request parameters are not JSON-serializable: {exc}") from None
        return data, stop or None

    def _headers_metadata(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """Response-header facts for ``response_metadata`` (providers add their own)."""
        request_id = request_id_from_headers(headers)
        return {"request_id": request_id} if request_id else {}

    def _finish_result(
        self, data: Any, headers: Mapping[str, str], stop: list[str] | None
    ) -> ChatResult:
        try:
            result = _wire.parse_completion(data, self._headers_metadata(headers))
        except APIResponseValidationError as exc:
            exc.request_id = exc.request_id or request_id_from_headers(headers)
            raise
        if stop:
            for gen in result.generations:
                msg = gen.message
                if isinstance(msg.content, str):
                    text, found = cut_at_stop(msg.content, stop)
                    if found:
                        msg.content = text
                        msg.response_metadata["finish_reason"] = "stop"
        return result

    # -- invoke ----------------------------------------------------------------------------

    def _should_stream(
        self,
        *,
        async_api: bool,
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> bool:
        # On the invoke path (no ``stream`` kwarg) ``_generate``/``_agenerate`` decide, and when
        # they stream (``streaming=True``, or a streaming callback such as ``astream_events`` or
        # LangGraph's ``stream_mode="messages"``) they report each token and then re-parse tool
        # arguments strictly: langchain-core's own merge would repair truncated JSON.
        if "stream" not in kwargs:
            return False
        return super()._should_stream(async_api=async_api, run_manager=run_manager, **kwargs)

    def _streams_invoke(
        self,
        async_api: bool,
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> bool:
        """Whether langchain-core would have streamed this invoke."""
        return super()._should_stream(async_api=async_api, run_manager=run_manager, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._streams_invoke(False, run_manager, kwargs):
            return _strict_result(list(self._stream(messages, stop, run_manager, **kwargs)))
        body, stop = self._build_request(messages, stop, False, kwargs)
        data, headers = self._get_transport().post(_PATH, body)
        return self._finish_result(data, headers, stop)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._streams_invoke(True, run_manager, kwargs):
            chunks = [c async for c in self._astream(messages, stop, run_manager, **kwargs)]
            return _strict_result(chunks)
        body, stop = self._build_request(messages, stop, False, kwargs)
        data, headers = await self._get_transport().apost(_PATH, body)
        return self._finish_result(data, headers, stop)

    # -- stream ----------------------------------------------------------------------------

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        body, stop = self._build_request(messages, stop, True, kwargs)
        step = _ChunkStep(stop, self._headers_metadata)
        for data, headers in self._get_transport().stream(_PATH, body):
            for chunk in step(data, headers):
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        for tail in step.end():
            if run_manager:
                run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        body, stop = self._build_request(messages, stop, True, kwargs)
        step = _ChunkStep(stop, self._headers_metadata)
        async for data, headers in self._get_transport().astream(_PATH, body):
            for chunk in step(data, headers):
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        for tail in step.end():
            if run_manager:
                await run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail

    # -- lifecycle -------------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in _CLIENT_FIELDS:
            private = self.__pydantic_private__
            if private and private.get("_transport") is not None:
                private["_transport"] = None  # rebuilt from the new fields on the next call

    def __getstate__(self) -> dict[Any, Any]:
        # Pickled without its clients (sockets, locks): a copy in another process builds its own.
        state = super().__getstate__()
        private = state.get("__pydantic_private__")
        if private and private.get("_transport") is not None:
            state["__pydantic_private__"] = {**private, "_transport": None}
        return state

    def __copy__(self) -> BaseChatGPT52:
        new = super().__copy__()
        new._transport = None  # a copy (``model_copy``) gets its own clients, from its fields
        return new

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> BaseChatGPT52:
        memo = {} if memo is None else memo
        for client in (self.http_client, self.http_async_client):
            if client is not None:
                memo[id(client)] = client  # a user's HTTP client is shared, not copied
        private = self.__pydantic_private__ or {}
        transport = private.pop("_transport", None)
        try:
            new = super().__deepcopy__(memo)
        finally:
            private["_transport"] = transport
        new._transport = None
        return new

    def close(self) -> None:
        """Close this instance's sync HTTP client (it reopens on next use)."""
        if self._transport is not None:
            self._transport.close()

    async def aclose(self) -> None:
        """Close this instance's async HTTP client (it reopens on next use)."""
        if self._transport is not None:
            await self._transport.aclose()

    def __enter__(self) -> BaseChatGPT52:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> BaseChatGPT52:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- tokens ----------------------------------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """Offline estimate of GPT-5.2's token count (no tokenizer download)."""
        return _estimate_tokens(text)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Offline estimate for a prompt: content + ~3 tokens per message + tool schemas.

        Within about 15% of ``o200k_base`` on English prose and code; use it for budgeting,
        not billing (the provider's ``usage_metadata`` is exact).
        """
        wire = _wire.format_messages(messages) if messages else []
        total = 3
        for msg in wire:
            total += 3 + _content_tokens(msg.get("content"))
            for call in msg.get("tool_calls") or []:
                total += _estimate_tokens(json.dumps(call, ensure_ascii=False))
        for tool in tools or []:
            total += _estimate_tokens(json.dumps(convert_to_openai_tool(tool), ensure_ascii=False))
        return total

    # -- tools -----------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (pydantic models, functions, ``BaseTool``s, OpenAI/JSON-schema dicts).

        ``tool_choice``: ``"auto"``, ``"none"``, ``"required"``/``"any"``/``True`` (must call
        one), a tool name, or an OpenAI ``{"type": "function", ...}`` dict.
        """
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
            if not isinstance(name, str) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name):
                raise ValueError(
                    f"tool name {name!r} must be 1-64 characters of letters, digits, '_' or '-'"
                )
            params = fn.get("parameters") if isinstance(fn, Mapping) else None
            if params is None and isinstance(fn, dict):
                # AI/ML API's schema requires ``parameters``; a no-argument tool has none.
                fn["parameters"] = params = {"type": "object", "properties": {}}
            if params is not None and not (
                isinstance(params, Mapping) and params.get("type", "object") == "object"
            ):
                raise ValueError(
                    f"tools[{i}] ({name}): parameters must be a JSON schema of type 'object', "
                    f"got {params!r}"
                )
            names.append(name)
        if tool_choice is not None:
            kwargs["tool_choice"] = _tool_choice(tool_choice, names)
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Answers parsed into ``schema`` (pydantic class, TypedDict or JSON-schema dict).

        ``method``: ``"json_schema"`` (default; the provider constrains the output),
        ``"function_calling"`` (a forced tool call), ``"json_mode"`` (any JSON object; say the
        schema in the prompt). A refusal raises ``RefusalError`` with the model's text.
        """
        if kwargs:
            raise ValueError(f"unexpected arguments to with_structured_output: {sorted(kwargs)}")
        if schema is None and method != "json_mode":
            raise ValueError(f"schema is required for method={method!r}")
        is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        tool = convert_to_openai_tool(schema, strict=strict) if schema is not None else None
        ls_format: dict[str, Any] = {"kwargs": {"method": method, "strict": strict}}
        if schema is not None:
            ls_format["schema"] = _ls_schema(schema)
        parser: Runnable[Any, Any]
        if method == "function_calling":
            assert tool is not None
            name = tool["function"]["name"]
            llm = self.bind_tools(
                [schema],  # type: ignore[list-item]
                tool_choice=name,
                strict=strict,
                parallel_tool_calls=False,
                ls_structured_output_format=ls_format,
            )
            # A refusal comes back as ``refusal`` text with no tool call: raise, not None.
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
                # langchain-core reads ``schema`` from this dict on every call (KeyError without).
                bind_kwargs["ls_structured_output_format"] = ls_format
            llm = self.bind(**bind_kwargs)
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
        return RunnableMap(raw=llm) | parsed.with_fallbacks(
            [fallback], exception_key="parsing_error"
        )


# langchain-core calls ``inspect.signature(self._generate)`` on every non-streaming call (to see
# whether it takes ``run_manager``); a precomputed ``__signature__``, which ``inspect`` returns as
# is, makes that ~3x cheaper (13 -> 4 µs). Subclasses that override these methods are unaffected.
for _name in ("_generate", "_agenerate"):
    _method: Any = getattr(BaseChatGPT52, _name)
    _method.__signature__ = inspect.signature(_method)


def _ls_schema(schema: Any) -> Any:
    """``schema`` as langchain-core's tracing metadata shows it, converted once.

    langchain-core runs ``convert_to_json_schema`` on ``ls_structured_output_format["schema"]``
    on every call (~150 µs for a pydantic class, ~2 µs for a JSON-schema dict); handing it the
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


def _public_url(url: str | None) -> str | None:
    """``url`` without ``user:password@`` or a query string (it ends up in traces)."""
    if not url or ("@" not in url and "?" not in url):
        return url
    parsed = httpx2.URL(url)
    return str(parsed.copy_with(username=None, password=None, query=None))


def _raise_on_refusal(message: BaseMessage, *, partial: bool = False) -> BaseMessage:
    refusal = message.additional_kwargs.get("refusal")
    if refusal:
        raise RefusalError(str(refusal))
    if (
        not partial
        and isinstance(message, AIMessage)
        and message.response_metadata.get("finish_reason") == "length"
        and not message.content
    ):
        raise ValueError(
            "the model hit max_tokens before writing any structured output; raise max_tokens"
        )
    return message


class _RefusalAware:
    """Output-parser mixin: a refusal (or a reply cut before any output) raises first.

    Folded into the parser rather than chained before it: each extra step of a
    ``RunnableSequence`` costs ~150 µs of langchain-core plumbing per call.
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


def _tool_choice(choice: dict[str, Any] | str | bool, names: list[str]) -> dict[str, Any] | str:
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


def _strict_result(chunks: list[ChatGenerationChunk]) -> ChatResult:
    """Merge streamed chunks into one result, re-parsing tool arguments strictly.

    The strict parse needs the raw ``tool_call_chunks``, which converting the merged chunk to an
    ``AIMessage`` drops, so it runs on the merged chunk first.
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


_IMAGE_TOKENS = {"low": 85, "high": 765, "auto": 765}
"""GPT image cost: 85 tokens at low detail; a 512 px tile layout (~765) otherwise."""
_FILE_TOKENS = 1_500
"""A coarse figure per attached file (about one PDF page of text and its image)."""


def _content_tokens(content: Any) -> int:
    """Estimated tokens of a wire ``content``: text by the estimator, images and files by
    their fixed costs (a base64 image is not ~length/4 text tokens)."""
    if not content:
        return 0
    if isinstance(content, str):
        return _estimate_tokens(content)
    total = 0
    for part in content if isinstance(content, list) else [content]:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            total += _estimate_tokens(str(part.get("text") or ""))
        elif kind == "image_url":
            detail = (part.get("image_url") or {}).get("detail") or "auto"
            total += _IMAGE_TOKENS.get(detail, 765)
        elif kind == "file":
            total += _FILE_TOKENS
        else:
            total += _estimate_tokens(json.dumps(part, ensure_ascii=False))
    return total


def _estimate_tokens(text: str) -> int:
    total = 0
    for piece in _TOKEN_PIECES.findall(text):
        total += 1 if len(piece) <= 6 else math.ceil(len(piece) / 5)
    return total


_COST_KEYS = ("credits_used", "usd_spent")


class _ChunkStep:
    """Per-stream state shared by ``_stream`` and ``_astream``: chunk JSON -> generation chunks.

    Applies client-side stop sequences, and keeps every string in ``response_metadata`` on
    one chunk only (langchain-core concatenates strings when it merges chunks): the header
    facts go on the first finish chunk, a repeated finish (some providers send it again on the
    usage chunk) loses its metadata, and cost is reported once, from ``meta.usage`` or, failing
    that, from the response headers at the end.
    """

    __slots__ = ("_choice_seen", "_cost", "_filter", "_finished", "_headers", "_headers_md")

    def __init__(
        self,
        stop: list[str] | None,
        headers_md: Callable[[Mapping[str, str]], dict[str, Any]],
    ) -> None:
        self._filter = StopFilter(stop) if stop else None
        self._headers_md = headers_md
        self._finished = False
        self._cost: set[str] = set()
        self._choice_seen = False
        self._headers: Mapping[str, str] | None = None

    def _invalid(self, exc: APIResponseValidationError) -> APIResponseValidationError:
        """``exc`` with the response's request id (the pure parsers do not know it)."""
        exc.request_id = exc.request_id or request_id_from_headers(self._headers)
        return exc

    def _metadata_once(
        self, md: dict[str, Any], info: dict[str, Any] | None, headers: Mapping[str, str]
    ) -> bool:
        """Drop what an earlier chunk already reported; True for the (first) finish chunk."""
        for key in _COST_KEYS:
            if key in md:
                if key in self._cost:
                    del md[key]
                else:
                    self._cost.add(key)
        if "finish_reason" not in md:
            return False
        if self._finished:
            for key in [k for k in md if k != "model_provider" and k not in _COST_KEYS]:
                del md[key]
            if info:
                info.pop("finish_reason", None)
            return False
        self._finished = True
        for key, value in self._headers_md(headers).items():
            if key not in _COST_KEYS:
                md.setdefault(key, value)
        return True

    def __call__(self, data: Any, headers: Mapping[str, str]) -> list[ChatGenerationChunk]:
        self._headers = headers
        try:
            chunk = _wire.chunk_to_generation(data)
        except APIResponseValidationError as exc:
            raise self._invalid(exc) from None
        if not self._choice_seen and data.get("choices"):
            self._choice_seen = True
        if chunk is None:
            return []
        msg = chunk.message
        finish = bool(msg.response_metadata) and self._metadata_once(
            msg.response_metadata, chunk.generation_info, headers
        )
        filt = self._filter
        if filt is None:
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
        if (
            not msg.content
            and not msg.response_metadata
            and not msg.additional_kwargs
            and not (
                isinstance(msg, AIMessageChunk) and (msg.tool_call_chunks or msg.usage_metadata)
            )
        ):
            return []
        return [ChatGenerationChunk(message=msg, generation_info=chunk.generation_info)]

    def end(self) -> list[ChatGenerationChunk]:
        """The last chunks: text still held back by the stop filter, and cost from the headers
        when no chunk carried ``meta.usage``.

        Raises ``APIResponseValidationError`` when no chunk carried a choice (``choices``
        empty or null throughout, or no chunk at all): that is no completion.
        """
        if not self._choice_seen:
            raise self._invalid(
                APIResponseValidationError(
                    "the stream ended without any choice (no chunk, or `choices` empty or "
                    "null in every chunk)"
                )
            )
        tail: list[ChatGenerationChunk] = []
        rest = self._filter.flush() if self._filter is not None else ""
        if rest:
            tail.append(ChatGenerationChunk(message=AIMessageChunk(content=rest)))
        if self._headers is not None and not self._cost:
            cost = {k: v for k, v in self._headers_md(self._headers).items() if k in _COST_KEYS}
            if cost:
                md = {"model_provider": "openai", **cost}
                tail.append(
                    ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata=md))
                )
        return tail
