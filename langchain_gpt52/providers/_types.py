"""The shapes of provider knowledge: a descriptor per provider and a catalog row per model."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from langchain_gpt52._prices import Price
from langchain_gpt52.errors import ErrorFields, openai_error_fields

if TYPE_CHECKING:
    from langchain_gpt52.model_details import ModelDetails

__all__ = [
    "FAILOVER_STATUSES",
    "EffortIn",
    "Endpoint",
    "ModelRow",
    "OnlyDefault",
    "Param",
    "Provider",
    "SamplingNeedsNoReasoning",
    "UpstreamRule",
    "no_body_cost",
]


@dataclass(frozen=True)
class Param:
    """What a schema documents for one request field: a range, an enum, or a type."""

    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    integer: bool = False
    boolean: bool = False
    number: bool = False
    pattern: str | None = None
    """A string field: the regular expression its whole value must match (length included)."""
    pattern_text: str = ""
    """`pattern` in words, for the error message."""

    def problem(self, value: Any) -> str | None:
        """Why `value` is invalid for this field, or None (a bare `Param()`: any value)."""
        if self.pattern is not None:
            if isinstance(value, str) and re.fullmatch(self.pattern, value):
                return None
            return f"use {self.pattern_text or 'a string matching ' + self.pattern}"
        if self.choices is not None:
            return None if value in self.choices else f"use one of {list(self.choices)}"
        if self.boolean:
            return None if isinstance(value, bool) else "use True or False"
        numeric = self.number or self.integer or self.low is not None or self.high is not None
        if not numeric:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "use a number"
        if self.integer and not isinstance(value, int):
            return "use an integer"
        if self.low is not None and value < self.low:
            return self.bounds()
        if self.high is not None and value > self.high:
            return self.bounds()
        return None

    def bounds(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.high is None:
            return f"use {kind} of at least {self.low}"
        return f"use {kind} between {self.low} and {self.high}"


@dataclass(frozen=True)
class UpstreamRule:
    """A rule only the upstream model is known to apply (the provider does not document it)."""

    def broken_by(self, params: Mapping[str, Any], row: ModelRow) -> str | None:
        """A one-line hint naming the rule when `params` break it, else None."""
        raise NotImplementedError

    def describe(self) -> str:
        """The rule in a few words (for `docs/parameters.md`)."""
        raise NotImplementedError


@dataclass(frozen=True)
class OnlyDefault(UpstreamRule):
    """The model accepts only the default value of `param`."""

    param: str
    default: Any

    def describe(self) -> str:
        return f"`{self.param}` only {self.default!r}"

    def broken_by(self, params: Mapping[str, Any], row: ModelRow) -> str | None:
        value = params.get(self.param)
        if value is None or value == self.default:
            return None
        return (
            f"{row.model} upstream accepts only the default {self.param}={self.default!r} "
            f"(got {value!r}): remove {self.param} or set it to {self.default!r}"
        )


@dataclass(frozen=True)
class EffortIn(UpstreamRule):
    """The model accepts only these `reasoning_effort` values."""

    efforts: tuple[str, ...]

    def describe(self) -> str:
        return "`reasoning_effort` only " + " / ".join(self.efforts)

    def broken_by(self, params: Mapping[str, Any], row: ModelRow) -> str | None:
        effort = params.get("reasoning_effort")
        if effort is None or effort in self.efforts:
            return None
        return (
            f"{row.model} upstream accepts reasoning_effort in {list(self.efforts)} "
            f"(got {effort!r}): use one of them or leave it unset"
        )


_SAMPLING = ("temperature", "top_p", "logprobs", "top_logprobs")


@dataclass(frozen=True)
class SamplingNeedsNoReasoning(UpstreamRule):
    """Sampling parameters are accepted only with `reasoning_effort` unset or `"none"`."""

    def describe(self) -> str:
        return "sampling (" + ", ".join(_SAMPLING) + ") only with `reasoning_effort` none"

    def broken_by(self, params: Mapping[str, Any], row: ModelRow) -> str | None:
        effort = params.get("reasoning_effort") or row.default_effort
        if effort in (None, "none"):
            return None
        for name in _SAMPLING:
            if params.get(name) not in (None, False):
                return (
                    f"{row.model} upstream accepts {name} only with reasoning_effort='none' "
                    f"(got reasoning_effort={effort!r}): set reasoning_effort='none' or "
                    f"remove {name}"
                )
        return None


Endpoint = Literal["chat", "responses"]
"""The wire format a model is served by: Chat Completions or the Responses API."""


@dataclass(frozen=True)
class ModelRow:
    """One model as one provider serves it."""

    model: str
    context_window: int | None
    max_output_tokens: int | None
    efforts: tuple[str, ...] | None
    """`reasoning_effort` values this provider documents for the model (others refused)."""
    default_effort: str | None
    price: Price | None
    source: str
    """Where the row's facts come from."""
    inputs: tuple[str, ...] = ("text", "image")
    upstream: tuple[UpstreamRule, ...] = ()
    """Rules known only upstream: sent as given, named in the error if the provider says 400."""
    endpoint: Endpoint = "chat"
    """Which API serves the model: `"chat"` (`/chat/completions`) or `"responses"`."""
    params: Mapping[str, Param] | None = None
    """The request fields this model's own schema documents (None: the provider's), by
    parameter name (`max_tokens`, `reasoning_effort`, ...) whatever the wire name."""

    @property
    def chat_completions(self) -> bool:
        """Whether Chat Completions serves the model."""
        return self.endpoint == "chat"


