"""The transport: httpx2 and httpx clients alike, retries only before a response starts, total
deadlines while a body trickles, per-loop async clients, key redaction, the retry log."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import pickle
import socket
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any

import httpx
import httpx2
import pytest

from langchain_gpt52 import ChatAIMLAPI, _transport, _wire, errors
from langchain_gpt52._transport import Transport, timeout_values
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    RateLimitError,
)
from langchain_gpt52.providers import AIMLAPI, OPENAI_COMPATIBLE, OXEN
from tests.unit_tests._chat_fakes import (
    Body,
    FakeProvider,
    completion,
    sleeps,
    sse,
    text_chunks,
)

__all__ = ["sleeps"]  # fixture used by name

KEY = "sk-TESTSECRET-123"
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
        provider=AIMLAPI,
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


# -- no retry once a response has started ----------------------------------------------------


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


# -- total_timeout while a body trickles ------------------------------------------------------


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


# -- what a stream request can be answered with -----------------------------------------------


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


# -- event loops and threads -------------------------------------------------------------------


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


# -- pickling ----------------------------------------------------------------------------------


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


# -- helpers of the mock-client tests below ------------------------------------------------


def chain_text(exc: BaseException) -> str:
    """Everything an error handler, logger or tracer could read off ``exc`` and its chain."""
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
        if isinstance(e, UnicodeError):
            parts.append(repr(getattr(e, "object", "")))
        todo += [e.__context__, e.__cause__]
    return "\n".join(parts)


def key_transport(
    base_url: str = "http://127.0.0.1:1/v1",
    *,
    key: str = KEY,
    client: httpx.Client | None = None,
    aclient: httpx.AsyncClient | None = None,
    max_retries: int = 2,
    provider: Any = AIMLAPI,
) -> Transport:
    return Transport(
        base_url=base_url,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=httpx.Timeout(2.0),
        stream_timeout=None,
        max_retries=max_retries,
        provider=provider,
        secret=key,
        http_client=client,
        http_async_client=aclient,
    )


def faked(provider: FakeProvider, **kwargs: Any) -> Transport:
    mock = httpx.MockTransport(provider)
    return key_transport(
        "https://api.example.com/v1",
        client=httpx.Client(transport=mock),
        aclient=httpx.AsyncClient(transport=mock),
        **kwargs,
    )


async def call_data(transport: Transport, mode: str) -> tuple[list[Any], BaseException | None]:
    """One call; returns the chunks (or the body) received and the error raised, if any."""
    got: list[Any] = []
    try:
        if mode == "post":
            got.append(transport.post("/chat/completions", b"{}")[0])
        elif mode == "apost":
            got.append((await transport.apost("/chat/completions", b"{}"))[0])
        elif mode == "stream":
            for data, _ in transport.stream("/chat/completions", b"{}"):
                got.append(data)
        else:
            async for data, _ in transport.astream("/chat/completions", b"{}"):
                got.append(data)
    except Exception as exc:
        return got, exc
    finally:
        transport.close()
        await transport.aclose()
    return got, None


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback TCP server that records what it receives and answers 200 with a completion."""
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []
    body = json.dumps(completion("hi")).encode()
    reply = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )

    stop = threading.Event()
    server.settimeout(0.05)  # closing a socket does not wake a blocked accept(): poll instead

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(65536)
                except OSError:
                    continue
                if data:
                    received.append(data)
                    conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1", received
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


# -- a key that cannot go into a header is neither sent, retried nor leaked -------------

