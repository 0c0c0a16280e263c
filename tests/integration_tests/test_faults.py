"""The fault-injection matrix: {invoke, ainvoke, stream, astream} x {AI/ML API, Oxen.ai} x fault.

Every case asserts the exact outcome: the answer (or the text streamed before the failure), the
exception type, its status / provider message / request id, and how many requests the emulator
received (which pins the retry count: ``max_retries=2`` means at most 3 requests).

Retry sleeps are shortened (``_retry.INITIAL_DELAY``); the tests at the end prove that
``Retry-After`` and the backoff are really waited for (lower bounds only).
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatOxen, _retry
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from langchain_gpt52.testing import Emulator, Fault

pytestmark = pytest.mark.integration

PROMPT = "Say hello"
ANSWER = 'You said: "Say hello"'
HEAD = 'You said: "'
"""The text of the first two stream chunks (role chunk + first content chunk)."""

MODES = ["invoke", "ainvoke", "stream", "astream"]
PROVIDERS = ["aimlapi", "oxen"]
STREAMING = {"stream", "astream"}


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff sleeps of ~1 ms (``Retry-After`` still wins where a fault sends one)."""
    monkeypatch.setattr(_retry, "INITIAL_DELAY", 0.001)


def make(emulator: Emulator, provider: str, **kwargs: Any) -> BaseChatGPT52:
    kwargs.setdefault("api_key", emulator.api_key)
    if provider == "aimlapi":
        return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, **kwargs)
    return ChatOxen(base_url=emulator.oxen_base_url, **kwargs)


@dataclass
class Outcome:
    text: str
    """The answer, or for a stream the text of the chunks yielded before any error."""
    chunks: int
    error: Exception | None


async def call(model: BaseChatGPT52, mode: str) -> Outcome:
    """One call in ``mode``; never raises (the error is returned), always closes the clients."""
    pieces: list[str] = []
    try:
        if mode == "invoke":
            pieces.append(str(model.invoke(PROMPT).content))
        elif mode == "ainvoke":
            pieces.append(str((await model.ainvoke(PROMPT)).content))
        elif mode == "stream":
            for chunk in model.stream(PROMPT):
                pieces.append(str(chunk.content))
        else:
            async for chunk in model.astream(PROMPT):
                pieces.append(str(chunk.content))
    except Exception as exc:
        return Outcome("".join(pieces), len(pieces), exc)
    finally:
        model.close()
        await model.aclose()
    return Outcome("".join(pieces), len(pieces), None)


# -- the matrix ----------------------------------------------------------------------------

Check = Callable[[Exception, str], None]


@dataclass(frozen=True)
class Expect:
    error: type[Exception] | None
    requests: int
    text: str = ""
    aimlapi_request_id: bool = False
    """The failure came after a 2xx AI/ML API response: its ``x-inference-id`` is on the error."""
    check: Check | None = None


def ok(requests: int) -> Expect:
    return Expect(None, requests, ANSWER)


@dataclass(frozen=True)
class Case:
    name: str
    faults: tuple[Fault, ...]
    invoke: Expect
    stream: Expect
    model: dict[str, Any] = field(default_factory=dict)


def status_check(code: int, message: str) -> Check:
    """Status, the provider's own message and the request id reach the exception."""

    def check(exc: Exception, provider: str) -> None:
        assert isinstance(exc, APIStatusError)
        assert exc.status_code == code
        assert exc.provider_message is not None
        assert exc.provider_message.endswith(message)
        if provider == "aimlapi":  # the error body's requestId wins over the header
            assert exc.request_id == exc.body["requestId"]
        else:
            assert exc.request_id == f"req-{code}"
        text = str(exc)
        assert f"HTTP {code}" in text
        assert message in text
        assert exc.request_id in text

    return check


