"""The only module that does I/O: one lazy httpx client per model instance, POST and SSE, retries.

Sync and async share every decision (status -> error, what to retry, how long to wait, how to read
a chunk); only the calls into httpx and the sleeps differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import ssl
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, nullcontext
from typing import Any

import httpx

from langchain_gpt52._retry import retry_delay, should_retry
from langchain_gpt52._sse import SSEDecoder
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    error_from_response,
    error_in_body,
    parse_error_body,
    request_id_from_headers,
)

__all__ = ["DEFAULT_LIMITS", "HTTPS_LIMITS", "Transport"]

DEFAULT_LIMITS = httpx.Limits(
    max_connections=256, max_keepalive_connections=16, keepalive_expiry=30
)
"""Pool limits for a plain-http base URL (the loopback emulator, a local gateway), where a new
connection costs a TCP handshake of a few microseconds: 256 connections let 200 calls run at once
without queueing on the pool; only 16 are kept alive because httpcore 1.0's pool bookkeeping
costs O(idle x open connections) per request event: at 200-way concurrency on loopback 64
kept-alive connections cost ~7 ms of client CPU per call, 16 cost ~2 ms, i.e. 256/64 measured
155 calls/s against 577 for 256/16 (``python benchmarks/run.py --sweep-limits``)."""

HTTPS_LIMITS = httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=30)
"""Pool limits for an ``https://`` base URL (the real providers). The loopback measurement above
does not carry over: with 16 kept alive, 48 of 64 concurrent calls would open a new connection
each time, and a TLS handshake over a real network costs one or two round trips (tens of ms)
plus the key exchange, far more than the ~5 ms of pool bookkeeping that 64 kept-alive
connections add at 200-way concurrency; at the concurrency a provider's rate limit allows,
that bookkeeping is smaller still."""

_CLIENT_SIDE_ERRORS = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)
"""httpx errors raised before anything was sent (an illegal header value, a bad URL scheme):
the same request would fail the same way again, so they are never retried."""

_HEADER_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?")
"""A header value httpx (ASCII) and h11 (no control characters, no leading or trailing
whitespace) will send."""
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_ILLEGAL_HEADER = re.compile(r"(Illegal header (?:value|name)) .*", re.DOTALL)

_DONE = "[DONE]"

_SSL_LOCK = threading.Lock()
_SSL_CONTEXT: list[ssl.SSLContext] = []


def _ssl_context() -> ssl.SSLContext:
    """One verifying SSL context shared by every client this package makes.

    Building one loads the CA bundle (~50 ms); without sharing, every model instance, and
    every new event loop (a new async client), would pay that again.
    """
    if not _SSL_CONTEXT:
        with _SSL_LOCK:
            if not _SSL_CONTEXT:
                _SSL_CONTEXT.append(httpx.create_ssl_context())
    return _SSL_CONTEXT[0]


def _redact(data: bytes, secret: bytes | None) -> bytes:
    return data.replace(secret, b"***") if secret and secret in data else data


def _decode_json(content: bytes, *, what: str, request_id: str | None) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        preview = content[:200].decode("utf-8", "replace")
        raise APIResponseValidationError(
            f"{what} is not valid JSON ({exc.__class__.__name__}: {exc}); starts with {preview!r}",
            body=preview,
            request_id=request_id,
        ) from None


def _secret_forms(secret: str | None) -> list[str]:
    """The ways ``secret`` can appear in an exception's text: as is, escaped by ``repr`` of a
    str or of bytes (h11 prints ``b'Bearer sk-...\\n'``), and without surrounding whitespace;
    longest first so a longer form is replaced before a part of it."""
    if not secret:
        return []
    forms = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
    }
    core = secret.strip()
    if len(core) >= 8:
        forms.add(core)
    return sorted((f for f in forms if f), key=len, reverse=True)


def _redact_text(text: str, secret: str | None) -> str:
    """``text`` without the secret in any form, nor the value of a header h11 refused."""
    for form in _secret_forms(secret):
        if form in text:
            text = text.replace(form, "***")
    return _ILLEGAL_HEADER.sub(r"\1 (redacted)", text)


def _scrub(exc: BaseException) -> None:
    """Empty an exception we are about to replace with ours: it stays reachable as our error's
    ``__context__`` (``from None`` only hides it), and its args, the exceptions it chains
    (h11's, for an illegal header) and the frames of its traceback can hold the header."""
    exc.args = ()
    if isinstance(exc, UnicodeEncodeError):
        exc.object = ""
    exc.__context__ = exc.__cause__ = None
    exc.__traceback__ = None


def _network_error(
    exc: httpx.HTTPError,
    provider: str,
    *,
    during: str,
    request_id: str | None = None,
    secret: str | None = None,
) -> APIError:
    """Map an httpx failure to our typed error, with ``secret`` redacted from its text."""
    name = exc.__class__.__name__
    raw = str(exc) or name
    detail = _redact_text(raw, secret)
    # Its request carries the Authorization header: detach it.
    exc._request = None
    if detail != raw or isinstance(exc, _CLIENT_SIDE_ERRORS):
        _scrub(exc)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{provider}: timed out {during} ({name}: {detail})", request_id=request_id
        )
    if isinstance(exc, _CLIENT_SIDE_ERRORS):
        hint = (
            "check base_url"
            if isinstance(exc, httpx.UnsupportedProtocol)
            else "the API key or a header holds a character HTTP does not allow "
            "(a newline, a leading or trailing space?)"
        )
        err = APIConnectionError(
            f"{provider}: the request could not be sent ({name}: {detail}); {hint}",
            request_id=request_id,
        )
        err.is_retryable = False  # the same request fails the same way again
        return err
    return APIConnectionError(
        f"{provider}: connection failed {during} ({name}: {detail})", request_id=request_id
    )


