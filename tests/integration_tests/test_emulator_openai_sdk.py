"""The emulator as a real OpenAI-compatible server: driven with the official ``openai`` SDK."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.providers import AIMLAPI, OXEN
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration

KEY = "emulator-key"
MODELS = {"aimlapi": "openai/gpt-5-2", "oxen": "gpt-5-2-chat-latest"}
ROUTES = ["aimlapi", "oxen"]
LONG_PROMPT = "Please explain in detail why the sky is blue, with at least three reasons."
AIMLAPI_ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}
AIMLAPI_VALIDATION_KEYS = {"title", "status", "message", "instance", "timestamp", "error"}
OXEN_ERROR_KEYS = {"error", "status", "status_message"}


def sdk(emulator: Emulator, route: str, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=emulator.base_url(route), api_key=key, max_retries=0)


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def quirky() -> Iterator[Emulator]:
    with Emulator(aimlapi_unrequested_usage=True) as emulator:
        yield emulator


# -- max_completion_tokens ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_max_completion_tokens_caps_the_answer(emulator: Emulator, route: str) -> None:
    client = sdk(emulator, route)
    full = client.chat.completions.create(model=MODELS[route], messages=user(LONG_PROMPT))  # type: ignore[arg-type]
    assert full.usage is not None and full.usage.completion_tokens > 3
    capped = client.chat.completions.create(
        model=MODELS[route],
        messages=user(LONG_PROMPT),  # type: ignore[arg-type]
        max_completion_tokens=3,
    )
    assert capped.choices[0].finish_reason == "length"
    assert capped.usage is not None and capped.usage.completion_tokens == 3
    assert emulator.last_request is not None
    assert emulator.last_request.json["max_completion_tokens"] == 3


@pytest.mark.parametrize("route", ROUTES)
def test_max_completion_tokens_caps_a_stream(emulator: Emulator, route: str) -> None:
    stream = sdk(emulator, route).chat.completions.create(
        model=MODELS[route],
        messages=user(LONG_PROMPT),  # type: ignore[arg-type]
        max_completion_tokens=3,
        stream=True,
    )
    finishes = [c.choices[0].finish_reason for c in stream if c.choices]
    assert finishes[-1] == "length"


@pytest.mark.parametrize("route", ROUTES)
def test_chat_openai_max_tokens_is_honoured(emulator: Emulator, route: str) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    llm = langchain_openai.ChatOpenAI(
        base_url=emulator.base_url(route), api_key=KEY, model=MODELS[route], max_tokens=3
    )
    message = llm.invoke(LONG_PROMPT)
    sent = emulator.last_request
    assert sent is not None and sent.json["max_completion_tokens"] == 3  # what ChatOpenAI sends
    assert message.response_metadata["finish_reason"] == "length"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 3


@pytest.mark.parametrize("value", [0, -1, 2.5])
def test_aimlapi_refuses_invalid_max_completion_tokens(emulator: Emulator, value: Any) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk(emulator, "aimlapi").chat.completions.create(
            model=MODELS["aimlapi"],
            messages=user("hi"),  # type: ignore[arg-type]
            max_completion_tokens=value,
        )
    body = info.value.response.json()
    assert set(body) == AIMLAPI_VALIDATION_KEYS
    assert [issue["path"] for issue in body["error"]["data"]] == [["max_completion_tokens"]]


@pytest.mark.parametrize("value", [0, 16385])
def test_oxen_refuses_invalid_max_completion_tokens(emulator: Emulator, value: int) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk(emulator, "oxen").chat.completions.create(
            model=MODELS["oxen"],
            messages=user("hi"),  # type: ignore[arg-type]
            max_completion_tokens=value,
        )
    body = info.value.response.json()
    assert set(body) == OXEN_ERROR_KEYS
    assert "max_completion_tokens" in body["error"]["detail"]


# -- AI/ML API's unrequested usage chunk -------------------------------------------------------


def _usage_chunks(emulator: Emulator, include_usage: bool | None) -> list[Any]:
    extra: dict[str, Any] = {}
    if include_usage is not None:
        extra["stream_options"] = {"include_usage": include_usage}
    stream = sdk(emulator, "aimlapi").chat.completions.create(
        model=MODELS["aimlapi"],
        messages=user("hi"),  # type: ignore[arg-type]
        stream=True,
        **extra,
    )
    return [chunk for chunk in stream if chunk.usage is not None]


@pytest.mark.parametrize("include_usage", [None, False])
def test_aimlapi_usage_chunk_not_sent_unasked_by_default(
    emulator: Emulator, include_usage: bool | None
) -> None:
    assert _usage_chunks(emulator, include_usage) == []


@pytest.mark.parametrize("include_usage", [None, False, True])
def test_aimlapi_usage_chunk_sent_unasked_with_the_quirk(
    quirky: Emulator, include_usage: bool | None
) -> None:
    [usage] = _usage_chunks(quirky, include_usage)
    assert usage.choices == []
    assert usage.usage.total_tokens > 0


def test_aimlapi_usage_chunk_when_asked(emulator: Emulator) -> None:
    assert len(_usage_chunks(emulator, True)) == 1


@pytest.mark.parametrize("unrequested", [False, True])
def test_client_streams_with_and_without_unrequested_usage(unrequested: bool) -> None:
    with Emulator(aimlapi_unrequested_usage=unrequested) as emulator:
        llm = ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=KEY, stream_usage=False)
        chunks = list(llm.stream("Hello"))
        sent = emulator.last_request
    assert sent is not None and "stream_options" not in sent.json
    text = "".join(str(chunk.content) for chunk in chunks)
    assert text.strip()
    usage = [chunk.usage_metadata for chunk in chunks if chunk.usage_metadata]
    if unrequested:
        assert len(usage) == 1 and usage[0]["total_tokens"] > 0
    else:
        assert usage == []


# -- model routes ------------------------------------------------------------------------------


def test_aimlapi_models_list_and_retrieve(emulator: Emulator) -> None:
    client = sdk(emulator, "aimlapi")
    listed = [m.id for m in client.models.list()]
    assert {row.model for row in AIMLAPI.models} < set(listed)
    model = client.models.retrieve("openai/gpt-5-2")
    details = model.to_dict()
    assert details["id"] == "openai/gpt-5-2"
    assert details["object"] == "model"
    assert details["info"]["contextLength"] == 400000
    assert "tools" in details["capabilities"]
    assert details["pricing"]["kind"] == "fixed"
    with pytest.raises(openai.NotFoundError) as info:
        client.models.retrieve("openai/gpt-4-nope")
    body = info.value.response.json()
    assert set(body) == AIMLAPI_ERROR_KEYS
    assert body["statusCode"] == 404
    assert "openai/gpt-4-nope" in body["message"]


def test_oxen_models_list_and_details(emulator: Emulator) -> None:
    client = sdk(emulator, "oxen")
    listed = list(client.models.list())
    assert [m.id for m in listed] == [row.model for row in OXEN.models]
    details = client.models.retrieve("gpt-5-2-chat-latest").to_dict()
    assert details["capabilities"] == {"input": ["text", "image"], "output": ["text"]}
    pricing = details["pricing"]
    assert set(pricing) == {"method", "input_cost_per_token", "output_cost_per_token"}
    assert pricing["input_cost_per_token"] * 1_000_000 == pytest.approx(1.75)
    assert pricing["output_cost_per_token"] * 1_000_000 == pytest.approx(14.0)
    schema = details["json_request_schema"]
    assert schema["properties"]["max_tokens"]["maximum"] == 16384
    assert (
        "developer" not in schema["properties"]["messages"]["items"]["properties"]["role"]["enum"]
    )
    raw = emulator.last_request
    assert raw is not None and raw.method == "GET"
    with pytest.raises(openai.NotFoundError) as info:
        client.models.retrieve("gpt-4o")
    assert info.value.response.json() == {"error": {"message": "Model not found: gpt-4o"}}


@pytest.mark.parametrize("key", ["json_request_schema", "request_schema", None])
def test_oxen_schema_key_is_a_setting(key: str | None) -> None:
    with Emulator(oxen_schema_key=key) as emulator:
        details = sdk(emulator, "oxen").models.retrieve("gpt-5-2-chat-latest").to_dict()
        listed = [m.to_dict() for m in sdk(emulator, "oxen").models.list()]
    assert listed[0] == details
    if key is None:
        assert details["json_request_schema"] is None
        assert "request_schema" not in details
    else:
        other = {"json_request_schema", "request_schema"} - {key}
        assert details[key]["required"] == ["model", "messages"]
        assert not other & set(details)


def test_oxen_schema_key_is_checked() -> None:
    with pytest.raises(ValueError, match="oxen_schema_key"):
        Emulator(oxen_schema_key="schema")


# -- Oxen refuses audio --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "part",
    [
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {"type": "audio_url", "audio_url": {"url": "https://example.com/a.mp3"}},
    ],
)
def test_oxen_refuses_audio_parts(emulator: Emulator, part: dict[str, Any]) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is said?"}, part]}]
    with pytest.raises(openai.BadRequestError) as info:
        sdk(emulator, "oxen").chat.completions.create(model=MODELS["oxen"], messages=messages)  # type: ignore[arg-type]
    body = info.value.response.json()
    assert set(body) == OXEN_ERROR_KEYS
    assert body["error"]["type"] == "bad_request"
    assert "messages[0].content[1]" in body["error"]["detail"]
    assert "audio" in body["error"]["detail"]


def test_oxen_accepts_image_parts(emulator: Emulator) -> None:
    part = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, part]}]
    reply = sdk(emulator, "oxen").chat.completions.create(model=MODELS["oxen"], messages=messages)  # type: ignore[arg-type]
    assert reply.choices[0].message.content


# -- scripted reasoning_content ----------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_scripted_reasoning_content(route: str) -> None:
    thought = "The user greets me, so I greet back briefly and offer help."
    with Emulator(reasoning_content=thought) as emulator:
        client = sdk(emulator, route)
        reply = client.chat.completions.create(model=MODELS[route], messages=user("Hello"))  # type: ignore[arg-type]
        stream = client.chat.completions.create(
            model=MODELS[route],
            messages=user("Hello"),  # type: ignore[arg-type]
            stream=True,
        )
        deltas = [c.choices[0].delta.to_dict() for c in stream if c.choices]
        emulator.reasoning_content = None
        plain = client.chat.completions.create(model=MODELS[route], messages=user("Hello"))  # type: ignore[arg-type]
    message = reply.choices[0].message.to_dict()
    assert message["reasoning_content"] == thought
    streamed = "".join(d.get("reasoning_content", "") for d in deltas)
    assert streamed == thought
    assert sum(1 for d in deltas if "reasoning_content" in d) > 1  # pieces, not one blob
    first_content = next(i for i, d in enumerate(deltas) if d.get("content"))
    assert max(i for i, d in enumerate(deltas) if "reasoning_content" in d) < first_content
    assert "".join(d.get("content") or "" for d in deltas) == message["content"]
    assert "reasoning_content" not in plain.choices[0].message.to_dict()


def test_reasoning_content_reaches_the_client(emulator: Emulator) -> None:
    emulator.reasoning_content = "Adding two and two."
    llm = ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=KEY)
    message = llm.invoke("What is 2 + 2?")
    assert message.additional_kwargs["reasoning_content"] == "Adding two and two."


# -- AI/ML API error shapes --------------------------------------------------------------------


def test_aimlapi_validation_error_shape(emulator: Emulator) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk(emulator, "aimlapi").chat.completions.create(
            model=MODELS["aimlapi"],
            messages=user("hi"),  # type: ignore[arg-type]
            temperature=3,
        )
    body = info.value.response.json()
    assert set(body) == AIMLAPI_VALIDATION_KEYS
    assert body["title"] == "Bad Request" and body["status"] == 400
    assert body["instance"] == "/v1/chat/completions"
    assert body["message"].startswith("Body validation error: ")
    assert set(body["error"]) == {"name", "message", "data"}
    assert body["error"]["name"] == "ZodError"
    [issue] = body["error"]["data"]
    assert {"code", "path", "message"} <= set(issue)
    assert issue["path"] == ["temperature"]
    # the SDK surfaces body["error"]: the zod issues as JSON text, exactly as the service sends
    assert info.value.body == body["error"]
    assert json.loads(body["error"]["message"]) == body["error"]["data"]


@pytest.mark.parametrize(
    ("key", "error", "status"),
    [("wrong-key", openai.AuthenticationError, 401)],
)
def test_aimlapi_plain_error_shape(
    emulator: Emulator, key: str, error: type[openai.APIStatusError], status: int
) -> None:
    with pytest.raises(error) as info:
        sdk(emulator, "aimlapi", key).chat.completions.create(
            model=MODELS["aimlapi"],
            messages=user("hi"),  # type: ignore[arg-type]
        )
    body = info.value.response.json()
    assert set(body) == AIMLAPI_ERROR_KEYS
    assert body["statusCode"] == status
    assert body["path"] == "/v1/chat/completions"
    assert key not in json.dumps(body)


def test_aimlapi_out_of_credits_shape(emulator: Emulator) -> None:
    emulator.set_credits(0)
    with pytest.raises(openai.PermissionDeniedError) as info:
        sdk(emulator, "aimlapi").chat.completions.create(
            model=MODELS["aimlapi"],
            messages=user("hi"),  # type: ignore[arg-type]
        )
    body = info.value.response.json()
    assert set(body) == AIMLAPI_ERROR_KEYS
    assert body["statusCode"] == 403


# -- chunk pacing ------------------------------------------------------------------------------


def test_chunk_delay_paces_streams() -> None:
    delay = 0.03
    with Emulator(chunk_delay=delay) as emulator:
        stream = sdk(emulator, "aimlapi").chat.completions.create(
            model=MODELS["aimlapi"],
            messages=user(LONG_PROMPT),  # type: ignore[arg-type]
            stream=True,
        )
        arrivals = [time.monotonic() for _ in stream]
    assert len(arrivals) > 4
    # a lower bound only: the server sleeps at least `delay` between chunks
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 2) * delay * 0.9


@pytest.mark.parametrize("bad", [-1, 11, "0.02", True])
def test_chunk_delay_is_checked(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="chunk_delay"):
        Emulator(chunk_delay=bad)
