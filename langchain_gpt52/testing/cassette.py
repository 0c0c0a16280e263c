"""Record real HTTP traffic once, replay it offline: `Cassette`.

```python
from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.testing import Cassette

with Cassette("tests/cassettes/hello.json", mode="auto") as cassette:
    llm = ChatAIMLAPI(http_client=cassette.client(), http_async_client=cassette.async_client())
    llm.invoke("Hello")
```

`mode="record"` sends every request and writes each request and its raw response (JSON, text,
or the SSE events of a stream, with their timing when `record_timing=True`) to a readable JSON
file when the block ends. `mode="replay"` never touches the network: each request is answered
from the file, in order; a request with no recording raises `CassetteMismatch` naming the method,
the path and a diff against the closest recorded body. `mode="auto"` replays when the file
exists and records otherwise.

On record the `Authorization` header, the key it carries (wherever it appears: bodies, headers,
URLs, including a provider echoing it back, and also base64- or percent-encoded, as `Basic`
credentials carry it), any `secrets=` and the headers named in `redact_headers=` are replaced by
`<REDACTED>`, so a cassette can be committed. A file of another format version, or with an
interaction missing its `request` or `response`, is a `CassetteError` naming the file.

`cassette.client()` / `cassette.async_client()` are httpx clients (the chat models'
`http_client=` / `http_async_client=`); `client("httpx2")` gives httpx2 clients, built on the
same transports. Everything below the transports is pure (`langchain_gpt52.emulator.recordings`)
and shared by the sync and async transports and by `Emulator(cassette=...)`, which serves a
cassette over HTTP.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

from langchain_gpt52.emulator.recordings import (
    ALWAYS_REDACTED,
    MATCH_KEYS,
    CassetteError,
    Interaction,
    basic_secrets,
    bearer_token,
    body_record,
    dump,
    event_pieces,
    find,
    headers_record,
    load,
    redact,
    request_record,
    secret_forms,
)

Mode = Literal["record", "replay", "auto"]
Flavour = Literal["httpx", "httpx2"]
#: request headers that differ from run to run and carry nothing a replay needs
_VOLATILE_REQUEST = frozenset({"content-length", "host", "accept-encoding", "connection"})


# -- the cassette ---------------------------------------------------------------------------------


class Cassette:
    """A file of recorded HTTP interactions, recorded or replayed through httpx transports.

    `match_on` names what a replayed request must equal: any of `"method"`, `"path"`, `"body"`
    (default all three; the body compared as JSON). `allow_repeats=True` answers a request whose
    recordings are all used with the last matching one. `record_timing=True` stores the delay
    before each streamed event; `replay_timing=True` sleeps those delays on replay.
    """

    def __init__(
        self,
        path: str | Path,
        mode: Mode = "auto",
        *,
        redact_headers: Iterable[str] = (),
        secrets: Iterable[str] = (),
        match_on: Iterable[str] = ("method", "path", "body"),
        allow_repeats: bool = False,
        record_timing: bool = False,
        replay_timing: bool = False,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if mode not in ("record", "replay", "auto"):
            raise CassetteError(f"mode must be 'record', 'replay' or 'auto', got {mode!r}")
        match = frozenset(match_on)
        if not match <= MATCH_KEYS:
            raise CassetteError(f"match_on takes {sorted(MATCH_KEYS)}, got {sorted(match)}")
        self.path = Path(path)
        self.mode: Mode = mode
        self.recording = mode == "record" or (mode == "auto" and not self.path.exists())
        self.redacted_headers = ALWAYS_REDACTED | {h.lower() for h in redact_headers}
        self.secrets = {s for s in secrets if s}
        self.match_on = match
        self.allow_repeats = allow_repeats
        self.record_timing = record_timing
        self.replay_timing = replay_timing
        self._transport = transport
        self._async_transport = async_transport
        self.interactions: list[Interaction] = [] if self.recording else load(self.path)

    # -- use as a context manager -----------------------------------------------------------------

    def __enter__(self) -> Cassette:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.save()

    async def __aenter__(self) -> Cassette:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.save()

    def save(self) -> None:
        """Write the recorded interactions (recording only; a replay leaves the file alone)."""
        if self.recording:
            dump(self.path, self.interactions)

    @property
    def all_played(self) -> bool:
        """Whether every recording has been replayed."""
        return all(i.used for i in self.interactions)

    # -- clients ----------------------------------------------------------------------------------

    def client(self, flavour: Flavour = "httpx", **kwargs: Any) -> Any:
        """A sync client (`httpx.Client`, or `httpx2.Client` with `flavour="httpx2"`) whose
        requests go through this cassette; `kwargs` go to the client."""
        http = _library(flavour)
        sync_transport, _ = _transports(http)
        return http.Client(transport=sync_transport(self, self._transport), **kwargs)

    def async_client(self, flavour: Flavour = "httpx", **kwargs: Any) -> Any:
        """The async twin of `client`."""
        http = _library(flavour)
        _, async_transport = _transports(http)
        return http.AsyncClient(transport=async_transport(self, self._async_transport), **kwargs)

    # -- shared by the transports -----------------------------------------------------------------

    def _request(self, request: Any, raw: bytes) -> dict[str, Any]:
        headers = headers_record(
            request.headers.multi_items(), self.redacted_headers, _VOLATILE_REQUEST
        )
        target = request.url.raw_path.decode("ascii", "replace")
        return request_record(request.method, str(request.url), target, headers, raw)

    def _secrets_of(self, request: Any) -> set[str]:
        """The secrets to redact and their encoded forms (see `secret_forms`)."""
        headers = request.headers.multi_items()
        token = bearer_token(headers)
        found = self.secrets | basic_secrets(headers) | ({token} if token else set())
        return secret_forms(found)

    def replay(self, request: dict[str, Any]) -> Interaction:
        """The recording answering `request` (raises `CassetteMismatch`)."""
        return find(self.interactions, request, self.match_on, allow_repeats=self.allow_repeats)

    def _store(
        self,
        request: Any,
        raw_request: bytes,
        response: Any,
        pieces: list[bytes],
        delays: list[float],
    ) -> None:
        secrets = self._secrets_of(request)
        content_type = response.headers.get("content-type", "")
        raw = b"".join(pieces)
        if response.headers.get("content-encoding"):
            raw = type(response)(200, headers=response.headers, content=raw).read()
        body = body_record(raw, content_type)
        recorded: dict[str, Any] = {
            "status": response.status_code,
            "headers": headers_record(
                response.headers.multi_items(),
                self.redacted_headers,
                frozenset({"content-length", "transfer-encoding", "content-encoding"}),
            ),
            "body": body,
        }
        if self.record_timing and "events" in body:
            recorded["delays"] = [round(d, 4) for d in delays]
        interaction = Interaction(
            redact(self._request(request, raw_request), secrets), redact(recorded, secrets)
        )
        self.interactions.append(interaction)

    def _replayed(
        self, request: Any, raw: bytes
    ) -> tuple[int, list[tuple[str, str]], list[bytes], list[float]]:
        """The recorded status, headers, body pieces and their delays."""
        interaction = self.replay(redact(self._request(request, raw), self._secrets_of(request)))
        recorded = interaction.response
        headers = list(recorded.get("headers", {}).items())
        pieces = event_pieces(recorded.get("body") or {})
        timed = self.replay_timing
        delays = _delays_of(interaction, len(pieces)) if timed else [0.0] * len(pieces)
        return recorded["status"], headers, pieces, delays


def _delays_of(interaction: Interaction, count: int) -> list[float]:
    delays = interaction.response.get("delays") or []
    return [float(delays[i]) if i < len(delays) else 0.0 for i in range(count)]


class _Timer:
    """Collects the pieces of a body and the delay before each (recording)."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.delays: list[float] = []
        self._last = time.monotonic()

    def add(self, piece: bytes) -> None:
        now = time.monotonic()
        self.pieces.append(piece)
        self.delays.append(now - self._last)
        self._last = now


