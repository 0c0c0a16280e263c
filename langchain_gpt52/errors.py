"""The exceptions this package raises, and the pure mapping from an HTTP error to one of them.

Every failure surfaces as one of these types; each also subclasses the matching
`langchain_core.exceptions` type, so LangChain's own retry and fallback logic sees it:

```text
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

RefusalError (OutputParserException,              structured output the model refused to give
              ModelRefusalError)
CutReplyError (OutputParserException)             structured output cut by the token limit
```

Messages carry the provider, the status, the provider's own error text and its request id; they
never carry the API key (the transport redacts it from anything the provider echoes back).
Every error pickles and deep-copies with its attributes (for multiprocessing, caches, tracers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from langchain_core import exceptions as core
from pydantic import SecretStr, ValidationError
from pydantic_core import PydanticCustomError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContextOverflowError",
    "CutReplyError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefusalError",
]


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle an error without calling its `__init__` (whose arguments are keyword-only or
    reformatted): the same `args` (so the same `str`) and the same attributes."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class APIError(core.ModelError):
    """Base class of every error raised while talking to a provider."""

    client_request_id: str | None = None
    """The caller's own request id the failed call was sent with (`client_request_id=`)."""

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


if TYPE_CHECKING:
    _CoreRefusal = core.ModelRefusalError
else:

    class _NoCoreRefusal(Exception):
        """Stands in for `ModelRefusalError` under a langchain-core without it."""

    _CoreRefusal = getattr(core, "ModelRefusalError", _NoCoreRefusal)


class RefusalError(core.OutputParserException, _CoreRefusal):
    """The model refused to produce the requested structured output.

    Also a `langchain_core.exceptions.ModelRefusalError` (where the installed langchain-core
    has it), so code that handles refusals across providers catches it; `raw_message` is the
    reply that carried the refusal (None when not known).
    """

    def __init__(self, refusal: str, *, raw_message: Any = None) -> None:
        core.OutputParserException.__init__(
            self, f"The model refused to answer with structured output: {refusal}"
        )
        self.refusal = refusal
        self.raw_message = raw_message

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, dict(self.__dict__))


class CutReplyError(core.OutputParserException):
    """The reply was cut by the output token limit before the structured output was whole."""


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
"""Statuses with their own class; any other 5xx (or >= 600) is `InternalServerError`, any
other status (405, 418, 451, a 3xx...) a plain `APIStatusError`, which is not retryable."""

_CONTEXT_OVERFLOW = re.compile(
    r"context[_ ]length|maximum context|context window|too many tokens|prompt is too long",
    re.IGNORECASE,
)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]+>")


def error_text(value: Any) -> str | None:
    """A readable string from a string, a list of strings/objects (`path: message` for an
    object with a path, as validation issues come), or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        parts = [p for p in (error_text(v) for v in value) if p]
        return "; ".join(parts) or None
    if isinstance(value, Mapping):
        msg = error_text(value.get("message"))
        path = value.get("path")
        if msg and path:
            where = ".".join(str(p) for p in path) if isinstance(path, list) else str(path)
            return f"{where}: {msg}" if where else msg
        return msg
    return str(value)


def error_status(value: Any) -> int | None:
    """An HTTP error status (400-599) from an int or a string of digits, else None."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if type(value) is int and 400 <= value <= 599:
        return value
    return None


class ErrorFields(NamedTuple):
    """What an error body says: the provider's message, its error code, the request id and an
    HTTP error status the body carries (a 2xx body or a stream chunk that stands for an error)."""

    message: str | None = None
    code: str | None = None
    request_id: str | None = None
    status: int | None = None


def joined_message(outer: str | None, inner: str | None) -> str | None:
    """An outer message and an inner one as one text, without saying the same thing twice."""
    if not outer or not inner:
        return inner or outer
    if inner in outer:
        return outer
    if outer in inner or len(outer) >= 200:
        return inner
    return f"{outer}: {inner}"


def _problem_message(obj: Mapping[str, Any]) -> str | None:
    """`message`, else a problem-details `title: detail` (RFC 9457), of an error object."""
    message = error_text(obj.get("message"))
    if message:
        return message
    detail, title = error_text(obj.get("detail")), error_text(obj.get("title"))
    if detail and title and title != detail:
        return f"{title}: {detail}"
    return detail or title


