"""Recorded HTTP interactions as readable data: the file format, redaction and matching.

Pure functions, no I/O beyond reading and writing the file; used by
`langchain_gpt52.testing.Cassette` (record and replay through httpx transports) and by
`Emulator(cassette=...)` (serve a recording over HTTP).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

REDACTED = "<REDACTED>"
FORMAT_VERSION = 1
#: headers never written to a cassette in clear
ALWAYS_REDACTED = frozenset({"authorization", "x-api-key", "api-key", "cookie", "set-cookie"})
MATCH_KEYS = frozenset({"method", "path", "body"})


class CassetteError(Exception):
    """A cassette cannot be used as asked (missing file, bad format, bad arguments)."""


class CassetteMismatch(CassetteError):
    """A request in replay mode that the cassette has no (unused) recording for."""


@dataclass
class Interaction:
    """One request and its raw response, as stored in the file."""

    request: dict[str, Any]
    response: dict[str, Any]
    used: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"request": self.request, "response": self.response}


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def body_record(raw: bytes, content_type: str) -> dict[str, Any]:
    """A body as readable data: `{"json": ...}`, `{"events": [...]}` or `{"text": ...}`."""
    if not raw:
        return {}
    text = _decode(raw)
    if "text/event-stream" in content_type:
        events = text.split("\n\n")
        trailer = events.pop() if events else ""
        record: dict[str, Any] = {"events": events}
        if trailer:
            record["trailer"] = trailer  # bytes after the last complete event (a cut stream)
        return record
    if "json" in content_type:
        try:
            return {"json": json.loads(text)}
        except ValueError:
            pass
    return {"text": text}


def body_bytes(record: dict[str, Any]) -> bytes:
    """The raw body of a `body_record`."""
    if "json" in record:
        return json.dumps(record["json"], ensure_ascii=False, separators=(",", ":")).encode()
    if "events" in record:
        text = "".join(event + "\n\n" for event in record["events"]) + record.get("trailer", "")
        return _encode(text)
    return _encode(record.get("text", ""))


def event_pieces(record: dict[str, Any]) -> list[bytes]:
    """A streamed body as the pieces to send (one per SSE event)."""
    if "events" not in record:
        return [body_bytes(record)]
    pieces = [_encode(event + "\n\n") for event in record["events"]]
    if record.get("trailer"):
        pieces.append(_encode(record["trailer"]))
    return pieces


def bearer_token(headers: Iterable[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def basic_secrets(headers: Iterable[tuple[str, str]]) -> set[str]:
    """The password (and `user:password`) of every `Basic` credential in any header."""
    found: set[str] = set()
    for _, value in headers:
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "basic" or not token.strip():
            continue
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        _user, sep, password = decoded.partition(":")
        found.add(decoded)
        if sep and password:
            found.add(password)
    return found


_MIN_ENCODED = 8
"""Encoded fragments shorter than this are not redacted (they would match by chance)."""


def secret_forms(secrets: Iterable[str]) -> set[str]:
    """Each secret with the copies of it that `Authorization`-style values carry.

    Base64 (standard and URL-safe alphabets) of the secret alone, and the characters that
    encode only the secret at each of the three byte alignments it can have inside a longer
    encoded value (`Basic base64("user:" + key)`), plus its percent-encoding.
    """
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.add(secret)
        forms.add(quote(secret, safe=""))
        raw = secret.encode("utf-8")
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(raw).decode("ascii"))
            for pad, skip in ((0, 0), (1, 2), (2, 3)):
                text = encode(b"\0" * pad + raw).decode("ascii")
                fragment = text[skip : ((pad + len(raw)) * 8) // 6]
                if len(fragment) >= _MIN_ENCODED:
                    forms.add(fragment)
    return forms


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """`value` with every occurrence of each secret replaced, in strings at any depth."""
    secrets = sorted((s for s in secrets if s), key=len, reverse=True)
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    return value


def headers_record(
    headers: Iterable[tuple[str, str]], redacted: frozenset[str], skip: frozenset[str] = frozenset()
) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in skip:
            continue
        shown = REDACTED if key in redacted else value
        out[key] = f"{out[key]}, {shown}" if key in out else shown
    return out


def request_record(
    method: str, url: str, target: str, headers: dict[str, str], raw: bytes
) -> dict[str, Any]:
    """A request as data; `target` is the path with any query string."""
    content_type = headers.get("content-type", "")
    return {
        "method": method,
        "url": url,
        "path": target.split("?", 1)[0],
        "headers": headers,
        "body": body_record(raw, content_type or "application/json"),
    }


def _body_text(request: dict[str, Any]) -> str:
    body = request.get("body") or {}
    if "json" in body:
        return json.dumps(body["json"], indent=2, sort_keys=True, ensure_ascii=False)
    return str(body.get("text", ""))


def _matches(recorded: dict[str, Any], request: dict[str, Any], match_on: frozenset[str]) -> bool:
    if "method" in match_on and recorded["method"] != request["method"]:
        return False
    if "path" in match_on and recorded["path"] != request["path"]:
        return False
    return "body" not in match_on or _body_text(recorded) == _body_text(request)


def find(
    interactions: list[Interaction],
    request: dict[str, Any],
    match_on: frozenset[str],
    *,
    allow_repeats: bool = False,
) -> Interaction:
    """The first unused recording matching `request` (the last used one with repeats allowed)."""
    for interaction in interactions:
        if not interaction.used and _matches(interaction.request, request, match_on):
            interaction.used = True
            return interaction
    if allow_repeats:
        for interaction in reversed(interactions):
            if _matches(interaction.request, request, match_on):
                return interaction
    raise CassetteMismatch(mismatch_message(interactions, request))


def mismatch_message(interactions: list[Interaction], request: dict[str, Any]) -> str:
    head = f"no recording for {request['method']} {request['path']}"
    same_route = [
        i.request
        for i in interactions
        if i.request["method"] == request["method"] and i.request["path"] == request["path"]
    ]
    if not same_route:
        routes = sorted({f"{i.request['method']} {i.request['path']}" for i in interactions})
        return f"{head}; the cassette holds {', '.join(routes) or 'no requests'}"
    closest = max(
        same_route,
        key=lambda r: difflib.SequenceMatcher(None, _body_text(r), _body_text(request)).ratio(),
    )
    diff = difflib.unified_diff(
        _body_text(closest).splitlines(),
        _body_text(request).splitlines(),
        "recorded body",
        "request body",
        lineterm="",
    )
    used = sum(1 for i in interactions if i.used)
    return f"{head} ({used} of {len(interactions)} recordings used); body diff:\n" + "\n".join(diff)


def load(path: Path) -> list[Interaction]:
    """The interactions of a cassette file; `CassetteError` naming the file and the problem."""
    name = repr(str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CassetteError(f"cassette {name} does not exist; record it first") from None
    except ValueError as exc:
        raise CassetteError(f"cassette {name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(f"cassette {name} has no 'interactions' list")
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise CassetteError(
            f"cassette {name} has format version {version!r}; this version of langchain-gpt52 "
            f"reads version {FORMAT_VERSION}: re-record it"
        )
    interactions = []
    for index, item in enumerate(data["interactions"]):
        if not isinstance(item, dict):
            raise CassetteError(
                f"cassette {name}: interaction {index} is not an object with 'request' and "
                "'response'"
            )
        for part in ("request", "response"):
            if not isinstance(item.get(part), dict):
                raise CassetteError(
                    f"cassette {name}: interaction {index} has no '{part}' object; re-record it"
                )
        interactions.append(Interaction(item["request"], item["response"]))
    return interactions


def dump(path: Path, interactions: list[Interaction]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": FORMAT_VERSION, "interactions": [i.to_json() for i in interactions]}
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False)
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that were not UTF-8, kept as escaped surrogates
        text = json.dumps(data, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
