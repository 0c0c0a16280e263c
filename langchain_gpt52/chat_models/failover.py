"""`ChatGPT52Failover`: one chat model over several gateways, with a circuit breaker each."""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NoReturn, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableBinding
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from langchain_gpt52._rules import check_request
from langchain_gpt52.chat_models._generation import GENERATION_FIELDS, GenerationFields
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
)
from langchain_gpt52.providers import Provider

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

__all__ = ["ChatGPT52Failover", "CircuitBreaker", "failover_reason"]

logger = logging.getLogger("langchain_gpt52")

_WARN = {
    "auth": "check its API key",
    "credits": "its account is out of credits: top up or check the key",
}
"""Failover reasons that are a configuration problem, logged as a warning with this advice."""


def failover_reason(exc: BaseException, provider: Provider) -> str | None:
    """Why another gateway could serve after `exc` from a member on `provider` (a short
    reason), or None to raise it.

    A status the provider lists in `failover_statuses` fails over with the reason it gives
    (e.g. `"auth"`, `"credits"`, `"unavailable"`), and so does any 5xx, connection error,
    timeout or malformed answer. Any other status (a request refused as invalid: 400, 422)
    would fail on every gateway and is raised.
    """
    if isinstance(exc, APIStatusError):
        status = exc.status_code
        reason = provider.failover_statuses.get(status)
        if reason is None and status >= 500:
            return "unavailable"
        return reason
    if isinstance(exc, (APIConnectionError, APIResponseValidationError)):
        return "unavailable"
    return None


class CircuitBreaker:
    """Counts a member's consecutive failures; open (skipped) for `cooldown` seconds once
    they reach `threshold`, then half-open: one call is let through (`admit`), whose success
    closes the breaker and whose failure opens it again.

    Each admitted call holds a ticket (the breaker's epoch when it started): a failure of a
    call that started before the breaker last opened is not counted, so it neither reopens
    the breaker nor pushes its cooldown back. A half-open try that never reports (a cancelled
    call) is given up on after another `cooldown`, and the next call may try.
    """

    __slots__ = ("_clock", "cooldown", "epoch", "failures", "opened_at", "probe_at", "threshold")

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float]) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.probe_at: float | None = None
        """When the half-open try started (None: no try in flight)."""
        self.epoch = 0
        """How many times the breaker has opened."""

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        if self.opened_at is None:
            return "closed"
        now = self._clock()
        if now - self.opened_at < self.cooldown or self._probing(now):
            return "open"
        return "half_open"

    def _probing(self, now: float) -> bool:
        return self.probe_at is not None and now - self.probe_at < self.cooldown

    def admit(self) -> int | None:
        """A ticket for a call that may try the member now, or None (open, or the one
        half-open try is in flight)."""
        if self.opened_at is None:
            return self.epoch
        now = self._clock()
        if now - self.opened_at < self.cooldown or self._probing(now):
            return None
        self.probe_at = now
        return self.epoch

    def release(self) -> None:
        """End a half-open try that neither succeeded nor failed: the next call may try."""
        self.probe_at = None

    def record_success(self, ticket: int | None = None) -> None:
        self.failures = 0
        self.opened_at = None
        self.probe_at = None

    def record_failure(self, ticket: int | None = None) -> None:
        """Count a failure of the call holding `ticket` (None: a call that started now)."""
        if ticket is not None and ticket != self.epoch:
            return  # the call started before the breaker last opened
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = self._clock()
            self.probe_at = None
            self.epoch += 1


class _Guard:
    """A lock that pickles and copies as a new lock (the breakers' state is copied as is)."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[_Guard], tuple[()]]:
        return (_Guard, ())

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


@dataclass
class _Tries:
    """One call's way through the members."""

    failed: list[dict[str, Any]] = field(default_factory=list)
    """The members that did not serve it, in order (the answer's `failed_over`)."""
    errors: list[BaseException] = field(default_factory=list)
    """What each tried member raised."""