BAD_KEYS = {
    "newline": KEY + "\n",
    "trailing-space": KEY + " ",
    "crlf-injection": KEY + "\r\nX-Injected: 1",
    "non-ascii": "sk-TÉSTSECRET-123",
    "nul": KEY + "\x00",
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key", list(BAD_KEYS.values()), ids=list(BAD_KEYS))
async def test_bad_key_is_not_sent_retried_or_leaked(
    listener: tuple[str, list[bytes]], key: str, mode: str, sleeps: list[float]
) -> None:
    url, received = listener
    got, exc = await call_data(key_transport(url, key=key), mode)
    assert got == []
    assert type(exc) is APIConnectionError, repr(exc)
    assert "cannot be sent" in str(exc)
    assert "API key" in str(exc)
    assert exc.is_retryable is False
    assert sleeps == []  # not retried
    assert received == []  # nothing went out
    text = chain_text(exc)
    for form in (key, key.strip(), repr(key)[1:-1], "TESTSECRET", "TÉSTSECRET"):
        assert form not in text


@pytest.mark.parametrize("mode", MODES)
async def test_illegal_header_from_the_users_client_is_redacted_and_not_retried(
    listener: tuple[str, list[bytes]], mode: str, sleeps: list[float]
) -> None:
    # Headers set on a client the user passed in are not ours to check before sending: h11
    # refuses the value and httpx's LocalProtocolError quotes it.
    key = KEY + "\n"
    url, _ = listener
    headers = {"x-api-key": key}
    transport = key_transport(
        url,
        key=key,
        client=httpx.Client(headers=headers),
        aclient=httpx.AsyncClient(headers=headers),
    )
    transport.headers.pop("Authorization")
    transport._bad_header = None  # what the up-front check sees: only our own headers
    _, exc = await call_data(transport, mode)
    assert type(exc) is APIConnectionError, repr(exc)
    assert "LocalProtocolError" in str(exc)
    assert "could not be sent" in str(exc)
    assert exc.is_retryable is False
    assert sleeps == []
    assert "TESTSECRET" not in chain_text(exc)


@pytest.mark.parametrize("mode", MODES)
async def test_unsupported_protocol_is_not_retried(mode: str, sleeps: list[float]) -> None:
    _, exc = await call_data(key_transport("ftp://api.example.com/v1"), mode)
    assert type(exc) is APIConnectionError, repr(exc)
    assert "UnsupportedProtocol" in str(exc)
    assert "base_url" in str(exc)
    assert sleeps == []


@pytest.mark.parametrize("mode", MODES)
async def test_unicode_encode_error_in_the_send_is_caught(mode: str, sleeps: list[float]) -> None:
    # Were the up-front header check to miss a header, httpx's UnicodeEncodeError (whose
    # ``object`` is the whole header value) must still not escape.
    key = "sk-TÉSTSECRET-123"
    provider = FakeProvider()
    transport = faked(provider, key=key)
    transport._bad_header = None
    _, exc = await call_data(transport, mode)
    assert type(exc) is APIConnectionError, repr(exc)
    assert "cannot be sent" in str(exc)
    assert provider.requests == []
    assert "TÉSTSECRET" not in chain_text(exc)


def test_network_error_redacts_every_form_of_the_secret() -> None:
    secret = "sk-SECRET-é-123\n"
    messages = [
        f"Illegal header value b'Bearer {secret!r}'",
        f"proxy said: bad token {secret}",
        f"proxy said: bad token {repr(secret)[1:-1]}",
        f"proxy said: bad token {repr(secret.encode())[2:-1]}",
        f"proxy said: bad token {secret.strip()}",
    ]
    for message in messages:
        exc = httpx.ConnectError(message)
        err = errors.network_error(exc, "Oxen.ai", during="sending", secret=secret)
        assert isinstance(err, APIConnectionError)
        text = str(err) + repr(exc.args)
        assert "SECRET" not in text, text
        assert "***" in str(err) or "redacted" in str(err)


def test_network_error_without_the_secret_keeps_its_detail() -> None:
    exc = httpx.ConnectError("[Errno 111] Connection refused")
    err = errors.network_error(exc, "Oxen.ai", during="sending", secret=KEY)
    assert "Connection refused" in str(err)
    assert err.is_retryable is True


# -- chunks that arrived with an error in the same network read are yielded first ---------


def _stream_reply(*pieces: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        200,
        stream=Body(list(pieces)),
        headers={"content-type": "text/event-stream", **(headers or {})},
    )


HEAD = text_chunks(["Hel", "lo"], usage=False)[:3]
"""The role chunk and two content chunks."""

SAME_READ_FAULTS = {
    "error-event": (
        b'event: error\ndata: {"error": {"message": "upstream overloaded"}}\n\n',
        APIResponseValidationError,
        "upstream overloaded",
    ),
    "error-object": (
        b'data: {"error": {"message": "upstream overloaded", "type": "server_error"}}\n\n',
        APIResponseValidationError,
        "upstream overloaded",
    ),
    "error-with-status": (
        b'data: {"message": "upstream overloaded", "statusCode": 503}\n\n',
        InternalServerError,
        "upstream overloaded",
    ),
    "bad-json": (b"data: {not json\n\n", APIResponseValidationError, "not valid JSON"),
    "bad-utf8": (b"data: \xff\xfe\n\n", APIResponseValidationError, "not valid UTF-8"),
}


@pytest.mark.parametrize("mode", STREAMS)
@pytest.mark.parametrize("fault", list(SAME_READ_FAULTS), ids=list(SAME_READ_FAULTS))
async def test_chunks_before_an_error_in_the_same_read_are_yielded(fault: str, mode: str) -> None:
    tail, cls, match = SAME_READ_FAULTS[fault]
    one_read = sse(*HEAD, done=False) + tail
    transport = faked(FakeProvider(_stream_reply(one_read, headers={"x-request-id": "r-7"})))
    got, exc = await call_data(transport, mode)
    assert got == HEAD
    assert type(exc) is cls, repr(exc)
    assert match in str(exc)
    assert isinstance(exc, APIError)
    assert exc.request_id == "r-7"


@pytest.mark.parametrize("mode", STREAMS)
async def test_error_event_at_eof_is_the_providers_error(mode: str) -> None:
    # An ``event: error`` whose blank line never came is still the provider's error, not a cut.
    one_read = sse(*HEAD, done=False) + b'event: error\ndata: {"message": "quota exceeded"}'
    got, exc = await call_data(faked(FakeProvider(_stream_reply(one_read))), mode)
    assert got == HEAD
    assert type(exc) is APIResponseValidationError, repr(exc)
    assert "quota exceeded" in str(exc)
    assert "{'" not in str(exc)


@pytest.mark.parametrize("mode", STREAMS)
@pytest.mark.parametrize(
    "tail", [b'data: {"id": "x", "cho', b"data: \xe2\x82"], ids=["json", "utf8"]
)
async def test_partial_event_at_eof_is_a_cut_after_the_chunks(tail: bytes, mode: str) -> None:
    one_read = sse(*HEAD, done=False) + tail
    got, exc = await call_data(faked(FakeProvider(_stream_reply(one_read))), mode)
    assert got == HEAD
    assert type(exc) is APIConnectionError, repr(exc)
    assert "middle of an event" in str(exc)


# -- an error object in a 2xx body or a stream chunk --------------------------------------

AIML_MAINTENANCE = {"message": "Model is under maintenance", "statusCode": 500}
AIML_RATE = {"message": "Too many requests", "statusCode": 429, "requestId": "body-rid"}
OXEN_ERROR = {
    "error": {"type": "internal_error", "title": "Internal Server Error", "detail": "GPU lost"},
    "status": "error",
    "status_message": "GPU lost",
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("body", "cls", "status", "text", "rid"),
    [
        (AIML_MAINTENANCE, InternalServerError, 500, "Model is under maintenance", "inf-1"),
        (AIML_RATE, RateLimitError, 429, "Too many requests", "body-rid"),
        (OXEN_ERROR, APIResponseValidationError, None, "Internal Server Error: GPU lost", "inf-1"),
    ],
    ids=["aimlapi-500", "aimlapi-429", "oxen"],
)
async def test_error_object_in_a_200_body(
    body: dict[str, Any],
    cls: type[APIError],
    status: int | None,
    text: str,
    rid: str,
    mode: str,
    sleeps: list[float],
) -> None:
    provider = FakeProvider(httpx.Response(200, json=body, headers={"x-inference-id": "inf-1"}))
    got, exc = await call_data(faked(provider), mode)
    assert got == []
    assert type(exc) is cls, repr(exc)
    assert text in str(exc)
    assert "{'" not in str(exc)  # the provider's words, not a dict repr
    assert exc.request_id == rid
    assert rid in str(exc)
    if status is not None:
        assert isinstance(exc, APIStatusError)
        assert exc.status_code == status
        assert "HTTP 200" in str(exc)  # says where the status came from
    assert len(provider.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("mode", STREAMS)
async def test_error_object_in_a_stream_chunk(mode: str) -> None:
    reply = _stream_reply(
        sse(*HEAD, done=False), sse(AIML_RATE), headers={"x-inference-id": "inf-2"}
    )
    got, exc = await call_data(faked(FakeProvider(reply)), mode)
    assert got == HEAD
    assert type(exc) is RateLimitError, repr(exc)
    assert "Too many requests" in str(exc)
    assert exc.request_id == "body-rid"


def test_wire_error_bodies_carry_the_providers_text() -> None:
    with pytest.raises(APIResponseValidationError) as info:
        _wire.parse_completion(OXEN_ERROR, None, OXEN)
    assert "Internal Server Error: GPU lost" in str(info.value)
    assert "{'" not in str(info.value)
    with pytest.raises(InternalServerError, match="under maintenance"):
        _wire.parse_completion(AIML_MAINTENANCE, None, AIMLAPI)
    with pytest.raises(APIResponseValidationError) as chunk_info:
        _wire.chunk_to_generation({"error": {"message": "boom", "type": "server_error"}})
    assert "boom" in str(chunk_info.value)
    assert "{'" not in str(chunk_info.value)


def test_a_completion_or_usage_chunk_is_not_an_error() -> None:
    assert errors.error_in_body(completion("x"), {}, provider="p", where="w") is None
    usage = {"choices": [], "usage": {"prompt_tokens": 1}, "status": 200}
    assert errors.error_in_body(usage, {}, provider="p", where="w") is None


# -- a 3xx is not an answer --------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirect_is_a_status_error(status: int, mode: str, sleeps: list[float]) -> None:
    target = "https://api.example.com/v2/chat/completions"
    provider = FakeProvider(
        httpx.Response(status, headers={"location": target}, content=b"<html>Moved</html>")
    )
    got, exc = await call_data(faked(provider), mode)
    assert got == []
    assert type(exc) is APIStatusError, repr(exc)
    assert exc.status_code == status
    assert f"redirected to {target}" in str(exc)
    assert "fix base_url" in str(exc)
    assert exc.is_retryable is False
    assert len(provider.requests) == 1
    assert sleeps == []


# -- unmapped statuses, one JSON parse, pickling ----------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (405, APIStatusError, False),
        (410, APIStatusError, False),
        (418, APIStatusError, False),
        (413, errors.BadRequestError, False),
        (415, errors.BadRequestError, False),
        (408, InternalServerError, True),
        (500, InternalServerError, True),
        (507, InternalServerError, True),
        (599, InternalServerError, True),
    ],
)
def test_unmapped_4xx_is_a_final_status_error(
    status: int, cls: type[APIStatusError], retryable: bool
) -> None:
    exc = errors.error_from_response(status, b'{"message": "nope"}', {}, provider=OXEN)
    assert type(exc) is cls
    assert exc.is_retryable is retryable
    assert "nope" in str(exc)


