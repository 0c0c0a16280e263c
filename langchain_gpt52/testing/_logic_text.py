"""Text heuristics of the provider emulator: tokenizer, conversation reading, replies,
tool selection and JSON-schema-driven value generation.

Standard library only; every regular expression is compiled once at import time.
See ``_logic.py`` for the documented rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------

# A token is: an optional single whitespace char followed by a run of up to 6 letters,
# or by up to 3 digits, or by one punctuation/symbol char; or a run of whitespace; or "_".
# Every character of any string is matched by exactly one alternative, so the tokens
# always concatenate back to the original text.
_TOKEN_RE = re.compile(r"\s?[^\W\d_]{1,6}|\s?\d{1,3}|\s?[^\w\s]|\s+|_|\d")


def tokenize(text: str) -> list[str]:
    """Split ``text`` into emulator tokens (their concatenation is ``text``)."""
    return _TOKEN_RE.findall(text)


def count_tokens(text: str) -> int:
    """Number of emulator tokens in ``text`` (see :func:`tokenize`)."""
    if not text:
        return 0
    return len(_TOKEN_RE.findall(text))


def truncate_tokens(text: str, limit: int) -> str:
    """The first ``limit`` tokens of ``text``."""
    if limit <= 0:
        return ""
    return "".join(tokenize(text)[:limit])


# --------------------------------------------------------------------------------------
# Conversation reading
# --------------------------------------------------------------------------------------

IMAGE_PART_TOKENS = 85
FILE_PART_TOKENS = 256
AUDIO_PART_TOKENS = 64
REFUSE_MARKER = "[refuse]"
REFUSAL_TEXT = "I'm sorry, I can't help with that."

_IMAGE_TYPES = frozenset({"image_url", "image", "input_image"})
_FILE_TYPES = frozenset({"file", "input_file", "document"})
_AUDIO_TYPES = frozenset({"input_audio", "audio", "audio_url", "video_url"})


@dataclass
class ContentInfo:
    """Text and attachment counts of one message content."""

    text: str = ""
    images: int = 0
    files: int = 0
    audio: int = 0
    filenames: list[str] = field(default_factory=list)


def read_content(content: Any) -> ContentInfo:
    """Read a message ``content`` (string, list of parts, or null)."""
    info = ContentInfo()
    if isinstance(content, str):
        info.text = content
        return info
    if not isinstance(content, list):
        return info
    texts: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        ptype = part.get("type")
        if ptype in _IMAGE_TYPES:
            info.images += 1
        elif ptype in _FILE_TYPES:
            info.files += 1
            file_obj = part.get("file")
            if isinstance(file_obj, dict) and isinstance(file_obj.get("filename"), str):
                info.filenames.append(file_obj["filename"])
        elif ptype in _AUDIO_TYPES:
            info.audio += 1
        else:
            for key in ("text", "refusal"):
                value = part.get(key)
                if isinstance(value, str):
                    texts.append(value)
                    break
    info.text = " ".join(texts)
    return info


@dataclass
class Conversation:
    """What the reply heuristics need to know about a request's messages."""

    user: ContentInfo
    last_role: str
    tool_results: list[tuple[str, str]]
    called_since_user: list[str]
    #: (name, JSON arguments text) of the tool calls made since the last user message
    calls_since_user: list[tuple[str, str]] = field(default_factory=list)