def html_check(exc: Exception, provider: str) -> None:
    assert isinstance(exc, InternalServerError)
    assert exc.status_code == 502
    assert exc.provider_message == "502 Bad Gateway"
    assert "HTTP 502" in str(exc)
    assert "502 Bad Gateway" in str(exc)
    assert "<html" not in str(exc).lower()


def status_fault(
    code: int, times: int, headers: dict[str, str] | None = None, **kwargs: Any
) -> Fault:
    """An error status with a known provider message and an ``x-request-id`` header."""
    return Fault.status(
        code,
        f"provider says {code}",
        headers={"x-request-id": f"req-{code}", **(headers or {})},
        times=times,
        **kwargs,
    )


RETRYABLE = [408, 409, 429, 500, 502, 503, 504]
EXHAUSTED: dict[int, type[APIStatusError]] = {
    408: InternalServerError,
    409: ConflictError,
    429: RateLimitError,
    500: InternalServerError,
    502: InternalServerError,
    503: InternalServerError,
    504: InternalServerError,
}
FINAL: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
}

CASES: list[Case] = [
    *(
        # Two failures then the real answer: exactly 2 retries (3 requests).
        Case(
            f"{code}-twice-then-ok",
            (Fault.status(code, times=2, **({"retry_after": 0} if code == 429 else {})),),
            ok(3),
            ok(3),
        )
        for code in RETRYABLE
    ),
    *(
        # Three failures: max_retries=2 is used up; the third error is raised.
        Case(
            f"{code}-beyond-max-retries",
            (status_fault(code, times=3),),
            Expect(cls, 3, check=status_check(code, f"provider says {code}")),
            Expect(cls, 3, check=status_check(code, f"provider says {code}")),
        )
        for code, cls in EXHAUSTED.items()
    ),
    *(
        # Never retried: the answer queued behind the fault would succeed if it were.
        Case(
            f"{code}-final",
            (status_fault(code, times=1),),
            Expect(cls, 1, check=status_check(code, f"provider says {code}")),
            Expect(cls, 1, check=status_check(code, f"provider says {code}")),
        )
        for code, cls in FINAL.items()
    ),
    Case("reset-then-ok", (Fault.reset(),), ok(2), ok(2)),
    Case(
        "reset-persistent",
        (Fault.reset(times=3),),
        Expect(APIConnectionError, 3),
        Expect(APIConnectionError, 3),
    ),
    Case("html-502-then-ok", (Fault.html(502),), ok(2), ok(2)),
    Case(
        "html-502-persistent",
        (Fault.html(502, times=3),),
        Expect(InternalServerError, 3, check=html_check),
        Expect(InternalServerError, 3, check=html_check),
    ),
    Case(
        "malformed-json-200",
        (Fault.malformed_json(),),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
    ),
    Case(
        "malformed-json-500-persistent",
        (Fault.malformed_json(500, times=3),),
        Expect(InternalServerError, 3),
        Expect(InternalServerError, 3),
    ),
    Case(
        "invalid-utf8",
        (Fault.invalid_utf8(),),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
    ),
    Case(
        "empty-choices",
        (Fault.empty_choices(),),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
    ),
    Case(
        "null-choices",
        (Fault.null_choices(),),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
        Expect(APIResponseValidationError, 1, aimlapi_request_id=True),
    ),
    Case(
        # Never retried once the response has started (a generation is billed per request):
        # a plain POST whose body was cut raises at once, as a stream does.
        "cut-stream",
        (Fault.cut_stream(after=2),),
        Expect(APIConnectionError, 1, aimlapi_request_id=True),
        Expect(APIConnectionError, 1, HEAD, aimlapi_request_id=True),
    ),
    Case(
        "cut-stream-persistent",
        (Fault.cut_stream(after=2, times=3),),
        Expect(APIConnectionError, 1, aimlapi_request_id=True),
        Expect(APIConnectionError, 1, HEAD, aimlapi_request_id=True),
    ),
    Case(
        "truncated-sse",
        (Fault.truncated_sse(after=2),),
        ok(1),
        Expect(APIConnectionError, 1, HEAD, aimlapi_request_id=True),
    ),
    Case("no-done", (Fault.no_done(),), ok(1), ok(1)),
    Case(
        "slow-first-byte-no-retries",
        (Fault.slow_first_byte(0.6),),
        Expect(APITimeoutError, 1),
        Expect(APITimeoutError, 1),
        model={"timeout": 0.2, "max_retries": 0},
    ),
    Case(
        "slow-first-byte-then-ok",
        (Fault.slow_first_byte(0.6),),
        ok(2),
        ok(2),
        model={"timeout": 0.2},
    ),
    Case(
        "slow-chunks-beyond-chunk-timeout",
        (Fault.slow_chunks(0.6),),
        ok(1),
        Expect(APITimeoutError, 1, "", aimlapi_request_id=True),
        model={"stream_chunk_timeout": 0.2},
    ),
    Case(
        "slow-chunks-within-chunk-timeout",
        (Fault.slow_chunks(0.03),),
        ok(1),
        ok(1),
        model={"stream_chunk_timeout": 1.0},
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_fault_matrix(emulator: Emulator, case: Case, provider: str, mode: str) -> None:
    emulator.enqueue(*case.faults)
    expect = case.stream if mode in STREAMING else case.invoke
    out = await call(make(emulator, provider, **case.model), mode)

    assert len(emulator.requests) == expect.requests
    assert out.text == expect.text
    if expect.error is None:
        assert out.error is None, repr(out.error)
        return
    assert type(out.error) is expect.error, repr(out.error)
    assert isinstance(out.error, APIError)
    if expect.aimlapi_request_id and provider == "aimlapi":
        # the response's x-inference-id (a UUID the emulator makes up per response)
        assert out.error.request_id is not None
        uuid.UUID(out.error.request_id)
    if expect.check is not None:
        expect.check(out.error, provider)
    if mode in STREAMING and expect.text:
        # The role chunk and the first content chunk arrived before the failure.
        assert out.chunks == 2
    if case.name == "slow-chunks-beyond-chunk-timeout" and mode in STREAMING:
        assert out.chunks == 1  # the role chunk, then the stall


# -- retry timing and limits ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault.status(429, retry_after=0.3),
        Fault.status(503, headers={"retry-after-ms": "300"}),
    ],
    ids=["retry-after-seconds", "retry-after-ms"],
)
@pytest.mark.parametrize("mode", MODES)
async def test_retry_after_is_honoured(emulator: Emulator, mode: str, fault: Fault) -> None:
    emulator.enqueue(fault)
    start = time.monotonic()
    out = await call(make(emulator, "aimlapi"), mode)
    elapsed = time.monotonic() - start
    assert out.error is None, repr(out.error)
    assert out.text == ANSWER
    assert len(emulator.requests) == 2
    assert elapsed >= 0.3


