"""Random ids and padding (not part of any answer's meaning, so not seeded)."""

from __future__ import annotations

import random
import string

_RNG = random.Random()
_ALNUM = string.ascii_letters + string.digits


def random_text(length: int) -> str:
    """Random letters and digits (ids, `obfuscation` padding)."""
    return "".join(_RNG.choices(_ALNUM, k=length))


def random_length(low: int, high: int) -> int:
    return _RNG.randint(low, high)
