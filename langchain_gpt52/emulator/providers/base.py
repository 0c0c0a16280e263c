"""What the shared emulator asks of an emulated provider.

A provider module subclasses `EmulatedProvider`, sets the class attributes and overrides
the hooks where its wire differs from plain OpenAI Chat Completions. The server, the completion
builder and the fake model call only these hooks, so adding a provider is one new module listed
in `langchain_gpt52.emulator.providers`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..settings import Settings


@dataclass
class NoOptions:
    """The options of a provider that has none of its own."""


@dataclass(frozen=True)
class Answered:
    """A chat request the emulator answered, as `EmulatedProvider.record_answer` sees it."""

    status: int
    model: Any
    """The request's `model` (None when the body had none)."""
    request_headers: Mapping[str, str]
    reply_headers: list[tuple[str, str]]


class EmulatedProvider:
    """One provider's routes, validation, error shapes, headers, usage, streams and models."""

    #: the route name used by `Emulator.enqueue(route=...)`
    name: ClassVar[str]
    #: URL path prefix of every route (`/v1`); the client's base URL is `emulator.url + prefix`
    prefix: ClassVar[str]
    #: the `model` reported in responses
    response_model: ClassVar[str]
    #: JSON keys sorted in every body (some providers answer in alphabetical order)
    sort_keys: ClassVar[bool] = False
    #: hidden reasoning tokens spent per `reasoning_effort` before the visible answer
    reasoning_tokens: ClassVar[Mapping[str, int]] = {}
    #: the output cap applied when the request sets none
    default_max_tokens: ClassVar[int | None] = None
    #: whether `stop` reaches the model (a provider that strips unknown fields drops it)
    honours_stop: ClassVar[bool] = True
    #: whether answers deduct credits from the emulator's balance (refused once it is spent)
    bills_credits: ClassVar[bool] = False
    #: the status and message of a chat request once the credit balance is spent
    out_of_credits_status: ClassVar[int] = 403
    out_of_credits_message: ClassVar[str] = "Out of credits"
    #: the dataclass of this provider's own options; `Emulator` takes its field `f` as the
    #: keyword argument (and attribute) `<name>_<f>`
    options_type: ClassVar[type[Any]] = NoOptions
    #: whether every streamed choice carries a `logprobs` key (`null` when not asked for)
    chunk_logprobs_key: ClassVar[bool] = False
    #: the path of the provider's Responses API route (`None`: it has none)
    responses_path: ClassVar[str | None] = None
    #: paths outside `prefix` the provider also answers to `GET` (a request log), through
    #: `extra_reply`
    extra_routes: ClassVar[tuple[str, ...]] = ()

    @property
    def chat_path(self) -> str:
        return self.prefix + "/chat/completions"

    @property
    def models_path(self) -> str:
        return self.prefix + "/models"

    def owns(self, path: str) -> bool:
        """Whether a request path belongs to this provider."""
        return (
            path in self.extra_routes or path == self.prefix or path.startswith(self.prefix + "/")
        )

    # -- requests -------------------------------------------------------------------------------

    def validate(self, body: dict[str, Any], path: str) -> None:
        """Raise `langchain_gpt52.emulator.rejection.RequestRejected` where the provider
        refuses `body` (a JSON object)."""

    def error_body(self, status: int, message: str, path: str) -> dict[str, Any]:
        """The provider's error body for `status` and `message`."""
        return {"error": {"message": message, "type": "error", "code": status}}

    # -- the Responses API route (`responses_path`) ---------------------------------------------

    def validate_responses(self, body: dict[str, Any], path: str) -> None:
        """Raise `langchain_gpt52.emulator.rejection.RequestRejected` where the provider's
        Responses schema refuses `body` (a JSON object); once it passes, `model` and `input`
        are present and well formed."""
        raise NotImplementedError(f"{type(self).__name__} has no Responses route")

    def responses_model(self, model: str) -> str:
        """The `model` a Responses answer reports for a request for `model`."""
        return self.response_model

    def responses_reasoning(self, model: str) -> bool:
        """Whether a Responses request's `reasoning.effort` reaches the model `model`."""
        return True

    # -- headers and billing --------------------------------------------------------------------

    def headers(self, request_headers: Mapping[str, str]) -> list[tuple[str, str]]:
        """Headers on every reply of this provider."""
        return []

    def completion_headers(self, completion: dict[str, Any]) -> list[tuple[str, str]]:
        """Extra headers of a non-streamed answer."""
        return []

    def credits_used(self, body: Any) -> float | None:
        """Credits an answer (or one stream chunk) reports, when the provider bills credits."""
        return None

    # -- answers --------------------------------------------------------------------------------

    def completion_id(self) -> str:
        return f"chatcmpl-{uuid.uuid4().hex}"

    def reported_model(self, body: dict[str, Any]) -> str:
        """The `model` an answer to `body` reports."""
        return self.response_model

    def usage(self, prompt: int, completion: int, reasoning: int) -> dict[str, Any]:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def finish_message(self, message: dict[str, Any], refusal: str | None) -> None:
        """Add the provider's fields to a non-streamed `message` (in place)."""
        if refusal is not None:
            message["refusal"] = refusal

    def finish_tool_call(self, entry: dict[str, Any], index: int) -> None:
        """Add the provider's fields to one non-streamed tool call (in place)."""

    def finish_response(self, response: dict[str, Any], usage: dict[str, Any]) -> None:
        """Add the provider's fields to a non-streamed `chat.completion` (in place)."""

    def finish_chunk(self, chunk: dict[str, Any], usage_requested: bool) -> None:
        """Add the provider's fields to a stream chunk envelope (in place; `choices` is set)."""
        if usage_requested:
            chunk["usage"] = None

    def finish_usage_chunk(self, chunk: dict[str, Any], usage: dict[str, Any]) -> None:
        """Add the provider's fields to the final usage chunk (in place)."""

    def sends_usage_chunk(self, requested: bool, settings: Settings) -> bool:
        """Whether a stream ends with a usage chunk."""
        return requested

    def done_marker(self, settings: Settings) -> bool:
        """Whether a stream ends with `data: [DONE]`."""
        return True

    # -- models ---------------------------------------------------------------------------------

    def models(self, settings: Settings | None = None, query: str = "") -> dict[str, Any] | None:
        """`GET {prefix}/models` with the request's `query` string (`None`: the route does
        not exist)."""
        return None

    def etag(self, body: bytes) -> str | None:
        """The `ETag` of a model-list body (`None`: the provider sends none; with one, a
        request whose `If-None-Match` holds it gets a 304)."""
        return None

    def model_details(
        self, model_id: str, settings: Settings | None = None
    ) -> dict[str, Any] | None:
        """`GET {prefix}/models/{id}` (`None`: 404)."""
        return None

    def model_not_found(self, model_id: str) -> str:
        return f"Model not found: {model_id}"

    # -- state kept per emulator ----------------------------------------------------------------

    def new_state(self) -> Any:
        """What this provider keeps per emulator (a request log); made again on reset."""
        return None

    def record_answer(self, state: Any, answered: Answered) -> None:
        """Note one chat request the emulator answered (its reply built, not yet sent)."""

    def extra_reply(self, state: Any, path: str, query: str) -> tuple[int, Any]:
        """`(status, JSON body)` of an authorized `GET path?query`, `path` in `extra_routes`."""
        raise NotImplementedError(f"{type(self).__name__} declares no extra route {path}")