@pytest.mark.parametrize("mode", ["invoke", "astream"])
async def test_retry_after_http_date(emulator: Emulator, mode: str) -> None:
    # An HTTP date has whole seconds: "now + 2 s" is between 1 and 2 seconds away.
    emulator.enqueue(Fault.status(429, retry_after=formatdate(time.time() + 2, usegmt=True)))
    start = time.monotonic()
    out = await call(make(emulator, "oxen"), mode)
    elapsed = time.monotonic() - start
    assert out.error is None, repr(out.error)
    assert out.text == ANSWER
    assert len(emulator.requests) == 2
    assert elapsed >= 0.9


@pytest.mark.parametrize("mode", MODES)
async def test_retry_after_in_the_past_retries_at_once(emulator: Emulator, mode: str) -> None:
    emulator.enqueue(
        Fault.status(503, retry_after=formatdate(time.time() - 60, usegmt=True), times=2)
    )
    out = await call(make(emulator, "oxen"), mode)
    assert out.error is None, repr(out.error)
    assert len(emulator.requests) == 3


@pytest.mark.parametrize("mode", MODES)
async def test_retry_after_beyond_cap_is_not_waited_for(emulator: Emulator, mode: str) -> None:
    emulator.enqueue(status_fault(429, times=1, retry_after=_retry.MAX_RETRY_AFTER + 1))
    out = await call(make(emulator, "aimlapi"), mode)
    assert type(out.error) is RateLimitError
    assert out.error.status_code == 429
    assert len(emulator.requests) == 1


