"""The rules pipeline: each catalog row's rules, refused before sending or hinted on a 400."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52, ChatOxen
from langchain_gpt52._rules import check_request, upstream_hints
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.errors import BadRequestError
from langchain_gpt52.providers import AIMLAPI, OPENAI_COMPATIBLE, OXEN, PROVIDERS, ModelRow
from langchain_gpt52.providers import Provider as ProviderDescriptor
from tests.unit_tests._chat_fakes import FakeProvider, clean_env, json_reply

__all__ = ["clean_env"]

CLASSES: dict[str, type[BaseChatGPT52]] = {
    "AI/ML API": ChatAIMLAPI,
    "Oxen.ai": ChatOxen,
    "OpenAI-compatible endpoint": ChatGPT52,
}
ROWS = [(p, row) for p in PROVIDERS for row in p.models]
CHAT_ROWS = [(p, row) for p, row in ROWS if row.chat_completions]
ALL_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def _id(value: Any) -> str:
    if isinstance(value, ModelRow):
        return value.model
    return str(getattr(value, "ls_provider", value))


def make(provider: ProviderDescriptor, fake: FakeProvider, **kwargs: Any) -> BaseChatGPT52:
    extra: dict[str, Any] = {"base_url": "https://gw.example/v1"}
    return CLASSES[provider.name](api_key="k", **extra, **fake.clients(), **kwargs)


def _reasoning_ok(provider: ProviderDescriptor, row: ModelRow, effort: str) -> bool:
    documented = provider.params_for(row).get("reasoning_effort")
    if documented is not None and documented.problem(effort):
        return False
    return row.efforts is None or effort in row.efforts


@pytest.mark.parametrize(("provider", "row"), CHAT_ROWS, ids=_id)
@pytest.mark.parametrize("effort", ALL_EFFORTS)
def test_each_row_accepts_its_efforts_and_refuses_the_rest_before_sending(
    provider: ProviderDescriptor, row: ModelRow, effort: str
) -> None:
    fake = FakeProvider()
    llm = make(provider, fake, model=row.model)
    if _reasoning_ok(provider, row, effort):
        llm.invoke("hi", reasoning_effort=effort)
        assert fake.body["reasoning_effort"] == effort
        make(provider, fake, model=row.model, reasoning_effort=effort)
        return
    with pytest.raises(ValueError, match="reasoning_effort") as call_err:
        llm.invoke("hi", reasoning_effort=effort)
    with pytest.raises(ValueError, match="reasoning_effort") as ctor_err:
        make(provider, fake, model=row.model, reasoning_effort=effort)
    # One function at construction and per call: the same message.
    assert str(call_err.value) in str(ctor_err.value)
    assert "use one of" in str(call_err.value)
    assert fake.requests == []


def test_oxen_reasoning_snapshot_takes_high_effort() -> None:
    fake = FakeProvider()
    llm = make(OXEN, fake, model="gpt-5-2-2025-12-11", reasoning_effort="high")
    llm.invoke("hi")
    assert fake.body["reasoning_effort"] == "high"


@pytest.mark.parametrize(("provider", "row"), CHAT_ROWS, ids=_id)
def test_each_row_output_cap(provider: ProviderDescriptor, row: ModelRow) -> None:
    assert row.max_output_tokens is not None
    fake = FakeProvider()
    llm = make(provider, fake, model=row.model)
    llm.invoke("hi", max_tokens=row.max_output_tokens)
    assert fake.body[provider.max_tokens_field] == row.max_output_tokens
    with pytest.raises(ValueError, match="exceeds the output limit"):
        llm.invoke("hi", max_tokens=row.max_output_tokens + 1)
    with pytest.raises(ValueError, match="exceeds the output limit"):
        make(provider, fake, model=row.model, max_tokens=row.max_output_tokens + 1)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS, ids=_id)
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"temperature": 5}, "temperature=5 .* between 0 and 2"),
        ({"temperature": -0.1}, "between 0 and 2"),
        ({"top_p": 1.5}, "top_p=1.5 .* and 1"),
        ({"temperature": "hot"}, "use a number"),
        ({"max_tokens": 0}, "max_tokens=0 .* at least 1"),
        ({"max_tokens": 2.5}, "use an integer"),
    ],
)
def test_documented_ranges_refused_on_every_provider(
    provider: ProviderDescriptor, params: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        check_request(provider, "some-unlisted-model", params)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"seed": 0}, "seed=0 is not accepted by AI/ML API.*at least 1"),
        ({"top_p": 0.001}, "between 0.01 and 1"),
        ({"verbosity": "low"}, "'verbosity' is not in AI/ML API's request schema"),
        ({"frequency_penalty": 0}, "model_kwargs"),
        ({"presence_penalty": 0.5}, "model_kwargs"),
    ],
)
def test_aimlapi_schema(params: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        check_request(AIMLAPI, "openai/gpt-5-2", params)


def test_oxen_sends_undocumented_fields_as_given() -> None:
    check_request(OXEN, "gpt-5-2-chat-latest", {"seed": 3, "verbosity": "low", "n": 1})


@pytest.mark.parametrize("model", ["gpt-5.2-chat-latest", "gpt-5-2-chat-latest"])
def test_unknown_ids_get_only_the_schema_rules(model: str) -> None:
    # Rules of one model id never apply to another: an unlisted id is not a catalog row.
    check_request(OXEN, model + "-preview", {"temperature": 0.3, "reasoning_effort": "low"})
    assert upstream_hints(OXEN, model + "-preview", {"temperature": 0.3}) == []


def test_combinations() -> None:
    with pytest.raises(ValueError, match="n > 1 cannot be streamed"):
        check_request(OPENAI_COMPATIBLE, "gpt-5.2", {"n": 2, "stream": True})
    with pytest.raises(ValueError, match="top_logprobs requires logprobs=True"):
        check_request(OPENAI_COMPATIBLE, "gpt-5.2", {"top_logprobs": 2})


def test_a_responses_only_model_kept_off_the_responses_api_is_refused_with_the_reason() -> None:
    fake = FakeProvider()
    with pytest.raises(ValueError, match="Responses API only"):
        make(OPENAI_COMPATIBLE, fake, model="gpt-5.2-pro", use_responses_api=False)
    llm = make(OPENAI_COMPATIBLE, fake, use_responses_api=False)
    with pytest.raises(ValueError, match="Responses API only"):
        llm.invoke("hi", model="gpt-5.2-pro")
    assert fake.requests == []


SEED_OXEN = {
    "temperature": 0.7,
    "max_tokens": 1024,
    "top_p": 1.0,
    "frequency_penalty": 0,
    "presence_penalty": 0,
}


@pytest.mark.parametrize("stream", [False, True])
def test_oxen_seed_example_reaches_the_wire_as_written(stream: bool) -> None:
    fake = FakeProvider()
    llm = ChatOxen(api_key="k", **fake.clients(), **SEED_OXEN)
    if stream:
        fake.replies = [json_reply({"error": {"message": "stream refused"}}, status=400)]
        with pytest.raises(BadRequestError):
            list(llm.stream("Hello, what can you do?"))
    else:
        llm.invoke("Hello, what can you do?")
    body = fake.body
    assert body["model"] == "gpt-5-2-chat-latest"
    assert body["messages"] == [{"role": "user", "content": "Hello, what can you do?"}]
    for key, value in SEED_OXEN.items():
        assert body[key] == value
        assert type(body[key]) is type(value)


def test_aimlapi_seed_example_reaches_the_wire_as_written() -> None:
    fake = FakeProvider()
    ChatAIMLAPI(api_key="k", **fake.clients()).invoke("Hello")
    assert fake.body == {
        "model": "openai/gpt-5-2",
        "messages": [{"role": "user", "content": "Hello"}],
    }


UPSTREAM_TEXT = (
    "Unsupported value: 'temperature' does not support 0.7 with this model. "
    "Only the default (1) value is supported."
)


@pytest.mark.parametrize(("provider", "row"), [r for r in CHAT_ROWS if r[1].upstream], ids=_id)
@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_upstream_rule_is_sent_and_a_400_names_it(
    provider: ProviderDescriptor, row: ModelRow, mode: str
) -> None:
    breaking = (
        {"temperature": 0.7}
        if "temperature" in repr(row.upstream)
        else {"temperature": 0.7, "reasoning_effort": "high"}
    )
    assert upstream_hints(provider, row.model, breaking)
    fake = FakeProvider(json_reply({"error": {"message": UPSTREAM_TEXT}}, status=400))
    llm = make(provider, fake, model=row.model, max_retries=0)
    with pytest.raises(BadRequestError) as info:
        if mode == "invoke":
            llm.invoke("hi", **breaking)
        else:
            list(llm.stream("hi", **breaking))
    text = str(info.value)
    assert UPSTREAM_TEXT in text
    hint = text.splitlines()[-1]
    assert hint.startswith("hint: ")
    assert "temperature" in hint
    assert fake.body["temperature"] == 0.7


def test_a_400_without_a_broken_upstream_rule_has_no_hint() -> None:
    fake = FakeProvider(json_reply({"error": {"message": "bad"}}, status=400))
    llm = ChatOxen(api_key="k", **fake.clients(), max_retries=0)
    with pytest.raises(BadRequestError) as info:
        llm.invoke("hi", temperature=1)
    assert "hint:" not in str(info.value)


def test_model_kwargs_escape_hatch_not_checked() -> None:
    fake = FakeProvider()
    llm = ChatAIMLAPI(
        api_key="k",
        **fake.clients(),
        model_kwargs={"verbosity": "low", "frequency_penalty": 0.5, "reasoning_effort": "minimal"},
    )
    llm.invoke("hi")
    assert fake.body["verbosity"] == "low"
    assert fake.body["frequency_penalty"] == 0.5
    assert fake.body["reasoning_effort"] == "minimal"


def test_model_kwargs_cannot_repeat_set_fields() -> None:
    with pytest.raises(ValueError, match="model_kwargs must not repeat"):
        ChatAIMLAPI(api_key="k", temperature=0.2, model_kwargs={"temperature": 0.5})
    with pytest.raises(ValueError, match="model_kwargs must not repeat"):
        ChatAIMLAPI(api_key="k", model_kwargs={"max_retries": 5})
    ChatAIMLAPI(api_key="k", model_kwargs={"temperature": 0.5})


def test_same_rule_at_construction_and_per_call() -> None:
    fake = FakeProvider()
    with pytest.raises(ValueError) as ctor:
        ChatGPT52(base_url="https://gw.example/v1", api_key="k", top_p=1.5)
    llm = ChatGPT52(base_url="https://gw.example/v1", api_key="k", **fake.clients())
    with pytest.raises(ValueError) as call:
        llm.invoke("hi", top_p=1.5)
    assert str(call.value) in str(ctor.value)
    assert fake.requests == []
    # Upstream-only: accepted at construction, sent per call.
    ChatOxen(api_key="k", temperature=0.5, reasoning_effort="high")


def test_no_pydantic_bounds_on_completion_fields() -> None:
    for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty", "n"):
        assert BaseChatGPT52.model_fields[name].metadata == [], name


def test_mock_transport_type() -> None:
    assert isinstance(FakeProvider().clients()["http_client"], httpx.Client)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"seed": 0}, "seed=0 is not accepted by AI/ML API.*at least 1"),
        ({"top_p": 0.001}, "top_p=0.001 is not accepted by AI/ML API.*between 0.01 and 1"),
    ],
)
def test_aimlapi_schema_ranges_are_checked_before_sending(
    kwargs: dict[str, Any], fragment: str
) -> None:
    fake = FakeProvider()
    with pytest.raises(ValueError, match=fragment):
        ChatAIMLAPI(api_key="k", **fake.clients()).invoke("hi", **kwargs)
    assert not fake.requests
    ChatOxen(api_key="k", **fake.clients()).invoke("hi", seed=0)  # Oxen has no such rule
    assert fake.body["seed"] == 0


# -- rows with their own schema and endpoint -------------------------------------------------


def test_a_rows_own_params_replace_the_providers() -> None:
    # `stop` and penalties are in the 2026-07 router schema, not in the provider-wide one.
    check_request(AIMLAPI, "openai/gpt-5.2-pro", {"stop": ["x"], "presence_penalty": 1})
    with pytest.raises(ValueError, match="'presence_penalty' is not in AI/ML API's request"):
        check_request(AIMLAPI, "openai/gpt-5-2", {"presence_penalty": 1})
    # `n` is in the provider-wide schema, not in the router one.
    check_request(AIMLAPI, "openai/gpt-5-2", {"n": 2})
    with pytest.raises(ValueError, match="'n' is not in AI/ML API's request schema for openai/"):
        check_request(AIMLAPI, "openai/gpt-5.2-chat", {"n": 2})
    with pytest.raises(ValueError, match=r"min_p=2 .* between 0\.001 and 0\.999"):
        check_request(AIMLAPI, "openai/gpt-5.2-chat", {"min_p": 2})


def test_stop_is_sent_where_the_rows_schema_documents_it() -> None:
    fake = FakeProvider()
    make(AIMLAPI, fake, model="openai/gpt-5.2-chat").invoke("hi", stop=["END"])
    assert fake.body["stop"] == ["END"]
    make(AIMLAPI, fake, model="openai/gpt-5-2").invoke("hi", stop=["END"])
    assert "stop" not in fake.body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_tokens": 15}, "at least 16"),
        ({"reasoning_effort": "low"}, "'reasoning_effort' is not in"),
        ({"n": 1}, "'n' is not in"),
        ({"background": True}, "background=True"),
    ],
)
def test_a_responses_row_is_checked_against_its_responses_schema(
    params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_request(AIMLAPI, "openai/gpt-5-2-pro", params, "responses")


def test_the_responses_api_refuses_what_it_has_no_field_for_on_any_provider() -> None:
    check_request(OPENAI_COMPATIBLE, "gpt-5.2-pro", {"reasoning_effort": "high"}, "responses")
    with pytest.raises(ValueError, match="seed is not a Responses API parameter"):
        check_request(OPENAI_COMPATIBLE, "gpt-5.2-pro", {"seed": 1}, "responses")
    with pytest.raises(ValueError, match="below the Responses API's minimum"):
        check_request(OPENAI_COMPATIBLE, "gpt-5.2", {"max_tokens": 8}, "responses")
    check_request(OPENAI_COMPATIBLE, "gpt-5.2", {"seed": 1, "max_tokens": 8}, "chat")


@pytest.mark.parametrize(
    ("model", "use_responses_api", "path"),
    [
        ("gpt-5.2", None, "/chat/completions"),
        ("gpt-5.2", True, "/responses"),
        ("gpt-5.2-pro", None, "/responses"),
        ("gpt-5.2-pro", True, "/responses"),
        ("some-new-model", None, "/chat/completions"),
        ("some-new-model", True, "/responses"),
    ],
)
def test_chatgpt52_picks_the_endpoint_from_the_row_or_the_flag(
    model: str, use_responses_api: bool | None, path: str
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(400, json={"error": {"message": "stop here"}})

    transport = httpx.MockTransport(handler)
    llm = ChatGPT52(
        api_key="k",
        base_url="https://gw.example/v1",
        model=model,
        use_responses_api=use_responses_api,
        http_client=httpx.Client(transport=transport),
    )
    with pytest.raises(BadRequestError):
        llm.invoke("hi")
    assert seen == ["/v1" + path]


class _NoResponseFormat(ChatAIMLAPI):
    provider = dataclasses.replace(
        AIMLAPI,
        models=(
            dataclasses.replace(
                AIMLAPI.models[0],
                params={k: v for k, v in AIMLAPI.params.items() if k != "response_format"},
            ),
        ),
    )


@pytest.mark.parametrize("method", ["json_schema", "json_mode"])
def test_a_structured_output_method_the_schema_cannot_carry_is_refused_by_name(
    method: str,
) -> None:
    llm = _NoResponseFormat(api_key="k")
    schema = None if method == "json_mode" else {"title": "J", "type": "object", "properties": {}}
    with pytest.raises(ValueError, match=f"method='{method}'.*'response_format'.*function_calling"):
        llm.with_structured_output(schema, method=method)  # type: ignore[arg-type]
    llm.with_structured_output(
        schema or {"title": "J", "type": "object"}, method="function_calling"
    )


@pytest.mark.parametrize("value", ["a", "job-1:row_2.3", "A" * 128, "x:y-z_0.9"])
def test_client_request_id_in_aimlapi_alphabet_passes(value: str) -> None:
    check_request(AIMLAPI, "openai/gpt-5-2", {"client_request_id": value})


@pytest.mark.parametrize("value", ["", "a b", "A" * 129, "row/1", "é", "a\n", 7])
def test_client_request_id_outside_aimlapi_alphabet_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"client_request_id=.*X-Client-Request-Id.*1-128"):
        check_request(AIMLAPI, "openai/gpt-5-2", {"client_request_id": value})


def test_client_request_id_elsewhere_only_needs_to_be_a_header_value() -> None:
    check_request(OXEN, OXEN.default_model or "openai/gpt-5.2", {"client_request_id": "a/b c"})
    with pytest.raises(ValueError, match="client_request_id"):
        check_request(OXEN, OXEN.default_model or "openai/gpt-5.2", {"client_request_id": "a\n"})