def test_error_from_response_parses_the_body_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    real = json.loads

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(errors.json, "loads", counting)
    exc = errors.error_from_response(400, b'{"error": {"message": "bad"}}', {}, provider=AIMLAPI)
    assert exc.body == {"error": {"message": "bad"}}
    assert len(calls) == 1


def _examples() -> list[BaseException]:
    status = errors.error_from_response(
        429,
        b'{"message": "slow down", "requestId": "r-1"}',
        httpx.Headers({"retry-after": "2", "x-inference-id": "inf-9"}),
        provider=AIMLAPI,
    )
    overflow = errors.error_from_response(
        400, {"error": {"message": "maximum context length exceeded"}}, {}, provider=OXEN
    )
    unsendable = _transport._unsendable("Oxen.ai", "Authorization")
    return [
        status,
        overflow,
        errors.error_from_response(418, b"teapot", {}, provider="x"),
        errors.APIConnectionError("down", request_id="r2"),
        errors.APITimeoutError("slow"),
        errors.APIResponseValidationError("bad", body={"x": [1]}, request_id="r3"),
        errors.RefusalError("I can't help with that"),
        unsendable,
    ]


@pytest.mark.parametrize("clone", ["pickle", "deepcopy", "copy"])
def test_errors_pickle_and_copy(clone: str) -> None:
    for exc in _examples():
        if clone == "pickle":
            other = pickle.loads(pickle.dumps(exc))
        elif clone == "deepcopy":
            other = copy.deepcopy(exc)
        else:
            other = copy.copy(exc)
        assert type(other) is type(exc)
        assert str(other) == str(exc)
        assert other.args == exc.args
        assert vars(other) == vars(exc)
        assert getattr(other, "is_retryable", None) == getattr(exc, "is_retryable", None)
    status = pickle.loads(pickle.dumps(_examples()[0]))
    assert isinstance(status, RateLimitError)
    assert status.status_code == 429
    assert status.request_id == "r-1"
    assert status.provider_message == "slow down"
    assert status.headers["retry-after"] == "2"


