"""The fake model's tokenizer: deterministic pieces that concatenate back to the text."""

from __future__ import annotations

import re

# A token is: an optional single whitespace char followed by a run of up to 6 letters,
# or by up to 3 digits, or by one punctuation/symbol char; or a run of whitespace; or "_".
# Every character of any string is matched by exactly one alternative, so the tokens
# always concatenate back to the original text.
_TOKEN_RE = re.compile(r"\s?[^\W\d_]{1,6}|\s?\d{1,3}|\s?[^\w\s]|\s+|_|\d")


def tokenize(text: str) -> list[str]:
    """Split `text` into emulator tokens (their concatenation is `text`)."""
    return _TOKEN_RE.findall(text)


def count_tokens(text: str) -> int:
    """Number of emulator tokens in `text` (see `tokenize`)."""
    if not text:
        return 0
    return len(_TOKEN_RE.findall(text))


def truncate_tokens(text: str, limit: int) -> str:
    """The first `limit` tokens of `text`."""
    if limit <= 0:
        return ""
    return "".join(tokenize(text)[:limit])
