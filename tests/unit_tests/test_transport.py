"""The transport: httpx2 and httpx clients alike, retries only before a response starts, total
deadlines while a body trickles, per-loop async clients, key redaction, the retry log."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any

import httpx
import httpx2
import pytest

from langchain_gpt52 import ChatAIMLAPI, _transport
from langchain_gpt52._transport import Transport, timeout_values
from langchain_gpt52.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
)
from tests.unit_tests._chat_fakes import completion, sleeps, sse, text_chunks

__all__ = ["sleeps"]  # fixture used by name

KEY = "sk-TESTSECRET-1234567"
LIBS = [httpx2, httpx]
MODES = ["post", "apost", "stream", "astream"]
INVOKES = ["post", "apost"]
STREAMS = ["stream", "astream"]


def everything(exc: BaseException) -> str:
    """Everything a handler, logger or tracer could read off ``exc`` and its chain."""
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        parts += [repr(e), str(e), repr(e.args), repr(vars(e))]
        parts.append("".join(traceback.format_exception(type(e), e, e.__traceback__)))
        todo += [e.__context__, e.__cause__]
    parts.append(repr(pickle.loads(pickle.dumps(exc)).__dict__))
    return "\n".join(parts)


def body_stream(
    lib: ModuleType, pieces: list[bytes], *, error: Exception | None = None, pause: float = 0.0
) -> Any:
    """A response body for ``lib``'s MockTransport: ``pieces`` (``pause`` s apart), then
    ``error``."""

    class Body(lib.SyncByteStream, lib.AsyncByteStream):  # type: ignore[name-defined,misc]
        def __iter__(self) -> Iterator[bytes]:
            for piece in pieces:
                time.sleep(pause)
                yield piece
            if error is not None:
                raise error

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for piece in pieces:
                await asyncio.sleep(pause)
                yield piece
            if error is not None:
                raise error

    return Body()


class Script:
    """A scripted provider for ``lib``'s MockTransport; counts requests."""

    def __init__(self, lib: ModuleType, *replies: Callable[[], Any] | Exception) -> None:
        self.lib = lib
        self.replies = list(replies)
        self.count = 0

    def __call__(self, request: Any) -> Any:
        request.read()
        reply = self.replies[min(self.count, len(self.replies) - 1)]
        self.count += 1
        if isinstance(reply, Exception):
            raise reply
        return reply()

    def transport(self, **kwargs: Any) -> Transport:
        mock = self.lib.MockTransport(self)
        return make_transport(
            client=self.lib.Client(transport=mock),
            aclient=self.lib.AsyncClient(transport=mock),
            **kwargs,
        )


def make_transport(
    base_url: str = "https://api.example.com/v1",
    *,
    client: Any = None,
    aclient: Any = None,
    max_retries: int = 2,
    total_timeout: float | None = None,
    max_concurrency: int | None = None,
) -> Transport:
    return Transport(
        base_url=base_url,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        timeout=2.0,
        stream_timeout=None,
        max_retries=max_retries,
        total_timeout=total_timeout,
        provider="AI/ML API",
        secret=KEY,
        max_concurrency=max_concurrency,
        http_client=client,
        http_async_client=aclient,
    )


async def call(transport: Transport, mode: str) -> tuple[list[Any], BaseException | None]:
    """One call; returns what was received (the body or the chunks) and the error raised."""
    got: list[Any] = []
    try:
        if mode == "post":
            got.append(transport.post("/chat/completions", b"{}"))
        elif mode == "apost":
            got.append(await transport.apost("/chat/completions", b"{}"))
        elif mode == "stream":
            got.extend(transport.stream("/chat/completions", b"{}"))
        else:
            async for item in transport.astream("/chat/completions", b"{}"):
                got.append(item)
    except Exception as exc:
        return got, exc
    finally:
        transport.close()
        await transport.aclose()
    return got, None


def ok(lib: ModuleType, mode: str, headers: dict[str, str] | None = None) -> Callable[[], Any]:
    if mode in STREAMS:
        return lambda: lib.Response(
            200,
            content=sse(*text_chunks(["Hi"])),
            headers={"content-type": "text/event-stream", **(headers or {})},
        )
    return lambda: lib.Response(200, json=completion("Hi"), headers=headers)


