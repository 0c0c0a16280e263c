"""The shared chat model: fields, the four I/O shells (invoke, ainvoke, stream, astream), and
the LangChain plumbing. Provider knowledge comes from a `Provider` descriptor."""

from __future__ import annotations

import difflib
import inspect
import json
import os
import threading
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from uuid import UUID

import httpx2
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, Generation
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.utils import LC_ID_PREFIX
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

from langchain_gpt52 import _responses_wire, _tokens, _wire, cost
from langchain_gpt52._prices import Price
from langchain_gpt52._rules import check_request, check_structured_method, upstream_hints
from langchain_gpt52._transport import Transport, timeout_values
from langchain_gpt52.chat_models._assembly import StreamAssembler, cut_result_at_stop, strict_result
from langchain_gpt52.chat_models._generation import GenerationFields
from langchain_gpt52.errors import (
    APIError,
    APIResponseValidationError,
    BadRequestError,
    redact_validation_error,
    request_id_from_headers,
    secrets_in,
)
from langchain_gpt52.providers import Provider
from langchain_gpt52.providers._types import EffortIn, Endpoint

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

__all__ = ["BaseChatGPT52"]

_PATHS: dict[str, str] = {"chat": "/chat/completions", "responses": "/responses"}
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
_SYNONYMS = {
    "api_base": "base_url",
    "openai_api_base": "base_url",
    "base_url_env": "base_url",
    "openai_api_key": "api_key",
    "max_output_tokens": "max_tokens",
    "stop_words": "stop",
}
"""Other libraries' names for our fields."""


