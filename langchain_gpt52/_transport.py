"""The only module that does I/O: lazy HTTP clients per model instance, POST, SSE and GET, retries.

The package's own clients are `httpx2`; a client the user passes (`http_client=`,
`http_async_client=`) may be `httpx2` or `httpx`: both get the same typed errors, retries,
timeouts and key redaction. Every decision is shared by sync and async (what to retry and how
long to wait: `_Attempts`; how to read a body or a stream: `_stream`; which error:
`errors`); only the calls into the client and the sleeps differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import sys
import threading
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from contextlib import nullcontext
from types import ModuleType
from typing import Any

import httpx2

from langchain_gpt52._retry import retry_delay, should_retry
from langchain_gpt52._stream import (
    StreamReader,
    completion_as_chunks,
    decode_body,
    is_data,
    not_a_stream,
    redact_bytes,
)
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ErrorSource,
    error_from_response,
    error_source,
    failure_kind,
    is_client_side,
    network_error,
    redact_headers,
    redact_text,
    request_id_from_headers,
    scrub,
)

__all__ = ["DEFAULT_LIMITS", "HTTPS_LIMITS", "Transport", "logger"]

logger = logging.getLogger("langchain_gpt52")
"""The package logger: one INFO line per retry (attempt, status or error class, wait)."""

DEFAULT_LIMITS = httpx2.Limits(
    max_connections=256, max_keepalive_connections=32, keepalive_expiry=30
)
"""Pool limits for a plain-http base URL (the loopback emulator, a local gateway), where a new
connection is a cheap TCP handshake.