async def test_backoff_is_exponential(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # 0.1 s then 0.2 s, each with at most 25% jitter taken off: at least 0.225 s in all.
    monkeypatch.setattr(_retry, "INITIAL_DELAY", 0.1)
    emulator.enqueue(Fault.status(500, times=2))
    start = time.monotonic()
    out = await call(make(emulator, "aimlapi"), "invoke")
    assert out.error is None, repr(out.error)
    assert len(emulator.requests) == 3
    assert time.monotonic() - start >= 0.225


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("max_retries", "faults"), [(0, 1), (1, 2), (5, 6)])
async def test_max_retries_bounds_attempts(
    emulator: Emulator, mode: str, max_retries: int, faults: int
) -> None:
    emulator.enqueue(status_fault(500, times=faults))
    out = await call(make(emulator, "oxen", max_retries=max_retries), mode)
    assert type(out.error) is InternalServerError
    assert len(emulator.requests) == max_retries + 1
    # one fault fewer: the last allowed attempt succeeds
    emulator.reset()
    if faults > 1:
        emulator.enqueue(status_fault(500, times=faults - 1))
    out = await call(make(emulator, "oxen", max_retries=max_retries), mode)
    assert out.error is None, repr(out.error)
    assert len(emulator.requests) == max_retries + 1


@pytest.mark.parametrize("mode", MODES)
async def test_should_retry_header_overrides_status(emulator: Emulator, mode: str) -> None:
    emulator.enqueue(status_fault(400, times=1, headers={"x-should-retry": "true"}))
    assert (await call(make(emulator, "aimlapi"), mode)).error is None
    assert len(emulator.requests) == 2
    emulator.reset()
    emulator.enqueue(status_fault(503, times=1, headers={"x-should-retry": "false"}))
    out = await call(make(emulator, "aimlapi"), mode)
    assert type(out.error) is InternalServerError
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_connection_refused_is_a_typed_error(mode: str) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = ChatOxen(api_key="k", base_url=f"http://127.0.0.1:{port}/api/ai", max_retries=1)
    out = await call(model, mode)
    assert type(out.error) is APIConnectionError
    assert "connection failed" in str(out.error)
    assert out.text == ""


@pytest.mark.parametrize("mode", MODES)
async def test_route_scoped_faults_do_not_leak(emulator: Emulator, mode: str) -> None:
    # A fault queued for Oxen.ai does not touch AI/ML API calls (and is still pending after).
    emulator.enqueue(Fault.status(500, times=3), route="oxen")
    out = await call(make(emulator, "aimlapi"), mode)
    assert out.error is None
    assert len(emulator.requests) == 1
    assert len(emulator.pending_faults) == 3


# -- byte-level faults after the response started --------------------------------------------
#
# The emulator answers at the HTTP level; these need exact bytes on the socket (a body shorter
# than its Content-Length, a chunk cut in half, a body that trickles), so a tiny raw server
# plays them. Every case: one request only (never retried once a response started).

_COMPLETION = (
    b'{"id":"c1","object":"chat.completion","created":1,"model":"gpt-5.2","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'
)
_HTML = b"<html><head><title>Sign in to the gateway</title></head><body>login</body></html>"


def _head(extra: str) -> bytes:
    return f"HTTP/1.1 200 OK\r\n{extra}\r\n".encode()


