"""``ChatGPT52Failover``: one chat model over several gateways, with a circuit breaker each."""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableBinding
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from langchain_gpt52._rules import check_request
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
)

__all__ = ["ChatGPT52Failover", "CircuitBreaker", "failover_reason"]

logger = logging.getLogger("langchain_gpt52")

_COMMON = (
    "temperature",
    "top_p",
    "max_tokens",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "reasoning_effort",
    "verbosity",
)
"""Generation parameters the failover model takes and hands to whichever member serves."""


def failover_reason(exc: BaseException) -> str | None:
    """Why another gateway could serve after ``exc`` (a short reason), or None to raise it.

    Connection errors, timeouts, 404, 408, 409, 429, 5xx, 401/403 (a bad key or no credits) and
    malformed answers fail over; a request refused as invalid (400, 422, other 4xx) would fail
    on every gateway and is raised.
    """
    if isinstance(exc, APIStatusError):
        status = exc.status_code
        if status in (401, 403):
            return "auth"
        if status in (404, 408, 409, 429) or status >= 500:
            return "unavailable"
        return None
    if isinstance(exc, (APIConnectionError, APIResponseValidationError)):
        return "unavailable"
    return None


class CircuitBreaker:
    """Counts a member's consecutive failures; open (skipped) for ``cooldown`` seconds once
    they reach ``threshold``, then half-open: one call is let through, whose success closes
    the breaker and whose failure opens it again."""

    __slots__ = ("_clock", "cooldown", "failures", "opened_at", "threshold")

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float]) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self._clock() - self.opened_at >= self.cooldown else "open"

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = self._clock()