@functools.cache
def _transports(http: Any) -> tuple[Any, Any]:
    """The sync and async cassette transports for an HTTP library module (httpx or httpx2,
    which share this API). Only the I/O lives here; the cassette decides everything."""

    class ReplayStream(http.SyncByteStream):  # type: ignore[misc]
        def __init__(self, pieces: list[bytes], delays: list[float]) -> None:
            self._pieces, self._delays = pieces, delays

        def __iter__(self) -> Iterator[bytes]:
            for piece, delay in zip(self._pieces, self._delays, strict=True):
                if delay > 0:
                    time.sleep(delay)
                yield piece

    class AsyncReplayStream(http.AsyncByteStream):  # type: ignore[misc]
        def __init__(self, pieces: list[bytes], delays: list[float]) -> None:
            self._pieces, self._delays = pieces, delays

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for piece, delay in zip(self._pieces, self._delays, strict=True):
                if delay > 0:
                    await asyncio.sleep(delay)
                yield piece

    def passed_on(upstream: Any, request: Any, pieces: list[bytes]) -> Any:
        headers = [
            (k, v) for k, v in upstream.headers.multi_items() if k.lower() != "content-length"
        ]
        content = b"".join(pieces)
        return http.Response(
            upstream.status_code, headers=headers, content=content, request=request
        )

    class SyncTransport(http.BaseTransport):  # type: ignore[misc]
        def __init__(self, cassette: Cassette, inner: Any) -> None:
            self._cassette, self._inner = cassette, inner

        def handle_request(self, request: Any) -> Any:
            cassette = self._cassette
            raw = request.read()
            if not cassette.recording:
                status, headers, pieces, delays = cassette._replayed(request, raw)
                stream = ReplayStream(pieces, delays)
                return http.Response(status, headers=headers, stream=stream, request=request)
            if self._inner is None:
                self._inner = http.HTTPTransport()
            upstream = self._inner.handle_request(request)
            timer = _Timer()
            try:
                for piece in upstream.iter_raw():
                    timer.add(piece)
            finally:
                upstream.close()
            cassette._store(request, raw, upstream, timer.pieces, timer.delays)
            return passed_on(upstream, request, timer.pieces)

        def close(self) -> None:
            if self._inner is not None:
                self._inner.close()

    class AsyncTransport(http.AsyncBaseTransport):  # type: ignore[misc]
        def __init__(self, cassette: Cassette, inner: Any) -> None:
            self._cassette, self._inner = cassette, inner

        async def handle_async_request(self, request: Any) -> Any:
            cassette = self._cassette
            raw = await request.aread()
            if not cassette.recording:
                status, headers, pieces, delays = cassette._replayed(request, raw)
                stream = AsyncReplayStream(pieces, delays)
                return http.Response(status, headers=headers, stream=stream, request=request)
            if self._inner is None:
                self._inner = http.AsyncHTTPTransport()
            upstream = await self._inner.handle_async_request(request)
            timer = _Timer()
            try:
                async for piece in upstream.aiter_raw():
                    timer.add(piece)
            finally:
                await upstream.aclose()
            cassette._store(request, raw, upstream, timer.pieces, timer.delays)
            return passed_on(upstream, request, timer.pieces)

        async def aclose(self) -> None:
            if self._inner is not None:
                await self._inner.aclose()

    return SyncTransport, AsyncTransport


def _library(flavour: Flavour) -> Any:
    if flavour == "httpx":
        return httpx
    if flavour == "httpx2":
        try:
            return importlib.import_module("httpx2")
        except ImportError:
            raise CassetteError("flavour='httpx2' needs the httpx2 package installed") from None
    raise CassetteError(f"flavour must be 'httpx' or 'httpx2', got {flavour!r}")