def openai_error_fields(body: Mapping[str, Any]) -> ErrorFields:
    """The default error reader: OpenAI's `{"error": {"message", "type", "code", "param"}}`, a
    plain `{"error": "..."}`, `{"message"}` and problem details (`title`, `detail`, `status`)
    at the top level or under `error`."""
    err = body.get("error")
    code: str | None = None
    if isinstance(err, Mapping):
        code = error_text(err.get("code")) or error_text(err.get("type"))
        inner = _problem_message(err)
    else:
        inner = error_text(err)
    return ErrorFields(
        message=joined_message(_problem_message(body), inner),
        code=code or error_text(body.get("code")),
        request_id=error_text(body.get("request_id")),
        status=error_status(body.get("status")),
    )


class ErrorSource(Protocol):
    """What the error mapping reads of a provider; a `Provider` descriptor is one."""

    @property
    def name(self) -> str:
        """The provider's name in messages."""
        ...

    @property
    def request_id_headers(self) -> tuple[str, ...]:
        """Response headers holding its request id, in order of preference."""
        ...

    @property
    def status_hints(self) -> Mapping[int, str]:
        """What an error status means on this provider."""
        ...

    @property
    def error_fields(self) -> Callable[[Mapping[str, Any]], ErrorFields]:
        """Its reader of an error body object."""
        ...


@dataclass(frozen=True)
class NamedProvider:
    """A provider known only by its name: OpenAI's error shape and `x-request-id`."""

    name: str
    request_id_headers: tuple[str, ...] = ("x-request-id",)
    status_hints: Mapping[int, str] = field(default_factory=dict)
    error_fields: Callable[[Mapping[str, Any]], ErrorFields] = openai_error_fields


def error_source(provider: ErrorSource | str) -> ErrorSource:
    """`provider` as an `ErrorSource` (a name alone reads OpenAI's shapes)."""
    return NamedProvider(provider) if isinstance(provider, str) else provider


_GENERIC = NamedProvider("the provider")


def parse_error_body(body: Any, provider: ErrorSource | str = _GENERIC) -> ErrorFields:
    """Read an error body (JSON bytes, text, an HTML error page or decoded JSON) with the
    provider's reader of error objects (`error_fields` of its descriptor)."""
    if isinstance(body, (bytes, bytearray)):
        raw = bytes(body).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
    if isinstance(body, str):
        text = body.strip()
        if not text:
            return ErrorFields()
        if "<" in text and ">" in text:
            found = _HTML_TITLE.search(text)
            text = found.group(1) if found else _HTML_TAG.sub(" ", text)
            text = " ".join(text.split())
        return ErrorFields(message=text[:500] or None)
    if not isinstance(body, Mapping):
        return ErrorFields(message=error_text(body) if body is not None else None)
    return error_source(provider).error_fields(body)


def request_id_from_headers(headers: Mapping[str, str] | None, names: Sequence[str]) -> str | None:
    """The first of the headers `names` (a provider's `request_id_headers`) that is set, or
    None.

    `httpx.Headers` match names in any case; so does a plain dict here.
    """
    if not headers:
        return None
    for name in names:
        value = headers.get(name)
        if value:
            return str(value)
    lowered = {str(k).lower(): v for k, v in headers.items()}  # a dict with other cases
    for name in names:
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


def error_from_response(
    status: int,
    body: Any,
    headers: Mapping[str, str],
    *,
    provider: ErrorSource | str,
    where: str | None = None,
) -> APIStatusError:
    """Pure: an error status, body and headers -> the typed exception to raise.

    `provider` is the descriptor whose error shape, request-id headers and status hints apply
    (a name alone: OpenAI's). `where` tells where a status that was not the HTTP status came
    from (an error object in a 2xx body, say: `"in the body of an HTTP 200 response"`).
    """
    source = error_source(provider)
    json_body = _decoded(body)
    message, code, request_id, _ = parse_error_body(json_body, source)
    request_id = request_id or request_id_from_headers(headers, source.request_id_headers)
    cls = _STATUS_CLASSES.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    meaning = source.status_hints.get(status)
    name = source.name
    hint = f" ({meaning})" if meaning else " (check the API key)" if status == 401 else ""
    if cls is BadRequestError and (
        (code and "context_length" in code) or (message and _CONTEXT_OVERFLOW.search(message))
    ):
        cls = ContextOverflowError
    origin = f" ({where})" if where else ""
    if 300 <= status < 400:
        location = headers.get("location") or "(no Location header)"
        text = f"{name} returned HTTP {status}{origin}: redirected to {location}: fix base_url"
    else:
        text = f"{name} returned HTTP {status}{origin}{hint}: {message or 'no error message'}"
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