def read_conversation(messages: list[Any]) -> Conversation:
    """Find the last user message, the tool results and tool calls made after it."""
    last_user_index = -1
    for i in range(len(messages) - 1, -1, -1):
        msg = messages[i]
        if isinstance(msg, dict) and msg.get("role") == "user":
            last_user_index = i
            break
    user = ContentInfo()
    if last_user_index >= 0:
        user = read_content(messages[last_user_index].get("content"))
    id_to_name: dict[str, str] = {}
    called: list[str] = []
    calls: list[tuple[str, str]] = []
    results: list[tuple[str, str]] = []
    for msg in messages[last_user_index + 1 :]:
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        if role == "assistant":
            for call in msg.get("tool_calls") or []:
                if not isinstance(call, dict):
                    continue
                fn = call.get("function")
                name = fn.get("name") if isinstance(fn, dict) else None
                if isinstance(name, str):
                    called.append(name)
                    raw_args = fn.get("arguments") if isinstance(fn, dict) else None
                    calls.append((name, raw_args if isinstance(raw_args, str) else ""))
                    if isinstance(call.get("id"), str):
                        id_to_name[call["id"]] = name
        elif role == "tool":
            call_id = msg.get("tool_call_id")
            name = id_to_name.get(call_id) if isinstance(call_id, str) else None
            if name is None:
                raw_name = msg.get("name")
                name = raw_name if isinstance(raw_name, str) and raw_name else "tool"
            results.append((name, read_content(msg.get("content")).text))
    last_role = ""
    if messages and isinstance(messages[-1], dict):
        role_value = messages[-1].get("role")
        last_role = role_value if isinstance(role_value, str) else ""
    return Conversation(user, last_role, results, called, calls)


# --------------------------------------------------------------------------------------
# Plain-text replies
# --------------------------------------------------------------------------------------

_GREETING_RE = re.compile(
    r"^\W*(?:hello|hi|hey|greetings|good (?:morning|afternoon|evening))\b", re.I
)
_HOW_ARE_YOU_RE = re.compile(r"\bhow are you\b", re.I)
_ARITH_RE = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x\u00d7])\s*(-?\d+(?:\.\d+)?)")
_ECHO_LIMIT = 400
_RESULT_LIMIT = 300


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _attachments_sentence(info: ContentInfo) -> str:
    parts: list[str] = []
    if info.images:
        parts.append(_plural(info.images, "image"))
    if info.files:
        names = f" ({', '.join(info.filenames)})" if info.filenames else ""
        parts.append(_plural(info.files, "file") + names)
    if info.audio:
        parts.append(_plural(info.audio, "audio clip"))
    if not parts:
        return ""
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"I see {joined}."


def _format_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _arithmetic(text: str) -> str | None:
    match = _ARITH_RE.search(text)
    if match is None:
        return None
    left, op, right = float(match.group(1)), match.group(2), float(match.group(3))
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op in ("*", "x", "\u00d7"):
        result = left * right
    else:
        if right == 0:
            return None
        result = left / right
    return f"{_format_number(left)} {op} {_format_number(right)} = {_format_number(result)}."


def tool_results_reply(results: list[tuple[str, str]]) -> str:
    """Final answer quoting tool results (ends a ReAct loop)."""

    def clip(text: str) -> str:
        text = text.strip()
        return text if len(text) <= _RESULT_LIMIT else text[:_RESULT_LIMIT] + "..."

    if len(results) == 1:
        name, content = results[0]
        return f"The {name} tool returned: {clip(content)}"
    quoted = "; ".join(f"{name}: {clip(content)}" for name, content in results)
    return f"The tools returned: {quoted}"


def text_reply(conv: Conversation) -> str:
    """The deterministic plain-text answer for a conversation."""
    if conv.last_role == "tool" and conv.tool_results:
        return tool_results_reply(conv.tool_results)
    text = " ".join(conv.user.text.split())
    attachments = _attachments_sentence(conv.user)
    if not text:
        return attachments or "Hello! How can I help you today?"
    if _HOW_ARE_YOU_RE.search(text):
        answer = "I'm doing well, thanks for asking! How can I help you today?"
    elif _GREETING_RE.match(text) and len(text) <= 40:
        answer = "Hello! How can I help you today?"
    else:
        arithmetic = _arithmetic(text) if len(text) <= 200 else None
        if arithmetic is not None:
            answer = arithmetic
        else:
            echoed = text if len(text) <= _ECHO_LIMIT else text[:_ECHO_LIMIT] + "..."
            answer = f'You said: "{echoed}"'
    return f"{answer} {attachments}" if attachments else answer


