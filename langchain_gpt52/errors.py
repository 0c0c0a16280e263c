"""The exceptions this package raises, and the pure mapping from an HTTP error to one of them.

Every failure surfaces as one of these types; each also subclasses the matching
``langchain_core.exceptions`` type, so LangChain's own retry and fallback logic sees it::

    APIError (ModelError)
    ├── APIConnectionError (ModelConnectionError)     no usable response: refused, reset, cut stream
    │   └── APITimeoutError (ModelTimeoutError)       connect/read/total timeout, stream stall
    ├── APIResponseValidationError (ModelAPIError)    an unreadable 2xx body (bad JSON, no choices)
    └── APIStatusError                                the provider answered with an error status
        ├── BadRequestError (ModelInvalidRequestError)        400, 413, 415, 422
        │   └── ContextOverflowError (ContextOverflowError)    prompt over the context window
        ├── AuthenticationError (ModelAuthenticationError)    401
        ├── PermissionDeniedError (ModelPermissionDeniedError) 403 (AI/ML API: out of credits)
        ├── NotFoundError (ModelNotFoundError)                404
        ├── ConflictError (ModelAPIError)                     409
        ├── RateLimitError (ModelRateLimitError)              429
        └── InternalServerError (ModelAPIError)               5xx, 408 (and any status >= 600)

    (any other status, e.g. 405 or 418, or a 3xx redirect, is a plain APIStatusError: not
    retryable; 413 and 415 are BadRequestError)

    RefusalError (OutputParserException)              structured output the model refused to give

Messages carry the provider, the status, the provider's own error text and its request id; they
never carry the API key (the transport redacts it from anything the provider echoes back).
Every error pickles and deep-copies with its attributes (for multiprocessing, caches, tracers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from langchain_core import exceptions as core
from pydantic import SecretStr, ValidationError
from pydantic_core import PydanticCustomError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContextOverflowError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefusalError",
    "error_from_response",
    "error_in_body",
    "network_error",
    "parse_error_body",
    "redact_headers",
    "redact_text",
    "redact_validation_error",
    "request_id_from_headers",
]


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle an error without calling its ``__init__`` (whose arguments are keyword-only or
    reformatted): the same ``args`` (so the same ``str``) and the same attributes."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class APIError(core.ModelError):
    """Base class of every error raised while talking to a provider."""

    client_request_id: str | None = None
    """The caller's own request id the failed call was sent with (``client_request_id=``)."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, dict(self.__dict__))


class APIConnectionError(APIError, core.ModelConnectionError):
    """The provider could not be reached, or the connection broke before the answer was whole."""

    is_retryable = True


class APITimeoutError(APIConnectionError, core.ModelTimeoutError):
    """A connect, read, total or stream-stall timeout expired."""

    is_retryable = True


class APIResponseValidationError(APIError, core.ModelAPIError):
    """The provider answered 2xx with a body that is not a readable chat completion."""

    is_retryable = False

    def __init__(self, message: str, *, body: Any = None, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.body = body


class APIStatusError(APIError):
    """The provider answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        request_id: str | None = None,
        provider_message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code
        self.body = body
        self.provider_message = provider_message
        self.headers = dict(headers or {})


class BadRequestError(APIStatusError, core.ModelInvalidRequestError):
    """400/413/415/422: the provider rejected the request; change it before trying again."""


class ContextOverflowError(BadRequestError, core.ContextOverflowError):
    """The prompt is longer than the model's context window."""


class AuthenticationError(APIStatusError, core.ModelAuthenticationError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError, core.ModelPermissionDeniedError):
    """403: the key may not do this (on AI/ML API: the account is out of credits)."""


class NotFoundError(APIStatusError, core.ModelNotFoundError):
    """404: unknown model or route."""


class ConflictError(APIStatusError, core.ModelAPIError):
    """409: a conflicting request is in flight; safe to retry."""

    is_retryable = True


class RateLimitError(APIStatusError, core.ModelRateLimitError):
    """429: rate or concurrency limit reached."""

    is_retryable = True


class InternalServerError(APIStatusError, core.ModelAPIError):
    """5xx (and 408, a server-side timeout): the provider failed; worth another try."""

    is_retryable = True


class RefusalError(core.OutputParserException):
    """The model refused to produce the requested structured output."""

    def __init__(self, refusal: str) -> None:
        super().__init__(f"The model refused to answer with structured output: {refusal}")
        self.refusal = refusal

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, dict(self.__dict__))


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: InternalServerError,  # the server gave up waiting for the request: retried
    409: ConflictError,
    413: BadRequestError,  # request too large: shorten it
    415: BadRequestError,  # unsupported media type: a wrong Content-Type, fix the request
    422: BadRequestError,
    429: RateLimitError,
}
"""Statuses with their own class; any other 5xx (or >= 600) is ``InternalServerError``, any
other status (405, 418, 451, a 3xx...) a plain ``APIStatusError``, which is not retryable."""

