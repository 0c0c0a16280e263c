"""A loopback HTTP/1.1 server that behaves like the AI/ML API and Oxen.ai chat endpoints.

The network side is a small server on `asyncio.start_server` and `h11` (which httpx already
depends on through httpcore), so the emulator needs no web framework and keeps full control over the
bytes on the wire: it can delay the first byte, cut a stream mid-way or reset the TCP connection.
What a reply *says* comes from the pure functions in `completion` and the provider modules under
`providers/`; this module decides routing, auth, credits, faults and framing, and never tests a
provider's name.

`Emulator` runs the server on its own event loop in a daemon thread, so synchronous and
asynchronous tests (on any event loop) can use it alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import socket
import struct
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import unquote

import h11

from . import responses
from .completion import complete, stream_chunks
from .faults import REPLACEMENTS, Fault
from .limits import Limits, retry_after_header
from .providers import (
    PROVIDERS,
    Answered,
    EmulatedProvider,
    option_names,
    provider_for_path,
    provider_options,
)
from .recordings import (
    CassetteMismatch,
    Interaction,
    body_bytes,
    body_record,
    event_pieces,
    find,
    load,
)
from .rejection import RequestRejected
from .settings import Settings

#: Largest request body the emulator reads; larger ones get a 413 and the connection is closed.
MAX_BODY_BYTES = 20 * 1024 * 1024
_MAX_HEAD_BYTES = 64 * 1024
_READ_SIZE = 256 * 1024
_BACKLOG = 2048
_LINGER_SECONDS = 5.0

_DONE_EVENT = b"data: [DONE]\n\n"
_INVALID_UTF8 = b"\xff\xfe caf\xe9 "
_UTF8_MARKER = "EMULATOR-INVALID-UTF8-MARKER"

_DEFAULT_MESSAGES: dict[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Request body too large",
    422: "Unprocessable entity",
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Generation timeout",
}

_MALFORMED_COMPLETION = (
    b'{"id":"chatcmpl-emulator-malformed","object":"chat.completion","created":1765400000,'
    b'"model":"gpt-5.2-2025-12-11","choices":[{"index":0,"message":{"role":"assistant",'
    b'"content":"This body is cut short on purpose"},"finish_reason":"stop"}]}'
)

_HTML_PAGE = (
    "<!DOCTYPE html>\n<html>\n<head><title>{code} {phrase}</title></head>\n"
    "<body>\n<h1>{code} {phrase}</h1>\n"
    "<p>The upstream server did not answer in time or sent an invalid response.</p>\n"
    "<hr><address>emulated-edge-proxy</address>\n</body>\n</html>\n"
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it.

    `path` is the request target as sent (including any query string); `headers` has lower-cased
    names (repeated headers joined with `", "`); `json` is the parsed body, or `None` when the
    body is empty or not JSON.
    """

    method: str
    path: str
    headers: dict[str, str] = field(hash=False)
    body: bytes
    json: Any | None = field(default=None, hash=False)