# --------------------------------------------------------------------------------------
# Tool selection
# --------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+|\d+")
_CAMEL_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_USE_TOOL_RE = re.compile(
    r"\b(?:use|using|call|calling|invoke|with)\s+(?:the|a|your|this|that)?\s*(?:tool|function)s?\b",
    re.I,
)
_STOPWORDS = frozenset(
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


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD_RE.findall(text) if w.lower() not in _STOPWORDS}


_NAME_SPLIT_RE = re.compile(r"[_\-.\s]+")


def _name_words(name: str) -> set[str]:
    out: set[str] = set()
    for chunk in _NAME_SPLIT_RE.split(name):
        for piece in _CAMEL_RE.findall(chunk):
            if piece.lower() not in _STOPWORDS:
                out.add(_stem(piece))
    return out


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def find_mentions(text: str, name: str) -> list[int]:
    """Start offsets where tool ``name`` appears in ``text`` as a whole identifier."""
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
    """Function name of a ``tools[]`` entry ('' if absent)."""
    if isinstance(tool, dict):
        fn = tool.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return str(fn["name"])
    return ""


def tool_parameters(tool: Any) -> dict[str, Any]:
    """JSON schema of a ``tools[]`` entry's parameters ({} if absent)."""
    fn = tool.get("function") if isinstance(tool, dict) else None
    params = fn.get("parameters") if isinstance(fn, dict) else None
    return params if isinstance(params, dict) else {}


def named_tools(text: str, tools: list[Any]) -> list[tuple[int, str]]:
    """(position, name) of tools named in ``text``, in order of first mention."""
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
    """The tool whose name/description words best overlap ``text`` and its score."""
    words = _words(text)
    best_name, best_score = "", 0
    for tool in tools:
        name = tool_name(tool)
        fn = tool.get("function") if isinstance(tool, dict) else None
        desc = fn.get("description") if isinstance(fn, dict) else None
        score = 3 * len(words & _name_words(name))
        if isinstance(desc, str) and desc:
            score += len(words & _words(desc))
        if score > best_score:
            best_name, best_score = name, score
    return best_name, best_score


def asks_for_tool(text: str) -> bool:
    """Whether the text explicitly asks to use a tool ("use the tool", ...)."""
    return _USE_TOOL_RE.search(text) is not None


def covered_tools(text: str, tools: list[Any]) -> list[tuple[int, str]]:
    """(position, name) of the tools all of whose name words occur in ``text``.

    ``get_weather`` is covered by "what's the weather", ``get_current_weather`` is not
    (no "current"); names made only of stop words (``get``) cover nothing. Ordered by the
    first occurrence of one of the tool's name words.
    """
    first: dict[str, int] = {}
    for match in _WORD_RE.finditer(text):
        first.setdefault(_stem(match.group(0)), match.start())
    found: list[tuple[int, str]] = []
    for tool in tools:
        name = tool_name(tool)
        words = _name_words(name)
        if words and all(w in first for w in words):
            found.append((min(first[w] for w in words), name))
    found.sort()
    return found


# Words that carry no value on their own: stop words plus the connectives that sit between
# tool names in "call get_weather, and then get_population".
_FILLER_WORDS = _STOPWORDS | frozenset(
    {
        "after",
        "afterwards",
        "finally",
        "first",
        "second",
        "next",
        "both",
        "each",
        "plus",
        "too",
        "followed",
        "lastly",
        "later",
        "them",
        "its",
        "now",
        "once",
        "twice",
    }
)


def has_content(text: str) -> bool:
    """Whether ``text`` has a number, a quote or a word that is not a filler word."""
    if _QUOTE_RE.search(text):
        return True
    return any(w.lower() not in _FILLER_WORDS for w in _WORD_RE.findall(text))