FAILOVER_STATUSES: Mapping[int, str] = MappingProxyType(
    {
        401: "auth",
        403: "auth",
        404: "unavailable",
        408: "unavailable",
        409: "unavailable",
        429: "unavailable",
    }
)
"""The usual `failover_statuses`: a bad key, a missing model, a timeout, a conflict, a rate
limit (5xx and network errors always fail over)."""


def no_body_cost(body: Mapping[str, Any]) -> dict[str, Any]:
    """The cost reader of a provider that reports no cost in its bodies."""
    return {}


@dataclass(frozen=True)
class Provider:
    """Everything provider-specific, as data (and the few small readers of its own shapes).

    Shared code reads these fields and never tests a provider's name: adding a provider is one
    module under `providers/` that builds one of these.
    """

    name: str
    """Human name used in errors, e.g. `"AI/ML API"`."""
    ls_provider: str
    key_env: str
    base_url_env: str
    default_base_url: str | None
    default_model: str | None
    params: Mapping[str, Param]
    """Request fields the provider's schema documents, with their enums and ranges."""
    strict_schema: bool
    """True when the provider validates bodies against its schema: undocumented fields refused."""
    max_tokens_field: str = "max_tokens"
    roles: frozenset[str] = frozenset({"system", "developer", "user", "assistant", "tool"})
    request_id_headers: tuple[str, ...] = ("x-request-id",)
    """Response headers holding the provider's request id, in order of preference (read into
    `response_metadata["request_id"]` and onto every typed error)."""
    error_fields: Callable[[Mapping[str, Any]], ErrorFields] = openai_error_fields
    """Reads `(message, code, request_id, status)` out of an error body object (the default
    reads OpenAI's shape and problem details)."""
    body_cost: Callable[[Mapping[str, Any]], dict[str, Any]] = no_body_cost
    """Reads the call's cost out of a response body or the last stream chunk, as
    `response_metadata` entries."""
    cost_units: Mapping[str, float] = field(default_factory=dict)
    """`response_metadata` key of a cost figure -> USD per unit, most exact first (the
    provider's own figure wins over the price table)."""
    cost_headers: Mapping[str, str] = field(default_factory=dict)
    """Response header -> `response_metadata` key of the call's cost."""
    status_hints: Mapping[int, str] = field(default_factory=dict)
    """What an error status means on this provider (for the error mapping)."""
    failover_statuses: Mapping[int, str] = field(default_factory=lambda: dict(FAILOVER_STATUSES))
    """Error statuses after which `ChatGPT52Failover` tries another gateway, with the reason
    (`"auth"` and `"credits"` are logged as warnings, `"unavailable"` as info); any other 4xx
    is raised (the request would fail everywhere)."""
    models_route: str | None = None
    """The provider's model-list route relative to the base URL, query included (None: none)."""
    model_route: str | None = None
    """One model's details route (`{model}` is the model id); it may answer with a list
    holding the model (a list route filtered by id)."""
    models_key: bool = True
    """Whether the models routes need the API key (False: a keyless instance may list them)."""
    model_reader: Callable[[Mapping[str, Any]], ModelDetails] | None = None
    """Reads one model object of the provider's models routes (None: the common shape,
    `model_details.parse_model`)."""
    client_request_id: Param = Param(pattern=r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
    """What the provider documents for a caller's own request id (`client_request_id=`), sent
    in `client_request_id_header`; by default any text an HTTP header can carry."""
    client_request_id_header: str = "X-Client-Request-Id"
    usage_logs_route: str | None = None
    """The provider's request-log route (absolute path on the API host), when it has one."""
    models: tuple[ModelRow, ...] = ()
    user_parts: frozenset[str] | None = None
    """Content part types the provider's schema takes in a user message (None: every type Chat
    Completions defines); other parts are refused before sending, naming message and part."""

    @property
    def developer_role(self) -> bool:
        return "developer" in self.roles

    @property
    def send_stop(self) -> bool:
        """Whether `stop` is sent (it is enforced client-side either way)."""
        return not self.strict_schema or "stop" in self.params

    def params_for(self, row: ModelRow | None) -> Mapping[str, Param]:
        """The request fields documented for `row` (the provider's when it has none)."""
        return row.params if row is not None and row.params is not None else self.params

    def sends_stop(self, row: ModelRow | None) -> bool:
        """Whether `stop` is sent for `row` on Chat Completions."""
        return not self.strict_schema or "stop" in self.params_for(row)

    def row(self, model: str) -> ModelRow | None:
        """The catalog row of `model`, or None for an id not in the catalog."""
        for row in self.models:
            if row.model == model:
                return row
        return None
