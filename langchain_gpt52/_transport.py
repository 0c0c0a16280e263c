"""The only module that does I/O: one lazy httpx client per model instance, POST and SSE, retries.

Sync and async share every decision (status -> error, what to retry, how long to wait, how to read
a chunk); only the calls into httpx and the sleeps differ.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
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
)

__all__ = ["DEFAULT_LIMITS", "Transport"]

DEFAULT_LIMITS = httpx.Limits(
    max_connections=256, max_keepalive_connections=64, keepalive_expiry=30
)
"""Pool limits: enough for 200-way concurrency on one instance without queueing on the pool."""

_DONE = "[DONE]"


def _redact(data: bytes, secret: bytes | None) -> bytes:
    return data.replace(secret, b"***") if secret and secret in data else data


def _decode_json(content: bytes, *, what: str, request_id: str | None) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        preview = content[:200].decode("utf-8", "replace")
        raise APIResponseValidationError(
            f"{what} is not valid JSON ({exc.__class__.__name__}: {exc}); starts with {preview!r}",
            body=preview,
            request_id=request_id,
        ) from None


def _network_error(exc: httpx.HTTPError, provider: str, *, during: str) -> APIError:
    """Map an httpx failure to our typed error (its message holds no header, so no key)."""
    detail = str(exc) or exc.__class__.__name__
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{provider}: timed out {during} ({exc.__class__.__name__}: {detail})"
        )
    return APIConnectionError(
        f"{provider}: connection failed {during} ({exc.__class__.__name__}: {detail})"
    )


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
            timeout if stream_timeout is None else timeout.__class__(timeout, read=stream_timeout)
        )
        self.max_retries = max_retries
        self.provider = provider
        self._secret = secret.encode() if secret else None
        self._max_concurrency = max_concurrency
        self._client = http_client
        self._own_client = http_client is None
        self._aclient = http_async_client
        self._own_aclient = http_async_client is None
        self._aclient_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._sync_sem = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None
        self._async_sem: asyncio.Semaphore | None = None

    # -- clients ---------------------------------------------------------------------------

    def client(self) -> httpx.Client:
        """The instance's sync client, created on first use."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(timeout=self.timeout, limits=DEFAULT_LIMITS)
        return self._client

    def aclient(self) -> httpx.AsyncClient:
        """The async client for the running event loop (a new loop gets a new client)."""
        loop = asyncio.get_running_loop()
        if self._aclient is None or (self._own_aclient and self._aclient_loop is not loop):
            # A client's pooled connections belong to the loop that opened them; a notebook
            # or test that calls asyncio.run() again needs fresh ones.
            self._aclient = httpx.AsyncClient(timeout=self.timeout, limits=DEFAULT_LIMITS)
            self._aclient_loop = loop
            self._async_sem = None
        return self._aclient

    def _asem(self) -> asyncio.Semaphore | None:
        if self._max_concurrency and self._async_sem is None:
            self._async_sem = asyncio.Semaphore(self._max_concurrency)
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

    def _request_id(self, headers: httpx.Headers) -> str | None:
        rid = headers.get("x-inference-id") or headers.get("x-request-id")
        return str(rid) if rid else None

    def _delay(self, attempt: int, headers: Mapping[str, str] | None) -> float | None:
        """Seconds before retry ``attempt`` or None when retries are used up."""
        if attempt > self.max_retries:
            return None
        return retry_delay(attempt, headers)

    def _parse_event(self, data: str, request_id: str | None) -> Any:
        try:
            return json.loads(data)
        except ValueError:
            raise APIResponseValidationError(
                f"{self.provider}: stream event is not valid JSON: {data[:200]!r}",
                body=data[:200],
                request_id=request_id,
            ) from None

    def _events(
        self, decoder: SSEDecoder, raw: bytes | None, request_id: str | None
    ) -> tuple[list[Any], bool]:
        """Decode one network read (or EOF when ``raw`` is None) into JSON chunks."""
        try:
            events = decoder.feed(raw) if raw is not None else decoder.flush()
        except UnicodeDecodeError as exc:
            raise APIResponseValidationError(
                f"{self.provider}: stream is not valid UTF-8 ({exc})", request_id=request_id
            ) from None
        out: list[Any] = []
        for event, data in events:
            if data == _DONE:
                return out, True
            if event == "error":
                raise APIResponseValidationError(
                    f"{self.provider} sent an error event mid-stream: {data[:500]}",
                    body=data[:500],
                    request_id=request_id,
                )
            out.append(self._parse_event(data, request_id))
        return out, False

    # -- sync ------------------------------------------------------------------------------

    def post(self, path: str, body: bytes) -> tuple[Any, httpx.Headers]:
        """POST ``body``; return the decoded JSON and the response headers."""
        client = self.client()
        url = self.base_url + path
        attempt = 0
        with self._sync_sem or nullcontext():
            while True:
                attempt += 1
                try:
                    resp = client.post(url, content=body, headers=self.headers)
                except httpx.HTTPError as exc:
                    delay = self._delay(attempt, None)
                    if delay is None:
                        raise _network_error(
                            exc, self.provider, during="sending the request"
                        ) from None
                    time.sleep(delay)
                    continue
                if resp.status_code < 400:
                    rid = self._request_id(resp.headers)
                    return _decode_json(
                        resp.content, what="response body", request_id=rid
                    ), resp.headers
                delay = (
                    self._delay(attempt, resp.headers)
                    if should_retry(resp.status_code, resp.headers)
                    else None
                )
                if delay is None:
                    raise self._status_error(resp.status_code, resp.content, resp.headers)
                time.sleep(delay)

    @contextmanager
    def _open_stream(self, path: str, body: bytes) -> Iterator[httpx.Response]:
        client = self.client()
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                req = client.build_request(
                    "POST", url, content=body, headers=self.headers, timeout=self.stream_timeout
                )
                resp = client.send(req, stream=True)
            except httpx.HTTPError as exc:
                delay = self._delay(attempt, None)
                if delay is None:
                    raise _network_error(exc, self.provider, during="opening the stream") from None
                time.sleep(delay)
                continue
            if resp.status_code < 400:
                break
            try:
                content = resp.read()
            except httpx.HTTPError:
                content = b""
            finally:
                resp.close()
            delay = (
                self._delay(attempt, resp.headers)
                if should_retry(resp.status_code, resp.headers)
                else None
            )
            if delay is None:
                raise self._status_error(resp.status_code, content, resp.headers)
            time.sleep(delay)
        try:
            yield resp
        finally:
            resp.close()

    def stream(self, path: str, body: bytes) -> Iterator[tuple[Any, httpx.Headers]]:
        """POST and yield ``(chunk JSON, response headers)`` per SSE event.

        Retries happen only before the first chunk; a fault after that raises a typed error
        once the chunks already received have been yielded.
        """
        with self._sync_sem or nullcontext(), self._open_stream(path, body) as resp:
            rid = self._request_id(resp.headers)
            decoder = SSEDecoder()
            it = resp.iter_bytes()
            while True:
                try:
                    raw: bytes | None = next(it)
                except StopIteration:
                    raw = None
                except httpx.HTTPError as exc:
                    raise _network_error(exc, self.provider, during="reading the stream") from None
                try:
                    chunks, done = self._events(decoder, raw, rid)
                except APIResponseValidationError:
                    if raw is None:
                        raise APIConnectionError(
                            f"{self.provider}: the stream ended in the middle of an event",
                            request_id=rid,
                        ) from None
                    raise
                for chunk in chunks:
                    yield chunk, resp.headers
                if done or raw is None:
                    return

    # -- async -----------------------------------------------------------------------------

    async def apost(self, path: str, body: bytes) -> tuple[Any, httpx.Headers]:
        """Async ``post``."""
        client = self.aclient()
        url = self.base_url + path
        attempt = 0
        sem = self._asem()
        async with sem or _anull():
            while True:
                attempt += 1
                try:
                    resp = await client.post(url, content=body, headers=self.headers)
                except httpx.HTTPError as exc:
                    delay = self._delay(attempt, None)
                    if delay is None:
                        raise _network_error(
                            exc, self.provider, during="sending the request"
                        ) from None
                    await asyncio.sleep(delay)
                    continue
                if resp.status_code < 400:
                    rid = self._request_id(resp.headers)
                    return _decode_json(
                        resp.content, what="response body", request_id=rid
                    ), resp.headers
                delay = (
                    self._delay(attempt, resp.headers)
                    if should_retry(resp.status_code, resp.headers)
                    else None
                )
                if delay is None:
                    raise self._status_error(resp.status_code, resp.content, resp.headers)
                await asyncio.sleep(delay)

    @asynccontextmanager
    async def _aopen_stream(self, path: str, body: bytes) -> AsyncIterator[httpx.Response]:
        client = self.aclient()
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                req = client.build_request(
                    "POST", url, content=body, headers=self.headers, timeout=self.stream_timeout
                )
                resp = await client.send(req, stream=True)
            except httpx.HTTPError as exc:
                delay = self._delay(attempt, None)
                if delay is None:
                    raise _network_error(exc, self.provider, during="opening the stream") from None
                await asyncio.sleep(delay)
                continue
            if resp.status_code < 400:
                break
            try:
                content = await resp.aread()
            except httpx.HTTPError:
                content = b""
            finally:
                await resp.aclose()
            delay = (
                self._delay(attempt, resp.headers)
                if should_retry(resp.status_code, resp.headers)
                else None
            )
            if delay is None:
                raise self._status_error(resp.status_code, content, resp.headers)
            await asyncio.sleep(delay)
        try:
            yield resp
        finally:
            await resp.aclose()

    async def astream(self, path: str, body: bytes) -> AsyncIterator[tuple[Any, httpx.Headers]]:
        """Async ``stream``."""
        async with self._asem() or _anull(), self._aopen_stream(path, body) as resp:
            rid = self._request_id(resp.headers)
            decoder = SSEDecoder()
            it = resp.aiter_bytes()
            while True:
                try:
                    raw: bytes | None = await it.__anext__()
                except StopAsyncIteration:
                    raw = None
                except httpx.HTTPError as exc:
                    raise _network_error(exc, self.provider, during="reading the stream") from None
                try:
                    chunks, done = self._events(decoder, raw, rid)
                except APIResponseValidationError:
                    if raw is None:
                        raise APIConnectionError(
                            f"{self.provider}: the stream ended in the middle of an event",
                            request_id=rid,
                        ) from None
                    raise
                for chunk in chunks:
                    yield chunk, resp.headers
                if done or raw is None:
                    return


@asynccontextmanager
async def _anull() -> AsyncIterator[None]:
    yield None