# --------------------------------------------------------------------------------------
# Values from text
# --------------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w)")
_QUOTE_RE = re.compile(
    r"(?<!\w)'([^'\n]{1,200})'(?!\w)"
    r'|"([^"\n]{1,200})"'
    "|\u201c([^\u201d\n]{1,200})\u201d"  # curly double quotes
    "|\u2018([^\u2019\n]{1,200})\u2019"  # curly single quotes
    r"|`([^`\n]{1,200})`"
)
_CAP_WORD_RE = re.compile(r"[^\W\d_][\w'&.-]*")
_PLACE_PREP_RE = re.compile(r"\b(?:in|at|near|from|to|for)\s+", re.I)
# "St.", "Mt.", "Dr.", "Mrs." (a capital and at most two lower-case letters) or "D.C."
_ABBREV_RE = re.compile(r"^(?:[A-Z][a-z]{0,2}|(?:[A-Za-z]\.)+[A-Za-z])\.$")
_TITLE_ABBREV_END_RE = re.compile(r"(?:^|[ ,])[A-Z][a-z]{0,2}\.$")
_TOPIC_RE = re.compile(r"\b(?:about|regarding)\s+([^?!.;:\n()\"]+)", re.I)
_WEAK_TOPIC_RE = re.compile(r"\b(?:on|of|for)\s+([^?!.;:\n()\"]+)", re.I)
_IDENT_RE = re.compile(r"^[A-Za-z_][\w-]{0,63}$")
_SENTENCE_END = frozenset(".!?\n")

_LOCATION_HINTS = frozenset(
    {
        "location",
        "city",
        "place",
        "address",
        "country",
        "region",
        "where",
        "town",
        "village",
        "destination",
        "origin",
        "venue",
        "airport",
        "province",
        "county",
        "continent",
        "neighborhood",
        "neighbourhood",
        "timezone",
        "tz",
        "zone",
    }
)
_FULLTEXT_HINTS = frozenset(
    {
        "query",
        "q",
        "question",
        "text",
        "prompt",
        "input",
        "message",
        "content",
        "search",
        "expression",
        "code",
        "sentence",
        "request",
        "instruction",
        "instructions",
    }
)
_NAME_HINTS = frozenset(
    {
        "name",
        "title",
        "person",
        "company",
        "customer",
        "author",
        "brand",
        "style",
        "label",
        "organization",
        "organisation",
        "user",
        "username",
        "city",
        "country",
        "character",
    }
)
_NEGATIVE_WORDS = frozenset({"no", "not", "without", "false", "disable", "disabled", "never"})


def _human(name: str) -> str:
    words = [w for chunk in _NAME_SPLIT_RE.split(name) for w in _CAMEL_RE.findall(chunk)]
    if not words:
        return "Value"
    text = " ".join(w.lower() for w in words)
    return text[0].upper() + text[1:]


def _is_abbreviation(word: str) -> bool:
    """``St.``/``Mt.``/``Dr.``/``Mrs.`` or an initialism such as ``D.C.``."""
    return _ABBREV_RE.match(word) is not None


def _finish_phrase(phrase: str) -> str:
    """Trim a phrase; a title abbreviation at its very end ("Dr. No.") ends a sentence."""
    phrase = phrase.strip(" ,")
    if _TITLE_ABBREV_END_RE.search(phrase):
        phrase = phrase[:-1]
    return phrase


def _cap_word(raw: str) -> tuple[str, bool]:
    """(the word as it goes into a phrase, whether it ends its sentence)."""
    if _is_abbreviation(raw):
        return raw, False
    return raw.rstrip(".'"), raw.endswith(".")


