"""Sans-I/O readers of a chat-completion response: bytes in, JSON chunks or a typed error out.

`SSEDecoder` splits server-sent events; `StreamReader` turns one stream's network reads into
completion chunks (or the typed error the provider sent, with the API key redacted);
`decode_body` does the same for a whole JSON body. The transport's sync and async paths share
them: only the reads differ.

SSE: only the `data` field matters for chat completions; `event`, `id`, `retry` and
comment lines are skipped, except that an `event: error` is reported with its data so the
caller can raise it. Lines may end in `\\n`, `\\r\\n` or `\\r`. Bytes are split before
decoding, so a multi-byte character cut across network reads is reassembled; invalid UTF-8
raises `UnicodeDecodeError`, whose `events_before` attribute holds the events the same
`feed` completed before the bad one, so none is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    ErrorSource,
    error_in_body,
    error_source,
    parse_error_body,
    request_id_from_headers,
)

__all__ = ["SSEDecoder", "StreamReader", "decode_body", "redact_bytes"]


class SSEDecoder:
    """Incremental decoder: `feed(bytes) -> [(event, data), ...]`, then `flush()` at EOF."""

    __slots__ = ("_buf", "_data", "_event")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[bytes] = []
        self._event = b""

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """Add bytes; return the events completed by them."""
        if (
            not self._buf
            and not self._data
            and not self._event
            and chunk.startswith(b"data: ")
            and chunk.find(b"\n") == len(chunk) - 2
            and chunk.endswith(b"\n\n")
            and b"\r" not in chunk
        ):
            # The usual read: exactly one whole one-line `data` event.
            return [("message", chunk[6:-2].decode("utf-8"))]
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            # Normalise CRLF and lone CR, keeping a trailing CR that may start a CRLF.
            keep = buf.endswith(b"\r")
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if keep:
                buf = buf[:-1]
                tail = b"\r"
            else:
                tail = b""
        else:
            tail = b""
        events: list[tuple[str, str]] = []
        start = 0
        find = buf.find
        while True:
            end = find(b"\n", start)
            if end < 0:
                break
            line = buf[start:end]
            start = end + 1
            if not line:
                if self._data:
                    try:
                        events.append(self._dispatch())
                    except UnicodeDecodeError as exc:
                        # Keep what this read completed before the bad event for the caller.
                        exc.events_before = events  # type: ignore[attr-defined]
                        self._buf = b""
                        raise
                else:
                    self._event = b""
                continue
            if line.startswith(b"data:"):
                value = line[5:]
                self._data.append(value[1:] if value.startswith(b" ") else value)
            elif line.startswith(b"event:"):
                self._event = line[6:].strip()
            # comments (":"), id, retry and unknown fields are ignored
        self._buf = buf[start:] + tail
        return events

    def flush(self) -> list[tuple[str, str]]:
        """End of stream: return a last event whose blank line never came (if whole)."""
        events: list[tuple[str, str]] = []
        rest = self._buf.replace(b"\r", b"")
        self._buf = b""
        if rest.startswith(b"data:"):
            value = rest[5:]
            self._data.append(value[1:] if value.startswith(b" ") else value)
        if self._data:
            events.append(self._dispatch())
        return events

    def _dispatch(self) -> tuple[str, str]:
        data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        event = self._event.decode("utf-8", "replace") if self._event else "message"
        self._data = []
        self._event = b""
        return event, data.decode("utf-8")


_DONE = "[DONE]"


def redact_bytes(data: bytes, secret: bytes | None) -> bytes:
    """`data` with `secret` replaced by `***`."""
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


def _is_answer(data: Any) -> bool:
    """A completion or chunk with choices and no error (whose text is the model's, kept as is)."""
    return isinstance(data, Mapping) and bool(data.get("choices")) and not data.get("error")


def is_data(data: Any, provider: ErrorSource | str = "") -> bool:
    """A JSON body that is not an error object of `provider` (a model list, say: kept as is)."""
    return error_in_body(data, provider=provider, where="") is None


def decode_body(
    content: bytes,
    headers: Mapping[str, str],
    *,
    status: int,
    provider: ErrorSource | str,
    secret: bytes | None,
    kept: Callable[[Any], bool] = _is_answer,
) -> Any:
    """A 2xx JSON body -> its data; an unreadable or error-object one has the key redacted
    first, and an error object (`{"error": ...}`, AI/ML API's
    `{"message", "statusCode": 500}`, as the provider's error reader finds it) is raised as
    the typed error it stands for.

    A body `kept` accepts (default: a completion with choices) is returned as sent, the key
    included: redaction changes what an error shows, never the data the package uses."""
    source = error_source(provider)
    request_id = request_id_from_headers(headers, source.request_id_headers)
    data: Any = None
    if secret and secret in content:
        try:
            data = json.loads(content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            data = None
        if not kept(data):
            content = redact_bytes(content, secret)
            data = None
    if data is None:
        data = _decode_json(content, what="response body", request_id=request_id)
    err = error_in_body(
        data, headers, provider=source, where=f"in the body of an HTTP {status} response"
    )
    if err is not None:
        raise err
    return data


def completion_as_chunks(data: Any) -> list[Any]:
    """A JSON body answering a stream request -> the stream chunks it stands for."""
    if isinstance(data, Mapping) and isinstance(data.get("choices"), list):
        choices = [
            {**c, "delta": c.get("message")} if isinstance(c, Mapping) else c
            for c in data["choices"]
        ]
        return [{**data, "choices": choices}]
    return [data]


def not_a_stream(
    content_type: str, start: bytes, *, provider: str, request_id: str | None
) -> APIResponseValidationError:
    """A 2xx answer to a stream request that is neither SSE nor JSON (an HTML page, say)."""
    preview = start[:200].decode("utf-8", "replace")
    return APIResponseValidationError(
        f"{provider}: a stream request was answered with {content_type or 'no content type'} "
        f"instead of text/event-stream; starts with {preview!r}",
        body=preview,
        request_id=request_id,
    )


class StreamReader:
    """One SSE response: `feed(bytes)` per network read, `feed(None)` at EOF.

    Each call returns `(chunks, done, error)`: the JSON chunks completed, whether the stream
    is over, and the error to raise once those chunks have been delivered (an error event or
    error object, an unreadable event; at EOF an event left unfinished is a cut connection,
    `APIConnectionError`). The API key is redacted from anything that is not an answer.
    """

    __slots__ = ("_decoder", "_headers", "_provider", "_rid", "_secret", "_source")

    def __init__(
        self,
        headers: Mapping[str, str],
        *,
        provider: ErrorSource | str,
        secret: str | None,
        request_id: str | None = None,
    ) -> None:
        self._decoder = SSEDecoder()
        self._headers = headers
        self._source = error_source(provider)
        self._provider = self._source.name
        self._secret = secret or None
        self._rid = (
            request_id
            if request_id is not None
            else request_id_from_headers(headers, self._source.request_id_headers)
        )

    def _cut(self) -> APIConnectionError:
        return APIConnectionError(
            f"{self._provider}: the stream ended in the middle of an event", request_id=self._rid
        )

    def _event_error(self, data: str) -> APIError:
        """An `event: error` SSE event -> the error it reports, in the provider's words."""
        try:
            parsed: Any = json.loads(data)
        except (ValueError, RecursionError):
            parsed = data
        headers = self._headers
        err = error_in_body(parsed, headers, provider=self._source, where="in a stream event")
        if err is not None:
            return err
        message, _, rid, _ = parse_error_body(parsed, self._source)
        rid = rid or self._rid
        text = f"{self._provider} sent an error event mid-stream: {message or data[:500]!r}"
        if rid:
            text += f" [request id: {rid}]"
        return APIResponseValidationError(text, body=parsed, request_id=rid)

    def feed(self, raw: bytes | None) -> tuple[list[Any], bool, APIError | None]:
        """Decode one network read (`None` at EOF) into JSON chunks."""
        eof = raw is None
        out: list[Any] = []
        rid = self._rid
        bad_utf8: APIError | None = None
        try:
            events = self._decoder.feed(raw) if raw is not None else self._decoder.flush()
        except UnicodeDecodeError as exc:
            events = getattr(exc, "events_before", [])  # completed before the bad event
            bad_utf8 = (
                self._cut()
                if eof
                else APIResponseValidationError(
                    f"{self._provider}: stream is not valid UTF-8 ({exc})", request_id=rid
                )
            )
        secret = self._secret
        for event, data in events:
            if data == _DONE:
                return out, True, None
            chunk: Any = None
            if event != "error":
                try:
                    chunk = json.loads(data)
                except (ValueError, RecursionError):
                    if secret and secret in data:
                        data = data.replace(secret, "***")
                    if eof:  # the last event's blank line never came: the stream was cut
                        return out, True, self._cut()
                    return (
                        out,
                        True,
                        APIResponseValidationError(
                            f"{self._provider}: stream event is not valid JSON: {data[:200]!r}",
                            body=data[:200],
                            request_id=rid,
                        ),
                    )
                if type(chunk) is dict and chunk.get("choices") and not chunk.get("error"):
                    out.append(chunk)  # the usual case, checked cheaply
                    continue
            if secret and secret in data:
                # A provider that echoes the key back (in an error object, say) must not leak it.
                data = data.replace(secret, "***")
                chunk = None if event == "error" else json.loads(data)
            if event == "error":
                return out, True, self._event_error(data)
            err = error_in_body(chunk, self._headers, provider=self._source, where="mid-stream")
            if err is not None:
                return out, True, err
            out.append(chunk)
        if bad_utf8 is not None:
            return out, True, bad_utf8
        return out, eof, None