def error_in_body(
    data: Any,
    headers: Mapping[str, str] | None = None,
    *,
    provider: ErrorSource | str,
    where: str,
) -> APIError | None:
    """Pure: the error a 2xx body or a stream chunk stands for, or None when it is not one.

    An object with no (non-empty) `choices` and either an `error` or an HTTP error status (as
    the provider's error reader finds it: AI/ML API's
    `{"message": "Model is under maintenance", "statusCode": 500}`) is an error: with a
    status, the typed status error (a 500 is `InternalServerError`, a 429 `RateLimitError`);
    without one, `APIResponseValidationError`. Either carries the provider's own message and
    request id.
    """
    if not isinstance(data, Mapping):
        return None
    choices = data.get("choices")
    if isinstance(choices, list) and choices:
        return None
    source = error_source(provider)
    message, code, request_id, status = source.error_fields(data)
    if status is None and not data.get("error"):
        return None
    hdrs: Mapping[str, str] = headers if headers is not None else {}
    if status is not None:
        return error_from_response(status, data, hdrs, provider=source, where=where)
    request_id = request_id or request_id_from_headers(hdrs, source.request_id_headers)
    text = f"{source.name} returned an error {where}: {message or 'no error message'}"
    if code and code not in text:
        text += f" [code: {code}]"
    if request_id:
        text += f" [request id: {request_id}]"
    return APIResponseValidationError(text, body=dict(data), request_id=request_id)


# -- network failures (httpx and httpx2 alike) and redaction ---------------------------------

_ILLEGAL_HEADER = re.compile(r"(Illegal header (?:value|name)) .*", re.DOTALL)
_KINDS: dict[type[BaseException], str] = {}


def failure_kind(exc: BaseException) -> str:
    """What an httpx or httpx2 exception means: `"timeout"`, `"unsupported"` (a bad URL
    scheme), `"local"` (a request that cannot be sent: an illegal header) or `"network"`.

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
    """The ways `secret` can appear in an exception's or a log's text: as is, escaped by
    `repr` of a str or of bytes (h11 prints `b'Bearer sk-...\\n'`), and without surrounding
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
    """`text` without the secret in any form, nor the value of a header h11 refused."""
    for form in secret_forms(secret):
        if form in text:
            text = text.replace(form, "***")
    return _ILLEGAL_HEADER.sub(r"\1 (redacted)", text)


def redact_headers(headers: Any, secret: bytes | None) -> Any:
    """Response headers with an echoed `secret` replaced by `***` (the same object when
    no value holds it). `headers` is an `httpx.Headers` or `httpx2.Headers`."""
    if not secret:
        return headers
    raw = headers.raw
    for _, value in raw:
        if secret in value:
            return type(headers)([(k, v.replace(secret, b"***")) for k, v in raw])
    return headers


def scrub(exc: BaseException) -> None:
    """Empty an exception we are about to replace with ours: it stays reachable as our error's
    `__context__` (`from None` only hides it), and its args, the exceptions it chains
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
    """Pure: an httpx/httpx2 failure -> our typed error, with `secret` redacted from its text.

    `started`: the response had begun (status and headers received) when it failed, so the
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
    """`value` (a constructor's input) with every string holding a secret redacted (a secret
    shorter than 8 characters only where a string is exactly it: `"k"` is in every word)."""
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
    """The same `ValidationError` (title, types, locations, messages) without `secrets` in
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
    """The API key a constructor was given (a str or `SecretStr`), as a list."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return [value, value.strip()] if isinstance(value, str) and value.strip() else []