def _capitalized_phrases(text: str) -> list[str]:
    """Runs of capitalized words that do not start a sentence (proper-noun guesses).

    A word ending in "." ends its phrase and the next word starts a sentence, except
    after an abbreviation (``St. Louis``, ``Mt. Everest``); an abbreviation may start a
    phrase even at the start of a sentence.
    """
    phrases: list[str] = []
    current: list[str] = []
    last_end = -1
    abbrev_end = -1  # end offset of the last abbreviation seen
    for match in _CAP_WORD_RE.finditer(text[:2000]):
        raw, start = match.group(0), match.start()
        word, ends_sentence = _cap_word(raw)
        abbrev = raw == word and raw.endswith(".")
        between = text[last_end:start] if last_end >= 0 else ""
        back = start - 1
        while back >= 0 and text[back] == " ":
            back -= 1
        sentence_start = back < 0 or (text[back] in _SENTENCE_END and back + 1 != abbrev_end)
        capital = word[:1].isupper() and word != "I"
        joinable = current and between in (" ", ", ")
        if capital and (not sentence_start or abbrev):
            if joinable:
                current.append(between + word)
            else:
                if current:
                    phrases.append("".join(current))
                current = [word]
            if ends_sentence:
                phrases.append("".join(current))
                current = []
        elif not word[:1].isalpha() or word[:1].islower() or sentence_start:
            # a non-capitalized (or non-cased, e.g. CJK) word ends the phrase
            if current:
                phrases.append("".join(current))
            current = []
        last_end = match.end()
        if abbrev:
            abbrev_end = last_end
    if current:
        phrases.append("".join(current))
    return [p for p in map(_finish_phrase, phrases) if p]


def _leading_capitalized(phrase: str) -> str:
    """The capitalized run at the start of ``phrase`` ('' if it starts lowercase).

    The run stops after a word ending in "." unless it is an abbreviation, so "Lyon.
    Finally ..." gives "Lyon" and "St. Louis" stays whole.
    """
    out: list[str] = []
    last_end = 0
    for match in _CAP_WORD_RE.finditer(phrase):
        raw = match.group(0)
        between = phrase[last_end : match.start()]
        if out and between not in (" ", ", "):
            break
        if not out and between.strip():
            break
        if not raw[:1].isupper():
            break
        word, ends_sentence = _cap_word(raw)
        out.append(between + word if out else word)
        last_end = match.end()
        if ends_sentence:
            break
    return _finish_phrase("".join(out))


def place_in(text: str, reserved: set[str] | frozenset[str] = frozenset()) -> str:
    """The first capitalized phrase right after "in/at/near/from/to/for" in ``text``."""
    for match in _PLACE_PREP_RE.finditer(text):
        place = _leading_capitalized(text[match.end() :])
        if place and place.lower() not in reserved:
            return place
    return ""


def numbers_in(text: str) -> list[float]:
    """The numbers of ``text`` in order (ints stay ints)."""
    return [float(raw) if "." in raw else int(raw) for raw in _NUMBER_RE.findall(text)]


class NumberPool:
    """Numbers handed out in order; several tool calls may share one pool."""

    def __init__(self, numbers: list[float]) -> None:
        self.numbers = list(numbers)
        self.pos = 0
        #: required numbers asked for after the pool ran out (and without a default)
        self.short = 0

    def take(self) -> float | None:
        if self.pos < len(self.numbers):
            value = self.numbers[self.pos]
            self.pos += 1
            return value
        return None

    def has(self) -> bool:
        return self.pos < len(self.numbers)


