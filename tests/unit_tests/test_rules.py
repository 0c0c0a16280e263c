"""``check_params``: requests that cannot work are rejected before sending, with the fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52, ChatOxen
from langchain_gpt52._rules import ProviderSpec, check_params

AIML = ChatAIMLAPI._spec
OXEN = ChatOxen._spec
GEN = ChatGPT52._spec
AIML_MODEL = "openai/gpt-5-2"
OXEN_MODEL = "gpt-5-2-chat-latest"
GEN_MODEL = "gpt-5.2"


@pytest.mark.parametrize(
    ("spec", "model"), [(AIML, AIML_MODEL), (OXEN, OXEN_MODEL), (GEN, GEN_MODEL)]
)
def test_minimal_effort_rejected_with_advice(spec: ProviderSpec, model: str) -> None:
    with pytest.raises(ValueError, match="minimal") as info:
        check_params(spec, model, {"reasoning_effort": "minimal"})
    assert "use one of" in str(info.value)


@pytest.mark.parametrize("effort", ["low", "medium", "high"])
def test_aimlapi_accepts_documented_efforts(effort: str) -> None:
    check_params(AIML, AIML_MODEL, {"reasoning_effort": effort})


@pytest.mark.parametrize("effort", ["none", "xhigh", "max", ""])
def test_aimlapi_rejects_other_efforts(effort: str) -> None:
    with pytest.raises(ValueError, match="AI/ML API") as info:
        check_params(AIML, AIML_MODEL, {"reasoning_effort": effort})
    assert "['high', 'low', 'medium']" in str(info.value)


@pytest.mark.parametrize("effort", ["none", "low", "medium", "high", "xhigh"])
def test_generic_accepts_gpt52_efforts(effort: str) -> None:
    check_params(GEN, GEN_MODEL, {"reasoning_effort": effort})


def test_generic_rejects_unknown_effort() -> None:
    with pytest.raises(ValueError, match="'ultra'"):
        check_params(GEN, GEN_MODEL, {"reasoning_effort": "ultra"})


def test_oxen_chat_latest_effort_only_medium() -> None:
    check_params(OXEN, OXEN_MODEL, {"reasoning_effort": "medium"})
    for effort in ("low", "high", "none", "xhigh"):
        with pytest.raises(ValueError, match=r"\['medium'\]"):
            check_params(OXEN, OXEN_MODEL, {"reasoning_effort": effort})


def test_chat_latest_effort_only_medium_on_any_provider() -> None:
    with pytest.raises(ValueError, match=r"\['medium'\]"):
        check_params(GEN, "gpt-5.2-chat-latest", {"reasoning_effort": "high"})


@pytest.mark.parametrize("temperature", [0, 0.0, 0.7, 2])
def test_oxen_chat_latest_temperature_only_1(temperature: float) -> None:
    with pytest.raises(ValueError, match="temperature=1") as info:
        check_params(OXEN, OXEN_MODEL, {"temperature": temperature})
    assert str(temperature) in str(info.value)


@pytest.mark.parametrize("temperature", [1, 1.0, None])
def test_oxen_chat_latest_temperature_1_ok(temperature: float | None) -> None:
    check_params(OXEN, OXEN_MODEL, {"temperature": temperature})


def test_oxen_other_model_temperature_ok() -> None:
    check_params(OXEN, "some-other-model", {"temperature": 0.2})


@pytest.mark.parametrize(
    ("param", "value"),
    [("temperature", 0.5), ("top_p", 0.9), ("logprobs", True), ("top_logprobs", 3)],
)
@pytest.mark.parametrize(
    ("spec", "model", "fix"),
    [
        (AIML, AIML_MODEL, "remove reasoning_effort"),
        (GEN, GEN_MODEL, "set reasoning_effort='none'"),
    ],
)
def test_sampling_with_reasoning_rejected(
    spec: ProviderSpec, model: str, fix: str, param: str, value: Any
) -> None:
    params: dict[str, Any] = {"reasoning_effort": "high", param: value}
    if param == "top_logprobs":
        params["logprobs"] = True
    with pytest.raises(ValueError, match="reasoning") as info:
        check_params(spec, model, params)
    assert fix in str(info.value)


@pytest.mark.parametrize(
    "params",
    [
        {"reasoning_effort": "none", "temperature": 0.2, "top_p": 0.5, "logprobs": True},
        {"reasoning_effort": "high", "temperature": 1, "top_p": 1, "logprobs": False},
        {"temperature": 0.0, "top_p": 0.3},
    ],
)
def test_sampling_allowed(params: dict[str, Any]) -> None:
    check_params(GEN, GEN_MODEL, params)


def test_sampling_with_reasoning_other_model_not_checked() -> None:
    check_params(GEN, "gpt-4o", {"reasoning_effort": "high", "temperature": 0.3})


@pytest.mark.parametrize(
    ("param", "value"),
    [("verbosity", "low"), ("frequency_penalty", 0.5), ("presence_penalty", -0.5)],
)
def test_aimlapi_unsupported_params_hint_model_kwargs(param: str, value: Any) -> None:
    with pytest.raises(ValueError, match="AI/ML API does not support") as info:
        check_params(AIML, AIML_MODEL, {param: value})
    assert f"model_kwargs={{'{param}': ...}}" in str(info.value)


@pytest.mark.parametrize(("spec", "model"), [(OXEN, OXEN_MODEL), (GEN, GEN_MODEL)])
def test_penalties_allowed_elsewhere(spec: ProviderSpec, model: str) -> None:
    check_params(spec, model, {"frequency_penalty": 0.5, "presence_penalty": 0.1})


def test_n_with_stream() -> None:
    with pytest.raises(ValueError, match="n > 1"):
        check_params(GEN, GEN_MODEL, {"n": 2, "stream": True})
    check_params(GEN, GEN_MODEL, {"n": 2, "stream": False})
    check_params(GEN, GEN_MODEL, {"n": 1, "stream": True})


def test_top_logprobs_requires_logprobs() -> None:
    with pytest.raises(ValueError, match="logprobs=True"):
        check_params(GEN, GEN_MODEL, {"top_logprobs": 2})
    with pytest.raises(ValueError, match="logprobs=True"):
        check_params(GEN, GEN_MODEL, {"top_logprobs": 2, "logprobs": False})
    check_params(GEN, GEN_MODEL, {"top_logprobs": 2, "logprobs": True})


@pytest.mark.parametrize("name", ["max_tokens", "max_completion_tokens"])
@pytest.mark.parametrize("value", [0, -5, 1.5, "10"])
def test_max_tokens_must_be_positive_int(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        check_params(GEN, GEN_MODEL, {name: value})


@pytest.mark.parametrize(
    ("spec", "model", "cap"),
    [(AIML, AIML_MODEL, 128_000), (OXEN, OXEN_MODEL, 16_384), (GEN, GEN_MODEL, 128_000)],
)
def test_max_tokens_provider_cap(spec: ProviderSpec, model: str, cap: int) -> None:
    check_params(spec, model, {"max_tokens": cap})
    with pytest.raises(ValueError, match=f"exceeds.*{cap}"):
        check_params(spec, model, {"max_tokens": cap + 1})


def test_clean_params_pass() -> None:
    check_params(AIML, AIML_MODEL, {"max_tokens": 100, "seed": 1, "n": 1, "stream": True})
    check_params(OXEN, OXEN_MODEL, {"max_tokens": 100, "temperature": 1})
    check_params(GEN, GEN_MODEL, {})


# -- the same rules through the model, and the model_kwargs escape hatch -------------------


class _Recorder:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "id": "x",
                "model": "m",
                "choices": [{"index": 0, "message": {"content": "ok"}, "finish_reason": "stop"}],
            },
        )


def test_rules_raise_before_sending() -> None:
    rec = _Recorder()
    llm = ChatAIMLAPI(
        api_key="k",
        reasoning_effort="minimal",
        http_client=httpx.Client(transport=httpx.MockTransport(rec)),
    )
    with pytest.raises(ValueError, match="minimal"):
        llm.invoke("hi")
    llm2 = ChatOxen(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(rec)))
    with pytest.raises(ValueError, match="temperature=1"):
        llm2.invoke("hi", temperature=0.3)
    with pytest.raises(ValueError, match="exceeds"):
        llm2.invoke("hi", max_tokens=20_000)
    assert rec.bodies == []


def test_model_kwargs_escape_hatch_not_checked() -> None:
    rec = _Recorder()
    client = httpx.Client(transport=httpx.MockTransport(rec))
    llm = ChatAIMLAPI(
        api_key="k",
        http_client=client,
        model_kwargs={"verbosity": "low", "frequency_penalty": 0.5, "reasoning_effort": "minimal"},
    )
    assert llm.invoke("hi").content == "ok"
    body = rec.bodies[-1]
    assert body["verbosity"] == "low"
    assert body["frequency_penalty"] == 0.5
    assert body["reasoning_effort"] == "minimal"

    oxen = ChatOxen(api_key="k", http_client=client, extra_body={"temperature": 0.2})
    assert oxen.invoke("hi").content == "ok"
    assert rec.bodies[-1]["temperature"] == 0.2


def test_model_kwargs_cannot_repeat_set_fields() -> None:
    # Set both ways: ambiguous.
    with pytest.raises(ValueError, match="model_kwargs must not repeat"):
        ChatAIMLAPI(api_key="k", temperature=0.2, model_kwargs={"temperature": 0.5})
    # Client fields never go in the body.
    with pytest.raises(ValueError, match="model_kwargs must not repeat"):
        ChatAIMLAPI(api_key="k", model_kwargs={"max_retries": 5})
    # An unset completion parameter is the escape hatch.
    ChatAIMLAPI(api_key="k", model_kwargs={"temperature": 0.5})


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"temperature": 5}, "temperature must be between 0 and 2"),
        ({"temperature": -0.1}, "temperature must be between 0 and 2"),
        ({"top_p": 1.5}, "top_p must be between 0 and 1"),
        ({"frequency_penalty": 3}, "frequency_penalty must be between -2 and 2"),
        ({"presence_penalty": "high"}, "presence_penalty must be a number"),
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs must be between 0 and 20"),
        ({"n": 0}, "n must be a positive integer"),
        ({"n": 1.5}, "n must be a positive integer"),
    ],
)
def test_per_call_values_out_of_range_are_rejected(
    params: dict[str, object], fragment: str
) -> None:

    with pytest.raises(ValueError, match=fragment):
        check_params(ChatGPT52._spec, "gpt-4.1", params)


def test_values_inside_the_ranges_pass() -> None:

    check_params(
        ChatGPT52._spec,
        "gpt-4.1",
        {"temperature": 2, "top_p": 1, "frequency_penalty": -2, "n": 3, "logprobs": True},
    )