@dataclass
class _Reply:
    """What to put on the wire for one request (built by the app, acted out by the server)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    events: list[bytes] | None = None  # not None: a chunked stream of these pieces
    delay_first: float = 0.0  # seconds to wait before the status line
    delay_between: float = 0.0  # seconds to wait between stream pieces
    abort: bool = False  # reset the connection (RST) instead of answering
    cut: bool = False  # close the connection before the body is complete
    close: bool = False  # close the connection after this reply


_App = Callable[[str, str, dict[str, str], bytes, bool], _Reply]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _new_provider_state() -> dict[str, Any]:
    return {name: provider.new_state() for name, provider in PROVIDERS.items()}


def _dumps(obj: Any, *, sort: bool = False) -> bytes:
    """Compact JSON, UTF-8 (falls back to ASCII escapes for strings holding lone surrogates)."""
    try:
        return json.dumps(obj, separators=(",", ":"), sort_keys=sort, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":"), sort_keys=sort).encode()


def _merge_headers(
    base: Iterable[tuple[str, str]], overrides: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    merged = {name: value for name, value in base}
    for name, value in overrides:
        merged[name.lower()] = value
    return list(merged.items())


def _inject_invalid_utf8(obj: Any, holder: dict[str, Any], key: str, *, sort: bool) -> bytes:
    """Encode `obj` with invalid UTF-8 bytes placed at the start of `holder[key]`."""
    original = holder.get(key)
    holder[key] = _UTF8_MARKER
    encoded = _dumps(obj, sort=sort)
    rest = _dumps(original)[1:-1] if isinstance(original, str) else b""
    return encoded.replace(_UTF8_MARKER.encode(), _INVALID_UTF8 + rest, 1)


def _first_choice_part(obj: Any, part: str) -> dict[str, Any] | None:
    """`obj["choices"][0][part]` when it is a dict, else `None`."""
    if not isinstance(obj, dict):
        return None
    choices = obj.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    value = choices[0].get(part)
    return value if isinstance(value, dict) else None


# ---------------------------------------------------------------------------------------------
# The HTTP/1.1 side
# ---------------------------------------------------------------------------------------------


def _send(conn: h11.Connection, event: h11.Event) -> bytes:
    data = conn.send(event)
    return data if data is not None else b""


def _reset_connection(writer: asyncio.StreamWriter) -> None:
    """Abort the connection so the peer sees a TCP RST (SO_LINGER with a zero timeout)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _HTTPServer:
    """Serves an `_App` over HTTP/1.1 with keep-alive, chunked streams and faults."""

    def __init__(self, app: _App, on_error: Callable[[str], None]) -> None:
        self._app = app
        self._on_error = on_error
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        self._server = await asyncio.start_server(
            self._handle, host, port, backlog=_BACKLOG, reuse_address=True
        )
        address = self._server.sockets[0].getsockname()
        return str(address[0]), int(address[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD_BYTES)
        try:
            while await self._serve_one(conn, reader, writer):
                conn.start_next_cycle()
        except h11.RemoteProtocolError as exc:
            await self._answer_protocol_error(conn, writer, exc)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass  # the client went away
        except Exception:
            self._on_error(traceback.format_exc())
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _next_event(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Any:
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            if conn.they_are_waiting_for_100_continue:
                writer.write(_send(conn, h11.InformationalResponse(status_code=100, headers=[])))
            conn.receive_data(await reader.read(_READ_SIZE))

    async def _serve_one(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Read one request and answer it; True when the connection can serve another."""
        event = await self._next_event(conn, reader, writer)
        if not isinstance(event, h11.Request):
            return False  # ConnectionClosed: the client closed an idle keep-alive connection
        headers: dict[str, str] = {}
        for raw_name, raw_value in event.headers:
            name = raw_name.decode("latin-1")
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        too_large = False
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            too_large = True
        parts: list[bytes] = []
        size = 0
        while not too_large:
            part = await self._next_event(conn, reader, writer)
            if isinstance(part, h11.Data):
                size += len(part.data)
                if size > MAX_BODY_BYTES:
                    too_large = True
                    break
                parts.append(bytes(part.data))
            elif isinstance(part, h11.EndOfMessage):
                break
            else:
                return False
        method = event.method.decode("ascii", "replace")
        target = event.target.decode("latin-1")
        body = b"" if too_large else b"".join(parts)
        reply = self._app(method, target, headers, body, too_large)
        if not await self._write_reply(conn, writer, reply, head_only=method == "HEAD"):
            return False
        if too_large:
            await self._linger(reader, writer)
            return False
        return conn.our_state is h11.DONE and conn.their_state is h11.DONE

    @staticmethod
    async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Half-close, then discard what the client still sends (for a while), so that closing
        with unread data does not reset the connection before the client reads our answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _LINGER_SECONDS
        with contextlib.suppress(ConnectionError, OSError, asyncio.TimeoutError):
            if writer.can_write_eof():
                writer.write_eof()
            while (remaining := deadline - loop.time()) > 0:
                if not await asyncio.wait_for(reader.read(_READ_SIZE), remaining):
                    break

    async def _write_reply(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, reply: _Reply, *, head_only: bool
    ) -> bool:
        """Send `reply`; True when the HTTP message was completed normally."""
        if reply.delay_first > 0:
            await asyncio.sleep(reply.delay_first)
        if reply.abort:
            _reset_connection(writer)
            return False
        headers = list(reply.headers)
        if reply.close:
            headers.append(("connection", "close"))
        no_body = head_only or reply.status in (204, 304)
        reason = _phrase(reply.status).encode()
        if reply.events is None:
            body = reply.body
            if reply.status not in (204, 304):
                headers.append(("content-length", str(len(body))))
            out = _send(
                conn, h11.Response(status_code=reply.status, headers=headers, reason=reason)
            )
            if not no_body and reply.cut:
                writer.write(out + _send(conn, h11.Data(data=body[: len(body) // 2])))
                await writer.drain()
                return False
            if body and not no_body:
                out += _send(conn, h11.Data(data=body))
            writer.write(out + _send(conn, h11.EndOfMessage()))
            await writer.drain()
            return True
        pieces = [
            _send(conn, h11.Response(status_code=reply.status, headers=headers, reason=reason))
        ]
        if not no_body:
            for index, piece in enumerate(reply.events):
                if index and reply.delay_between > 0:
                    writer.write(b"".join(pieces))
                    pieces.clear()
                    await writer.drain()
                    await asyncio.sleep(reply.delay_between)
                pieces.append(_send(conn, h11.Data(data=piece)))
            if reply.cut:
                writer.write(b"".join(pieces))
                await writer.drain()
                return False
        pieces.append(_send(conn, h11.EndOfMessage()))
        writer.write(b"".join(pieces))
        await writer.drain()
        return True

    async def _answer_protocol_error(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, exc: h11.RemoteProtocolError
    ) -> None:
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        status = exc.error_status_hint
        body = f"{status} {_phrase(status)}\n".encode()
        headers = [
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", str(len(body))),
            ("connection", "close"),
        ]
        try:
            out = _send(conn, h11.Response(status_code=status, headers=headers))
            out += _send(conn, h11.Data(data=body)) + _send(conn, h11.EndOfMessage())
        except h11.LocalProtocolError:
            return
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(out)
            await writer.drain()


# ---------------------------------------------------------------------------------------------
# The emulator: routing, auth, credits, faults, recording
# ---------------------------------------------------------------------------------------------


class Emulator:
    """A loopback emulator of the AI/ML API and Oxen.ai chat endpoints.

    Use it as a context manager (sync or async) or call `start` and `stop`. The server
    runs on its own event loop in a daemon thread; every public method is thread-safe.

    `api_key=None` accepts any non-empty bearer token. `credits` is the balance of the
    providers that bill credits (AI/ML API; `None`: unlimited): every answered chat request of
    such a provider deducts the credits it reports, and at zero or below requests get the
    provider's out-of-credits error.
    `chunk_delay` pauses that many seconds between streamed chunks (0: none; the CLI uses 0.02
    so a terminal shows the answer arriving). `reasoning_content` scripts a reasoning text for
    every answer (`message.reasoning_content` and `delta.reasoning_content` pieces).
    Each provider's own options are keyword arguments (and attributes) named
    `<provider>_<option>`, declared by the options dataclass of its module under
    `emulator/providers/`: `aimlapi_done_marker=False` ends AI/ML API streams without
    `data: [DONE]`; `aimlapi_unrequested_usage=True` sends AI/ML API's usage chunk even when
    not asked for; `oxen_schema_key` (`"json_request_schema"`, `"request_schema"` or
    `None` for a null schema) shapes Oxen's model bodies, which the real service sends either
    way.
    `cassette` (a file written by `langchain_gpt52.testing.Cassette`) makes the chat routes
    answer with the recorded responses instead (matched on method, path and body; the last match
    is repeated once all are used), paced by `chunk_delay` or the mean recorded delay.
    `max_recorded` bounds `requests` (oldest dropped; `None`: no bound).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = "emulator-key",
        credits: int | None = None,
        chunk_delay: float = 0.0,
        reasoning_content: str | None = None,
        cassette: str | os.PathLike[str] | None = None,
        max_recorded: int | None = 10_000,
        **options: Any,
    ) -> None:
        if isinstance(chunk_delay, bool) or not isinstance(chunk_delay, (int, float)):
            raise TypeError(f"chunk_delay must be a number of seconds, got {chunk_delay!r}")
        if not 0 <= chunk_delay <= 10:
            raise ValueError(f"chunk_delay must be between 0 and 10 seconds, got {chunk_delay!r}")
        self.host = host
        self.port = port
        self.api_key = api_key
        self.settings = Settings(
            chunk_delay=float(chunk_delay),
            reasoning_content=reasoning_content,
            provider_options=provider_options(options),
        )
        self._initial = (api_key, credits, self.settings.copy())
        #: recorded interactions served instead of the fake model (`cassette=`)
        self._recordings: list[Interaction] | None = (
            None if cassette is None else load(Path(cassette))
        )
        self._lock = threading.Lock()
        self._lifecycle = threading.Lock()
        self._credits: float | None = credits
        self._queue: deque[tuple[str | None, Fault]] = deque()
        self._records: deque[RecordedRequest] = deque(maxlen=max_recorded)
        self._errors: list[str] = []
        self._url: str | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        #: gateway limits (latency, RPM, TPM) and requests counted per client request id
        self.limits = Limits()
        #: what each provider keeps per emulator (a request log), by provider name
        self.provider_state: dict[str, Any] = _new_provider_state()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Start serving (no-op if already running); returns `self`."""
        with self._lifecycle:
            if self._thread is not None and self._thread.is_alive():
                return self
            ready = threading.Event()
            failure: list[BaseException] = []
            thread = threading.Thread(
                target=self._run,
                args=(ready, failure),
                name="langchain-gpt52-emulator",
                daemon=True,
            )
            thread.start()
            if not ready.wait(timeout=30):
                raise RuntimeError("the emulator did not start within 30 seconds")
            if failure:
                thread.join(timeout=5)
                raise failure[0]
            self._thread = thread
            return self

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call more than once."""
        with self._lifecycle:
            thread, loop, stop_event = self._thread, self._loop, self._stop_event
            self._thread = None
            if thread is None:
                return
            if loop is not None and stop_event is not None:
                with contextlib.suppress(RuntimeError):  # loop already closed
                    loop.call_soon_threadsafe(stop_event.set)
            thread.join(timeout=30)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(self._on_loop_exception)
        try:
            loop.run_until_complete(self._serve(loop, ready, failure))
        except BaseException as exc:  # pragma: no cover - defensive
            if not ready.is_set():
                failure.append(exc)
                ready.set()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(
        self, loop: asyncio.AbstractEventLoop, ready: threading.Event, failure: list[BaseException]
    ) -> None:
        server = _HTTPServer(self._dispatch, self._record_error)
        try:
            host, port = await server.start(self.host, self.port)
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            return
        stop_event = asyncio.Event()
        self._loop, self._stop_event = loop, stop_event
        if ":" in host:
            host = f"[{host}]"
        self._url = f"http://{host}:{port}"
        ready.set()
        try:
            await stop_event.wait()
        finally:
            await server.close()

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, (ConnectionError, asyncio.CancelledError)):
            return
        detail = "".join(traceback.format_exception(exc)) if exc is not None else ""
        self._record_error(f"{context.get('message', 'event loop error')}\n{detail}")

    # -- public state ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://<host>:<port>` of the running server."""
        if self._url is None:
            raise RuntimeError("the emulator has not been started; call start() first")
        return self._url

    def __getattr__(self, name: str) -> Any:
        """`<provider>_base_url` (`aimlapi_base_url`, `oxen_base_url`: see
        `base_url`) or a provider option `<provider>_<option>`
        (`aimlapi_done_marker`, ...)."""
        route, _, rest = name.rpartition("_base_url")
        if not rest and route in PROVIDERS:
            return self.base_url(route)
        found = option_names().get(name)
        if found is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        provider, option = found
        return getattr(self.settings.options(provider.name, provider.options_type), option)

    def __setattr__(self, name: str, value: Any) -> None:
        found = option_names().get(name)
        if found is None:
            object.__setattr__(self, name, value)
            return
        provider, option = found
        current = self.settings.options(provider.name, provider.options_type)
        self.settings.provider_options[provider.name] = replace(current, **{option: value})

    @property
    def chunk_delay(self) -> float:
        """Seconds between streamed chunks."""
        return self.settings.chunk_delay

    @chunk_delay.setter
    def chunk_delay(self, value: float) -> None:
        self.settings.chunk_delay = value

    @property
    def reasoning_content(self) -> str | None:
        """The scripted reasoning text of every answer (`None`: no reasoning text)."""
        return self.settings.reasoning_content

    @reasoning_content.setter
    def reasoning_content(self, value: str | None) -> None:
        self.settings.reasoning_content = value

    def base_url(self, route: str) -> str:
        """The base URL a client of provider `route` (`"aimlapi"`, `"oxen"`) uses."""
        return self.url + self._route(route).prefix

    @staticmethod
    def _route(route: str) -> EmulatedProvider:
        provider = PROVIDERS.get(route)
        if provider is None:
            raise ValueError(f"route must be one of {sorted(PROVIDERS)} or None, got {route!r}")
        return provider

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._records)

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._lock:
            return self._records[-1] if self._records else None

    @property
    def credits(self) -> float | None:
        """The remaining credit balance of the providers that bill credits (`None`:
        unlimited)."""
        with self._lock:
            return self._credits

    @property
    def pending_faults(self) -> list[tuple[str | None, Fault]]:
        """Queued faults not yet consumed, as `(route, fault)` pairs in consumption order."""
        with self._lock:
            return list(self._queue)

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of unexpected errors inside the emulator (an empty list is healthy)."""
        with self._lock:
            return list(self._errors)

    def enqueue(self, *faults: Fault, route: str | None = None) -> None:
        """Queue one-shot faults for the next chat-completions requests (of `route`, or any)."""
        if route is not None:
            self._route(route)
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"expected a Fault, got {type(fault).__name__}")
        with self._lock:
            for fault in faults:
                self._queue.extend([(route, fault)] * fault.times)

    def reset(self) -> None:
        """Clear queued faults, recorded requests and errors; restore credits, key and settings;
        replay a served cassette from its start."""
        api_key, credits, settings = self._initial
        with self._lock:
            self._queue.clear()
            self._records.clear()
            self._errors.clear()
            self._credits = credits
            for interaction in self._recordings or []:
                interaction.used = False
        self.api_key = api_key
        self.settings = settings.copy()
        self.limits.reset()
        self.provider_state = _new_provider_state()

    def set_credits(self, credits: int | None) -> None:
        with self._lock:
            self._credits = credits

    # -- request handling (runs on the server thread) -----------------------------------------

    def _record_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    def _take_fault(self, provider: EmulatedProvider) -> Fault | None:
        with self._lock:
            for index, (route, fault) in enumerate(self._queue):
                if route is None or route == provider.name:
                    del self._queue[index]
                    return fault
        return None

    def _dispatch(
        self, method: str, target: str, headers: dict[str, str], body: bytes, too_large: bool
    ) -> _Reply:
        path, _, query = target.partition("?")
        provider = provider_for_path(path)
        parsed: Any = None
        if body:
            with contextlib.suppress(ValueError, RecursionError):
                parsed = json.loads(body)
        with self._lock:
            self._records.append(RecordedRequest(method, target, headers, body, parsed))
        try:
            if too_large:
                message = f"Request body exceeds {MAX_BODY_BYTES} bytes"
                return self._error(provider, 413, message, path, headers, close=True)
            if path in provider.extra_routes and method == "GET":
                return self._extra(provider, path, query, headers)
            return self._route_request(provider, method, path, headers, body, parsed, query)
        except Exception:
            self._record_error(traceback.format_exc())
            message = "Internal server error (emulator)"
            return self._error(provider, 500, message, path, headers, close=True)

    def _route_request(
        self,
        provider: EmulatedProvider,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        parsed: Any,
        query: str = "",
    ) -> _Reply:
        if path in (provider.chat_path, provider.responses_path):
            if method != "POST":
                return self._not_allowed(provider, path, headers, "POST")
            return self._chat(provider, path, headers, body, parsed)
        models = provider.models(self.settings, query) if path == provider.models_path else None
        if models is not None:
            if method != "GET":
                return self._not_allowed(provider, path, headers, "GET")
            return self._tagged(provider, self._json(provider, 200, models, headers), headers)
        model_id = unquote(path[len(provider.models_path) + 1 :])
        if path.startswith(provider.models_path + "/") and provider.models(self.settings):
            if method != "GET":
                return self._not_allowed(provider, path, headers, "GET")
            details = provider.model_details(model_id, self.settings)
            if details is None:
                return self._error(provider, 404, provider.model_not_found(model_id), path, headers)
            return self._json(provider, 200, details, headers)
        return self._error(provider, 404, f"Cannot {method} {path}", path, headers)

    # -- reply builders -------------------------------------------------------------------------

    def _tagged(
        self, provider: EmulatedProvider, reply: _Reply, request_headers: dict[str, str]
    ) -> _Reply:
        """`reply` with the provider's `ETag`, or a 304 when the request already holds it."""
        tag = provider.etag(reply.body)
        if tag is None:
            return reply
        if request_headers.get("if-none-match") == tag:
            return _Reply(304, [*self._base_headers(provider, request_headers), ("etag", tag)])
        reply.headers.append(("etag", tag))
        return reply

    def _base_headers(
        self, provider: EmulatedProvider, request_headers: dict[str, str]
    ) -> list[tuple[str, str]]:
        return provider.headers(request_headers)

    def _json(
        self,
        provider: EmulatedProvider,
        status: int,
        obj: Any,
        request_headers: dict[str, str],
        *,
        extra: Iterable[tuple[str, str]] = (),
        close: bool = False,
    ) -> _Reply:
        headers = self._base_headers(provider, request_headers)
        headers.append(("content-type", "application/json"))
        headers.extend(extra)
        return _Reply(status, headers, body=_dumps(obj, sort=provider.sort_keys), close=close)

    def _error(
        self,
        provider: EmulatedProvider,
        status: int,
        message: str,
        path: str,
        request_headers: dict[str, str],
        *,
        extra: Iterable[tuple[str, str]] = (),
        close: bool = False,
    ) -> _Reply:
        body = provider.error_body(status, message, path)
        return self._json(provider, status, body, request_headers, extra=extra, close=close)

    def _not_allowed(
        self, provider: EmulatedProvider, path: str, request_headers: dict[str, str], allow: str
    ) -> _Reply:
        message = f"Method not allowed; use {allow}"
        return self._error(provider, 405, message, path, request_headers, extra=[("allow", allow)])

    def _auth_problem(self, request_headers: dict[str, str]) -> str | None:
        value = request_headers.get("authorization")
        if value is None:
            return "Missing Authorization header; expected 'Authorization: Bearer <key>'"
        scheme, _, token = value.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return "Malformed Authorization header; expected 'Authorization: Bearer <key>'"
        expected = self.api_key
        if expected is not None and token != expected:
            return "Invalid API key"
        return None

    def _chat(
        self,
        provider: EmulatedProvider,
        path: str,
        request_headers: dict[str, str],
        body: bytes,
        parsed: Any,
    ) -> _Reply:
        problem = self._auth_problem(request_headers)
        if problem is not None:
            return self._error(provider, 401, problem, path, request_headers)
        if provider.bills_credits:
            with self._lock:
                exhausted = self._credits is not None and self._credits <= 0
            if exhausted:
                status, message = provider.out_of_credits_status, provider.out_of_credits_message
                return self._error(provider, status, message, path, request_headers)
        self.limits.count(request_headers)
        wait = self.limits.admit(body, parsed)
        if wait is not None:
            message = "Rate limit exceeded: too many requests or tokens per minute"
            extra = [("retry-after", retry_after_header(wait))]
            return self._error(provider, 429, message, path, request_headers, extra=extra)
        reply = self._chat_reply(provider, path, request_headers, body, parsed)
        reply.delay_first = max(reply.delay_first, self.limits.latency)
        model = parsed.get("model") if isinstance(parsed, dict) else None
        answered = Answered(reply.status, model, request_headers, reply.headers)
        provider.record_answer(self.provider_state.get(provider.name), answered)
        return reply

    def _extra(
        self, provider: EmulatedProvider, path: str, query: str, request_headers: dict[str, str]
    ) -> _Reply:
        problem = self._auth_problem(request_headers)
        if problem is not None:
            return self._error(provider, 401, problem, path, request_headers)
        status, body = provider.extra_reply(self.provider_state.get(provider.name), path, query)
        return self._json(provider, status, body, request_headers)

    def _chat_reply(
        self,
        provider: EmulatedProvider,
        path: str,
        request_headers: dict[str, str],
        body: bytes,
        parsed: Any,
    ) -> _Reply:
        if self._recordings is not None:
            return self._recorded(provider, path, request_headers, body)
        fault = self._take_fault(provider)
        if fault is not None and fault.kind in REPLACEMENTS:
            return self._replacement(provider, path, request_headers, fault)
        reply = self._answer(provider, path, request_headers, body, parsed, fault)
        if fault is not None and fault.kind == "slow_first_byte":
            reply.delay_first = fault.seconds
        return reply

    def _recorded(
        self, provider: EmulatedProvider, path: str, request_headers: dict[str, str], body: bytes
    ) -> _Reply:
        """The recorded answer to a request (a 400 naming the mismatch when there is none)."""
        assert self._recordings is not None
        content_type = request_headers.get("content-type", "application/json")
        request = {"method": "POST", "path": path, "body": body_record(body, content_type)}
        try:
            with self._lock:
                interaction = find(
                    self._recordings,
                    request,
                    frozenset({"method", "path", "body"}),
                    allow_repeats=True,
                )
        except CassetteMismatch as exc:
            return self._error(provider, 400, f"Emulator cassette: {exc}", path, request_headers)
        recorded = interaction.response
        headers = list(recorded.get("headers", {}).items())
        stored = recorded.get("body") or {}
        if "events" not in stored:
            return _Reply(recorded["status"], headers, body=body_bytes(stored))
        delays = recorded.get("delays") or []
        pace = self.settings.chunk_delay or (sum(delays) / len(delays) if delays else 0.0)
        return _Reply(recorded["status"], headers, events=event_pieces(stored), delay_between=pace)

    def _replacement(
        self, provider: EmulatedProvider, path: str, request_headers: dict[str, str], fault: Fault
    ) -> _Reply:
        sort = provider.sort_keys
        if fault.kind == "reset":
            return _Reply(0, [], abort=True)
        if fault.kind == "html":
            page = _HTML_PAGE.format(code=fault.code, phrase=_phrase(fault.code)).encode()
            return _Reply(fault.code, [("content-type", "text/html; charset=utf-8")], body=page)
        if fault.kind == "malformed_json":
            if fault.code < 400:
                text = _MALFORMED_COMPLETION
            else:
                text = _dumps(provider.error_body(fault.code, "Upstream error", path))
            headers = self._base_headers(provider, request_headers)
            headers.append(("content-type", "application/json"))
            return _Reply(fault.code, headers, body=text[: max(1, len(text) // 2)])
        if fault.kind == "respond":
            if fault.sse is not None:
                events = [
                    b"data: " + (item.encode() if isinstance(item, str) else _dumps(item)) + b"\n\n"
                    for item in fault.sse
                ]
                if fault.done:
                    events.append(_DONE_EVENT)
                headers = _merge_headers([("content-type", "text/event-stream")], fault.headers)
                return _Reply(fault.code, headers, events=events)
            if fault.body is not None:
                raw = fault.body
            elif fault.json is not None:
                raw = _dumps(fault.json)
            else:
                raw = b""
            headers = _merge_headers([("content-type", "application/json")], fault.headers)
            return _Reply(fault.code, headers, body=raw)
        # status
        if fault.body is not None:
            raw = fault.body
        elif fault.json is not None:
            raw = _dumps(fault.json, sort=sort)
        else:
            message = fault.message or _DEFAULT_MESSAGES.get(fault.code) or _phrase(fault.code)
            raw = _dumps(provider.error_body(fault.code, message, path), sort=sort)
        base = self._base_headers(provider, request_headers)
        base.append(("content-type", "application/json"))
        if fault.retry_after is not None:
            base.append(("retry-after", fault.retry_after))
        return _Reply(fault.code, _merge_headers(base, fault.headers), body=raw)

    def _answer(
        self,
        provider: EmulatedProvider,
        path: str,
        request_headers: dict[str, str],
        body: bytes,
        parsed: Any,
        fault: Fault | None,
    ) -> _Reply:
        if parsed is None:
            message = "Request body is not valid JSON" if body else "Request body is empty"
            return self._error(provider, 400, message, path, request_headers)
        if not isinstance(parsed, dict):
            return self._error(
                provider, 400, "Request body must be a JSON object", path, request_headers
            )
        if path == provider.responses_path:
            return self._responses(provider, path, request_headers, parsed, fault)
        try:
            provider.validate(parsed, path)
        except RequestRejected as rejected:
            return self._json(provider, rejected.status, rejected.body, request_headers)
        kind = fault.kind if fault is not None else None
        if parsed.get("stream"):
            return self._stream(provider, request_headers, parsed, fault)
        sort = provider.sort_keys
        completion = complete(provider, parsed, self.settings)
        headers = self._base_headers(provider, request_headers)
        headers.append(("content-type", "application/json"))
        headers.extend(provider.completion_headers(completion))
        self._charge(provider.credits_used(completion))
        if kind in ("empty_choices", "null_choices") and isinstance(completion, dict):
            completion = {**completion, "choices": [] if kind == "empty_choices" else None}
        if kind == "invalid_utf8":
            completion = copy.deepcopy(completion)
            reply_message = _first_choice_part(completion, "message")
            holder, key = (
                (reply_message, "content") if reply_message is not None else (completion, "note")
            )
            raw = _inject_invalid_utf8(completion, holder, key, sort=sort)
        else:
            raw = _dumps(completion, sort=sort)
        return _Reply(200, headers, body=raw, cut=kind == "cut_stream")

    def _stream(
        self,
        provider: EmulatedProvider,
        request_headers: dict[str, str],
        parsed: dict[str, Any],
        fault: Fault | None,
    ) -> _Reply:
        sort = provider.sort_keys
        kind = fault.kind if fault is not None else None
        chunks = stream_chunks(provider, parsed, self.settings)
        credits_used: float | None = None
        for chunk in chunks:
            used = provider.credits_used(chunk)
            if used is not None:
                credits_used = used
        self._charge(credits_used)
        if kind in ("empty_choices", "null_choices"):
            replacement: list[Any] | None = [] if kind == "empty_choices" else None
            chunks = [{**chunk, "choices": replacement} for chunk in chunks]
        events = [b"data: " + _dumps(chunk, sort=sort) + b"\n\n" for chunk in chunks]
        if kind == "invalid_utf8":
            events = self._corrupt_stream(chunks, events, sort=sort)
        done = provider.done_marker(self.settings)
        cut = False
        if fault is not None and kind == "cut_stream":
            events, done, cut = events[: fault.after], False, True
        elif fault is not None and kind == "truncated_sse":
            source = chunks[min(fault.after, len(chunks) - 1)] if chunks else {"choices": []}
            line = b"data: " + _dumps(source, sort=sort)
            events = [*events[: fault.after], line[: max(len(b"data: {"), len(line) // 2)]]
            done = False
        elif kind == "no_done":
            done = False
        if done:
            events.append(_DONE_EVENT)
        headers = self._base_headers(provider, request_headers)
        headers.extend([("content-type", "text/event-stream"), ("cache-control", "no-cache")])
        delay = self.settings.chunk_delay
        if fault is not None and kind == "slow_chunks":
            delay = fault.seconds
        return _Reply(200, headers, events=events, delay_between=delay, cut=cut)

    def _responses(
        self,
        provider: EmulatedProvider,
        path: str,
        request_headers: dict[str, str],
        parsed: dict[str, Any],
        fault: Fault | None,
    ) -> _Reply:
        """The Responses API route (`emulator/responses.py`): a response or its events."""
        try:
            responses.validate(provider, parsed, path)
        except RequestRejected as rejected:
            return self._json(provider, rejected.status, rejected.body, request_headers)
        answer = responses.answer(provider, parsed, self.settings)
        self._charge(provider.credits_used(answer))
        if not parsed.get("stream"):
            extra = provider.completion_headers(answer)
            return self._json(provider, 200, answer, request_headers, extra=extra)
        events = responses.events(answer)
        cut = fault is not None and fault.kind == "cut_stream"
        if cut:
            assert fault is not None
            events = events[: fault.after]
        headers = self._base_headers(provider, request_headers)
        headers.extend([("content-type", "text/event-stream"), ("cache-control", "no-cache")])
        delay = fault.seconds if fault is not None and fault.kind == "slow_chunks" else None
        return _Reply(
            200,
            headers,
            events=events,
            delay_between=self.settings.chunk_delay if delay is None else delay,
            cut=cut,
        )

    @staticmethod
    def _corrupt_stream(chunks: list[Any], events: list[bytes], *, sort: bool) -> list[bytes]:
        for index, chunk in enumerate(chunks):
            delta = _first_choice_part(chunk, "delta")
            if delta is not None and isinstance(delta.get("content"), str) and delta["content"]:
                chunk = copy.deepcopy(chunk)
                delta = cast(dict[str, Any], _first_choice_part(chunk, "delta"))
                line = b"data: " + _inject_invalid_utf8(chunk, delta, "content", sort=sort)
                return [*events[:index], line + b"\n\n", *events[index + 1 :]]
        return [b"data: " + _INVALID_UTF8 + b"\n\n", *events]

    def _charge(self, credits_used: float | None) -> None:
        if credits_used is None:
            return
        with self._lock:
            if self._credits is not None:
                self._credits -= credits_used
