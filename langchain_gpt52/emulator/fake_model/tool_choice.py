"""Which tools a request's text names or describes (tool selection words)."""

from __future__ import annotations

import re
from typing import Any

WORD_RE = re.compile(r"[^\W\d_]+|\d+")
CAMEL_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_USE_TOOL_RE = re.compile(
    r"\b(?:use|using|call|calling|invoke|with)\s+(?:the|a|your|this|that)?\s*(?:tool|function)s?\b",
    re.I,
)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "without",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "whats",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "my",
        "your",
        "our",
        "their",
        "this",
        "that",
        "these",
        "those",
        "get",
        "set",
        "use",
        "using",
        "call",
        "tool",
        "tools",
        "function",
        "functions",
        "please",
        "tell",
        "give",
        "make",
        "show",
        "run",
        "value",
        "values",
        "input",
        "output",
        "return",
        "returns",
        "result",
        "results",
        "some",
        "any",
        "all",
        "not",
        "no",
        "yes",
        "if",
        "then",
        "than",
        "there",
        "here",
        "as",
        "into",
        "about",
        "over",
        "under",
        "up",
        "down",
        "out",
        "just",
        "also",
        "very",
        "so",
    ]
)


def _stem(word: str) -> str:
    word = word.lower()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def text_words(text: str) -> set[str]:
    return {_stem(w) for w in WORD_RE.findall(text) if w.lower() not in STOPWORDS}


NAME_SPLIT_RE = re.compile(r"[_\-.\s]+")


def name_words(name: str) -> set[str]:
    out: set[str] = set()
    for chunk in NAME_SPLIT_RE.split(name):
        for piece in CAMEL_RE.findall(chunk):
            if piece.lower() not in STOPWORDS:
                out.add(_stem(piece))
    return out


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def find_mentions(text: str, name: str) -> list[int]:
    """Start offsets where tool `name` appears in `text` as a whole identifier."""
    if not name:
        return []
    out: list[int] = []
    lowered, target = text.lower(), name.lower()
    start = lowered.find(target)
    while start >= 0:
        end = start + len(target)
        before_ok = start == 0 or not _is_ident_char(lowered[start - 1])
        after_ok = end >= len(lowered) or not _is_ident_char(lowered[end])
        if before_ok and after_ok:
            out.append(start)
        start = lowered.find(target, start + 1)
    return out


def tool_name(tool: Any) -> str:
    """Function name of a `tools[]` entry ('' if absent)."""
    if isinstance(tool, dict):
        fn = tool.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return str(fn["name"])
    return ""


def tool_parameters(tool: Any) -> dict[str, Any]:
    """JSON schema of a `tools[]` entry's parameters ({} if absent)."""
    fn = tool.get("function") if isinstance(tool, dict) else None
    params = fn.get("parameters") if isinstance(fn, dict) else None
    return params if isinstance(params, dict) else {}


def named_tools(text: str, tools: list[Any]) -> list[tuple[int, str]]:
    """(position, name) of tools named in `text`, in order of first mention."""
    found: list[tuple[int, str]] = []
    for tool in tools:
        name = tool_name(tool)
        positions = find_mentions(text, name)
        if positions:
            found.append((positions[0], name))
    found.sort()
    # A name that is only mentioned inside a longer, also-named tool name is dropped by
    # the identifier-boundary rule of find_mentions; keep unique names.
    seen: set[str] = set()
    unique: list[tuple[int, str]] = []
    for pos, name in found:
        if name not in seen:
            seen.add(name)
            unique.append((pos, name))
    return unique


def best_word_match(text: str, tools: list[Any]) -> tuple[str, int]:
    """The tool whose name/description words best overlap `text` and its score."""
    words = text_words(text)
    best_name, best_score = "", 0
    for tool in tools:
        name = tool_name(tool)
        fn = tool.get("function") if isinstance(tool, dict) else None
        desc = fn.get("description") if isinstance(fn, dict) else None
        score = 3 * len(words & name_words(name))
        if isinstance(desc, str) and desc:
            score += len(words & text_words(desc))
        if score > best_score:
            best_name, best_score = name, score
    return best_name, best_score


def asks_for_tool(text: str) -> bool:
    """Whether the text explicitly asks to use a tool ("use the tool", ...)."""
    return _USE_TOOL_RE.search(text) is not None


def covered_tools(text: str, tools: list[Any]) -> list[tuple[int, str]]:
    """(position, name) of the tools all of whose name words occur in `text`.

    `get_weather` is covered by "what's the weather", `get_current_weather` is not
    (no "current"); names made only of stop words (`get`) cover nothing. Ordered by the
    first occurrence of one of the tool's name words.
    """
    first: dict[str, int] = {}
    for match in WORD_RE.finditer(text):
        first.setdefault(_stem(match.group(0)), match.start())
    found: list[tuple[int, str]] = []
    for tool in tools:
        name = tool_name(tool)
        words = name_words(name)
        if words and all(w in first for w in words):
            found.append((min(first[w] for w in words), name))
    found.sort()
    return found