# name -> list of (bytes to send, seconds to wait after), then the connection closes
RAW_FAULTS: dict[str, list[tuple[bytes, float]]] = {
    "short-body": [
        (_head("content-type: application/json\r\ncontent-length: 1000\r\n"), 0),
        (_COMPLETION[:40], 0),
    ],
    "chunk-cut": [
        (_head("content-type: application/json\r\ntransfer-encoding: chunked\r\n"), 0),
        (b"%x\r\n" % len(_COMPLETION) + _COMPLETION[:30], 0),
    ],
    "garbage-gzip": [
        (
            _head(
                "content-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: 64\r\n"
            ),
            0,
        ),
        (b"\x1f\x8b\x08\x00" + b"not gzip at all" * 4, 0),
    ],
    "headers-then-silence": [
        (_head("content-type: application/json\r\ncontent-length: 500\r\n"), 3.0),
    ],
    "trickle": [
        (_head(f"content-type: application/json\r\ncontent-length: {len(_COMPLETION)}\r\n"), 0),
        *[(_COMPLETION[i : i + 1], 0.02) for i in range(len(_COMPLETION))],
    ],
    "html-200": [
        (_head(f"content-type: text/html\r\ncontent-length: {len(_HTML)}\r\n"), 0),
        (_HTML, 0),
    ],
}


class RawServer:
    """Answers every request with one scripted byte sequence; counts requests."""

    def __init__(self, script: list[tuple[bytes, float]]) -> None:
        self.script = script
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                piece = conn.recv(65536)
                if not piece:
                    return
                data += piece
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            while len(body) < length:
                body += conn.recv(65536)
            self.requests += 1
            try:
                for raw, pause in self.script:
                    conn.sendall(raw)
                    if pause:
                        self.stop.wait(pause)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


@dataclass(frozen=True)
class RawCase:
    name: str
    error: type[Exception]
    says: str
    stream_says: str | None = None
    model: dict[str, Any] = field(default_factory=dict)