# -- httpx2 as the package's client; httpx and httpx2 clients alike ------------------------


def test_own_clients_are_httpx2() -> None:
    transport = make_transport()
    assert isinstance(transport.client(), httpx2.Client)

    async def main() -> Any:
        return transport.aclient()

    assert isinstance(asyncio.run(main()), httpx2.AsyncClient)
    transport.close()


def test_a_client_of_another_library_is_refused() -> None:
    with pytest.raises(TypeError, match="httpx2 or httpx client"):
        make_transport(client=object())


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", MODES)
async def test_connect_errors_are_retried_then_typed(
    lib: ModuleType, mode: str, sleeps: list[float]
) -> None:
    script = Script(lib, lib.ConnectError(f"refused for Bearer {KEY}"))
    _, exc = await call(script.transport(), mode)
    assert isinstance(exc, APIConnectionError) and not isinstance(exc, APITimeoutError)
    assert script.count == 3 and len(sleeps) == 2
    assert "ConnectError" in str(exc)
    assert KEY not in everything(exc)


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", MODES)
async def test_timeouts_are_typed_and_retried(
    lib: ModuleType, mode: str, sleeps: list[float]
) -> None:
    script = Script(lib, lib.ReadTimeout("timed out"), ok(lib, mode))
    got, exc = await call(script.transport(), mode)
    assert exc is None and got and script.count == 2
    script = Script(lib, lib.ReadTimeout("timed out"))
    _, exc = await call(script.transport(max_retries=0), mode)
    assert isinstance(exc, APITimeoutError)


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", MODES)
async def test_status_errors_redact_echoed_key_in_body_and_headers(
    lib: ModuleType, mode: str
) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}"}}
    script = Script(
        lib, lambda: lib.Response(401, json=body, headers={"x-request-id": KEY, "x-echo": KEY})
    )
    _, exc = await call(script.transport(), mode)
    assert isinstance(exc, AuthenticationError)
    assert "***" in str(exc)
    assert KEY not in everything(exc)
    assert exc.headers["x-echo"] == "***"


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", MODES)
async def test_success_headers_are_handed_over_without_an_echoed_key(
    lib: ModuleType, mode: str
) -> None:
    script = Script(lib, ok(lib, mode, {"x-request-id": f"req-{KEY}"}))
    got, exc = await call(script.transport(), mode)
    assert exc is None
    for _, headers in got:
        assert headers["x-request-id"] == "req-***"