def _unsendable_header(headers: Mapping[str, str]) -> str | None:
    """The name of the first header httpx/h11 would refuse to send (None when all are fine)."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            return "a header name"
        if isinstance(value, str) and not _HEADER_VALUE.fullmatch(value):
            return name
    return None


def _unsendable(provider: str, header: str | None) -> APIConnectionError:
    where = f" ({header!r})" if header and header != "a header name" else ""
    err = APIConnectionError(
        f"{provider}: the request was not sent: the API key or a header{where} contains "
        "characters that cannot be sent in an HTTP header (a newline, a leading or trailing "
        "space, a non-ASCII character); check the key for stray characters"
    )
    err.is_retryable = False
    return err


def _is_success(status: int) -> bool:
    """Only 2xx is an answer; a 3xx (httpx does not follow redirects) means a wrong base_url."""
    return 200 <= status < 300


def _is_json(headers: httpx.Headers) -> bool:
    """A 2xx answer to a stream request sent as one JSON body (e.g. the server ignored
    ``stream``, or an error object with status 200) instead of ``text/event-stream``."""
    return bool(headers.get("content-type", "").lower().startswith("application/json"))


def _completion_as_chunks(data: Any) -> list[Any]:
    """A JSON body answering a stream request -> the stream chunks it stands for."""
    if isinstance(data, Mapping) and isinstance(data.get("choices"), list):
        choices = [
            {**c, "delta": c.get("message")} if isinstance(c, Mapping) else c
            for c in data["choices"]
        ]
        return [{**data, "choices": choices}]
    return [data]


def _is_plain_chunk(event: str, data: str) -> bool:
    """Whether an SSE event is an ordinary completion chunk (not an error, not unreadable)."""
    if event == "error":
        return False
    try:
        chunk = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(chunk, Mapping) and not chunk.get("error")


class Transport:
    """POSTs JSON to one base URL with retries; streams SSE chat-completion chunks."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        stream_timeout: float | None,
        max_retries: int,
        total_timeout: float | None = None,
        provider: str,
        secret: str | None,
        max_concurrency: int | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.timeout = timeout
        self.stream_timeout = (
            timeout
            if stream_timeout is None
            else httpx.Timeout(
                connect=timeout.connect,
                read=stream_timeout,
                write=timeout.write,
                pool=timeout.pool,
            )
        )
        self.max_retries = max_retries
        self.total_timeout = total_timeout
        self.provider = provider
        self._secret = secret.encode("utf-8", "surrogatepass") if secret else None
        self._secret_text = secret or None
        # Checked once here, raised per call (by ``_Attempts``) without sending anything.
        self._bad_header = _unsendable_header(self.headers)
        self._max_concurrency = max_concurrency
        self._client = http_client
        self._own_client = http_client is None
        self._aclient = http_async_client
        self._own_aclient = http_async_client is None
        # Our own clients carry the headers; a client the user passed in gets them per request.
        self._sync_headers = None if self._own_client else self.headers
        self._async_headers = None if self._own_aclient else self.headers
        self._aclient_loop: asyncio.AbstractEventLoop | None = None
        self._aclient_guard: AsyncGenerator[None, None] | None = None
        self._async_sem_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._sync_sem = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None
        self._async_sem: asyncio.Semaphore | None = None

    # -- clients ---------------------------------------------------------------------------

    def _client_options(self) -> dict[str, Any]:
        """Options of the clients this instance makes: headers set once, not per request;
        no TLS context to load for a plain-http base URL (the emulator, a local gateway), and
        more kept-alive connections for https (see ``HTTPS_LIMITS``)."""
        https = self.base_url.startswith("https://")
        return {
            "headers": self.headers,
            "timeout": self.timeout,
            "limits": HTTPS_LIMITS if https else DEFAULT_LIMITS,
            "verify": _ssl_context() if https else False,
        }

    def client(self) -> httpx.Client:
        """The instance's sync client, created on first use."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(**self._client_options())
        return self._client

    def aclient(self) -> httpx.AsyncClient:
        """The async client for the running event loop (a new loop gets a new client)."""
        loop = asyncio.get_running_loop()
        if self._aclient is None or (self._own_aclient and self._aclient_loop is not loop):
            # A client's pooled connections belong to the loop that opened them; a notebook
            # or test that calls asyncio.run() again needs fresh ones.
            self._aclient = httpx.AsyncClient(**self._client_options())
            self._aclient_loop = loop
            if self._own_aclient:
                self._aclient_guard = _park(_close_with_loop(self._aclient))
        return self._aclient

    def _asem(self) -> asyncio.Semaphore | None:
        """The async concurrency cap for the running loop (a semaphore is bound to one loop)."""
        if self._max_concurrency:
            loop = asyncio.get_running_loop()
            if self._async_sem is None or self._async_sem_loop is not loop:
                self._async_sem = asyncio.Semaphore(self._max_concurrency)
                self._async_sem_loop = loop
        return self._async_sem

    def close(self) -> None:
        """Close the sync client (if this instance made it)."""
        if self._client is not None and self._own_client:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close the async client (if this instance made it)."""
        if self._aclient is not None and self._own_aclient:
            client, self._aclient = self._aclient, None
            if self._aclient_loop is asyncio.get_running_loop():
                await client.aclose()
            self._aclient_loop = None

    # -- shared decisions ------------------------------------------------------------------

    def _status_error(self, status: int, content: bytes, headers: httpx.Headers) -> APIStatusError:
        return error_from_response(
            status, _redact(content, self._secret), headers, provider=self.provider
        )

    def _delay(self, attempt: int, headers: Mapping[str, str] | None) -> float | None:
        """Seconds before retry ``attempt`` or None when retries are used up."""
        if attempt > self.max_retries:
            return None
        return retry_delay(attempt, headers)

    def _decode_body(self, content: bytes, headers: Mapping[str, str], status: int = 200) -> Any:
        """A 2xx JSON body; an unreadable or error-object one has the key redacted first, and
        an error object (``{"error": ...}``, ``{"message", "statusCode": 500}``) is raised as
        the typed error it stands for."""
        request_id = request_id_from_headers(headers)
        secret = self._secret
        data: Any = None
        if secret and secret in content:
            try:
                data = json.loads(content)
            except (ValueError, UnicodeDecodeError, RecursionError):
                data = None
            if not (isinstance(data, Mapping) and data.get("choices") and not data.get("error")):
                content = _redact(content, secret)
                data = None
        if data is None:
            data = _decode_json(content, what="response body", request_id=request_id)
        err = error_in_body(
            data,
            headers,
            provider=self.provider,
            where=f"in the body of an HTTP {status} response",
        )
        if err is not None:
            raise err
        return data

    def _event_error(self, data: str, headers: Mapping[str, str]) -> APIError:
        """An ``event: error`` SSE event -> the error it reports, in the provider's words."""
        try:
            parsed: Any = json.loads(data)
        except (ValueError, RecursionError):
            parsed = data
        err = error_in_body(parsed, headers, provider=self.provider, where="in a stream event")
        if err is not None:
            return err
        message, _, rid = parse_error_body(parsed)
        rid = rid or request_id_from_headers(headers)
        text = f"{self.provider} sent an error event mid-stream: {message or data[:500]!r}"
        if rid:
            text += f" [request id: {rid}]"
        return APIResponseValidationError(text, body=parsed, request_id=rid)

    def _cut(self, rid: str | None) -> APIConnectionError:
        return APIConnectionError(
            f"{self.provider}: the stream ended in the middle of an event", request_id=rid
        )

    def _events(
        self, decoder: SSEDecoder, raw: bytes | None, headers: Mapping[str, str], rid: str | None
    ) -> tuple[list[Any], bool, APIError | None]:
        """Decode one network read (or EOF when ``raw`` is None) into JSON chunks.

        Returns the chunks, whether the stream is over, and the error to raise once those
        chunks have been yielded (an error event or error object, an unreadable event; at EOF
        an event left unfinished is a cut connection, ``APIConnectionError``).
        """
        eof = raw is None
        out: list[Any] = []
        bad_utf8: APIError | None = None
        try:
            events = decoder.feed(raw) if raw is not None else decoder.flush()
        except UnicodeDecodeError as exc:
            events = getattr(exc, "events_before", [])  # completed before the bad event
            bad_utf8 = (
                self._cut(rid)
                if eof
                else APIResponseValidationError(
                    f"{self.provider}: stream is not valid UTF-8 ({exc})", request_id=rid
                )
            )
        secret = self._secret_text
        for event, data in events:
            if secret and secret in data and not _is_plain_chunk(event, data):
                # A provider that echoes the key back (in an error event, say) must not leak it.
                data = data.replace(secret, "***")
            if data == _DONE:
                return out, True, None
            if event == "error":
                return out, True, self._event_error(data, headers)
            try:
                chunk = json.loads(data)
            except (ValueError, RecursionError):
                if eof:  # the last event's blank line never came: the stream was cut
                    return out, True, self._cut(rid)
                return (
                    out,
                    True,
                    APIResponseValidationError(
                        f"{self.provider}: stream event is not valid JSON: {data[:200]!r}",
                        body=data[:200],
                        request_id=rid,
                    ),
                )
            if type(chunk) is dict and chunk.get("choices"):
                out.append(chunk)  # the usual case, checked cheaply
                continue
            err = error_in_body(chunk, headers, provider=self.provider, where="mid-stream")
            if err is not None:
                return out, True, err
            out.append(chunk)
        if bad_utf8 is not None:
            return out, True, bad_utf8
        return out, eof, None

    def _step(
        self,
        decoder: SSEDecoder,
        raw: bytes | None,
        headers: Mapping[str, str],
        rid: str | None,
        attempts: _Attempts,
    ) -> tuple[list[Any], bool, APIError | None]:
        """One network read of a stream (``None`` at EOF) -> its chunks, whether it ended, and
        an error to raise after yielding those chunks."""
        attempts.check_deadline(rid)
        return self._events(decoder, raw, headers, rid)

    def _json_stream(self, content: bytes, headers: httpx.Headers, status: int) -> list[Any]:
        """A stream request answered with one JSON body -> the chunks it stands for."""
        return _completion_as_chunks(self._decode_body(content, headers, status))

    # -- sync ------------------------------------------------------------------------------

    def post(self, path: str, body: bytes) -> tuple[Any, httpx.Headers]:
        """POST ``body``; return the decoded JSON and the response headers."""
        attempts = _Attempts(self)
        client = self.client()
        url = self.base_url + path
        with self._sync_sem or nullcontext():
            while True:
                try:
                    resp = client.post(
                        url,
                        content=body,
                        headers=self._sync_headers,
                        timeout=attempts.timeout(),
                    )
                except httpx.HTTPError as exc:
                    time.sleep(attempts.after_error(exc, "sending the request"))
                    continue
                except UnicodeEncodeError as exc:
                    raise attempts.unsendable(exc) from None
                if _is_success(resp.status_code):
                    return self._decode_body(
                        resp.content, resp.headers, resp.status_code
                    ), resp.headers
                time.sleep(attempts.after_status(resp.status_code, resp.content, resp.headers))

    @contextmanager
    def _open_stream(self, path: str, body: bytes, attempts: _Attempts) -> Iterator[httpx.Response]:
        client = self.client()
        url = self.base_url + path
        while True:
            try:
                req = client.build_request(
                    "POST",
                    url,
                    content=body,
                    headers=self._sync_headers,
                    timeout=attempts.timeout(stream=True),
                )
                resp = client.send(req, stream=True)
            except httpx.HTTPError as exc:
                time.sleep(attempts.after_error(exc, "opening the stream"))
                continue
            except UnicodeEncodeError as exc:
                raise attempts.unsendable(exc) from None
            if _is_success(resp.status_code):
                break
            try:
                content = resp.read()
            except httpx.HTTPError:
                content = b""
            finally:
                resp.close()
            time.sleep(attempts.after_status(resp.status_code, content, resp.headers))
        try:
            yield resp
        finally:
            resp.close()

    def stream(self, path: str, body: bytes) -> Iterator[tuple[Any, httpx.Headers]]:
        """POST and yield ``(chunk JSON, response headers)`` per SSE event.

        Retries happen only before the first chunk; a fault after that raises a typed error
        once the chunks already received have been yielded.
        """
        attempts = _Attempts(self)
        with self._sync_sem or nullcontext(), self._open_stream(path, body, attempts) as resp:
            headers = resp.headers
            rid = request_id_from_headers(headers)
            if _is_json(headers):
                try:
                    content = resp.read()
                except httpx.HTTPError as exc:
                    raise attempts.network_error(exc, "reading the response", rid) from None
                for data in self._json_stream(content, headers, resp.status_code):
                    yield data, headers
                return
            decoder = SSEDecoder()
            it = resp.iter_bytes()
            while True:
                try:
                    raw: bytes | None = next(it)
                except StopIteration:
                    raw = None
                except httpx.HTTPError as exc:
                    raise attempts.network_error(exc, "reading the stream", rid) from None
                chunks, done, error = self._step(decoder, raw, headers, rid, attempts)
                for chunk in chunks:
                    yield chunk, headers
                if error is not None:
                    raise error
                if done:
                    return

    # -- async -----------------------------------------------------------------------------

    async def apost(self, path: str, body: bytes) -> tuple[Any, httpx.Headers]:
        """Async ``post``."""
        attempts = _Attempts(self)
        client = self.aclient()
        url = self.base_url + path
        async with self._asem() or nullcontext():  # cheaper than an @asynccontextmanager
            while True:
                try:
                    resp = await client.post(
                        url,
                        content=body,
                        headers=self._async_headers,
                        timeout=attempts.timeout(),
                    )
                except httpx.HTTPError as exc:
                    await asyncio.sleep(attempts.after_error(exc, "sending the request"))
                    continue
                except UnicodeEncodeError as exc:
                    raise attempts.unsendable(exc) from None
                if _is_success(resp.status_code):
                    return self._decode_body(
                        resp.content, resp.headers, resp.status_code
                    ), resp.headers
                await asyncio.sleep(
                    attempts.after_status(resp.status_code, resp.content, resp.headers)
                )

    @asynccontextmanager
    async def _aopen_stream(
        self, path: str, body: bytes, attempts: _Attempts
    ) -> AsyncIterator[httpx.Response]:
        client = self.aclient()
        url = self.base_url + path
        while True:
            try:
                req = client.build_request(
                    "POST",
                    url,
                    content=body,
                    headers=self._async_headers,
                    timeout=attempts.timeout(stream=True),
                )
                resp = await client.send(req, stream=True)
            except httpx.HTTPError as exc:
                await asyncio.sleep(attempts.after_error(exc, "opening the stream"))
                continue
            except UnicodeEncodeError as exc:
                raise attempts.unsendable(exc) from None
            if _is_success(resp.status_code):
                break
            try:
                content = await resp.aread()
            except httpx.HTTPError:
                content = b""
            finally:
                await resp.aclose()
            await asyncio.sleep(attempts.after_status(resp.status_code, content, resp.headers))
        try:
            yield resp
        finally:
            await resp.aclose()

    async def astream(self, path: str, body: bytes) -> AsyncIterator[tuple[Any, httpx.Headers]]:
        """Async ``stream``."""
        attempts = _Attempts(self)
        async with (
            self._asem() or nullcontext(),
            self._aopen_stream(path, body, attempts) as resp,
        ):
            headers = resp.headers
            rid = request_id_from_headers(headers)
            if _is_json(headers):
                try:
                    content = await resp.aread()
                except httpx.HTTPError as exc:
                    raise attempts.network_error(exc, "reading the response", rid) from None
                for data in self._json_stream(content, headers, resp.status_code):
                    yield data, headers
                return
            decoder = SSEDecoder()
            it = resp.aiter_bytes()
            while True:
                try:
                    raw: bytes | None = await it.__anext__()
                except StopAsyncIteration:
                    raw = None
                except httpx.HTTPError as exc:
                    raise attempts.network_error(exc, "reading the stream", rid) from None
                chunks, done, error = self._step(decoder, raw, headers, rid, attempts)
                for chunk in chunks:
                    yield chunk, headers
                if error is not None:
                    raise error
                if done:
                    return