class ChatGPT52Failover(GenerationFields, BaseChatModel):
    """GPT-5.2 through several gateways: the first member that can answer does.

    A real chat model (unlike `with_fallbacks`): it works in `create_agent`, LCEL,
    `bind_tools`, `with_structured_output`, `trim_messages`, streaming and async, and it
    pickles and serializes (`dumps`/`dumpd`, each member's key as a secret reference).

    Setup:
        ```python
        from langchain_gpt52 import ChatAIMLAPI, ChatGPT52Failover, ChatOxen

        llm = ChatGPT52Failover(models=[ChatAIMLAPI(), ChatOxen()], max_tokens=500)
        msg = llm.invoke("Hello!")
        msg.response_metadata["served_by"]  # e.g. 'aimlapi/openai/gpt-5-2#0'
        msg.response_metadata["failed_over"]  # members skipped, and why
        ```

    Which member served:
        `served_by` (and each `failed_over` entry's `model`) is
        `"<ls_provider>/<model>#<index in models>"`, so two members serving the same model
        are told apart. `track_cost` keys its totals by it.

    When it moves to the next member:
        On connection errors, timeouts, malformed answers, 5xx, and the statuses the member's
        provider lists in its descriptor's `failover_statuses` (404, 408, 409, 429, and 401/403:
        a bad key, or on AI/ML API 403 an account out of credits; these two are logged as a
        warning on the `langchain_gpt52` logger, being configuration problems). Not on a request
        the provider refused as invalid (400, 422): it would fail everywhere, so it is raised.
        Never once a stream has yielded its first chunk: a later error is raised, as for a
        single model. When every member failed, the last member's error is raised, with a note
        listing the others.

    Retries and failover:
        Each member keeps its own `max_retries`: a member retries a retryable failure
        (429, 5xx, connection errors) on its own first, and only when its retries are spent
        does the failover model move on. A member with `max_retries=2` therefore costs up to
        three attempts (and their waits) before the next member is tried; set `max_retries=0`
        on members to fail over at once. `total_timeout` stays per member.

    Circuit breaker:
        A member that failed `failure_threshold` times in a row (default 3) is skipped for
        `cooldown` seconds (default 30); then exactly one call tries it again (half-open), the
        others skip it meanwhile: success closes its breaker, failure opens it for another
        `cooldown`. Failures of calls that started before the breaker opened are not counted.
        When every member is open, the first is tried. `clock` (default `time.monotonic`) can
        be replaced in tests.

    Generation parameters:
        `temperature`, `top_p`, `max_tokens`, `frequency_penalty`, `presence_penalty`, `seed`,
        `reasoning_effort`, `verbosity` and `stop` are the members' own fields (same types and
        aliases); set here (unset by default) they apply to whichever member serves, over the
        member's own. They are checked against every member at construction, and per-call
        values before anything is sent; a value one member's provider refuses is an error
        naming it:

        ```python
        ChatGPT52Failover(models=[ChatAIMLAPI(), ChatOxen()], max_tokens=20_000)
        # ValueError: models[1] (oxen/gpt-5-2-chat-latest): max_tokens=20000 exceeds ...
        ```

    Tokens and profile:
        `get_num_tokens` and `get_num_tokens_from_messages` count with the first member whose
        breaker is not open. `profile` is what every member supports: a capability all of them
        have, the smallest context window and output cap, the reasoning efforts all accept.

    !!! note
        Members are called directly: their callbacks and cache are not used (callbacks,
        `set_llm_cache` and `track_cost` see one call of the failover model, whose
        `response_metadata` carries the serving member's `cost`); a member's `rate_limiter` is
        acquired before the member is called.
    """

    models: list[BaseChatGPT52] = Field(min_length=1)
    """The members, tried in order."""
    failure_threshold: int = Field(default=3, ge=1)
    cooldown: float = Field(default=30.0, ge=0)
    """Seconds an open breaker skips its member."""
    clock: Callable[[], float] = Field(default=time.monotonic, exclude=True)

    model_config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True)

    _breakers: list[CircuitBreaker] = PrivateAttr(default_factory=list)
    _lock: _Guard = PrivateAttr(default_factory=_Guard)

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_arguments(cls, values: Any) -> Any:
        if isinstance(values, dict):
            known = set(cls.model_fields)
            known.update(f.alias for f in cls.model_fields.values() if f.alias)
            for name in values:
                if name not in known:
                    close = difflib.get_close_matches(name, known, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ValueError(
                        f"ChatGPT52Failover got an unexpected argument {name!r}{hint}; "
                        "client settings such as timeout or max_retries belong on each member"
                    )
            stop = values.get("stop", values.get("stop_sequences"))
            if isinstance(stop, str):
                values = {k: v for k, v in values.items() if k != "stop_sequences"}
                values["stop"] = [stop]
        return values

    @model_validator(mode="after")
    def _check_members(self) -> ChatGPT52Failover:
        self._check(self._common(), stream=False)
        self._breakers = [
            CircuitBreaker(self.failure_threshold, self.cooldown, self.clock) for _ in self.models
        ]
        return self

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_gpt52", "chat_models"]

    @property
    def _llm_type(self) -> str:
        return "gpt52-failover"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"models": [_label(m, i) for i, m in enumerate(self.models)], **self._common()}

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

    def _resolve_model_profile(self) -> ModelProfile | None:
        return _common_profile([m.profile for m in self.models])

    @property
    def breakers(self) -> list[CircuitBreaker]:
        """One circuit breaker per member, in order."""
        return self._breakers

    # -- tokens ----------------------------------------------------------------------------

    def _counting_member(self) -> BaseChatGPT52:
        """The member that would be tried first now (its breaker not open), else the first."""
        with self._lock:
            states = [b.state for b in self._breakers]
        return next(
            (m for m, state in zip(self.models, states, strict=True) if state != "open"),
            self.models[0],
        )

    def get_num_tokens(self, text: str) -> int:
        """The token count of `text` by the first available member's counter."""
        return self._counting_member().get_num_tokens(text)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """The prompt's token count by the first available member's counter (so
        `trim_messages(token_counter=failover)` works)."""
        return self._counting_member().get_num_tokens_from_messages(messages, tools)

    # -- parameters ------------------------------------------------------------------------

    def _common(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in GENERATION_FIELDS if getattr(self, k) is not None}

    def _check(self, params: dict[str, Any], *, stream: bool) -> None:
        """Refuse `params` when any member's provider would (the error names the member)."""
        for i, member in enumerate(self.models):
            try:
                check_request(
                    member.provider,
                    member.model_name,
                    {**member._params(), **params, "stream": stream},
                    member._endpoint(member.model_name),
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

    def _plan(self, tries: _Tries) -> list[tuple[int, int]]:
        """Members to try with their breaker tickets, in order; members whose breaker does
        not admit a call now are noted in `tries.failed` and skipped."""
        order: list[tuple[int, int]] = []
        skipped: list[dict[str, Any]] = []
        with self._lock:
            for i, breaker in enumerate(self._breakers):
                ticket = breaker.admit()
                if ticket is None:
                    skipped.append({"model": _label(self.models[i], i), "error": "CircuitOpen"})
                else:
                    order.append((i, ticket))
            if not order:
                return [(0, self._breakers[0].epoch)]
        tries.failed.extend(skipped)
        return order

    def _failed(
        self,
        i: int,
        ticket: int,
        exc: BaseException,
        tries: _Tries,
    ) -> None:
        """Note a member's failure, or raise `exc` when no other member could serve."""
        member = self.models[i]
        reason = failover_reason(exc, member.provider)
        if reason is None:
            with self._lock:
                if isinstance(exc, APIStatusError):
                    self._breakers[i].record_success(ticket)  # the gateway answered: it is up
                else:
                    self._breakers[i].release()  # says nothing about the gateway
            raise exc
        status = getattr(exc, "status_code", None)
        with self._lock:
            self._breakers[i].record_failure(ticket)
        label = _label(member, i)
        if reason in _WARN:
            logger.warning(
                "failover: %s answered %s (%s): %s",
                label,
                status,
                type(exc).__name__,
                _WARN[reason],
            )
        else:
            logger.info("failover: %s failed (%s %s)", label, type(exc).__name__, status)
        tries.failed.append({"model": label, "error": type(exc).__name__, "status": status})
        tries.errors.append(exc)

    def _served(self, i: int, ticket: int, tries: _Tries, *messages: BaseMessage) -> None:
        """Member `i` answered: its breaker notes the success, the messages say who served."""
        with self._lock:
            self._breakers[i].record_success(ticket)
        for message in messages:
            message.response_metadata["served_by"] = _label(self.models[i], i)
            message.response_metadata["failed_over"] = list(tries.failed)

    def _mid_stream(self, i: int, ticket: int, exc: BaseException) -> None:
        """A member's stream broke after its first chunk: counted, not failed over."""
        if failover_reason(exc, self.models[i].provider) is not None:
            with self._lock:
                self._breakers[i].record_failure(ticket)

    def _exhausted(self, tries: _Tries) -> NoReturn:
        last = tries.errors[-1]
        tried = ", ".join(
            f"{f['model']}: {f['error']} {f.get('status') or ''}" for f in tries.failed
        )
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
        tries = _Tries()
        for i, ticket in self._plan(tries):
            member = self.models[i]
            try:
                if member.rate_limiter:
                    member.rate_limiter.acquire(blocking=True)
                result = member._generate(messages, **call)
            except Exception as exc:
                self._failed(i, ticket, exc, tries)
                continue
            self._served(i, ticket, tries, *(gen.message for gen in result.generations))
            return result
        self._exhausted(tries)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(stop, kwargs, stream=False)
        tries = _Tries()
        for i, ticket in self._plan(tries):
            member = self.models[i]
            try:
                if member.rate_limiter:
                    await member.rate_limiter.aacquire(blocking=True)
                result = await member._agenerate(messages, **call)
            except Exception as exc:
                self._failed(i, ticket, exc, tries)
                continue
            self._served(i, ticket, tries, *(gen.message for gen in result.generations))
            return result
        self._exhausted(tries)

    # -- stream ----------------------------------------------------------------------------

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._prepare(stop, kwargs, stream=True)
        tries = _Tries()
        for i, ticket in self._plan(tries):
            member = self.models[i]
            try:
                if member.rate_limiter:
                    member.rate_limiter.acquire(blocking=True)
                chunks = member._stream(messages, **call)
                first = next(chunks, None)
            except Exception as exc:
                self._failed(i, ticket, exc, tries)
                continue
            self._served(i, ticket, tries, *([] if first is None else [first.message]))
            if first is None:
                return
            if run_manager:
                run_manager.on_llm_new_token(first.text, chunk=first)
            yield first
            try:
                for chunk in chunks:
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            except Exception as exc:
                self._mid_stream(i, ticket, exc)
                raise
            return
        self._exhausted(tries)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = self._prepare(stop, kwargs, stream=True)
        tries = _Tries()
        for i, ticket in self._plan(tries):
            member = self.models[i]
            try:
                if member.rate_limiter:
                    await member.rate_limiter.aacquire(blocking=True)
                chunks = member._astream(messages, **call)
                first = await anext(chunks, None)
            except Exception as exc:
                self._failed(i, ticket, exc, tries)
                continue
            self._served(i, ticket, tries, *([] if first is None else [first.message]))
            if first is None:
                return
            if run_manager:
                await run_manager.on_llm_new_token(first.text, chunk=first)
            yield first
            try:
                async for chunk in chunks:
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            except Exception as exc:
                self._mid_stream(i, ticket, exc)
                raise
            return
        self._exhausted(tries)

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
        """Bind tools as the members do (`BaseChatGPT52.bind_tools`: same formats, checks
        and `tool_choice` values); every member receives the same tool definitions."""
        bound = self.models[0].bind_tools(
            tools,
            tool_choice=tool_choice,
            strict=strict,
            parallel_tool_calls=parallel_tool_calls,
            **kwargs,
        )
        assert isinstance(bound, RunnableBinding)
        return self.bind(**bound.kwargs)

    def _check_structured_method(self, method: str) -> None:
        """Refuse a structured-output method that any member's schema cannot carry."""
        for member in self.models:
            member._check_structured_method(method)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Structured output as on the members (`BaseChatGPT52.with_structured_output`)."""
        return BaseChatGPT52.with_structured_output(
            self,  # type: ignore[arg-type]
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
            **kwargs,
        )


def _label(member: BaseChatGPT52, index: int | None = None) -> str:
    """`"<ls_provider>/<model>"`, with `#<index>` when naming a member in results."""
    label = f"{member.provider.ls_provider}/{member.model_name}"
    return label if index is None else f"{label}#{index}"


def _common_profile(profiles: Sequence[ModelProfile | None]) -> ModelProfile | None:
    """What every profile claims: a flag all set true, the smallest limit, the values all
    list; a key one profile leaves out (unknown there) is left out."""
    if any(p is None for p in profiles):
        return None
    known: list[dict[str, Any]] = [dict(p) for p in profiles if p is not None]
    first, rest = known[0], known[1:]
    common: dict[str, Any] = {}
    for key, value in first.items():
        values: list[Any] = [value, *(p.get(key) for p in rest)]
        if any(v is None for v in values):
            continue
        if isinstance(value, bool):
            common[key] = all(values)
        elif isinstance(value, (int, float)):
            common[key] = min(values)
        elif isinstance(value, list):
            common[key] = [v for v in value if all(v in other for other in values[1:])]
        elif all(v == value for v in values):
            common[key] = value
    return cast("ModelProfile", common)