class TextValues:
    """Hands out values found in a text: numbers in order, quoted strings in order, ...

    ``context`` (tool calls only) is the whole user text, the fallback for place-like
    strings and for a ``text`` made only of filler words; ``pool`` shares the numbers
    between the calls of tools named together.
    """

    def __init__(
        self,
        text: str,
        reserved_names: set[str],
        *,
        for_tool: bool,
        context: str = "",
        pool: NumberPool | None = None,
    ) -> None:
        self.text = " ".join(text.split())
        self.context = " ".join(context.split())
        self.for_tool = for_tool
        self.pool = pool if pool is not None else NumberPool(numbers_in(self.text))
        reserved = {name.lower() for name in reserved_names}
        self.reserved = reserved
        self.quotes: list[str] = []
        for match in _QUOTE_RE.finditer(self.text):
            value = next(g for g in match.groups() if g is not None).strip()
            if value and value.lower() not in reserved:
                self.quotes.append(value)
        self.quote_pos = 0
        self._caps: list[str] | None = None
        self.cap_pos = 0
        self.lower = self.text.lower()

    # ---- numbers ----
    def next_number(self) -> float | None:
        return self.pool.take()

    def has_number(self) -> bool:
        return self.pool.has()

    def note_missing_number(self) -> None:
        self.pool.short += 1

    # ---- strings ----
    def has_quote(self) -> bool:
        return self.quote_pos < len(self.quotes)

    def mentions(self, name: str) -> bool:
        human = _human(name).lower()
        return bool(human) and (human in self.lower or name.lower() in self.lower)

    def _explicit(self, name: str) -> str | None:
        """``<name> is X`` / ``<name>: X`` / ``<name> = X``."""
        for label in {name.lower(), _human(name).lower()}:
            idx = self.lower.find(label)
            while idx >= 0:
                after = self.text[idx + len(label) :]
                for sep in (" is ", ": ", " = ", "="):
                    if after.startswith(sep):
                        value = after[len(sep) :]
                        for stop in (",", ".", "?", "!", ";", " and "):
                            cut = value.find(stop)
                            if cut > 0:
                                value = value[:cut]
                        value = value.strip().strip("'\"")
                        if value:
                            return value
                idx = self.lower.find(label, idx + 1)
        return None

    def _next_cap(self) -> str | None:
        if self._caps is None:
            self._caps = _capitalized_phrases(self.text)
            if self.for_tool:
                self._caps = [c for c in self._caps if c.lower() not in self.reserved]
        if self.cap_pos < len(self._caps):
            value = self._caps[self.cap_pos]
            self.cap_pos += 1
            return value
        return None

    def topic(self) -> str | None:
        match = _TOPIC_RE.search(self.text) or _WEAK_TOPIC_RE.search(self.text)
        if match is None:
            return None
        topic = match.group(1).strip()
        for stop in (",", " and return", " return", " in json", " as json"):
            cut = topic.lower().find(stop)
            if cut > 0:
                topic = topic[:cut]
        topic = topic.strip()
        if self.for_tool and not has_content(topic):
            return None
        return topic or None

    def _whole_text(self) -> str:
        """The text as a value; for tools never one made only of filler words."""
        if not self.for_tool:
            return self.text
        for candidate in (self.text, self.context):
            if has_content(candidate):
                return candidate
        return ""

    def _place(self, hints: set[str]) -> str:
        """A place for a location-like string (see the module docstring of ``_logic``)."""
        place = place_in(self.text, self.reserved)
        if not place and (self.for_tool or (hints & _NAME_HINTS)):
            place = self._next_cap() or ""
        if not place and self.context:
            place = place_in(self.context, self.reserved)
            if not place:
                caps = _capitalized_phrases(self.context)
                place = next((c for c in caps if c.lower() not in self.reserved), "")
        return place

    def string_for(self, name: str, schema: dict[str, Any]) -> str:
        explicit = self._explicit(name) if name else None
        if explicit:
            return explicit
        if self.has_quote():
            value = self.quotes[self.quote_pos]
            self.quote_pos += 1
            return value
        hints = _name_words(name) | _words(str(schema.get("description", "")))
        if hints & _LOCATION_HINTS:
            place = self._place(hints)
            if place:
                return place
        whole = self._whole_text()
        if self.for_tool and (hints & _FULLTEXT_HINTS) and whole:
            return whole
        if self.for_tool or (hints & _NAME_HINTS):
            cap = self._next_cap()
            if cap:
                return cap
        topic = self.topic()
        human = _human(name) if name else "Answer"
        if self.for_tool:
            if topic:
                return topic
            return whole or human
        if topic:
            return f"{human} about {topic}"
        if self.text:
            short = self.text if len(self.text) <= 80 else self.text[:80]
            return f"{human}: {short}"
        return human

    def boolean_for(self, name: str) -> bool:
        label = _human(name).lower() if name else ""
        if label:
            idx = self.lower.find(label)
            if idx > 0:
                before = self.lower[:idx].split()
                if before and before[-1] in _NEGATIVE_WORDS:
                    return False
        return "false" not in self.lower

    def enum_for(self, options: list[Any]) -> Any:
        for option in options:
            if isinstance(option, str) and option and find_mentions(self.text, option):
                return option
        return options[0] if options else None


# --------------------------------------------------------------------------------------
# JSON-schema value generation
# --------------------------------------------------------------------------------------