class _Attempts:
    """One call's retry policy state, shared by the sync and async loops (no I/O, no sleeping).

    ``after_error`` / ``after_status`` return the seconds to wait before the next attempt or
    raise the typed error when the call must stop: retries used up, a final status, or a wait
    that would pass the call's total deadline (``total_timeout``).
    """

    __slots__ = ("_t", "attempt", "deadline")

    def __init__(self, transport: Transport) -> None:
        if transport._bad_header is not None:
            raise _unsendable(transport.provider, transport._bad_header)
        self._t = transport
        self.attempt = 0
        total = transport.total_timeout
        self.deadline = time.monotonic() + total if total else None

    def timeout(self, *, stream: bool = False) -> httpx.Timeout | Any:
        """This attempt's timeouts: the configured ones, cut to what is left of the total."""
        self.attempt += 1
        base = self._t.stream_timeout if stream else self._t.timeout
        if self.deadline is None:
            return base
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._expired(None)
        return httpx.Timeout(
            connect=_min(base.connect, left),
            read=_min(base.read, left),
            write=_min(base.write, left),
            pool=_min(base.pool, left),
        )

    def _expired(self, request_id: str | None) -> APITimeoutError:
        return APITimeoutError(
            f"{self._t.provider}: total timeout of {self._t.total_timeout} s exceeded "
            f"after {self.attempt} attempt(s)",
            request_id=request_id,
        )

    def check_deadline(self, request_id: str | None) -> None:
        """Raise ``APITimeoutError`` once the call's total time is spent (between stream reads)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise self._expired(request_id)

    def _fits(self, delay: float | None) -> float | None:
        late = self.deadline is not None and time.monotonic() + (delay or 0) >= self.deadline
        return None if late else delay

    def network_error(self, exc: httpx.HTTPError, during: str, rid: str | None = None) -> APIError:
        if (
            self.deadline is not None
            and isinstance(exc, httpx.TimeoutException)
            and time.monotonic() >= self.deadline
        ):
            return self._expired(rid)
        return _network_error(
            exc, self._t.provider, during=during, request_id=rid, secret=self._t._secret_text
        )

    def unsendable(self, exc: UnicodeEncodeError) -> APIConnectionError:
        """httpx could not encode a header (a non-ASCII key, say); ``exc`` holds the header."""
        _scrub(exc)
        return _unsendable(self._t.provider, None)

    def after_error(self, exc: httpx.HTTPError, during: str) -> float:
        delay = None
        if not isinstance(exc, _CLIENT_SIDE_ERRORS):
            delay = self._fits(self._t._delay(self.attempt, None))
        if delay is None:
            raise self.network_error(exc, during) from None
        return delay

    def after_status(self, status: int, content: bytes, headers: httpx.Headers) -> float:
        delay = None
        if should_retry(status, headers):
            delay = self._fits(self._t._delay(self.attempt, headers))
        if delay is None:
            raise self._t._status_error(status, content, headers)
        return delay


def _min(value: float | None, cap: float) -> float:
    return cap if value is None else min(value, cap)


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Parked at ``yield`` for the life of the event loop that ``client`` belongs to.

    ``asyncio.run`` (like any runner calling ``loop.shutdown_asyncgens()``) finishes it before
    closing the loop, closing the client and its pooled connections on their own loop; a client
    left behind for a new loop would otherwise hold its sockets open until garbage collection.
    """
    try:
        yield
    finally:
        await client.aclose()


def _park(agen: AsyncGenerator[None, None]) -> AsyncGenerator[None, None]:
    """Run ``agen`` to its first ``yield`` now (this registers it with the running loop)."""
    step = agen.__anext__()
    with contextlib.suppress(StopIteration):
        step.send(None)
    return agen
