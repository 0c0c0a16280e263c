"""Review findings on the transport, the error mapping and tool-call parsing.

Each test names the finding it pins. Modules are reached through their attributes at call time
(``errors.request_id_from_headers``), so each test fails on its own against the old code.
"""

from __future__ import annotations

import copy
import json
import pickle
import socket
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_gpt52 import _transport, _wire, errors
from langchain_gpt52._transport import Transport
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    InternalServerError,
    RateLimitError,
)
from tests.unit_tests._chat_fakes import Body, FakeProvider, completion, sleeps, sse, text_chunks

__all__ = ["sleeps"]  # fixture used by name

KEY = "sk-TESTSECRET-123"
MODES = ["post", "apost", "stream", "astream"]
STREAMS = ["stream", "astream"]


# -- helpers -------------------------------------------------------------------------------


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


def make_transport(
    base_url: str = "http://127.0.0.1:1/v1",
    *,
    key: str = KEY,
    client: httpx.Client | None = None,
    aclient: httpx.AsyncClient | None = None,
    max_retries: int = 2,
    provider: str = "AI/ML API",
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
    return make_transport(
        "https://api.example.com/v1",
        client=httpx.Client(transport=mock),
        aclient=httpx.AsyncClient(transport=mock),
        **kwargs,
    )


async def call(transport: Transport, mode: str) -> tuple[list[Any], BaseException | None]:
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


# -- 1. a key that cannot go into a header is neither sent, retried nor leaked -------------

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
    got, exc = await call(make_transport(url, key=key), mode)
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
    transport = make_transport(
        url,
        key=key,
        client=httpx.Client(headers=headers),
        aclient=httpx.AsyncClient(headers=headers),
    )
    transport.headers.pop("Authorization")
    transport._bad_header = None  # what the up-front check sees: only our own headers
    _, exc = await call(transport, mode)
    assert type(exc) is APIConnectionError, repr(exc)
    assert "LocalProtocolError" in str(exc)
    assert "could not be sent" in str(exc)
    assert exc.is_retryable is False
    assert sleeps == []
    assert "TESTSECRET" not in chain_text(exc)


@pytest.mark.parametrize("mode", MODES)
async def test_unsupported_protocol_is_not_retried(mode: str, sleeps: list[float]) -> None:
    _, exc = await call(make_transport("ftp://api.example.com/v1"), mode)
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
    _, exc = await call(transport, mode)
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


# -- 2. chunks that arrived with an error in the same network read are yielded first ---------


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
    got, exc = await call(transport, mode)
    assert got == HEAD
    assert type(exc) is cls, repr(exc)
    assert match in str(exc)
    assert isinstance(exc, APIError)
    assert exc.request_id == "r-7"


@pytest.mark.parametrize("mode", STREAMS)
async def test_error_event_at_eof_is_the_providers_error(mode: str) -> None:
    # An ``event: error`` whose blank line never came is still the provider's error, not a cut.
    one_read = sse(*HEAD, done=False) + b'event: error\ndata: {"message": "quota exceeded"}'
    got, exc = await call(faked(FakeProvider(_stream_reply(one_read))), mode)
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
    got, exc = await call(faked(FakeProvider(_stream_reply(one_read))), mode)
    assert got == HEAD
    assert type(exc) is APIConnectionError, repr(exc)
    assert "middle of an event" in str(exc)


# -- 3. an error object in a 2xx body or a stream chunk --------------------------------------

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
    got, exc = await call(faked(provider), mode)
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
    got, exc = await call(faked(FakeProvider(reply)), mode)
    assert got == HEAD
    assert type(exc) is RateLimitError, repr(exc)
    assert "Too many requests" in str(exc)
    assert exc.request_id == "body-rid"


def test_wire_error_bodies_carry_the_providers_text() -> None:
    with pytest.raises(APIResponseValidationError) as info:
        _wire.parse_completion(OXEN_ERROR)
    assert "Internal Server Error: GPU lost" in str(info.value)
    assert "{'" not in str(info.value)
    with pytest.raises(InternalServerError, match="under maintenance"):
        _wire.parse_completion(AIML_MAINTENANCE)
    with pytest.raises(APIResponseValidationError) as chunk_info:
        _wire.chunk_to_generation({"error": {"message": "boom", "type": "server_error"}})
    assert "boom" in str(chunk_info.value)
    assert "{'" not in str(chunk_info.value)


def test_a_completion_or_usage_chunk_is_not_an_error() -> None:
    assert errors.error_in_body(completion("x"), {}, provider="p", where="w") is None
    usage = {"choices": [], "usage": {"prompt_tokens": 1}, "status": 200}
    assert errors.error_in_body(usage, {}, provider="p", where="w") is None


# -- 4. a 3xx is not an answer --------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirect_is_a_status_error(status: int, mode: str, sleeps: list[float]) -> None:
    target = "https://api.example.com/v2/chat/completions"
    provider = FakeProvider(
        httpx.Response(status, headers={"location": target}, content=b"<html>Moved</html>")
    )
    got, exc = await call(faked(provider), mode)
    assert got == []
    assert type(exc) is APIStatusError, repr(exc)
    assert exc.status_code == status
    assert f"redirected to {target}" in str(exc)
    assert "fix base_url" in str(exc)
    assert exc.is_retryable is False
    assert len(provider.requests) == 1
    assert sleeps == []


# -- 5. unmapped statuses, one JSON parse, pickling ----------------------------------------


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
    exc = errors.error_from_response(status, b'{"message": "nope"}', {}, provider="Oxen.ai")
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
    exc = errors.error_from_response(
        400, b'{"error": {"message": "bad"}}', {}, provider="AI/ML API"
    )
    assert exc.body == {"error": {"message": "bad"}}
    assert len(calls) == 1


def _examples() -> list[BaseException]:
    status = errors.error_from_response(
        429,
        b'{"message": "slow down", "requestId": "r-1"}',
        httpx.Headers({"retry-after": "2", "x-inference-id": "inf-9"}),
        provider="AI/ML API",
    )
    overflow = errors.error_from_response(
        400, {"error": {"message": "maximum context length exceeded"}}, {}, provider="Oxen.ai"
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


# -- 6. one request-id reader ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-inference-id": "a", "x-request-id": "b"}, "a"),
        ({"x-request-id": "b"}, "b"),
        ({"request-id": "c"}, "c"),
        ({"x-oxen-request-id": "d"}, "d"),
        ({"X-Oxen-Request-Id": "d"}, "d"),  # a plain dict in another case
        (httpx.Headers({"X-Request-ID": "e"}), "e"),
        ({"x-request-id": ""}, None),
        ({}, None),
        (None, None),
    ],
)
def test_request_id_from_headers(headers: Any, expected: str | None) -> None:
    assert errors.request_id_from_headers(headers) == expected


