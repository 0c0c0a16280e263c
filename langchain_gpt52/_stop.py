"""Client-side stop sequences, for providers that do not document `stop` (pure, no I/O).

Applied whenever the caller passes `stop`: where the provider honoured it the text holds no
stop sequence and nothing changes; where it ignored it, the text is cut at the first one.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["StopFilter", "cut_at_stop"]


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """`text` up to the earliest stop sequence, and whether one was found."""
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
            # A longer stop sequence that starts before this match may still complete with
            # the next chunk (and would win, as in `cut_at_stop` on the whole text): wait.
            pending = self._pending_start(buf, len(cut))
            if pending >= 0:
                self._held = buf[pending:]
                return buf[:pending]
            self.stopped = True
            self._held = ""
            return cut
        if self._keep <= 0:
            self._held = ""
            return buf
        self._held = buf[-self._keep :]
        return buf[: -self._keep]

    def _pending_start(self, buf: str, before: int) -> int:
        """The first position before `before` where `buf`'s tail may begin a stop sequence."""
        for pos in range(max(0, len(buf) - self._keep), before):
            tail = buf[pos:]
            if any(len(seq) > len(tail) and seq.startswith(tail) for seq in self._stop):
                return pos
        return -1

    def flush(self) -> str:
        """At the end of the stream: the text still held back (cut at a stop sequence)."""
        held, self._held = self._held, ""
        if self.stopped:
            return ""
        cut, found = cut_at_stop(held, self._stop)
        if found:
            self.stopped = True
        return cut