class ChatGPT52Failover(BaseChatModel):
    """GPT-5.2 through several gateways: the first member that can answer does.

    A real chat model (unlike ``with_fallbacks``): it works in ``create_agent``, LCEL,
    ``bind_tools``, ``with_structured_output``, streaming and async.

    Setup:
        ```python
        from langchain_gpt52 import ChatAIMLAPI, ChatGPT52Failover, ChatOxen

        llm = ChatGPT52Failover(models=[ChatAIMLAPI(), ChatOxen()], max_tokens=500)
        msg = llm.invoke("Hello!")
        msg.response_metadata["served_by"]  # e.g. 'aimlapi/openai/gpt-5-2'
        msg.response_metadata["failed_over"]  # members skipped, and why
        ```

    When it moves to the next member:
        On connection errors, timeouts, 404, 408, 409, 429 and 5xx, on AI/ML API's 403 (out of
        credits) and on a member's 401/403 (logged as a warning on the ``langchain_gpt52``
        logger: a bad key is a configuration problem). Not on a request the provider refused
        as invalid (400, 422): it would fail everywhere, so it is raised. Never once a stream
        has yielded its first chunk: a later error is raised, as for a single model. When
        every member failed, the last member's error is raised, with a note listing the others.

    Retries and failover:
        Each member keeps its own ``max_retries``: a member retries a retryable failure
        (429, 5xx, connection errors) on its own first, and only when its retries are spent
        does the failover model move on. A member with ``max_retries=2`` therefore costs up to
        three attempts (and their waits) before the next member is tried; set ``max_retries=0``
        on members to fail over at once. ``total_timeout`` stays per member.

    Circuit breaker:
        A member that failed ``failure_threshold`` times in a row (default 3) is skipped for
        ``cooldown`` seconds (default 30); then one call tries it again (half-open): success
        closes its breaker, failure opens it for another ``cooldown``. When every member is
        open, the first is tried. ``clock`` (default ``time.monotonic``) can be replaced in
        tests.

    Generation parameters:
        ``temperature``, ``top_p``, ``max_tokens``, ``frequency_penalty``,
        ``presence_penalty``, ``seed``, ``reasoning_effort``, ``verbosity`` and ``stop`` set
        here (unset by default) apply to whichever member serves, over the member's own. They
        are checked against every member at construction, and per-call values before
        anything is sent; a value one member's provider refuses is an error naming it:

        ```python
        ChatGPT52Failover(models=[ChatAIMLAPI(), ChatOxen()], max_tokens=20_000)
        # ValueError: models[1] (oxen/gpt-5-2-chat-latest): max_tokens=20000 exceeds ...
        ```

    !!! note
        Members are called directly (their own callbacks, cache and rate limiter are not
        used): callbacks, ``set_llm_cache`` and ``track_cost`` see one call of the failover
        model, whose ``response_metadata`` carries the serving member's ``cost``.
    """

    models: list[BaseChatGPT52] = Field(min_length=1)
    """The members, tried in order."""
    failure_threshold: int = Field(default=3, ge=1)
    cooldown: float = Field(default=30.0, ge=0)
    """Seconds an open breaker skips its member."""
    clock: Callable[[], float] = Field(default=time.monotonic, exclude=True)
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = Field(default=None, gt=0)
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    seed: int | None = None
    reasoning_effort: str | None = None
    verbosity: Literal["low", "medium", "high"] | None = None
    stop: list[str] | None = None

    model_config = ConfigDict(arbitrary_types_allowed=True)

    _breakers: list[CircuitBreaker] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_arguments(cls, values: Any) -> Any:
        if isinstance(values, dict):
            known = set(cls.model_fields)
            for name in values:
                if name not in known:
                    close = difflib.get_close_matches(name, known, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ValueError(
                        f"ChatGPT52Failover got an unexpected argument {name!r}{hint}; "
                        "client settings such as timeout or max_retries belong on each member"
                    )
        return values

    @model_validator(mode="after")
    def _check_members(self) -> ChatGPT52Failover:
        self._check(self._common(), stream=False)
        self._breakers = [
            CircuitBreaker(self.failure_threshold, self.cooldown, self.clock) for _ in self.models
        ]
        return self

    @property
    def _llm_type(self) -> str:
        return "gpt52-failover"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"models": [_label(m) for m in self.models], **self._common()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="gpt52-failover",
            ls_model_name=self.models[0].model_name,
            ls_model_type="chat",
        )
        if self.temperature is not None:
            params["ls_temperature"] = self.temperature
        if self.max_tokens is not None:
            params["ls_max_tokens"] = self.max_tokens
        return params

    @property
    def breakers(self) -> list[CircuitBreaker]:
        """One circuit breaker per member, in order."""
        return self._breakers

    # -- parameters ------------------------------------------------------------------------

    def _common(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _COMMON if getattr(self, k) is not None}

    def _check(self, params: dict[str, Any], *, stream: bool) -> None:
        """Refuse ``params`` when any member's provider would (the error names the member)."""
        for i, member in enumerate(self.models):
            try:
                check_request(
                    member.provider,
                    member.model_name,
                    {**member._params(), **params, "stream": stream},
                )
            except ValueError as exc:
                raise ValueError(f"models[{i}] ({_label(member)}): {exc}") from None

    def _prepare(
        self, stop: list[str] | None, kwargs: dict[str, Any], *, stream: bool
    ) -> dict[str, Any]:
        """The keyword arguments each member is called with, checked against every member."""
        if "model" in kwargs:
            raise ValueError(
                "model=... cannot be set per call on ChatGPT52Failover; set each member's model"
            )
        call = {**self._common(), **kwargs}
        call.pop("ls_structured_output_format", None)
        if "max_completion_tokens" in call:
            call["max_tokens"] = call.pop("max_completion_tokens")
        self._check({k: v for k, v in call.items() if k != "stop"}, stream=stream)
        call["stop"] = stop if stop is not None else call.pop("stop", None) or self.stop
        return call

    # -- member choice and bookkeeping -----------------------------------------------------

    def _plan(self, failed: list[dict[str, Any]]) -> list[int]:
        """Members to try, in order; open ones are noted in ``failed`` and skipped."""
        with self._lock:
            order = [i for i, b in enumerate(self._breakers) if b.state != "open"]
            for i, b in enumerate(self._breakers):
                if b.state == "open":
                    failed.append({"model": _label(self.models[i]), "error": "CircuitOpen"})
        if not order:
            del failed[:]
            order = [0]
        return order

    def _failed(
        self, i: int, exc: BaseException, failed: list[dict[str, Any]], errors: list[BaseException]
    ) -> None:
        """Note a member's failure, or raise ``exc`` when no other member could serve."""
        reason = failover_reason(exc)
        if reason is None:
            raise exc
        member = self.models[i]
        status = getattr(exc, "status_code", None)
        with self._lock:
            self._breakers[i].record_failure()
        if reason == "auth":
            logger.warning(
                "failover: %s answered %s (%s): check its API key or credits",
                _label(member),
                status,
                type(exc).__name__,
            )
        else:
            logger.info("failover: %s failed (%s %s)", _label(member), type(exc).__name__, status)
        failed.append({"model": _label(member), "error": type(exc).__name__, "status": status})
        errors.append(exc)

    def _succeeded(self, i: int) -> None:
        with self._lock:
            self._breakers[i].record_success()

    def _stamp(self, message: BaseMessage, i: int, failed: list[dict[str, Any]]) -> None:
        message.response_metadata["served_by"] = _label(self.models[i])
        message.response_metadata["failed_over"] = list(failed)

    def _exhausted(self, failed: list[dict[str, Any]], errors: list[BaseException]) -> None:
        last = errors[-1]
        tried = ", ".join(f"{f['model']}: {f['error']} {f.get('status') or ''}" for f in failed)
        last.add_note(f"ChatGPT52Failover: every member failed ({tried.strip()})")
        raise last

    # -- invoke ----------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(stop, kwargs, stream=False)
        failed: list[dict[str, Any]] = []
        errors: list[BaseException] = []
        for i in self._plan(failed):
            try:
                result = self.models[i]._generate(messages, **call)
            except Exception as exc:
                self._failed(i, exc, failed, errors)
                continue
            self._succeeded(i)
            for gen in result.generations:
                self._stamp(gen.message, i, failed)
            return result
        self._exhausted(failed, errors)
        raise AssertionError  # unreachable: _exhausted raises

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(stop, kwargs, stream=False)
        failed: list[dict[str, Any]] = []
        errors: list[BaseException] = []
        for i in self._plan(failed):
            try:
                result = await self.models[i]._agenerate(messages, **call)
            except Exception as exc:
                self._failed(i, exc, failed, errors)
                continue
            self._succeeded(i)
            for gen in result.generations:
                self._stamp(gen.message, i, failed)
            return result
        self._exhausted(failed, errors)
        raise AssertionError

    # -- stream ----------------------------------------------------------------------------

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._prepare(stop, kwargs, stream=True)
        failed: list[dict[str, Any]] = []
        errors: list[BaseException] = []
        for i in self._plan(failed):
            chunks = self.models[i]._stream(messages, **call)
            try:
                first = next(chunks, None)
            except Exception as exc:
                self._failed(i, exc, failed, errors)
                continue
            self._succeeded(i)
            if first is None:
                return
            self._stamp(first.message, i, failed)
            if run_manager:
                run_manager.on_llm_new_token(first.text, chunk=first)
            yield first
            try:
                for chunk in chunks:
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            except Exception as exc:
                if failover_reason(exc) is not None:
                    self._mid_stream(i)
                raise
            return
        self._exhausted(failed, errors)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = self._prepare(stop, kwargs, stream=True)
        failed: list[dict[str, Any]] = []
        errors: list[BaseException] = []
        for i in self._plan(failed):
            chunks = self.models[i]._astream(messages, **call)
            try:
                first = await anext(chunks, None)
            except Exception as exc:
                self._failed(i, exc, failed, errors)
                continue
            self._succeeded(i)
            if first is None:
                return
            self._stamp(first.message, i, failed)
            if run_manager:
                await run_manager.on_llm_new_token(first.text, chunk=first)
            yield first
            try:
                async for chunk in chunks:
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            except Exception as exc:
                if failover_reason(exc) is not None:
                    self._mid_stream(i)
                raise
            return
        self._exhausted(failed, errors)

    def _mid_stream(self, i: int) -> None:
        """A member's stream broke after its first chunk: counted, not failed over."""
        with self._lock:
            self._breakers[i].record_failure()

    # -- tools and structured output -------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools as the members do (``BaseChatGPT52.bind_tools``: same formats, checks
        and ``tool_choice`` values); every member receives the same tool definitions."""
        bound = self.models[0].bind_tools(
            tools,
            tool_choice=tool_choice,
            strict=strict,
            parallel_tool_calls=parallel_tool_calls,
            **kwargs,
        )
        assert isinstance(bound, RunnableBinding)
        return self.bind(**bound.kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Structured output as on the members (``BaseChatGPT52.with_structured_output``)."""
        return BaseChatGPT52.with_structured_output(
            self,  # type: ignore[arg-type]
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
            **kwargs,
        )


def _label(member: BaseChatGPT52) -> str:
    return f"{member.provider.ls_provider}/{member.model_name}"
