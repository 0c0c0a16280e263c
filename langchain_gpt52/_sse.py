"""A server-sent-events decoder with no I/O: feed it bytes, get back each event's data.

Only the ``data`` field matters for chat completions; ``event``, ``id``, ``retry`` and comment
lines are skipped, except that an ``event: error`` is reported with its data so the caller can
raise it. Lines may end in ``\\n``, ``\\r\\n`` or ``\\r``. Bytes are split before decoding, so a
multi-byte character cut across network reads is reassembled; invalid UTF-8 raises
``UnicodeDecodeError`` for the caller to turn into a typed error; its ``events_before`` attribute
holds the events the same ``feed`` completed before the bad one, so none is lost.
"""

from __future__ import annotations

__all__ = ["SSEDecoder"]


class SSEDecoder:
    """Incremental decoder: ``feed(bytes) -> [(event, data), ...]``, then ``flush()`` at EOF."""

    __slots__ = ("_buf", "_data", "_event")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[bytes] = []
        self._event = b""

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """Add bytes; return the events completed by them."""
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
