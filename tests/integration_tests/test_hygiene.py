"""Hygiene against the emulator: bad input fails before any request; no fd or task leaks;
clients close; the async client survives new event loops; ``max_concurrency`` holds; the API
key never shows in logs (httpx/httpcore DEBUG included), errors, warnings, dumps or tracing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, BaseMessage, FunctionMessage, HumanMessage
from pydantic import ValidationError

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52, ChatOxen, _retry
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
)
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration

MODES = ["invoke", "ainvoke", "stream", "astream"]
PROVIDERS = ["aimlapi", "oxen"]


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "INITIAL_DELAY", 0.001)


def make(emulator: Emulator, provider: str, **kwargs: Any) -> BaseChatGPT52:
    kwargs.setdefault("api_key", emulator.api_key)
    if provider == "aimlapi":
        return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, **kwargs)
    return ChatOxen(base_url=emulator.oxen_base_url, **kwargs)


async def run(model: Any, mode: str, prompt: Any, **kwargs: Any) -> list[str]:
    """One call; the text pieces received (raises what the call raises)."""
    if mode == "invoke":
        return [str(model.invoke(prompt, **kwargs).content)]
    if mode == "ainvoke":
        return [str((await model.ainvoke(prompt, **kwargs)).content)]
    if mode == "stream":
        return [str(c.content) for c in model.stream(prompt, **kwargs)]
    return [str(c.content) async for c in model.astream(prompt, **kwargs)]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def stable_fds() -> int:
    """Open fds once the count stops moving (sockets being closed on either side settle)."""
    deadline = time.monotonic() + 5
    count = open_fds()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = open_fds()
        if now == count:
            break
        count = now
    return count


def settled_fds(limit: int) -> int:
    """Open fds, given up to 5 s to drop to ``limit`` (the emulator closes its side of a
    connection a moment after the client does)."""
    deadline = time.monotonic() + 5
    count = open_fds()
    while count > limit and time.monotonic() < deadline:
        time.sleep(0.02)
        count = open_fds()
    return count


async def settled_tasks() -> list[asyncio.Task[Any]]:
    """Tasks other than the current one, once finalizers scheduled by the loop have run."""
    me = asyncio.current_task()
    deadline = time.monotonic() + 5
    while True:
        others = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        if not others or time.monotonic() > deadline:
            return others
        await asyncio.sleep(0.01)


# -- bad input fails before any request --------------------------------------------------


class AlienMessage(BaseMessage):
    type: str = "alien"


BAD_MESSAGES = [
    pytest.param(
        [FunctionMessage(content="x", name="f")],
        "unsupported message type FunctionMessage",
        id="function-message",
    ),
    pytest.param(
        [AlienMessage(content="x")], "unsupported message type AlienMessage", id="alien-message"
    ),
    pytest.param([], "messages must not be empty", id="empty-list"),
    pytest.param(
        [HumanMessage(content=[{"type": "bogus", "bogus": 1}])],
        "content part of type 'bogus'",
        id="unknown-content-part",
    ),
    pytest.param([("alien", "hi")], "Unexpected message type: 'alien'", id="unknown-role"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(("messages", "match"), BAD_MESSAGES)
async def test_bad_messages_fail_before_any_request(
    emulator: Emulator, provider: str, mode: str, messages: list[Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        await run(make(emulator, provider), mode, messages)
    assert emulator.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("max_tokens", [-5, 0])
async def test_bad_max_tokens_per_call_fails_before_any_request(
    emulator: Emulator, provider: str, mode: str, max_tokens: int
) -> None:
    with pytest.raises(ValueError, match=r"max_tokens=-?\d+ is not accepted .*at least 1"):
        await run(make(emulator, provider), mode, "hi", max_tokens=max_tokens)
    assert emulator.requests == []


BAD_TOOLS = [
    pytest.param({"not": "a tool"}, "tools\\[0\\] is not a valid tool", id="not-a-tool"),
    pytest.param(42, "tools\\[0\\] is not a valid tool", id="a-number"),
    pytest.param(
        {"type": "function", "function": {"name": "bad name!", "parameters": {}}},
        "tool name 'bad name!'",
        id="bad-name",
    ),
    pytest.param(
        {"type": "function", "function": {"name": 5, "parameters": {}}},
        "tool name 5",
        id="non-string-name",
    ),
    pytest.param(
        {"type": "function", "function": {"parameters": {"type": "object"}}},
        "tool name None",
        id="no-name",
    ),
    pytest.param(
        {"type": "function", "function": {"name": "ok", "parameters": "not a schema"}},
        "parameters must be a JSON schema",
        id="schema-not-an-object",
    ),
    pytest.param(
        {"type": "function", "function": {"name": "ok", "parameters": {"type": "array"}}},
        "parameters must be a JSON schema of type 'object'",
        id="schema-not-type-object",
    ),
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(("tool", "match"), BAD_TOOLS)
def test_invalid_tools_fail_at_bind_time(
    emulator: Emulator, provider: str, tool: Any, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        make(emulator, provider).bind_tools([tool])
    assert emulator.requests == []


def test_tool_choice_of_an_unbound_tool_fails(emulator: Emulator) -> None:
    tool = {"type": "function", "function": {"name": "ok", "parameters": {"type": "object"}}}
    with pytest.raises(ValueError, match="not one of the bound tools"):
        make(emulator, "oxen").bind_tools([tool], tool_choice="other")
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_url": "ftp://example.com/v1"}, "base_url must start with http"),
        ({"base_url": "localhost:8000/v1"}, "base_url must start with http"),
        ({"base_url": "file:///etc/passwd"}, "base_url must start with http"),
        ({"max_tokens": -1}, "max_tokens=-1 is not accepted"),
        ({"max_tokens": 0}, "max_tokens=0 is not accepted"),
        ({"max_retries": -1}, "greater than or equal to 0"),
        ({"max_concurrency": 0}, "greater than or equal to 1"),
        ({"stream_chunk_timeout": 0}, "greater than 0"),
    ],
)
@pytest.mark.parametrize("cls", [ChatAIMLAPI, ChatOxen, ChatGPT52])
def test_bad_configuration_fails_at_construction(
    cls: type[BaseChatGPT52], kwargs: dict[str, Any], match: str
) -> None:
    kwargs = {"api_key": "k", "model": "gpt-5.2", "base_url": "http://127.0.0.1:1/v1", **kwargs}
    with pytest.raises(ValidationError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("mode", MODES)
async def test_missing_key_fails_before_any_request(
    emulator: Emulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    model = ChatAIMLAPI(base_url=emulator.aimlapi_base_url)
    with pytest.raises(ValueError, match="No API key"):
        await run(model, mode, "hi")
    assert emulator.requests == []


# -- fds and tasks -------------------------------------------------------------------------


def _sync_scenario(model: BaseChatGPT52, emulator: Emulator, step: int) -> str:
    """One of eleven calls (ok, errors, retries, cut and abandoned streams): the outcome name."""
    kind = step % 11
    try:
        if kind == 0:
            model.invoke("hi")
        elif kind == 1:
            list(model.stream("hi"))
        elif kind == 2:
            emulator.enqueue(Fault.status(500, times=3))
            model.invoke("hi")
        elif kind == 3:
            emulator.enqueue(Fault.reset())
            list(model.stream("hi"))
        elif kind == 4:
            emulator.enqueue(Fault.cut_stream(after=2))
            list(model.stream("hi"))
        elif kind == 5:
            for _chunk in model.stream("hi"):
                break  # abandoned after the first chunk
        elif kind == 6:
            emulator.enqueue(Fault.status(400))
            list(model.stream("hi"))
        elif kind == 7:
            emulator.enqueue(Fault.invalid_utf8())
            model.invoke("hi")
        elif kind == 8:
            emulator.enqueue(Fault.truncated_sse())
            list(model.stream("hi"))
        elif kind == 9:
            emulator.enqueue(Fault.html(502, times=3))
            model.invoke("hi")
        else:
            emulator.enqueue(Fault.reset(times=3))
            model.invoke("hi")
    except APIError as exc:
        return type(exc).__name__
    return "ok"


SYNC_OUTCOMES = [
    "ok",
    "ok",
    "InternalServerError",
    "ok",
    "APIConnectionError",
    "ok",
    "BadRequestError",
    "APIResponseValidationError",
    "APIConnectionError",
    "InternalServerError",
    "APIConnectionError",
]


def test_sync_calls_with_errors_do_not_leak_fds(emulator: Emulator) -> None:
    models = [make(emulator, "aimlapi"), make(emulator, "oxen")]
    for step in range(22):  # warm up: pools, imports, caches
        assert _sync_scenario(models[step % 2], emulator, step) == SYNC_OUTCOMES[step % 11]
    before = stable_fds()
    for step in range(330):
        outcome = _sync_scenario(models[step % 2], emulator, step)
        assert outcome == SYNC_OUTCOMES[step % 11], step
    assert settled_fds(before + 2) <= before + 2
    for model in models:
        model.close()
    assert emulator.server_errors == []


async def _async_scenario(model: BaseChatGPT52, emulator: Emulator, step: int) -> str:
    kind = step % 10
    try:
        if kind == 0:
            await model.ainvoke("hi")
        elif kind == 1:
            [c async for c in model.astream("hi")]
        elif kind == 2:
            emulator.enqueue(Fault.status(503, times=3))
            await model.ainvoke("hi")
        elif kind == 3:
            emulator.enqueue(Fault.cut_stream(after=2))
            [c async for c in model.astream("hi")]
        elif kind == 4:
            async for _chunk in model.astream("hi"):
                break  # abandoned: closed later by the loop's async-generator finalizer
        elif kind == 5:
            stream = model.astream("hi")
            async with contextlib.aclosing(stream):
                async for _chunk in stream:
                    break  # abandoned and closed at once
        elif kind == 6:
            emulator.enqueue(Fault.slow_chunks(0.02))
            got: list[Any] = []

            async def consume() -> None:
                async for chunk in model.astream("hi"):
                    got.append(chunk)

            task = asyncio.create_task(consume())
            while not got and not task.done():
                await asyncio.sleep(0.005)
            task.cancel()  # mid-stream
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return "cancelled" if got and task.cancelled() else "not-cancelled"
        elif kind == 7:
            emulator.enqueue(Fault.status(401))
            [c async for c in model.astream("hi")]
        elif kind == 8:
            emulator.enqueue(Fault.reset(times=3))
            [c async for c in model.astream("hi")]
        else:
            emulator.enqueue(Fault.status(400, times=2))
            results = await model.abatch(["a", "b", "c", "d"], return_exceptions=True)
            kinds = sorted(type(r).__name__ for r in results)
            return "+".join(kinds)
    except APIError as exc:
        return type(exc).__name__
    return "ok"


ASYNC_OUTCOMES = [
    "ok",
    "ok",
    "InternalServerError",
    "APIConnectionError",
    "ok",
    "ok",
    "cancelled",
    "AuthenticationError",
    "APIConnectionError",
    "AIMessage+AIMessage+BadRequestError+BadRequestError",
]


async def test_async_calls_cancellations_and_abatch_do_not_leak(emulator: Emulator) -> None:
    models = [make(emulator, "aimlapi"), make(emulator, "oxen")]
    for step in range(20):
        assert await _async_scenario(models[step % 2], emulator, step) == ASYNC_OUTCOMES[step % 10]
    assert await settled_tasks() == []
    before = stable_fds()
    for step in range(300):
        outcome = await _async_scenario(models[step % 2], emulator, step)
        assert outcome == ASYNC_OUTCOMES[step % 10], step
    assert await settled_tasks() == []
    assert settled_fds(before + 2) <= before + 2
    for model in models:
        await model.aclose()
    assert await settled_tasks() == []
    assert emulator.server_errors == []


async def test_abatch_with_failures_returns_every_result(emulator: Emulator) -> None:
    model = make(emulator, "aimlapi")
    emulator.enqueue(Fault.status(422, times=5))  # never retried: exactly 5 failures
    results = await model.abatch([f"q{i}" for i in range(20)], return_exceptions=True)
    assert len(emulator.requests) == 20
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 5
    assert all(type(e) is BadRequestError and e.status_code == 422 for e in errors)
    answers = sorted(str(r.content) for r in results if isinstance(r, AIMessage))
    assert len(answers) == 15
    assert all(a.startswith('You said: "q') for a in answers)
    await model.aclose()
    assert await settled_tasks() == []


def test_async_client_works_across_event_loops(emulator: Emulator) -> None:
    model = make(emulator, "oxen", max_concurrency=2)

    async def session(n: int) -> list[str]:
        first = await model.ainvoke(f"run {n}")
        streamed = "".join([str(c.content) async for c in model.astream(f"stream {n}")])
        many = await asyncio.gather(*(model.ainvoke(f"g{n}.{i}") for i in range(4)))
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []
        return [str(first.content), streamed, *(str(m.content) for m in many)]

    asyncio.run(session(0))
    before = stable_fds()
    for n in range(1, 6):  # a new event loop each time, as in a notebook or a script
        assert asyncio.run(session(n)) == [
            f'You said: "run {n}"',
            f'You said: "stream {n}"',
            *(f'You said: "g{n}.{i}"' for i in range(4)),
        ]
        # the loop's client was closed with the loop: no sockets left behind
        assert settled_fds(before + 2) <= before + 2
    assert len(emulator.requests) == 6 * 6
    model.invoke("and sync still works")


# -- closing -------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_close_and_context_manager(emulator: Emulator, provider: str) -> None:
    model = make(emulator, provider)
    model.close()  # before any use: nothing to close
    with model as entered:
        assert entered is model
        entered.invoke("hi")
        client = model._get_transport().client()
        assert not client.is_closed
    assert client.is_closed
    model.close()  # idempotent
    model.invoke("reopens")  # a closed model gets a fresh client on next use
    fresh = model._get_transport().client()
    assert fresh is not client
    assert not fresh.is_closed
    model.close()
    assert fresh.is_closed


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_aclose_and_async_context_manager(emulator: Emulator, provider: str) -> None:
    model = make(emulator, provider)
    await model.aclose()
    async with model as entered:
        assert entered is model
        await entered.ainvoke("hi")
        [c async for c in entered.astream("hi")]
        client = model._get_transport().aclient()
        assert not client.is_closed
    assert client.is_closed
    await model.aclose()
    await model.ainvoke("reopens")
    fresh = model._get_transport().aclient()
    assert fresh is not client
    await model.aclose()
    assert fresh.is_closed


async def test_user_supplied_clients_are_not_closed(emulator: Emulator) -> None:
    sync_client = httpx.Client()
    async_client = httpx.AsyncClient()
    model = make(emulator, "aimlapi", http_client=sync_client, http_async_client=async_client)
    model.invoke("hi")
    await model.ainvoke("hi")
    with model:
        pass
    async with model:
        pass
    assert not sync_client.is_closed
    assert not async_client.is_closed
    sync_client.close()
    await async_client.aclose()


# -- max_concurrency -----------------------------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)

    def leave(self) -> None:
        with self.lock:
            self.active -= 1


class _CountedAsyncStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, counter: _Counter) -> None:
        self.inner = inner
        self.counter = counter
        self.open = True

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self.inner:
            yield part

    async def aclose(self) -> None:
        if self.open:
            self.open = False
            self.counter.leave()
        await self.inner.aclose()


class _CountedSyncStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, counter: _Counter) -> None:
        self.inner = inner
        self.counter = counter
        self.open = True

    def __iter__(self) -> Iterator[bytes]:
        yield from self.inner

    def close(self) -> None:
        if self.open:
            self.open = False
            self.counter.leave()
        self.inner.close()


class CountingAsyncTransport(httpx.AsyncBaseTransport):
    """Requests in flight, from sending until the response is closed."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counter = _Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counter.enter()
        try:
            resp = await self.inner.handle_async_request(request)
        except BaseException:
            self.counter.leave()
            raise
        return httpx.Response(
            resp.status_code,
            headers=resp.headers,
            stream=_CountedAsyncStream(resp.stream, self.counter),
            extensions=resp.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class CountingSyncTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.counter = _Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.counter.enter()
        try:
            resp = self.inner.handle_request(request)
        except BaseException:
            self.counter.leave()
            raise
        return httpx.Response(
            resp.status_code,
            headers=resp.headers,
            stream=_CountedSyncStream(resp.stream, self.counter),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("limit", [3, None])
@pytest.mark.parametrize("mode", ["ainvoke", "astream", "abatch"])
async def test_max_concurrency_bounds_async_requests(
    emulator: Emulator, mode: str, limit: int | None
) -> None:
    transport = CountingAsyncTransport()
    async with httpx.AsyncClient(transport=transport) as client:
        model = make(emulator, "aimlapi", max_concurrency=limit, http_async_client=client)
        emulator.enqueue(Fault.slow_first_byte(0.15, times=10))
        prompts = [f"p{i}" for i in range(10)]
        if mode == "abatch":
            results = await model.abatch(prompts, config={"max_concurrency": 10})
            texts = [str(r.content) for r in results]
        elif mode == "ainvoke":
            texts = [str(r.content) for r in await asyncio.gather(*map(model.ainvoke, prompts))]
        else:

            async def consume(prompt: str) -> str:
                return "".join([str(c.content) async for c in model.astream(prompt)])

            texts = await asyncio.gather(*map(consume, prompts))
    assert texts == [f'You said: "{p}"' for p in prompts]
    assert transport.counter.active == 0
    if limit is None:
        assert transport.counter.peak > 3  # the control: without a cap, more run at once
    else:
        assert transport.counter.peak == limit
    assert len(emulator.requests) == 10


@pytest.mark.parametrize("limit", [3, None])
@pytest.mark.parametrize("mode", ["batch", "stream-threads"])
def test_max_concurrency_bounds_sync_requests(
    emulator: Emulator, mode: str, limit: int | None
) -> None:
    transport = CountingSyncTransport()
    with httpx.Client(transport=transport) as client:
        model = make(emulator, "oxen", max_concurrency=limit, http_client=client)
        emulator.enqueue(Fault.slow_first_byte(0.15, times=10))
        prompts = [f"p{i}" for i in range(10)]
        if mode == "batch":
            texts = [str(r.content) for r in model.batch(prompts, config={"max_concurrency": 10})]
        else:
            out: dict[str, str] = {}

            def consume(prompt: str) -> None:
                out[prompt] = "".join(str(c.content) for c in model.stream(prompt))

            threads = [threading.Thread(target=consume, args=(p,)) for p in prompts]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            texts = [out[p] for p in prompts]
    assert texts == [f'You said: "{p}"' for p in prompts]
    assert transport.counter.active == 0
    if limit is None:
        assert transport.counter.peak > 3  # the control: without a cap, more run at once
    else:
        assert transport.counter.peak == limit


# -- secrets -------------------------------------------------------------------------------


def _all_text(obj: Any, depth: int = 0) -> str:
    """Every string reachable from an object: repr/str, args, attributes, nested containers."""
    if depth > 5:
        return ""
    parts = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        parts.append("".join(traceback.format_exception(type(obj), obj, obj.__traceback__)))
        parts.extend(_all_text(a, depth + 1) for a in obj.args)
        for linked in (obj.__cause__, obj.__context__):
            if linked is not None:
                parts.append(_all_text(linked, depth + 1))
    if isinstance(obj, dict):
        parts.extend(_all_text(k, depth + 1) + _all_text(v, depth + 1) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set)):
        parts.extend(_all_text(v, depth + 1) for v in obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        parts.extend(_all_text(v, depth + 1) for v in vars(obj).values())
    return "\n".join(parts)


class TraceCapture(BaseCallbackHandler):
    """What a tracer would record: serialized model, invocation params, metadata, errors."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self.seen.append(serialized)
        self.seen.append(kwargs)

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append(response)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.seen.append(error)
        self.seen.append(kwargs)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_key_never_leaks(
    emulator: Emulator, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = f"sk-live-{uuid.uuid4().hex}"
    emulator.api_key = secret  # the emulator accepts only this key (reset() restores it)
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "langchain_gpt52", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    trace = TraceCapture()
    config: Any = {"callbacks": [trace], "metadata": {"suite": "secrets"}}
    errors: list[BaseException] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = make(emulator, provider, api_key=secret, timeout=0.2, max_retries=1)
        answer = ['You said: "echo me"']
        assert (await run(model.with_config(config), "invoke", "echo me")) == answer
        assert ["".join(await run(model.with_config(config), "astream", "echo me"))] == answer
        echoing_faults = [
            Fault.status(401, f"Invalid API key {secret}"),
            Fault.status(500, body={"error": {"message": f"upstream rejected {secret}"}}, times=2),
            Fault.status(400, body=f"<html><title>bad key {secret}</title></html>"),
            Fault.respond(200, json={"error": {"message": f"key {secret} is out of credits"}}),
            Fault.respond(200, body=f"not json {secret}".encode()),
            Fault.respond(200, sse=[{"error": {"message": f"key {secret} revoked"}}]),
            Fault.cut_stream(after=1),
            Fault.reset(times=2),
            Fault.slow_first_byte(0.5, times=2),
        ]
        for fault in echoing_faults:
            for mode in MODES:
                emulator.enqueue(fault)
                try:
                    await run(model.with_config(config), mode, "hi")
                except APIError as exc:
                    errors.append(exc)
                # leftover copies of a fault must not leak into the next case
                emulator.reset()
                emulator.api_key = secret
        wrong = make(emulator, provider, api_key=secret + "-wrong")
        with pytest.raises(AuthenticationError) as info:
            wrong.invoke("hi", config=config)
        errors.append(info.value)
    assert len(errors) >= len(echoing_faults) * 2  # the error paths did run
    assert {type(e) for e in errors} >= {
        AuthenticationError,
        InternalServerError,
        BadRequestError,
        APIResponseValidationError,
        APIConnectionError,
    }

    texts = {
        "errors": _all_text(errors),
        "logs": "\n".join(
            f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
        ),
        "warnings": "\n".join(f"{w.category.__name__} {w.message}" for w in caught),
        "repr": repr(model) + str(model),
        "dumps": dumps(model) + json.dumps(dumpd(model)),
        "model_dump": model.model_dump_json() + repr(model.model_dump()),
        "ls_params": repr(model._get_ls_params()) + repr(model._identifying_params),
        "tracing": _all_text(trace.seen),
    }
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # httpx did log
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert trace.seen  # the callbacks did run
    for where, text in texts.items():
        assert secret not in text, where
    # the key is still sent where it belongs
    assert emulator.requests[-1].headers["authorization"] == f"Bearer {secret}-wrong"
    assert json.loads(dumps(model))["kwargs"]["api_key"]["type"] == "secret"


# -- process pools ----------------------------------------------------------------------------


def _answer_in_worker(model: Any) -> str:
    """Runs in a spawned process: the unpickled model builds its own clients there."""
    return str(model.invoke("Say hello").content)


def test_a_model_goes_to_a_spawned_process_pool_before_and_after_use(emulator: Emulator) -> None:
    import concurrent.futures
    import multiprocessing
    import pickle

    llm = ChatAIMLAPI(api_key=emulator.api_key, base_url=emulator.aimlapi_base_url)
    fresh = pickle.dumps(llm)
    expected = str(llm.invoke("Say hello").content)  # used: its clients exist now
    used = pickle.dumps(llm)
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        answers = list(pool.map(_answer_in_worker, [pickle.loads(fresh), llm]))
    assert answers == [expected, expected]
    assert pickle.loads(used).invoke("Say hello").content == expected
    assert emulator.api_key not in dumps(llm)
    assert emulator.api_key not in json.dumps(dumpd(llm))
    llm.close()


# -- one model, two running event loops --------------------------------------------------------


async def test_one_model_on_two_running_loops_at_once(emulator: Emulator) -> None:
    """A web app's loop (this test's) and a worker thread's ``asyncio.run`` share one model."""
    llm = ChatAIMLAPI(
        api_key=emulator.api_key, base_url=emulator.aimlapi_base_url, max_concurrency=4
    )
    failures: list[BaseException] = []

    async def burst() -> None:
        for _ in range(4):
            results = await asyncio.gather(
                *(llm.ainvoke("Say hello") for _ in range(8)), return_exceptions=True
            )
            failures.extend(r for r in results if isinstance(r, BaseException))

    thread = threading.Thread(target=lambda: asyncio.run(burst()))
    thread.start()
    await burst()
    await asyncio.to_thread(thread.join)
    await llm.aclose()
    assert failures == [], failures[:3]