RAW_CASES = [
    RawCase("short-body", APIConnectionError, "reading the response body"),
    RawCase("chunk-cut", APIConnectionError, "reading the response body"),
    RawCase("garbage-gzip", APIConnectionError, "reading the response body"),
    RawCase(
        "headers-then-silence",
        APITimeoutError,
        "reading the response body",
        model={"timeout": 0.3},
    ),
    RawCase("trickle", APITimeoutError, "total timeout of 0.3 s", model={"total_timeout": 0.3}),
    RawCase("html-200", APIResponseValidationError, "not valid JSON", stream_says="text/html"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("case", RAW_CASES, ids=[c.name for c in RAW_CASES])
async def test_started_response_faults(case: RawCase, provider: str, mode: str) -> None:
    server = RawServer(RAW_FAULTS[case.name])
    cls = ChatAIMLAPI if provider == "aimlapi" else ChatOxen
    try:
        model = cls(api_key="sk-raw-fault-key", base_url=server.url, **case.model)
        out = await call(model, mode)
    finally:
        server.close()
    assert type(out.error) is case.error, repr(out.error)
    says = case.stream_says if mode in STREAMING and case.stream_says else case.says
    assert says in str(out.error)
    assert server.requests == 1
    assert "sending the request" not in str(out.error)


MALFORMED_CHOICE_STREAMS = {
    "empty-choice-object": [{"id": "c", "object": "chat.completion.chunk", "choices": [{}]}],
    "null-delta": [
        {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": None}]}
    ],
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("name", list(MALFORMED_CHOICE_STREAMS))
async def test_malformed_choices_are_refused_alike(
    emulator: Emulator, name: str, provider: str, mode: str
) -> None:
    chunks = MALFORMED_CHOICE_STREAMS[name]
    if mode in STREAMING:
        emulator.enqueue(Fault.respond(sse=chunks))
    else:
        body = {**chunks[0], "object": "chat.completion"}
        body["choices"] = [
            {k: v for k, v in c.items() if k != "delta"} | {"message": c.get("delta")}
            for c in chunks[0]["choices"]
        ]
        emulator.enqueue(Fault.respond(json=body))
    out = await call(make(emulator, provider), mode)
    assert type(out.error) is APIResponseValidationError, repr(out.error)


# -- redirects, unmapped statuses, error objects with status 200 and after content ----------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
async def test_redirect_says_fix_base_url(emulator: Emulator, provider: str, mode: str) -> None:
    target = "https://elsewhere.example.com/v1/chat/completions"
    emulator.enqueue(Fault.status(308, body=b"", headers={"location": target}))
    exc = (await call(make(emulator, provider), mode)).error
    assert type(exc) is APIStatusError, repr(exc)
    assert exc.status_code == 308
    assert f"redirected to {target}: fix base_url" in str(exc)
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("code", "cls"), [(405, APIStatusError), (418, APIStatusError), (413, BadRequestError)]
)
async def test_unmapped_4xx_is_not_retried(
    emulator: Emulator, code: int, cls: type[Exception], mode: str
) -> None:
    emulator.enqueue(Fault.status(code, f"provider says {code}"))
    exc = (await call(make(emulator, "aimlapi"), mode)).error
    assert type(exc) is cls, repr(exc)
    assert f"provider says {code}" in str(exc)
    assert not exc.is_retryable  # type: ignore[union-attr]
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("body", "cls", "text"),
    [
        ({"message": "Model is under maintenance", "statusCode": 500}, InternalServerError, None),
        ({"message": "Model is under maintenance", "statusCode": 429}, RateLimitError, None),
        (
            {
                "error": {"type": "internal", "title": "Server Error", "detail": "GPU lost"},
                "status": "error",
                "status_message": "GPU lost",
            },
            APIResponseValidationError,
            "Server Error: GPU lost",
        ),
    ],
    ids=["aimlapi-500", "aimlapi-429", "oxen"],
)
async def test_error_object_with_status_200(
    emulator: Emulator, body: dict[str, Any], cls: type[Exception], text: str | None, mode: str
) -> None:
    emulator.enqueue(Fault.respond(200, json=body, headers={"x-request-id": "req-200"}))
    exc = (await call(make(emulator, "aimlapi"), mode)).error
    assert type(exc) is cls, repr(exc)
    assert (text or "Model is under maintenance") in str(exc)
    assert "{'" not in str(exc)
    assert exc.request_id == "req-200"  # type: ignore[union-attr]
    assert len(emulator.requests) == 1


def _chunk(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-r",
        "object": "chat.completion.chunk",
        "created": 1765494441,
        "model": "gpt-5.2-2025-12-11",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }


ERROR_CHUNKS: dict[str, tuple[dict[str, Any], type[Exception]]] = {
    "aimlapi": ({"message": "Upstream overloaded", "statusCode": 503}, InternalServerError),
    "oxen": (
        {
            "error": {"type": "server_error", "title": "Error", "detail": "Upstream overloaded"},
            "status": "error",
            "status_message": "Upstream overloaded",
        },
        APIResponseValidationError,
    ),
}
"""Each provider's error object in its own shape, and the error it stands for mid-stream."""


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize("provider", ["aimlapi", "oxen"])
async def test_error_chunk_after_content(emulator: Emulator, provider: str, mode: str) -> None:
    error, cls = ERROR_CHUNKS[provider]
    emulator.enqueue(
        Fault.respond(
            sse=[_chunk("Hel"), _chunk("lo"), error],
            done=False,
            headers={"x-request-id": "req-s"},
        )
    )
    out = await call(make(emulator, provider), mode)
    exc = out.error
    assert out.text == "Hello"
    assert type(exc) is cls, repr(exc)
    assert getattr(exc, "status_code", 503) == 503
    assert "Upstream overloaded" in str(exc)
    assert exc.request_id == "req-s"
    assert len(emulator.requests) == 1