# -- one request-id reader ----------------------------------------------------------------


NAMES = ("x-inference-id", "x-request-id", "x-other-id")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-inference-id": "a", "x-request-id": "b"}, "a"),
        ({"x-request-id": "b"}, "b"),
        ({"x-other-id": "d"}, "d"),
        ({"X-Other-Id": "d"}, "d"),  # a plain dict in another case
        (httpx.Headers({"X-Request-ID": "e"}), "e"),
        ({"request-id": "c"}, None),  # not one of the names
        ({"x-request-id": ""}, None),
        ({}, None),
        (None, None),
    ],
)
def test_request_id_from_headers(headers: Any, expected: str | None) -> None:
    assert errors.request_id_from_headers(headers, NAMES) == expected


@pytest.mark.parametrize("mode", STREAMS)
@pytest.mark.parametrize(
    ("provider", "header"),
    [(AIMLAPI, "x-inference-id"), (OXEN, "x-request-id"), (OPENAI_COMPATIBLE, "request-id")],
    ids=lambda p: getattr(p, "ls_provider", p),
)
async def test_stream_errors_carry_the_providers_request_id_header(
    mode: str, provider: Any, header: str
) -> None:
    reply = _stream_reply(b"data: {oops\n\n", headers={header: "rid-1", "x-unknown-id": "no"})
    mock = httpx.MockTransport(FakeProvider(reply))
    transport = key_transport(
        "https://api.example.com/v1",
        client=httpx.Client(transport=mock),
        aclient=httpx.AsyncClient(transport=mock),
        provider=provider,
    )
    _, exc = await call_data(transport, mode)
    assert isinstance(exc, APIResponseValidationError)
    assert exc.request_id == "rid-1"