_CONTEXT_OVERFLOW = re.compile(
    r"context[_ ]length|maximum context|context window|too many tokens|prompt is too long",
    re.IGNORECASE,
)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]+>")
_REQUEST_ID_HEADERS = ("x-inference-id", "x-request-id", "request-id", "x-oxen-request-id")


def _text(value: Any) -> str | None:
    """A readable string from a string, a list of strings/objects, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        parts = [p for p in (_text(v) for v in value) if p]
        return "; ".join(parts) or None
    if isinstance(value, Mapping):
        msg = _text(value.get("message"))
        path = value.get("path")
        if msg and path:
            where = ".".join(str(p) for p in path) if isinstance(path, list) else str(path)
            return f"{where}: {msg}" if where else msg
        return msg
    return str(value)


def parse_error_body(body: Any) -> tuple[str | None, str | None, str | None]:
    """Read ``(message, code, request_id)`` from any error body either provider documents.

    Shapes: OpenAI ``{"error": {"message", "type", "code", "param"}}``; AI/ML API NestJS
    ``{"message", "path", "requestId", "statusCode"}`` and its zod shape
    ``{"title", "message", "error": {"name", "message", "data": [{"path", "message"}]}}``;
    Oxen.ai ``{"error": {"type", "title", "detail"}, "status_message"}`` and
    ``{"error": {"message"}}``; ``{"detail": ...}``; plain text or an HTML error page.
    """
    if isinstance(body, (bytes, bytearray)):
        raw = bytes(body).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
    if isinstance(body, str):
        text = body.strip()
        if not text:
            return None, None, None
        if "<" in text and ">" in text:
            found = _HTML_TITLE.search(text)
            text = found.group(1) if found else _HTML_TAG.sub(" ", text)
            text = " ".join(text.split())
        return (text[:500] or None), None, None
    if not isinstance(body, Mapping):
        return (_text(body) if body is not None else None), None, None

    request_id = body.get("requestId") or body.get("request_id")
    request_id = str(request_id) if request_id else None
    code: str | None = None
    message: str | None = None
    err = body.get("error")
    if isinstance(err, Mapping):
        code = _text(err.get("code")) or _text(err.get("type")) or _text(err.get("name"))
        details = _text(err.get("data"))
        err_message = _text(err.get("message"))
        if details and err_message and err_message.startswith(("[", "{")):
            err_message = None  # zod's JSON dump of the issues that ``data`` already lists
        head = err_message or _text(err.get("detail")) or _text(err.get("title"))
        err_title = _text(err.get("title"))
        if head and err_title and err_title != head and err.get("detail") is not None:
            head = f"{err_title}: {head}"
        message = head
        if details and details != head:
            message = f"{head} ({details})" if head else details
        outer = _text(body.get("message"))
        if outer and message and message in outer:
            message = outer  # the outer message already says it (zod: "Body validation ...")
        elif outer and message and outer not in message and len(outer) < 200:
            message = f"{outer}: {message}"
        message = message or outer or _text(body.get("status_message"))
    elif isinstance(err, str):
        message = _text(err)
    if message is None:
        message = (
            _text(body.get("message"))
            or _text(body.get("detail"))
            or _text(body.get("status_message"))
            or _text(body.get("title"))
        )
    if code is None:
        code = _text(body.get("code"))
    return message, code, request_id


def request_id_from_headers(headers: Mapping[str, str] | None) -> str | None:
    """The provider's request id from response headers (``x-inference-id`` on AI/ML API,
    ``x-request-id``, ``request-id`` or ``x-oxen-request-id`` elsewhere), or None.

    ``httpx.Headers`` match names in any case; so does a plain dict here.
    """
    if not headers:
        return None
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    lowered = {str(k).lower(): v for k, v in headers.items()}  # a dict with other cases
    for name in _REQUEST_ID_HEADERS:
        value = lowered.get(name)
        if value:
            return str(value)
    return None


def _decoded(body: Any) -> Any:
    """An error body as data: JSON bytes/bytearray decoded, other bytes as text."""
    if not isinstance(body, (bytes, bytearray)):
        return body
    raw = bytes(body).decode("utf-8", "replace")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


_STATUS_HINTS: dict[str, Mapping[int, str]] = {}
"""Provider name -> what an error status means there (filled from the provider descriptors)."""


def register_status_hints(provider: str, hints: Mapping[int, str]) -> None:
    """Let errors from ``provider`` explain its statuses (called by each ``Provider``)."""
    if hints:
        _STATUS_HINTS[provider] = hints


def error_from_response(
    status: int,
    body: Any,
    headers: Mapping[str, str],
    *,
    provider: str,
    where: str | None = None,
) -> APIStatusError:
    """Pure: an error status, body and headers -> the typed exception to raise.

    ``where`` tells where a status that was not the HTTP status came from (an error object in a
    2xx body, say: ``"in the body of an HTTP 200 response"``).
    """
    json_body = _decoded(body)
    message, code, request_id = parse_error_body(json_body)
    request_id = request_id or request_id_from_headers(headers)
    cls = _STATUS_CLASSES.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    meaning = _STATUS_HINTS.get(provider, {}).get(status)
    hint = f" ({meaning})" if meaning else " (check the API key)" if status == 401 else ""
    if cls is BadRequestError and (
        (code and "context_length" in code) or (message and _CONTEXT_OVERFLOW.search(message))
    ):
        cls = ContextOverflowError
    origin = f" ({where})" if where else ""
    if 300 <= status < 400:
        location = headers.get("location") or "(no Location header)"
        text = f"{provider} returned HTTP {status}{origin}: redirected to {location}: fix base_url"
    else:
        text = f"{provider} returned HTTP {status}{origin}{hint}: {message or 'no error message'}"
    if code and code not in text:
        text += f" [code: {code}]"
    if request_id:
        text += f" [request id: {request_id}]"
    return cls(
        text,
        status_code=status,
        body=json_body,
        request_id=request_id,
        provider_message=message,
        headers=headers,
    )


def _status_in_body(data: Mapping[str, Any]) -> int | None:
    """An HTTP error status an error body carries (AI/ML API ``statusCode``, ``status``)."""
    for key in ("statusCode", "status"):
        value = data.get(key)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if type(value) is int and 400 <= value <= 599:
            return value
    return None


def error_in_body(
    data: Any,
    headers: Mapping[str, str] | None = None,
    *,
    provider: str,
    where: str,
) -> APIError | None:
    """Pure: the error a 2xx body or a stream chunk stands for, or None when it is not one.

    An object with no (non-empty) ``choices`` and either an ``error`` or an HTTP error status
    (``{"message": "Model is under maintenance", "statusCode": 500}``) is an error: with a
    status, the typed status error (a 500 is ``InternalServerError``, a 429
    ``RateLimitError``); without one, ``APIResponseValidationError``. Either carries the
    provider's own message (``parse_error_body``) and request id.
    """
    if not isinstance(data, Mapping):
        return None
    choices = data.get("choices")
    if isinstance(choices, list) and choices:
        return None
    status = _status_in_body(data)
    if status is None and not data.get("error"):
        return None
    hdrs: Mapping[str, str] = headers if headers is not None else {}
    if status is not None:
        return error_from_response(status, data, hdrs, provider=provider, where=where)
    message, code, request_id = parse_error_body(data)
    request_id = request_id or request_id_from_headers(hdrs)
    text = f"{provider} returned an error {where}: {message or 'no error message'}"
    if code and code not in text:
        text += f" [code: {code}]"
    if request_id:
        text += f" [request id: {request_id}]"
    return APIResponseValidationError(text, body=dict(data), request_id=request_id)


# -- network failures (httpx and httpx2 alike) and redaction ---------------------------------

_ILLEGAL_HEADER = re.compile(r"(Illegal header (?:value|name)) .*", re.DOTALL)
_KINDS: dict[type[BaseException], str] = {}


def failure_kind(exc: BaseException) -> str:
    """What an httpx or httpx2 exception means: ``"timeout"``, ``"unsupported"`` (a bad URL
    scheme), ``"local"`` (a request that cannot be sent: an illegal header) or ``"network"``.

    Read from the class names in its hierarchy, which both libraries share, so neither needs
    to be imported here.
    """
    cls = type(exc)
    kind = _KINDS.get(cls)
    if kind is None:
        names = {c.__name__ for c in cls.__mro__}
        if "TimeoutException" in names:
            kind = "timeout"
        elif "UnsupportedProtocol" in names:
            kind = "unsupported"
        elif "LocalProtocolError" in names:
            kind = "local"
        else:
            kind = "network"
        _KINDS[cls] = kind
    return kind


def is_client_side(exc: BaseException) -> bool:
    """Raised before anything was sent: the same request would fail again, never retried."""
    return failure_kind(exc) in ("unsupported", "local")


def secret_forms(secret: str | None) -> list[str]:
    """The ways ``secret`` can appear in an exception's or a log's text: as is, escaped by
    ``repr`` of a str or of bytes (h11 prints ``b'Bearer sk-...\\n'``), and without surrounding
    whitespace; longest first so a longer form is replaced before a part of it."""
    if not secret:
        return []
    forms = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
    }
    core_ = secret.strip()
    if len(core_) >= 8:
        forms.add(core_)
    return sorted((f for f in forms if f), key=len, reverse=True)


def redact_text(text: str, secret: str | None) -> str:
    """``text`` without the secret in any form, nor the value of a header h11 refused."""
    for form in secret_forms(secret):
        if form in text:
            text = text.replace(form, "***")
    return _ILLEGAL_HEADER.sub(r"\1 (redacted)", text)


def redact_headers(headers: Any, secret: bytes | None) -> Any:
    """Response headers with an echoed ``secret`` replaced by ``***`` (the same object when
    no value holds it). ``headers`` is an ``httpx.Headers`` or ``httpx2.Headers``."""
    if not secret:
        return headers
    raw = headers.raw
    for _, value in raw:
        if secret in value:
            return type(headers)([(k, v.replace(secret, b"***")) for k, v in raw])
    return headers


def scrub(exc: BaseException) -> None:
    """Empty an exception we are about to replace with ours: it stays reachable as our error's
    ``__context__`` (``from None`` only hides it), and its args, the exceptions it chains
    (h11's, for an illegal header) and the frames of its traceback can hold the header."""
    exc.args = ()
    if isinstance(exc, UnicodeEncodeError):
        exc.object = ""
    exc.__context__ = exc.__cause__ = None
    exc.__traceback__ = None


def network_error(
    exc: Exception,
    provider: str,
    *,
    during: str,
    request_id: str | None = None,
    secret: str | None = None,
    started: bool = False,
) -> APIError:
    """Pure: an httpx/httpx2 failure -> our typed error, with ``secret`` redacted from its text.

    ``started``: the response had begun (status and headers received) when it failed, so the
    call was not retried; the message says so.
    """
    name = exc.__class__.__name__
    raw = str(exc) or name
    detail = redact_text(raw, secret)
    kind = failure_kind(exc)
    # Its request carries the Authorization header: detach it.
    if hasattr(exc, "_request"):
        exc._request = None
    if detail != raw or kind in ("unsupported", "local"):
        scrub(exc)
    tail = "; the response had started, so it was not retried" if started else ""
    if kind == "timeout":
        return APITimeoutError(
            f"{provider}: timed out {during} ({name}: {detail}){tail}", request_id=request_id
        )
    if kind in ("unsupported", "local"):
        hint = (
            "check base_url"
            if kind == "unsupported"
            else "the API key or a header holds a character HTTP does not allow "
            "(a newline, a leading or trailing space?)"
        )
        err = APIConnectionError(
            f"{provider}: the request could not be sent ({name}: {detail}); {hint}",
            request_id=request_id,
        )
        err.is_retryable = False  # the same request fails the same way again
        return err
    return APIConnectionError(
        f"{provider}: connection failed {during} ({name}: {detail}){tail}",
        request_id=request_id,
    )


def _without(value: Any, secrets: list[str]) -> Any:
    """``value`` (a constructor's input) with every string holding a secret redacted (a secret
    shorter than 8 characters only where a string is exactly it: ``"k"`` is in every word)."""
    if isinstance(value, SecretStr):
        return "**********"  # its pickle (and so the error's) would carry the value
    if isinstance(value, str):
        for secret in secrets:
            if value.strip() == secret:
                return "***"
            if len(secret) >= 8:
                value = redact_text(value, secret)
        return value
    if isinstance(value, Mapping):
        return {k: _without(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_without(v, secrets) for v in value)
    return value


def redact_validation_error(exc: ValidationError, secrets: list[str]) -> ValidationError:
    """The same ``ValidationError`` (title, types, locations, messages) without ``secrets`` in
    its inputs or messages: pydantic prints a model-level error's whole input, key included."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return exc
    lines: list[Any] = []
    for err in exc.errors(include_url=False, include_context=False):
        message = _without(err["msg"], secrets)  # no context: the text is not formatted
        lines.append(
            {
                "type": PydanticCustomError(err["type"], message),
                "loc": err["loc"],
                "input": _without(err["input"], secrets),
            }
        )
    return ValidationError.from_exception_data(exc.title, lines)


def secrets_in(value: Any) -> list[str]:
    """The API key a constructor was given (a str or ``SecretStr``), as a list."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return [value, value.strip()] if isinstance(value, str) and value.strip() else []