_MAX_DEPTH = 8
_FORMAT_EXAMPLES = {
    "date-time": "2025-12-11T00:00:00Z",
    "date": "2025-12-11",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
}


def schema_property_names(schema: Any, out: set[str] | None = None, depth: int = 0) -> set[str]:
    """All property names mentioned anywhere in a schema (used to skip quoted keys)."""
    if out is None:
        out = set()
    if depth > 12:
        return out
    if isinstance(schema, dict):
        props = schema.get("properties")
        if isinstance(props, dict):
            out.update(k for k in props if isinstance(k, str))
        for value in schema.values():
            if isinstance(value, (dict, list)):
                schema_property_names(value, out, depth + 1)
    elif isinstance(schema, list):
        for item in schema:
            schema_property_names(item, out, depth + 1)
    return out


def _resolve_ref(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#"):
        return {}
    node: Any = root
    for raw in ref[1:].split("/"):
        if not raw:
            continue
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return {}
    return node if isinstance(node, dict) else {}


def _deref(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
        target = _resolve_ref(schema["$ref"], root)
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **extra} if extra else target
        seen += 1
    if not isinstance(schema, dict):
        return {}
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props: dict[str, Any] = dict(merged.get("properties") or {})
        required: list[str] = list(merged.get("required") or [])
        for sub in all_of:
            part = _deref(sub, root)
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    props.update(value)
                elif key == "required" and isinstance(value, list):
                    required.extend(r for r in value if r not in required)
                else:
                    merged.setdefault(key, value)
        if props:
            merged["properties"] = props
        if required:
            merged["required"] = required
        return merged
    return schema


def _schema_type(schema: dict[str, Any]) -> str:
    stype = schema.get("type")
    if isinstance(stype, list):
        non_null = [t for t in stype if t != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(stype, str):
        return stype
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _clamp_number(value: float, schema: dict[str, Any], integer: bool) -> float:
    step = 1 if integer else 1e-6
    low = schema.get("minimum")
    high = schema.get("maximum")
    xlow = schema.get("exclusiveMinimum")
    xhigh = schema.get("exclusiveMaximum")
    if isinstance(xlow, bool) or isinstance(xhigh, bool):  # draft-4 style flags
        xlow = low if xlow is True else None
        xhigh = high if xhigh is True else None
    if isinstance(low, (int, float)) and value < low:
        value = low
    if isinstance(xlow, (int, float)) and value <= xlow:
        value = (int(xlow) + 1) if integer else xlow + step
    if isinstance(high, (int, float)) and value > high:
        value = high
    if isinstance(xhigh, (int, float)) and value >= xhigh:
        value = (int(xhigh) - 1) if integer and xhigh == int(xhigh) else xhigh - step
        if integer:
            value = int(value)
    return value


class ValueBuilder:
    """Builds a JSON value that validates against a JSON schema, fed by text values."""

    def __init__(self, root: dict[str, Any], values: TextValues, *, fill_optional: bool) -> None:
        self.root = root
        self.values = values
        self.fill_optional = fill_optional

    def build(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        node = _deref(schema, self.root)
        if "const" in node:
            return node["const"]
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            return self.values.enum_for(enum)
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list) and branches:
                return self._build_union(branches, name, depth)
        stype = _schema_type(node)
        if stype == "object":
            return self._build_object(node, depth)
        if stype == "array":
            return self._build_array(node, name, depth)
        if stype in ("integer", "number"):
            return self._build_number(node, stype == "integer")
        if stype == "boolean":
            default = node.get("default")
            return default if isinstance(default, bool) else self.values.boolean_for(name)
        if stype == "null":
            return None
        return self._build_string(node, name)

    def _build_union(self, branches: list[Any], name: str, depth: int) -> Any:
        resolved = [_deref(b, self.root) for b in branches]
        non_null = [b for b in resolved if _schema_type(b) != "null" or "const" in b]
        if not non_null:
            return None
        if depth >= _MAX_DEPTH and len(non_null) < len(resolved):
            return None
        return self.build(non_null[0], name, depth)

    def _build_object(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        props = node.get("properties")
        if not isinstance(props, dict):
            return {}
        required = node.get("required")
        required_set = set(required) if isinstance(required, list) else set()
        out: dict[str, Any] = {}
        for key, sub in props.items():
            wanted = depth < _MAX_DEPTH and self._wants_optional(key)
            if key in required_set or wanted:
                out[key] = self.build(sub, key, depth + 1)
        return out

    def _wants_optional(self, key: str) -> bool:
        return self.fill_optional or self.values.mentions(key)

    def _build_array(self, node: dict[str, Any], name: str, depth: int) -> list[Any]:
        min_items = node.get("minItems")
        count = min_items if isinstance(min_items, int) and min_items > 0 else 1
        max_items = node.get("maxItems")
        if isinstance(max_items, int):
            count = min(count, max_items)
        if depth >= _MAX_DEPTH and not (isinstance(min_items, int) and min_items > 0):
            count = 0
        prefix = node.get("prefixItems")
        if isinstance(prefix, list) and prefix:
            return [self.build(item, name, depth + 1) for item in prefix]
        items = node.get("items", {})
        if not isinstance(items, dict):
            items = {}
        return [self.build(items, name, depth + 1) for _ in range(count)]

    def _build_number(self, node: dict[str, Any], integer: bool) -> float:
        raw = self.values.next_number()
        if raw is None:
            default = node.get("default")
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                raw = default
            else:
                self.values.note_missing_number()
                raw = 0
        value: float = round(raw) if integer else raw
        value = _clamp_number(value, node, integer)
        return int(value) if integer else value

    def _build_string(self, node: dict[str, Any], name: str) -> str:
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _FORMAT_EXAMPLES:
            return _FORMAT_EXAMPLES[fmt]
        value = self.values.string_for(name, node)
        max_len = node.get("maxLength")
        if isinstance(max_len, int) and len(value) > max_len:
            value = value[:max_len]
        min_len = node.get("minLength")
        if isinstance(min_len, int) and len(value) < min_len:
            value = value + "x" * (min_len - len(value))
        return value


def tool_arguments(
    parameters: dict[str, Any],
    text: str,
    reserved: set[str],
    *,
    context: str = "",
    pool: NumberPool | None = None,
) -> dict[str, Any]:
    """Arguments for a tool call built from the tool's parameter schema and ``text``.

    ``context`` is the whole user text (fallback, see :class:`TextValues`); a shared
    ``pool`` hands out numbers across calls and counts the ones missing in ``pool.short``.
    """
    names = schema_property_names(parameters) | reserved
    values = TextValues(text, names, for_tool=True, context=context, pool=pool)
    builder = ValueBuilder(parameters, values, fill_optional=False)
    result = builder.build(parameters)
    return result if isinstance(result, dict) else {}


def schema_instance(schema: dict[str, Any], text: str) -> Any:
    """A JSON value valid against ``schema`` with strings drawn from ``text``."""
    values = TextValues(text, schema_property_names(schema), for_tool=False)
    return ValueBuilder(schema, values, fill_optional=True).build(schema)


def json_object_reply(text: str) -> dict[str, Any]:
    """``json_object`` mode: keys the prompt asks for (quoted identifiers), else ``answer``."""
    keys: list[str] = []
    lowered = text.lower()
    if "key" in lowered or "field" in lowered or "json" in lowered or "propert" in lowered:
        for match in _QUOTE_RE.finditer(text):
            value = next(g for g in match.groups() if g is not None).strip()
            if _IDENT_RE.match(value) and value not in keys:
                keys.append(value)
    values = TextValues(text, set(keys), for_tool=False)
    if not keys:
        conv_text = " ".join(text.split())
        return {"answer": f'You said: "{conv_text}"' if conv_text else "Hello!"}
    return {key: values.string_for(key, {}) for key in keys}


def dumps(value: Any) -> str:
    """Compact-ish JSON text as GPT models emit it (unicode kept)."""
    return json.dumps(value, ensure_ascii=False)