class BaseChatGPT52(GenerationFields, BaseChatModel):
    """Shared implementation behind `ChatAIMLAPI`, `ChatOxen` and `ChatGPT52`.

    A subclass sets `provider`, a `langchain_gpt52.providers.Provider` (defaults, env vars,
    documented request fields, model catalog, error and cost shapes); everything else is shared.
    """

    provider: ClassVar[Provider]
    """The provider descriptor: what this class knows about its provider, as data
    (`ChatAIMLAPI.provider.default_base_url`, `.request_id_headers`, `.models_route`, its
    model catalog `.models`)."""

    model_name: str = Field(default="", alias="model")
    """Model id sent to the provider (also readable as `llm.model`)."""
    api_key: SecretStr | None = None
    """API key; read from the provider's env var when not given."""
    base_url: str | None = None
    """Base URL (`/chat/completions` is appended); from the provider's env var or default."""
    # The generation parameters (temperature, top_p, max_tokens, ...) are `GenerationFields`.
    n: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    timeout: Any = Field(default=None, alias="request_timeout")
    """Seconds (or an `httpx2`/`httpx` `Timeout`) per request; default 600 s read, 10 s
    connect."""
    stream_chunk_timeout: float | None = Field(default=None, gt=0)
    """Longest silence between stream reads before `APITimeoutError` (default: read timeout)."""
    total_timeout: float | None = Field(default=None, gt=0)
    """Wall-clock budget of one call, retries and their waits included (a stream: until its
    last chunk); `APITimeoutError` once it is spent. Default: no total limit."""
    max_retries: int = Field(default=2, ge=0)
    client_request_id: str | None = None
    """Your own id for every request of this instance, sent as the provider's client request id
    header (`X-Client-Request-Id`); per call: `invoke(..., client_request_id=...)`. Checked
    against the format the provider documents; the echo is in `response_metadata`."""
    max_concurrency: int | None = Field(default=None, ge=1)
    """Cap on requests in flight from this instance (sync and async), e.g. for a big `abatch`."""
    streaming: bool = False
    stream_usage: bool = True
    """Ask for token usage in streams (`stream_options.include_usage`)."""
    use_developer_role: bool = False
    """Send system messages with the `developer` role (where the provider accepts it)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra body fields sent as they are (not checked): the escape hatch for new parameters."""
    extra_body: dict[str, Any] | None = None
    """Same as `model_kwargs` (the openai SDK's name)."""
    default_headers: dict[str, str] | None = None
    http_client: Any = Field(default=None, exclude=True)
    """An `httpx2.Client` (or `httpx.Client`) to use instead of the instance's own."""
    http_async_client: Any = Field(default=None, exclude=True)
    """An `httpx2.AsyncClient` (or `httpx.AsyncClient`) to use instead of the instance's
    own."""

    model_config = ConfigDict(
        populate_by_name=True,
        arbitrary_types_allowed=True,
        hide_input_in_errors=True,  # the input holds the API key
        defer_build=True,  # validators built on first construction, per class used
    )

    _transport: Transport | None = PrivateAttr(default=None)
    _params_cache: dict[str, Any] | None = PrivateAttr(default=None)

    # -- construction ----------------------------------------------------------------------

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            # A mistake next to a valid key must not print the key (pydantic shows the input).
            env = os.environ.get(self.provider.key_env)
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
        _refuse_unknown(cls, values)
        spec = cls.provider
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
        if self.use_developer_role and not self.provider.developer_role:
            raise ValueError(f"{self.provider.name} does not accept the 'developer' role")
        check_request(
            self.provider,
            self.model_name,
            {**self._params(), "client_request_id": self.client_request_id},
            self._endpoint(self.model_name),
        )
        overlap = set(self.model_kwargs) & set(type(self).model_fields)
        # A completion parameter left unset may go through model_kwargs unchecked: that is the
        # escape hatch `check_request` errors point to (e.g. `verbosity` on AI/ML API).
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
    def model(self) -> str:
        """The model id (the `model_name` field)."""
        return self.model_name

    @model.setter
    def model(self, value: str) -> None:
        self.model_name = value

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": self.provider.key_env}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_gpt52", "chat_models"]

    @property
    def _llm_type(self) -> str:
        return f"{self.provider.ls_provider}-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "base_url": _public_url(self.base_url),
            **self._params(),
        }

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        """`generate` over several prompts: token usage summed, model name kept."""
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
        # What core's version returns, without its per-call `self.dict()`.
        return {**self._identifying_params, "_type": self._llm_type, "stop": stop, **kwargs}

    def _resolve_model_profile(self) -> ModelProfile | None:
        return _profile(self.provider, self.model_name)

    def _check_structured_method(self, method: str) -> None:
        """Refuse a structured-output method the model's schema cannot carry."""
        check_structured_method(self.provider, self.model_name, method)

    def _endpoint(self, model: str) -> Endpoint:
        """The API that serves `model`: its catalog row's (Chat Completions when unknown)."""
        row = self.provider.row(model)
        return row.endpoint if row is not None else "chat"

    def _list_price(self) -> Price | None:
        """The model's list price per 1M tokens from the catalog (None when unknown)."""
        row = self.provider.row(self.model_name)
        return row.price if row is not None else None

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=self.provider.ls_provider,
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
        """The body field that carries `max_tokens` (the one the provider documents)."""
        return self.provider.max_tokens_field

    def _params(self) -> dict[str, Any]:
        """The configured completion parameters (unset ones left out), a fresh dict.

        Computed once and kept until a field changes (`__setattr__`, copies).
        """
        cached = self._params_cache
        if cached is None:
            params = {name: getattr(self, name) for name in _PARAM_FIELDS}
            params["max_tokens"] = self.max_tokens
            cached = {k: v for k, v in params.items() if v is not None}
            self._params_cache = cached
        return dict(cached)

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
        spec = self.provider
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
            provider=self.provider,
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
    ) -> _Request:
        """Messages + params + per-call kwargs -> the body, stop sequences and upstream hints."""
        spec = self.provider
        kwargs.pop("ls_structured_output_format", None)
        params = self._params()
        model = kwargs.pop("model", None) or self.model_name
        stop = stop if stop is not None else kwargs.pop("stop", None) or self.stop
        kwargs.pop("stop", None)
        stream_usage = kwargs.pop("stream_usage", self.stream_usage)
        client_id = kwargs.pop("client_request_id", self.client_request_id)
        if "max_completion_tokens" in kwargs:
            kwargs["max_tokens"] = kwargs.pop("max_completion_tokens")
        params.update(kwargs)
        endpoint = self._endpoint(model)
        check_request(
            spec, model, {**params, "stream": stream, "client_request_id": client_id}, endpoint
        )
        hints = upstream_hints(spec, model, params)
        if isinstance(stop, str):
            stop = [stop]
        chat = endpoint == "chat"
        if stop and chat and spec.sends_stop(spec.row(model)):
            params["stop"] = stop
        wire_max = self._max_tokens_param
        if chat and wire_max != "max_tokens" and "max_tokens" in params:
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
            user_parts=spec.user_parts,
        )
        if chat:
            body = _wire.build_body(wire, params, stream=stream, stream_usage=bool(stream_usage))
        else:
            body = _responses_wire.build_body(wire, params, stream=stream)
        try:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"request parameters are not JSON-serializable: {exc}") from None
        headers = {spec.client_request_id_header: client_id} if client_id is not None else None
        return _Request(data, stop or None, hints, headers, endpoint, spec)

    def _headers_metadata(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """Response-header facts for `response_metadata`: request id and cost."""
        return _header_facts(self.provider, headers)

    def _finish_result(self, data: Any, headers: Mapping[str, str], req: _Request) -> ChatResult:
        try:
            data = req.completion(data)
            result = _wire.parse_completion(data, self._headers_metadata(headers), self.provider)
        except APIResponseValidationError as exc:
            rid = request_id_from_headers(headers, self.provider.request_id_headers)
            exc.request_id = exc.request_id or rid
            raise
        _warn_if_cut_empty(gen.message for gen in result.generations)
        result = cut_result_at_stop(result, req.stop)
        price = self._list_price()
        for gen in result.generations:
            cost.attach_cost(gen.message, price, self.provider.cost_units)
        return result

    def _convert_cached_generations(self, cache_val: list[Generation]) -> list[ChatGeneration]:
        generations = super()._convert_cached_generations(cache_val)
        cost.mark_cached(generations, tuple(self.provider.cost_units))  # a cache hit costs nothing
        return generations

    # -- invoke ----------------------------------------------------------------------------

    def _should_stream(
        self,
        *,
        async_api: bool,
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> bool:
        # On the invoke path (no `stream` kwarg) `_generate`/`_agenerate` decide, and when
        # they stream (`streaming=True`, or a streaming callback such as `astream_events` or
        # LangGraph's `stream_mode="messages"`) they report each token and then re-parse tool
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
            return strict_result(list(self._stream(messages, stop, run_manager, **kwargs)))
        req = self._build_request(messages, stop, False, kwargs)
        try:
            data, headers = self._get_transport().post(req.path, req.body, req.headers)
        except APIError as exc:
            _annotate(exc, req)
            raise
        return self._finish_result(data, headers, req)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._streams_invoke(True, run_manager, kwargs):
            chunks = [c async for c in self._astream(messages, stop, run_manager, **kwargs)]
            return strict_result(chunks)
        req = self._build_request(messages, stop, False, kwargs)
        try:
            data, headers = await self._get_transport().apost(req.path, req.body, req.headers)
        except APIError as exc:
            _annotate(exc, req)
            raise
        return self._finish_result(data, headers, req)

    # -- stream ----------------------------------------------------------------------------

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        req = self._build_request(messages, stop, True, kwargs)
        step = StreamAssembler(req.stop, self._headers_metadata, self._list_price(), self.provider)
        try:
            events = self._get_transport().stream(req.path, req.body, req.headers)
            for data, headers in req.chunks(events):
                for chunk in step(data, headers):
                    if run_manager:
                        _set_run_id(chunk, run_manager.run_id)
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        except APIError as exc:
            _annotate(exc, req)
            for tail in step.cut():  # usage that arrived before the error is still reported
                if run_manager:
                    _set_run_id(tail, run_manager.run_id)
                    run_manager.on_llm_new_token(tail.text, chunk=tail)
                yield tail
            raise
        for tail in step.end():
            if run_manager:
                _set_run_id(tail, run_manager.run_id)
                run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail
        if step.cut_empty:
            warnings.warn(_CUT_EMPTY, UserWarning, stacklevel=2)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        req = self._build_request(messages, stop, True, kwargs)
        step = StreamAssembler(req.stop, self._headers_metadata, self._list_price(), self.provider)
        try:
            aevents = self._get_transport().astream(req.path, req.body, req.headers)
            async for data, headers in req.achunks(aevents):
                for chunk in step(data, headers):
                    if run_manager:
                        _set_run_id(chunk, run_manager.run_id)
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        except APIError as exc:
            _annotate(exc, req)
            for tail in step.cut():  # usage that arrived before the error is still reported
                if run_manager:
                    _set_run_id(tail, run_manager.run_id)
                    await run_manager.on_llm_new_token(tail.text, chunk=tail)
                yield tail
            raise
        for tail in step.end():
            if run_manager:
                _set_run_id(tail, run_manager.run_id)
                await run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail
        if step.cut_empty:
            warnings.warn(_CUT_EMPTY, UserWarning, stacklevel=2)

    # -- lifecycle -------------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        private = self.__pydantic_private__
        if not private or name.startswith("_"):
            return
        private["_params_cache"] = None
        if name in _CLIENT_FIELDS and private.get("_transport") is not None:
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
        new._transport = None  # a copy (`model_copy`) gets its own clients, from its fields
        new._params_cache = None  # `model_copy(update=...)` sets fields after this
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
        new._params_cache = None
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
        return _tokens.estimate_tokens(text)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Offline estimate for a prompt: content + ~3 tokens per message + tool schemas.

        Within about 15% of `o200k_base` on English prose and code; use it for budgeting,
        not billing (the provider's `usage_metadata` is exact).
        """
        wire = _wire.format_messages(messages) if messages else []
        schemas = [convert_to_openai_tool(tool) for tool in tools or []]
        return _tokens.prompt_tokens(wire, schemas)

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
        """Bind tools (pydantic models, functions, `BaseTool`s, OpenAI/JSON-schema dicts).

        `tool_choice`: `"auto"`, `"none"`, `"required"`/`"any"`/`True` (must call
        one), a tool name, or an OpenAI `{"type": "function", ...}` dict.
        """
        formatted, names = _wire.format_tools(tools, strict=strict)
        if tool_choice is not None:
            kwargs["tool_choice"] = _wire.tool_choice(tool_choice, names)
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
        """Answers parsed into `schema` (pydantic class, TypedDict or JSON-schema dict).

        `method`: `"json_schema"` (default; the provider constrains the output),
        `"function_calling"` (a forced tool call), `"json_mode"` (any JSON object; say the
        schema in the prompt). A refusal raises `RefusalError` with the model's text; a reply
        cut by the token limit raises `CutReplyError` (raise `max_tokens`).
        """
        if kwargs:
            raise ValueError(f"unexpected arguments to with_structured_output: {sorted(kwargs)}")
        if schema is None and method != "json_mode":
            raise ValueError(f"schema is required for method={method!r}")
        self._check_structured_method(method)
        from langchain_gpt52.chat_models.structured import structured_output

        return structured_output(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )


# langchain-core calls `inspect.signature(self._generate)` on every non-streaming call (to see
# whether it takes `run_manager`); `inspect` returns a precomputed `__signature__` as is,
# which is cheaper. Subclasses that override these methods are unaffected.
for _name in ("_generate", "_agenerate"):
    _method: Any = getattr(BaseChatGPT52, _name)
    _method.__signature__ = inspect.signature(_method)


class _Request:
    """One call's request: the JSON body, the stop sequences to enforce, upstream hints, the
    per-call headers (the client request id), and the API it goes to (its path, and how its
    answers read as chat completions)."""

    __slots__ = ("body", "endpoint", "headers", "hints", "path", "provider", "stop")

    def __init__(
        self,
        body: bytes,
        stop: list[str] | None,
        hints: list[str],
        headers: dict[str, str] | None = None,
        endpoint: Endpoint = "chat",
        provider: Provider | str = "the provider",
    ) -> None:
        self.body = body
        self.stop = stop
        self.hints = hints
        self.headers = headers
        self.endpoint = endpoint
        self.path = _PATHS[endpoint]
        self.provider = provider

    def completion(self, data: Any) -> Any:
        """The answer body as a `chat.completion`."""
        if self.endpoint == "chat":
            return data
        return _responses_wire.as_completion(data, self.provider)

    def chunks(self, events: Iterator[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
        """The stream's events as `chat.completion.chunk` dicts, with their headers."""
        if self.endpoint == "chat":
            return events
        return _responses_wire.chat_chunks(events, self.provider)

    def achunks(self, events: AsyncIterator[tuple[Any, Any]]) -> AsyncIterator[tuple[Any, Any]]:
        """`chunks` for an async stream."""
        if self.endpoint == "chat":
            return events
        return _responses_wire.achat_chunks(events, self.provider)


def _set_run_id(chunk: ChatGenerationChunk, run_id: UUID) -> None:
    """Give a chunk the run's message id, as langchain-core does, before callbacks see it (the
    streamed invoke path reports tokens itself, and its merged message keeps this id)."""
    if chunk.message.id is None:
        chunk.message.id = f"{LC_ID_PREFIX}-{run_id}"


def _annotate(exc: APIError, req: _Request) -> None:
    """Name the call's client request id on its error; add upstream hints to a 400."""
    if req.headers:
        (client_id,) = req.headers.values()
        exc.client_request_id = client_id
        exc.message = f"{exc.message} [client request id: {client_id}]"
        exc.args = (exc.message, *exc.args[1:])
    if isinstance(exc, BadRequestError):
        _add_hints(exc, req.hints)


def _add_hints(exc: BadRequestError, hints: list[str]) -> None:
    """Add to the provider's 400 one line naming the upstream rules the request broke."""
    if hints:
        exc.message = f"{exc.message}\nhint: {'; '.join(hints)}"
        exc.args = (exc.message, *exc.args[1:])


def _refuse_unknown(cls: type[BaseChatGPT52], values: Mapping[str, Any]) -> None:
    """Raise for a constructor argument that is neither a field nor an alias."""
    known = set(cls.model_fields)
    known.update(f.alias for f in cls.model_fields.values() if f.alias)
    for key in values:
        if key in known:
            continue
        guess = _SYNONYMS.get(key) or next(
            iter(difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)), None
        )
        if guess:
            raise ValueError(
                f"{cls.__name__} got an unknown argument {key!r}: did you mean {guess}?"
            )
        raise ValueError(
            f"{cls.__name__} got an unknown argument {key!r}: to send it as a request field, "
            f"pass model_kwargs={{{key!r}: ...}} (or extra_body)"
        )


def _profile(spec: Provider, model: str) -> ModelProfile:
    """The model's profile from its catalog row; an id not in the catalog leaves out what is
    not known (context, output cap, input kinds, reasoning)."""
    profile = ModelProfile(
        text_inputs=True,
        tool_calling=True,
        tool_choice=True,
        structured_output=True,
        text_outputs=True,
    )
    row = spec.row(model)
    if row is None:
        return profile
    profile["image_inputs"] = profile["image_url_inputs"] = "image" in row.inputs
    profile["pdf_inputs"] = "pdf" in row.inputs
    profile["reasoning_output"] = bool(row.efforts) or row.default_effort not in (None, "none")
    if row.context_window:
        profile["max_input_tokens"] = row.context_window
    if row.max_output_tokens:
        profile["max_output_tokens"] = row.max_output_tokens
    efforts = row.efforts or next(
        (rule.efforts for rule in row.upstream if isinstance(rule, EffortIn)), None
    )
    if efforts:
        profile["reasoning_effort_levels"] = list(efforts)
    return profile


def _number(value: str | None) -> float | int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _header_facts(spec: Provider, headers: Mapping[str, str]) -> dict[str, Any]:
    """The request id and the cost headers the provider documents."""
    md: dict[str, Any] = {}
    request_id = request_id_from_headers(headers, spec.request_id_headers)
    if request_id:
        md["request_id"] = request_id
    client_id = headers.get(spec.client_request_id_header.lower())
    if client_id:
        md["client_request_id"] = client_id
    for header, key in spec.cost_headers.items():
        value = _number(headers.get(header))
        if value is not None:
            md[key] = value
    return md


_CUT_EMPTY = (
    "the reply is empty: the model stopped at the output token limit (finish_reason='length'), "
    "possibly after spending it all on reasoning; raise max_tokens"
)


def _warn_if_cut_empty(messages: Iterator[BaseMessage]) -> None:
    """Warn once when a reply came back empty because it hit the token limit."""
    for msg in messages:
        if (
            msg.response_metadata.get("finish_reason") == "length"
            and not msg.content
            and not getattr(msg, "tool_calls", None)
        ):
            warnings.warn(_CUT_EMPTY, UserWarning, stacklevel=4)
            return


def _public_url(url: str | None) -> str | None:
    """`url` without `user:password@` or a query string (it ends up in traces)."""
    if not url or ("@" not in url and "?" not in url):
        return url
    parsed = httpx2.URL(url)
    return str(parsed.copy_with(username=None, password=None, query=None))