# -- pool limits by scheme ----------------------------------------------------------------


def test_https_keeps_more_connections_alive() -> None:
    https = key_transport("https://api.aimlapi.com/v1").client()
    plain = key_transport("http://127.0.0.1:1/v1").client()
    try:
        pools = {name: c._transport._pool for name, c in (("https", https), ("http", plain))}  # type: ignore[attr-defined]
        assert pools["https"]._max_keepalive_connections == 64
        assert (
            pools["http"]._max_keepalive_connections
            == _transport.DEFAULT_LIMITS.max_keepalive_connections
        )
        assert pools["https"]._max_connections == pools["http"]._max_connections == 256
    finally:
        https.close()
        plain.close()


# -- GET: the models routes -----------------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
async def test_get_in_both_libraries_with_our_timeouts(lib: ModuleType) -> None:
    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append((request.method, str(request.url), request.extensions["timeout"]))
        return lib.Response(200, json={"data": [{"id": "m"}]}, headers={"etag": '"1"'})

    mock = lib.MockTransport(handler)
    transport = make_transport(
        client=lib.Client(transport=mock), aclient=lib.AsyncClient(transport=mock)
    )
    data, _, etag = transport.get("/models?include=pricing")
    adata, _, _ = await transport.aget("/models?include=pricing")
    assert data == adata == {"data": [{"id": "m"}]} and etag == '"1"'
    url = "https://api.example.com/v1/models?include=pricing"
    timeouts = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
    assert seen == [("GET", url, timeouts)] * 2


@pytest.mark.parametrize("lib", LIBS)
def test_get_sends_if_none_match_and_a_304_is_no_body(lib: ModuleType) -> None:
    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append(request.headers.get("if-none-match"))
        return lib.Response(304, headers={"etag": '"1"'})

    transport = make_transport(client=lib.Client(transport=lib.MockTransport(handler)))
    assert transport.get("/models", '"1"')[0] is None
    with pytest.raises(APIStatusError):  # a 304 it did not ask for
        transport.get("/models")
    assert seen == ['"1"', None]


def test_get_retries_like_post(sleeps: list[float]) -> None:
    answers = iter([httpx2.Response(502), httpx2.Response(200, json=[])])
    transport = make_transport(
        client=httpx2.Client(transport=httpx2.MockTransport(lambda r: next(answers)))
    )
    assert transport.get("/models")[0] == []
    assert len(sleeps) == 1


def test_get_keeps_the_key_in_the_data_and_redacts_it_from_errors() -> None:
    body = {"data": [{"id": "m", "note": KEY}]}
    transport = make_transport(
        client=httpx2.Client(
            transport=httpx2.MockTransport(lambda r: httpx2.Response(200, json=body))
        )
    )
    assert transport.get("/models")[0] == body
    failing = make_transport(
        client=httpx2.Client(
            transport=httpx2.MockTransport(
                lambda r: httpx2.Response(200, json={"error": {"message": f"bad {KEY}"}})
            )
        )
    )
    with pytest.raises(APIError) as err:
        failing.get("/models")
    assert KEY not in everything(err.value)