def test_user_client_gets_our_timeouts_in_its_own_library() -> None:
    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=completion())

    transport = make_transport(client=httpx.Client(transport=httpx.MockTransport(handler)))
    transport.post("/chat/completions", b"{}")
    assert seen == [{"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}]


def test_own_client_gets_no_per_request_timeout_object() -> None:
    transport = make_transport()
    assert transport._sync.timeout is None and transport._sync.stream_timeout is None
    assert transport.client().timeout == httpx2.Timeout(connect=2.0, read=2.0, write=2.0, pool=2.0)


@pytest.mark.parametrize("value", [-1, 0, "soon", httpx2.Timeout(5.0, connect=-1)])
def test_a_bad_timeout_is_refused_at_construction(value: Any) -> None:
    with pytest.raises(ValueError, match="timeout"):
        timeout_values(value)
    with pytest.raises(ValueError, match="timeout"):
        ChatAIMLAPI(api_key=KEY, timeout=value)


@pytest.mark.parametrize("value", [5, 2.5, None, httpx2.Timeout(3.0), httpx.Timeout(3.0)])
def test_good_timeouts_are_accepted(value: Any) -> None:
    ChatAIMLAPI(api_key=KEY, timeout=value)._get_transport()


# -- no retry once a response has started (issue 12, item 2) ---------------------------------


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", INVOKES)
@pytest.mark.parametrize("error", ["RemoteProtocolError", "ReadError", "DecodingError"])
async def test_an_error_reading_the_body_is_raised_at_once(
    lib: ModuleType, mode: str, error: str, sleeps: list[float]
) -> None:
    def cut() -> Any:
        stream = body_stream(lib, [b'{"id": "x", "choi'], error=getattr(lib, error)("cut"))
        return lib.Response(200, headers={"content-type": "application/json"}, stream=stream)

    script = Script(lib, cut, ok(lib, mode))
    _, exc = await call(script.transport(), mode)
    assert isinstance(exc, APIConnectionError)
    assert script.count == 1 and sleeps == []
    assert "reading the response body" in str(exc) and "not retried" in str(exc)
    assert "sending the request" not in str(exc)


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", INVOKES)
async def test_a_read_timeout_after_the_headers_is_not_retried(
    lib: ModuleType, mode: str, sleeps: list[float]
) -> None:
    def stall() -> Any:
        stream = body_stream(lib, [], error=lib.ReadTimeout("silence"))
        return lib.Response(200, headers={"content-type": "application/json"}, stream=stream)

    script = Script(lib, stall, ok(lib, mode))
    _, exc = await call(script.transport(), mode)
    assert isinstance(exc, APITimeoutError)
    assert script.count == 1
    assert "reading the response body" in str(exc)


# -- total_timeout while a body trickles (item 3) ---------------------------------------------


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", MODES)
async def test_total_timeout_holds_while_the_body_trickles(lib: ModuleType, mode: str) -> None:
    raw = sse(*text_chunks(["a"] * 5)) if mode in STREAMS else json.dumps(completion()).encode()
    ctype = "text/event-stream" if mode in STREAMS else "application/json"
    pieces = [raw[i : i + 1] for i in range(len(raw))]  # one byte every 10 ms: seconds in all

    def trickle() -> Any:
        stream = body_stream(lib, pieces, pause=0.01)
        return lib.Response(200, headers={"content-type": ctype}, stream=stream)

    script = Script(lib, trickle)
    _, exc = await call(script.transport(total_timeout=0.2), mode)
    assert isinstance(exc, APITimeoutError)
    assert "total timeout of 0.2 s exceeded" in str(exc)


# -- what a stream request can be answered with (items 4 and 7) -------------------------------


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", STREAMS)
async def test_an_html_answer_to_a_stream_request_says_so(lib: ModuleType, mode: str) -> None:
    page = b"<html><head><title>Gateway login</title></head><body>Sign in</body></html>"
    script = Script(
        lib, lambda: lib.Response(200, content=page, headers={"content-type": "text/html"})
    )
    _, exc = await call(script.transport(), mode)
    assert isinstance(exc, APIResponseValidationError)
    assert "text/html" in str(exc) and "Gateway login" in str(exc)
    assert "without any choice" not in str(exc)


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", STREAMS)
async def test_a_stream_error_object_in_aimlapi_shape_is_redacted(
    lib: ModuleType, mode: str
) -> None:
    error = {"message": f"Invalid token: Bearer {KEY}", "statusCode": 401, "path": "/v1/chat"}
    events = [*text_chunks(["a"], usage=False)[:2], error]
    script = Script(
        lib,
        lambda: lib.Response(
            200, content=sse(*events), headers={"content-type": "text/event-stream"}
        ),
    )
    got, exc = await call(script.transport(), mode)
    assert isinstance(exc, AuthenticationError)
    assert len(got) == 2  # the chunks before the error are delivered
    assert "Invalid token: Bearer ***" in str(exc)
    assert KEY not in everything(exc)


def test_stream_reader_keeps_the_models_own_text() -> None:
    from langchain_gpt52._stream import StreamReader

    chunk = text_chunks([f"the key is {KEY}"], usage=False)[1]
    reader = StreamReader({}, provider="AI/ML API", secret=KEY)
    chunks, done, error = reader.feed(sse(chunk))
    assert error is None and done
    assert chunks[0]["choices"][0]["delta"]["content"] == f"the key is {KEY}"


# -- event loops and threads (items 1 and 10) --------------------------------------------------


def _in_thread_loop(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` (a coroutine function) on a fresh loop in another thread, loop left open."""
    out: dict[str, Any] = {}
    loop = asyncio.new_event_loop()

    def run() -> None:
        out["value"] = loop.run_until_complete(fn())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    out["loop"] = loop
    return out


def test_each_loop_keeps_its_own_client_and_semaphore() -> None:
    transport = make_transport(base_url="http://127.0.0.1:1/v1", max_concurrency=4)

    async def grab() -> Any:
        return transport.aclient(), transport._slot().sem

    first = _in_thread_loop(grab)
    second = _in_thread_loop(grab)
    third_client, third_sem = first["loop"].run_until_complete(grab())
    client_a, sem_a = first["value"]
    client_b, sem_b = second["value"]
    assert client_a is not client_b and sem_a is not sem_b
    assert third_client is client_a and third_sem is sem_a  # loop A's client survived loop B
    assert not client_a.is_closed and not client_b.is_closed
    for loop in (first["loop"], second["loop"]):
        loop.close()
    assert client_a.is_closed and client_b.is_closed


def test_concurrent_loops_share_one_model(sleeps: list[float]) -> None:
    """A web app's loop and a worker thread's ``asyncio.run`` at once: every call succeeds."""
    gate = threading.Barrier(2)

    async def handler(request: Any) -> Any:
        await request.aread()
        await asyncio.sleep(0.005)
        return httpx2.Response(200, json=completion())

    transport = make_transport(max_concurrency=3)
    # One user client per loop is not possible with a user client; our own clients are per
    # loop, so route them to the mock through the options our clients are built with.
    transport._client_options = lambda: {  # type: ignore[method-assign]
        "transport": httpx2.MockTransport(handler)
    }
    failures: list[BaseException] = []

    def worker() -> None:
        async def main() -> None:
            gate.wait()
            for _ in range(5):
                results = await asyncio.gather(
                    *(transport.apost("/chat/completions", b"{}") for _ in range(6)),
                    return_exceptions=True,
                )
                failures.extend(r for r in results if isinstance(r, BaseException))

        asyncio.run(main())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_manual_loop_closes_our_client_when_it_closes() -> None:
    transport = make_transport(base_url="http://127.0.0.1:1/v1")
    loop = asyncio.new_event_loop()

    async def grab() -> Any:
        return transport.aclient()

    client = loop.run_until_complete(grab())
    assert not client.is_closed
    loop.close()  # no shutdown_asyncgens(): the client must not wait for garbage collection
    assert client.is_closed


# -- pickling (item 9) -------------------------------------------------------------------------


def test_a_used_model_pickles_and_its_copy_builds_new_clients() -> None:
    llm = ChatAIMLAPI(api_key=KEY)
    llm._get_transport().client()
    copy = pickle.loads(pickle.dumps(llm))
    assert copy._transport is None
    assert copy.api_key is not None and copy.api_key.get_secret_value() == KEY
    assert copy._get_transport().client() is not llm._get_transport().client()
    llm.close()
    copy.close()


def test_a_transport_itself_does_not_pickle() -> None:
    with pytest.raises(TypeError, match="pickle the chat model"):
        pickle.dumps(make_transport())


# -- the package logger --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_each_retry_is_logged_once_without_the_key(
    mode: str, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="langchain_gpt52")
    script = Script(
        httpx2,
        lambda: httpx2.Response(503, json={"error": {"message": f"busy {KEY}"}}),
        httpx2.ConnectError(f"refused {KEY}"),
        ok(httpx2, mode),
    )
    _, exc = await call(script.transport(), mode)
    assert exc is None
    lines = [r.getMessage() for r in caplog.records if r.name == "langchain_gpt52"]
    assert len(lines) == 2
    assert lines[0].startswith("Retrying request in ") and "HTTP 503" in lines[0]
    assert "attempt 1 of 3" in lines[0]
    assert "ConnectError" in lines[1] and "attempt 2 of 3" in lines[1]
    assert KEY not in caplog.text


def test_http_stack_debug_logs_are_redacted_of_a_live_key() -> None:
    transport = make_transport()
    record = logging.LogRecord(
        "httpcore2.http11", logging.DEBUG, __file__, 1, "headers=%r", ([(b"x-echo", KEY)],), None
    )
    for name in ("httpcore2.http11", "httpx2", "httpcore.http11"):
        logging.getLogger(name).filter(record)
    assert KEY not in record.getMessage() and "***" in record.getMessage()
    assert transport in _transport._LIVE
