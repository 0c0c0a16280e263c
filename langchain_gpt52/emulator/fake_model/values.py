"""Values found in a text: numbers, quoted strings, places, topics (for tool arguments)."""

from __future__ import annotations

import re
from typing import Any

from .tool_choice import (
    CAMEL_RE,
    NAME_SPLIT_RE,
    STOPWORDS,
    WORD_RE,
    find_mentions,
    name_words,
    text_words,
)

_NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w)")
QUOTE_RE = re.compile(
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
# a topic runs to the end of the clause; a dot inside a word ("GPT-5.2", "v1.5") does not end it
_TOPIC_BODY = r"((?:[^?!.;:\n()\"]|\.(?=\w))+)"
_TOPIC_RE = re.compile(r"\b(?:about|regarding)\s+" + _TOPIC_BODY, re.I)
_WEAK_TOPIC_RE = re.compile(r"\b(?:on|of|for)\s+" + _TOPIC_BODY, re.I)
IDENT_RE = re.compile(r"^[A-Za-z_][\w-]{0,63}$")
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
    words = [w for chunk in NAME_SPLIT_RE.split(name) for w in CAMEL_RE.findall(chunk)]
    if not words:
        return "Value"
    text = " ".join(w.lower() for w in words)
    return text[0].upper() + text[1:]


def _is_abbreviation(word: str) -> bool:
    """`St.`/`Mt.`/`Dr.`/`Mrs.` or an initialism such as `D.C.`."""
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
    after an abbreviation (`St. Louis`, `Mt. Everest`); an abbreviation may start a
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
    """The capitalized run at the start of `phrase` ('' if it starts lowercase).

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
    """The first capitalized phrase right after "in/at/near/from/to/for" in `text`."""
    for match in _PLACE_PREP_RE.finditer(text):
        place = _leading_capitalized(text[match.end() :])
        if place and place.lower() not in reserved:
            return place
    return ""


def numbers_in(text: str) -> list[float]:
    """The numbers of `text` in order (ints stay ints)."""
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

    `context` (tool calls only) is the whole user text, the fallback for place-like
    strings and for a `text` made only of filler words; `pool` shares the numbers
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
        for match in QUOTE_RE.finditer(self.text):
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
        """`<name> is X` / `<name>: X` / `<name> = X`."""
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
        """A place for a location-like string (rules in docs/emulator.md)."""
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
        hints = name_words(name) | text_words(str(schema.get("description", "")))
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


# Words that carry no value on their own: stop words plus the connectives that sit between
# tool names in "call get_weather, and then get_population".
_FILLER_WORDS = STOPWORDS | frozenset(
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
    """Whether `text` has a number, a quote or a word that is not a filler word."""
    if QUOTE_RE.search(text):
        return True
    return any(w.lower() not in _FILLER_WORDS for w in WORD_RE.findall(text))
