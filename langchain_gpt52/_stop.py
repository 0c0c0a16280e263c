"""Client-side stop sequences, for providers that do not document ``stop`` (pure, no I/O).

Applied whenever the caller passes ``stop``: where the provider honoured it the text holds no
stop sequence and nothing changes; where it ignored it, the text is cut at the first one.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["StopFilter", "cut_at_stop"]


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """``text`` up to the earliest stop sequence, and whether one was found."""
    best = -1
    for seq in stop:
        if seq:
            pos = text.find(seq)
            if pos >= 0 and (best < 0 or pos < best):
                best = pos
    return (text[:best], True) if best >= 0 else (text, False)


class StopFilter:
    """Streaming form: holds back enough text to see a stop sequence split across chunks."""

    __slots__ = ("_held", "_keep", "_stop", "stopped")

    def __init__(self, stop: Sequence[str]) -> None:
        self._stop = [s for s in stop if s]
        self._keep = max((len(s) for s in self._stop), default=1) - 1
        self._held = ""
        self.stopped = False

    def push(self, text: str) -> str:
        """Text safe to emit now (empty once a stop sequence was seen)."""
        if self.stopped:
            return ""
        buf = self._held + text
        cut, found = cut_at_stop(buf, self._stop)
        if found:
            self.stopped = True
            self._held = ""
            return cut
        if self._keep <= 0:
            self._held = ""
            return buf
        self._held = buf[-self._keep :]
        return buf[: -self._keep]

    def flush(self) -> str:
        """At the end of the stream: the text still held back."""
        held, self._held = self._held, ""
        return "" if self.stopped else held