256 connections let 200 calls run at once without queueing on the pool; 32 kept alive, because
httpcore2's pool pays per idle connection (the measurements behind this choice are in
`docs/performance.md`, from `python benchmarks/run.py --sweep-limits`)."""

HTTPS_LIMITS = httpx2.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=30)
"""Pool limits for an `https://` base URL (the real providers): as many kept alive as a
concurrent batch uses, because a TLS handshake over a real network costs one or two round
trips (tens of ms) plus the key exchange, far more than any pool bookkeeping."""

_HTTP_LOGGERS = (
    *(
        f"{lib}.{part}"
        for lib in ("httpcore", "httpcore2")
        for part in ("http11", "http2", "connection", "proxy", "socks")
    ),
    "httpx",
    "httpx2",
)
"""The loggers of the HTTP stack that can print response headers (httpcore's DEBUG trace)."""

_LIVE: weakref.WeakSet[Transport] = weakref.WeakSet()
"""Transports whose key the HTTP stack's log lines are redacted of."""


class _RedactSecrets(logging.Filter):
    """Removes the API key of any live transport from the HTTP stack's log records.

    Runs only for records that are actually created (DEBUG logging on): no cost otherwise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [t._secret_text for t in list(_LIVE)]
        if secrets:
            text = record.getMessage()
            clean = text
            for secret in secrets:
                clean = redact_text(clean, secret) if secret else clean
            if clean != text:
                record.msg, record.args = clean, ()
        return True


_FILTER = _RedactSecrets()
for _name in _HTTP_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)

_SSL_LOCK = threading.Lock()
_SSL_CONTEXT: list[ssl.SSLContext] = []


def _ssl_context() -> ssl.SSLContext:
    """One verifying SSL context shared by every client this package makes.

    Building one loads the CA bundle; without sharing, every model instance, and
    every new event loop (a new async client), would pay that again.
    """
    if not _SSL_CONTEXT:
        with _SSL_LOCK:
            if not _SSL_CONTEXT:
                _SSL_CONTEXT.append(httpx2.create_ssl_context())
    return _SSL_CONTEXT[0]


def timeout_values(timeout: Any) -> tuple[float | None, float | None, float | None, float | None]:
    """`(connect, read, write, pool)` seconds from a number, None (defaults: 10 s connect,
    600 s otherwise) or an `httpx`/`httpx2` `Timeout`; a negative or zero value is refused.
    """
    if timeout is None:
        values: tuple[Any, ...] = (10.0, 600.0, 600.0, 600.0)
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        values = (min(10.0, timeout), timeout, timeout, timeout)
    elif all(hasattr(timeout, f) for f in ("connect", "read", "write", "pool")):
        values = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    else:
        raise ValueError(
            f"timeout must be a number of seconds or an httpx2.Timeout, not {timeout!r}"
        )
    for value in values:
        if value is not None and not (isinstance(value, (int, float)) and value > 0):
            raise ValueError(
                "timeout must be a positive number of seconds (or None for no limit), "
                f"got {value!r}"
            )
    return values


def library_of(client: Any) -> ModuleType:
    """The module (`httpx2` or `httpx`) a client comes from."""
    name = type(client).__module__.split(".", 1)[0]
    module = sys.modules.get(name)
    if module is None or not hasattr(module, "HTTPError"):
        raise TypeError(
            f"http_client / http_async_client must be an httpx2 or httpx client, not "
            f"{type(client).__name__}"
        )
    return module


_HEADER_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?")
"""A header value httpx (ASCII) and h11 (no control characters, no leading or trailing
whitespace) will send."""
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


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
    """Only 2xx is an answer; a 3xx (redirects are not followed) means a wrong base_url."""
    return 200 <= status < 300


def _is_answer(status: int, extra: Mapping[str, str] | None) -> bool:
    """A 2xx, or a 304 to a request that sent `If-None-Match` (the cached body still holds)."""
    return _is_success(status) or (status == 304 and extra is not None and _IF_NONE_MATCH in extra)


_IF_NONE_MATCH = "If-None-Match"


def _conditional(etag: str | None) -> dict[str, str] | None:
    """The headers of a conditional GET (None without an `ETag` to revalidate)."""
    return {_IF_NONE_MATCH: etag} if etag else None


class _Side:
    """One client kind (sync or async) of a transport: its library and the timeouts to send.

    A `timeout` of None means "the client's own" (our clients are built with it), so no
    timeout object is made per request.
    """

    __slots__ = ("errors", "lib", "own", "ref", "stream_ref", "stream_timeout", "timeout")

    def __init__(
        self, lib: ModuleType, own: bool, values: tuple[Any, ...], stream_read: float | None
    ) -> None:
        self.lib = lib
        self.own = own
        self.errors: type[Exception] = lib.HTTPError
        connect, read, write, pool = values
        self.ref = lib.Timeout(connect=connect, read=read, write=write, pool=pool)
        self.stream_ref = (
            self.ref
            if stream_read is None
            else lib.Timeout(connect=connect, read=stream_read, write=write, pool=pool)
        )
        self.timeout = None if own else self.ref
        self.stream_timeout = None if own and stream_read is None else self.stream_ref


class _LoopSlot:
    """What a transport keeps per running event loop: its async client and semaphore."""

    __slots__ = ("client", "sem")

    def __init__(self, client: Any, sem: asyncio.Semaphore | None) -> None:
        self.client = client
        self.sem = sem


_LOOP_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.WeakSet[Any]] = (
    weakref.WeakKeyDictionary()
)
_LOOP_LOCK = threading.Lock()


def _close_with_loop(loop: asyncio.AbstractEventLoop, client: Any) -> None:
    """Close `client` (and its pooled sockets) when `loop` closes, on that loop.

    `loop.close` is wrapped once per loop, so a manual `new_event_loop()` /
    `run_until_complete()` / `close()` closes our clients deterministically (no
    `ResourceWarning` at garbage collection). Loops that do not allow it (uvloop) fall back to
    an async generator that `shutdown_asyncgens` (`asyncio.run`) finishes.
    """
    with _LOOP_LOCK:
        clients = _LOOP_CLIENTS.get(loop)
        if clients is None:
            clients = _LOOP_CLIENTS[loop] = weakref.WeakSet()
            original = loop.close

            def close() -> None:
                pending = [c for c in list(clients) if not c.is_closed]
                clients.clear()
                if pending and not loop.is_closed() and not loop.is_running():
                    loop.run_until_complete(_close_all(pending))
                original()

            try:
                loop.close = close  # type: ignore[method-assign]
            except (AttributeError, TypeError):
                _park(_close_at_shutdown(client))
        clients.add(client)


async def _close_all(clients: list[Any]) -> None:
    for client in clients:
        with contextlib.suppress(Exception):
            await client.aclose()


async def _close_at_shutdown(client: Any) -> AsyncGenerator[None, None]:
    """Parked at `yield` for the life of the loop; `shutdown_asyncgens` closes `client`."""
    try:
        yield
    finally:
        await client.aclose()


def _park(agen: AsyncGenerator[None, None]) -> AsyncGenerator[None, None]:
    """Run `agen` to its first `yield` now (this registers it with the running loop)."""
    step = agen.__anext__()
    with contextlib.suppress(StopIteration):
        step.send(None)
    return agen


class Transport:
    """POSTs JSON to one base URL with retries; streams SSE chat-completion chunks; GETs JSON
    (conditionally, with an `ETag`)."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: Any,
        stream_timeout: float | None,
        max_retries: int,
        total_timeout: float | None = None,
        provider: ErrorSource | str,
        secret: str | None,
        max_concurrency: int | None = None,
        http_client: Any = None,
        http_async_client: Any = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        values = timeout_values(timeout)
        self.timeout = httpx2.Timeout(
            connect=values[0], read=values[1], write=values[2], pool=values[3]
        )
        self.max_retries = max_retries
        self.total_timeout = total_timeout
        self.source = error_source(provider)
        """The provider's descriptor: its name, error shape, request-id headers."""
        self.provider = self.source.name
        self._secret = secret.encode("utf-8", "surrogatepass") if secret else None
        self._secret_text = secret or None
        # Checked once here, raised per call (by `_Attempts`) without sending anything.
        self._bad_header = _unsendable_header(self.headers)
        self._max_concurrency = max_concurrency
        self._client = http_client
        self._aclient = http_async_client  # a user's; ours live per loop in `_loops`
        self._sync = _Side(
            httpx2 if http_client is None else library_of(http_client),
            http_client is None,
            values,
            stream_timeout,
        )
        self._async = _Side(
            httpx2 if http_async_client is None else library_of(http_async_client),
            http_async_client is None,
            values,
            stream_timeout,
        )
        self._errors = (self._sync.errors, self._async.errors)
        # Our own clients carry the headers; a client the user passed in gets them per request.
        self._sync_headers = None if self._sync.own else self.headers
        self._async_headers = None if self._async.own else self.headers
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopSlot] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()
        self._sync_sem = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None
        if self._secret_text:
            _LIVE.add(self)

    # -- pickling: locks, clients and semaphores are rebuilt, not copied ---------------------

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("a Transport is not picklable; pickle the chat model instead")

    # -- clients ---------------------------------------------------------------------------

    def _client_options(self) -> dict[str, Any]:
        """Options of the clients this instance makes: headers and timeouts set once, not per
        request; no TLS context to load for a plain-http base URL (the emulator, a local
        gateway)."""
        https = self.base_url.startswith("https://")
        return {
            "headers": self.headers,
            "timeout": self.timeout,
            "limits": HTTPS_LIMITS if https else DEFAULT_LIMITS,
            "verify": _ssl_context() if https else False,
        }

    def client(self) -> Any:
        """The instance's sync client, created on first use."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx2.Client(**self._client_options())
        return self._client

    def _slot(self) -> _LoopSlot:
        """The running loop's async client and semaphore (one per loop, shared by its tasks).

        Pooled connections and semaphores belong to one loop: a web app's loop and a worker
        thread's `asyncio.run` each get their own, and neither closes the other's.
        """
        loop = asyncio.get_running_loop()
        slot = self._loops.get(loop)
        if slot is None:
            with self._lock:
                slot = self._loops.get(loop)
                if slot is None:
                    client = self._aclient
                    if client is None:
                        client = httpx2.AsyncClient(**self._client_options())
                        _close_with_loop(loop, client)
                    sem = (
                        asyncio.Semaphore(self._max_concurrency) if self._max_concurrency else None
                    )
                    slot = self._loops[loop] = _LoopSlot(client, sem)
        return slot

    def aclient(self) -> Any:
        """The async client for the running event loop."""
        return self._slot().client

    def close(self) -> None:
        """Close the sync client (if this instance made it)."""
        if self._client is not None and self._sync.own:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close the running loop's async client (if this instance made it)."""
        slot = self._loops.pop(asyncio.get_running_loop(), None)
        if slot is not None and self._async.own:
            await slot.client.aclose()

    # -- shared decisions ------------------------------------------------------------------

    def _attempts(self, extra: Mapping[str, str] | None = None) -> _Attempts:
        """A new call's retry state (refused at once when a header cannot be sent)."""
        bad = self._bad_header or (_unsendable_header(extra) if extra else None)
        if bad is not None:
            raise _unsendable(self.provider, bad)
        return _Attempts(
            source=self.source,
            secret=self._secret_text,
            max_retries=self.max_retries,
            total_timeout=self.total_timeout,
        )

    def _request_id(self, headers: Any) -> str | None:
        return request_id_from_headers(headers, self.source.request_id_headers)

    def _headers_of(self, resp: Any) -> Any:
        """A response's headers, with an echoed key redacted."""
        return redact_headers(resp.headers, self._secret)

    def _decode(self, content: bytes, headers: Any, status: int) -> Any:
        return decode_body(
            content, headers, status=status, provider=self.source, secret=self._secret
        )

    def _reader(self, headers: Any) -> StreamReader:
        return StreamReader(headers, provider=self.source, secret=self._secret_text)

    def _started(self, resp: Any) -> tuple[Any, str | None, str]:
        """A started stream's headers, request id and kind (`_stream_kind`)."""
        headers = self._headers_of(resp)
        return headers, self._request_id(headers), self._stream_kind(headers)

    def _stream_kind(self, headers: Any) -> str:
        """`"sse"`, `"json"` (one JSON body: the server ignored `stream`, or sent an error
        object with status 200) or another content type (an HTML page, say)."""
        ctype = str(headers.get("content-type", "")).lower()
        if ctype.startswith("application/json"):
            return "json"
        if ctype.startswith(("text/html", "application/xhtml", "application/xml", "text/xml")):
            return ctype.split(";", 1)[0]
        return "sse"

    def _request(
        self,
        client: Any,
        side: _Side,
        url: str,
        body: bytes | None,
        attempts: _Attempts,
        extra: Mapping[str, str] | None,
    ) -> Any:
        timeout = attempts.timeout(side, stream=True)
        headers = self._sync_headers if side is self._sync else self._async_headers
        if extra:
            headers = {**(headers or {}), **extra}
        return client.build_request(
            "POST" if body is not None else "GET",
            url,
            content=body,
            headers=headers,
            timeout=side.lib.USE_CLIENT_DEFAULT if timeout is None else timeout,
        )

    # -- sync ------------------------------------------------------------------------------

    def _open(
        self, path: str, body: bytes | None, attempts: _Attempts, extra: Mapping[str, str] | None
    ) -> Any:
        """Send until a 2xx response starts (retrying what failed before one did); its body is
        not read yet. `body=None` sends a GET with the `extra` headers (a 304 answers it)."""
        client = self.client()
        side = self._sync
        url = self.base_url + path
        while True:
            try:
                resp = client.send(
                    self._request(client, side, url, body, attempts, extra), stream=True
                )
            except self._errors as exc:
                time.sleep(attempts.after_error(exc, "sending the request"))
                continue
            except UnicodeEncodeError as exc:
                raise attempts.unsendable(exc) from None
            if _is_answer(resp.status_code, extra):
                return resp
            try:
                content = resp.read()
            except self._errors:
                content = b""
            finally:
                resp.close()
            time.sleep(attempts.after_status(resp.status_code, content, self._headers_of(resp)))

    def _read(self, resp: Any, attempts: _Attempts, rid: str | None) -> bytes:
        """A started response's whole body; an error while reading it is raised at once."""
        parts: list[bytes] = []
        try:
            for piece in resp.iter_bytes():
                parts.append(piece)
                attempts.check_deadline(rid)
        except self._errors as exc:
            raise attempts.network_error(exc, "reading the response body", rid, True) from None
        return b"".join(parts)

    def post(
        self, path: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[Any, Any]:
        """POST `body` (with this request's own `headers`, if any); return the decoded JSON
        and the response headers."""
        attempts = self._attempts(headers)
        with self._sync_sem or nullcontext():
            resp = self._open(path, body, attempts, headers)
            try:
                headers = self._headers_of(resp)
                content = self._read(resp, attempts, self._request_id(headers))
            finally:
                resp.close()
            return self._decode(content, headers, resp.status_code), headers

    def get(self, path: str, etag: str | None = None) -> tuple[Any, Any, str | None]:
        """GET `path` (query included) with the same retries and errors as `post`; return
        the decoded JSON (None for a 304 to `etag`), the response headers and its `ETag`."""
        attempts = self._attempts()
        extra = _conditional(etag)
        with self._sync_sem or nullcontext():
            resp = self._open(path, None, attempts, extra)
            try:
                headers = self._headers_of(resp)
                content = self._read(resp, attempts, self._request_id(headers))
            finally:
                resp.close()
            return self._got(resp.status_code, content, headers)

    def _got(self, status: int, content: bytes, headers: Any) -> tuple[Any, Any, str | None]:
        if status == 304:
            return None, headers, headers.get("etag")
        data = decode_body(
            content,
            headers,
            status=status,
            provider=self.source,
            secret=self._secret,
            kept=lambda data: is_data(data, self.source),
        )
        return data, headers, headers.get("etag")

    def stream(
        self, path: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> Iterator[tuple[Any, Any]]:
        """POST and yield `(chunk JSON, response headers)` per SSE event.

        Retries happen only before the response starts; a fault after that raises a typed error
        once the chunks already received have been yielded.
        """
        attempts = self._attempts(headers)
        with self._sync_sem or nullcontext():
            resp = self._open(path, body, attempts, headers)
            try:
                headers, rid, kind = self._started(resp)
                if kind != "sse":
                    content = self._read(resp, attempts, rid)
                    for data in self._whole(kind, content, headers, resp.status_code):
                        yield data, headers
                    return
                reader = self._reader(headers)
                it = resp.iter_bytes()
                while True:
                    try:
                        raw: bytes | None = next(it)
                    except StopIteration:
                        raw = None
                    except self._errors as exc:
                        raise attempts.network_error(exc, "reading the stream", rid) from None
                    attempts.check_deadline(rid)
                    chunks, done, error = reader.feed(raw)
                    for chunk in chunks:
                        yield chunk, headers
                    if _stream_over(done, error):
                        return
            finally:
                resp.close()

    def _whole(self, kind: str, content: bytes, headers: Any, status: int) -> list[Any]:
        """A stream request answered without SSE -> the chunks a JSON body stands for."""
        if kind == "json":
            return completion_as_chunks(self._decode(content, headers, status))
        raise not_a_stream(
            kind,
            redact_bytes(content, self._secret),
            provider=self.provider,
            request_id=self._request_id(headers),
        )

    # -- async -----------------------------------------------------------------------------

    async def _aopen(
        self,
        path: str,
        body: bytes | None,
        attempts: _Attempts,
        client: Any,
        extra: Mapping[str, str] | None,
    ) -> Any:
        """Async `_open`."""
        side = self._async
        url = self.base_url + path
        while True:
            try:
                resp = await client.send(
                    self._request(client, side, url, body, attempts, extra), stream=True
                )
            except self._errors as exc:
                await asyncio.sleep(attempts.after_error(exc, "sending the request"))
                continue
            except UnicodeEncodeError as exc:
                raise attempts.unsendable(exc) from None
            if _is_answer(resp.status_code, extra):
                return resp
            try:
                content = await resp.aread()
            except self._errors:
                content = b""
            finally:
                await resp.aclose()
            await asyncio.sleep(
                attempts.after_status(resp.status_code, content, self._headers_of(resp))
            )

    async def _aread(self, resp: Any, attempts: _Attempts, rid: str | None) -> bytes:
        """Async `_read`."""
        parts: list[bytes] = []
        try:
            async for piece in resp.aiter_bytes():
                parts.append(piece)
                attempts.check_deadline(rid)
        except self._errors as exc:
            raise attempts.network_error(exc, "reading the response body", rid, True) from None
        return b"".join(parts)

    async def apost(
        self, path: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[Any, Any]:
        """Async `post`."""
        attempts = self._attempts(headers)
        slot = self._slot()
        async with slot.sem or nullcontext():  # cheaper than an @asynccontextmanager
            resp = await self._aopen(path, body, attempts, slot.client, headers)
            try:
                headers = self._headers_of(resp)
                content = await self._aread(resp, attempts, self._request_id(headers))
            finally:
                await resp.aclose()
            return self._decode(content, headers, resp.status_code), headers

    async def aget(self, path: str, etag: str | None = None) -> tuple[Any, Any, str | None]:
        """Async `get`."""
        attempts = self._attempts()
        extra = _conditional(etag)
        slot = self._slot()
        async with slot.sem or nullcontext():
            resp = await self._aopen(path, None, attempts, slot.client, extra)
            try:
                headers = self._headers_of(resp)
                content = await self._aread(resp, attempts, self._request_id(headers))
            finally:
                await resp.aclose()
            return self._got(resp.status_code, content, headers)

    async def astream(
        self, path: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[tuple[Any, Any]]:
        """Async `stream`."""
        attempts = self._attempts(headers)
        slot = self._slot()
        async with slot.sem or nullcontext():
            resp = await self._aopen(path, body, attempts, slot.client, headers)
            try:
                headers, rid, kind = self._started(resp)
                if kind != "sse":
                    content = await self._aread(resp, attempts, rid)
                    for data in self._whole(kind, content, headers, resp.status_code):
                        yield data, headers
                    return
                reader = self._reader(headers)
                it = resp.aiter_bytes()
                while True:
                    try:
                        raw: bytes | None = await it.__anext__()
                    except StopAsyncIteration:
                        raw = None
                    except self._errors as exc:
                        raise attempts.network_error(exc, "reading the stream", rid) from None
                    attempts.check_deadline(rid)
                    chunks, done, error = reader.feed(raw)
                    for chunk in chunks:
                        yield chunk, headers
                    if _stream_over(done, error):
                        return
            finally:
                await resp.aclose()


def _stream_over(done: bool, error: APIError | None) -> bool:
    """Whether a stream ends after the chunks of this read: at its end, or at an error it
    carried (raised here, once those chunks are out)."""
    if error is not None:
        raise error
    return done


class _Attempts:
    """One call's retry state (no I/O, no sleeping), shared by the sync and async loops.

    `after_error` / `after_status` return the seconds to wait before the next attempt or
    raise the typed error when the call must stop: retries used up, a final status, or a wait
    that would pass the call's total deadline (`total_timeout`). Each retry is logged.
    """

    __slots__ = (
        "attempt",
        "deadline",
        "key",
        "max_retries",
        "provider",
        "secret",
        "source",
        "total",
    )

    def __init__(
        self,
        *,
        source: ErrorSource,
        secret: str | None,
        max_retries: int,
        total_timeout: float | None,
    ) -> None:
        self.source = source
        self.provider = source.name
        self.secret = secret
        self.key = secret.encode("utf-8", "surrogatepass") if secret else None
        self.max_retries = max_retries
        self.total = total_timeout
        self.attempt = 0
        self.deadline = time.monotonic() + self.total if self.total else None

    def timeout(self, side: _Side, *, stream: bool = False) -> Any:
        """This attempt's timeout object (None: the client's own), cut to what is left of the
        total."""
        self.attempt += 1
        if self.deadline is None:
            return side.stream_timeout if stream else side.timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._expired(None)
        ref = side.stream_ref if stream else side.ref
        return side.lib.Timeout(
            connect=_min(ref.connect, left),
            read=_min(ref.read, left),
            write=_min(ref.write, left),
            pool=_min(ref.pool, left),
        )

    def _expired(self, request_id: str | None) -> APITimeoutError:
        return APITimeoutError(
            f"{self.provider}: total timeout of {self.total} s exceeded "
            f"after {self.attempt} attempt(s)",
            request_id=request_id,
        )

    def check_deadline(self, request_id: str | None) -> None:
        """Raise `APITimeoutError` once the call's total time is spent (between reads)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise self._expired(request_id)

    def _next_delay(self, headers: Mapping[str, str] | None) -> float | None:
        """Seconds before the next attempt; None when retries are used up or the wait would
        pass the total deadline."""
        if self.attempt > self.max_retries:
            return None
        delay = retry_delay(self.attempt, headers)
        if delay is None:
            return None
        if self.deadline is not None and time.monotonic() + delay >= self.deadline:
            return None
        return delay

    def _log(self, delay: float, reason: str) -> None:
        logger.info(
            "Retrying request in %.1f seconds (attempt %d of %d failed: %s)",
            delay,
            self.attempt,
            self.max_retries + 1,
            reason,
        )

    def network_error(
        self, exc: Exception, during: str, rid: str | None = None, started: bool = False
    ) -> APIError:
        if (
            self.deadline is not None
            and failure_kind(exc) == "timeout"
            and time.monotonic() >= self.deadline
        ):
            return self._expired(rid)
        return network_error(
            exc, self.provider, during=during, request_id=rid, secret=self.secret, started=started
        )

    def unsendable(self, exc: UnicodeEncodeError) -> APIConnectionError:
        """httpx could not encode a header (a non-ASCII key, say); `exc` holds the header."""
        scrub(exc)
        return _unsendable(self.provider, None)

    def after_error(self, exc: Exception, during: str) -> float:
        delay = None if is_client_side(exc) else self._next_delay(None)
        if delay is None:
            raise self.network_error(exc, during) from None
        self._log(delay, exc.__class__.__name__)
        return delay

    def after_status(self, status: int, content: bytes, headers: Any) -> float:
        delay = self._next_delay(headers) if should_retry(status, headers) else None
        if delay is None:
            raise error_from_response(
                status, redact_bytes(content, self.key), headers, provider=self.source
            )
        self._log(delay, f"HTTP {status}")
        return delay


def _min(value: float | None, cap: float) -> float:
    return cap if value is None else min(value, cap)