@pytest.mark.parametrize("mode", STREAMS)
async def test_stream_errors_carry_any_request_id_header(mode: str) -> None:
    reply = _stream_reply(b"data: {oops\n\n", headers={"x-oxen-request-id": "ox-1"})
    _, exc = await call(faked(FakeProvider(reply)), mode)
    assert isinstance(exc, APIResponseValidationError)
    assert exc.request_id == "ox-1"


# -- 7. pool limits by scheme ----------------------------------------------------------------


def test_https_keeps_more_connections_alive() -> None:
    https = make_transport("https://api.aimlapi.com/v1").client()
    plain = make_transport("http://127.0.0.1:1/v1").client()
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


# -- 8. tool calls without a function object -------------------------------------------------


def test_custom_tool_calls_are_reported_not_dropped() -> None:
    raw = [
        {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{}"}},
        {"id": "call_2", "type": "custom", "custom": {"name": "grammar", "input": "1+1"}},
        {"id": "call_3", "type": "function"},
        "junk",
    ]
    calls, invalid = _wire.parse_tool_calls(raw)
    assert [c["id"] for c in calls] == ["call_1"]
    assert [c["id"] for c in invalid] == ["call_2", "call_3", None]
    assert invalid[0]["name"] == "grammar"
    assert invalid[0]["args"] == "1+1"
    assert "'custom'" in invalid[0]["error"]
    assert "not supported" in invalid[0]["error"]
    assert "no 'function'" in invalid[1]["error"]
    assert "not an object" in invalid[2]["error"]

    body = completion(None, tool_calls=raw[1:2], finish_reason="tool_calls")
    message = _wire.parse_completion(body).generations[0].message
    assert message.tool_calls == []
    assert len(message.invalid_tool_calls) == 1
