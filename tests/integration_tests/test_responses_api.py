"""Every AI/ML API GPT-5.2 model through `ChatAIMLAPI` against the emulator, on the wire format
its catalog row names (Chat Completions or the Responses API): invoke, stream, async, batch,
tools, structured output, cost, typed errors, retries, failover and an agent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.prebuilt import create_react_agent
from pydantic import BaseModel

from langchain_gpt52 import (
    BadRequestError,
    ChatAIMLAPI,
    ChatGPT52,
    ChatGPT52Failover,
    ChatOxen,
    RateLimitError,
    track_cost,
)
from langchain_gpt52.chat_models.structured import CutReplyError
from langchain_gpt52.cost import price_usd
from langchain_gpt52.providers import AIMLAPI
from langchain_gpt52.testing import Emulator, Fault

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:create_react_agent has been moved"),
]

RESPONSES = [row.model for row in AIMLAPI.models if row.endpoint == "responses"]
CHAT = [row.model for row in AIMLAPI.models if row.endpoint == "chat"]
SERVED = [row.model for row in AIMLAPI.models]
"""Every AI/ML API model, on its own wire format."""
LONG_PROMPT = "Please explain in detail why the sky is blue, with at least three reasons."


def llm(emulator: Emulator, model: str, **kw: Any) -> ChatAIMLAPI:
    return ChatAIMLAPI(
        base_url=emulator.aimlapi_base_url, api_key=emulator.api_key, model=model, **kw
    )


def posts(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.method == "POST"]


def path_of(model: str) -> str:
    row = AIMLAPI.row(model)
    assert row is not None
    return "/v1/responses" if row.endpoint == "responses" else "/v1/chat/completions"


def merged(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


class Joke(BaseModel):
    """A joke with a setup and a punchline."""

    setup: str
    punchline: str


@tool
def get_weather(location: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny, 22 C in {location}"


def test_the_catalog_names_the_responses_only_models() -> None:
    assert RESPONSES == ["openai/gpt-5-2-pro", "openai/gpt-5-2-codex"]
    assert set(CHAT) >= {"openai/gpt-5-2", "openai/gpt-5.2-pro", "openai/gpt-5.2-chat"}


# -- invoke, stream, async, batch ------------------------------------------------------------


@pytest.mark.parametrize("model", SERVED)
def test_invoke_goes_to_the_rows_endpoint(emulator: Emulator, model: str) -> None:
    msg = llm(emulator, model).invoke("Hello!")
    assert msg.content == "Hello! How can I help you today?"
    [sent] = posts(emulator)
    assert sent.path == path_of(model)
    assert sent.json["model"] == model
    md = msg.response_metadata
    assert md["finish_reason"] == "stop"
    assert md["request_id"]
    assert md["cost"] == {"usd": md["usd_spent"], "source": "provider"}
    assert isinstance(msg, AIMessage) and msg.usage_metadata
    assert msg.usage_metadata["input_tokens"] > 0


@pytest.mark.parametrize("model", SERVED)
def test_stream_matches_invoke_and_reports_cost_once(emulator: Emulator, model: str) -> None:
    model_llm = llm(emulator, model)
    whole = model_llm.invoke("What is 5 + 5?")
    chunks = list(model_llm.stream("What is 5 + 5?"))
    assert len([c for c in chunks if c.content]) > 1
    full = merged(chunks)
    assert full.content == whole.content
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.usage_metadata == whole.usage_metadata
    assert len([c for c in chunks if "cost" in c.response_metadata]) == 1
    assert full.response_metadata["cost"]["source"] == "provider"
    assert posts(emulator)[-1].json["stream"] is True


@pytest.mark.parametrize("model", SERVED)
async def test_async_and_batch(emulator: Emulator, model: str) -> None:
    model_llm = llm(emulator, model)
    msg = await model_llm.ainvoke("Hello!")
    chunks = [c async for c in model_llm.astream("What is 5 + 5?")]
    assert merged(chunks).content == "5 + 5 = 10."
    batch = await model_llm.abatch(["Hello!", "What is 5 + 5?"])
    assert [m.content for m in batch] == [msg.content, "5 + 5 = 10."]
    assert [m.content for m in model_llm.batch(["Hello!"])] == [msg.content]
    assert {r.path for r in posts(emulator)} == {path_of(model)}


# -- tools and structured output -------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("model", SERVED)
def test_a_tool_round_trip(emulator: Emulator, model: str, streamed: bool) -> None:
    bound = llm(emulator, model, streaming=streamed).bind_tools([get_weather])
    question = "Call get_weather for Rome, Italy."
    first = bound.invoke(question)
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [
        ("get_weather", {"location": "Rome, Italy"})
    ]
    assert first.response_metadata["finish_reason"] == "tool_calls"
    call = first.tool_calls[0]
    result = ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])
    final = bound.invoke([("user", question), first, result])
    assert not final.tool_calls
    assert "Sunny, 22 C in Rome, Italy" in final.text
    if path_of(model) == "/v1/responses":
        sent = posts(emulator)[-1].json
        assert sent["tools"][0]["name"] == "get_weather"
        kinds = [item["type"] for item in sent["input"]]
        assert kinds == ["message", "function_call", "function_call_output"]
        assert sent["input"][2]["call_id"] == sent["input"][1]["call_id"] == call["id"]


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
@pytest.mark.parametrize("model", SERVED)
def test_structured_output(emulator: Emulator, model: str, method: str) -> None:
    schema = None if method == "json_mode" else Joke
    runnable = llm(emulator, model).with_structured_output(schema, method=method)  # type: ignore[arg-type]
    answer = runnable.invoke("Tell me a joke as JSON")
    if method == "json_mode":
        assert isinstance(answer, dict) and answer
    else:
        assert isinstance(answer, Joke) and answer.setup and answer.punchline
    sent = posts(emulator)[-1].json
    if path_of(model) == "/v1/responses" and method != "function_calling":
        expected = "json_schema" if method == "json_schema" else "json_object"
        assert sent["text"]["format"]["type"] == expected
        assert "response_format" not in sent


@pytest.mark.parametrize("model", RESPONSES)
def test_a_reply_cut_by_max_output_tokens_says_length(emulator: Emulator, model: str) -> None:
    capped = llm(emulator, model, max_tokens=16)
    msg = capped.invoke(LONG_PROMPT)
    assert msg.content
    assert msg.response_metadata["finish_reason"] == "length"
    assert posts(emulator)[-1].json["max_output_tokens"] == 16
    chunks = list(capped.stream(LONG_PROMPT))
    assert merged(chunks).response_metadata["finish_reason"] == "length"
    with pytest.raises(CutReplyError):
        capped.with_structured_output(Joke).invoke(LONG_PROMPT * 4)


@pytest.mark.parametrize("model", RESPONSES)
def test_a_reasoning_summary_is_a_reasoning_block(emulator: Emulator, model: str) -> None:
    emulator.reasoning_content = "Adding two and two."
    model_llm = llm(emulator, model)
    for msg in (model_llm.invoke("What is 2 + 2?"), merged(list(model_llm.stream("2 + 2?")))):
        blocks = msg.content_blocks
        assert blocks[0] == {"type": "reasoning", "reasoning": "Adding two and two."}
        assert blocks[1]["type"] == "text"


# -- what is refused before sending ----------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "kwargs", "message"),
    [
        ("openai/gpt-5-2-pro", {"max_tokens": 15}, "at least 16"),
        ("openai/gpt-5-2-pro", {"reasoning_effort": "high"}, "schema for openai/gpt-5-2-pro"),
        ("openai/gpt-5-2-pro", {"temperature": 0.5}, "schema for openai/gpt-5-2-pro"),
        ("openai/gpt-5-2-codex", {"reasoning_effort": "xhigh"}, "low', 'medium', 'high"),
        ("openai/gpt-5-2-codex", {"seed": 3}, "'seed' is not in"),
        ("openai/gpt-5.2-pro", {"n": 2}, "'n' is not in AI/ML API's request schema for"),
        ("openai/gpt-5.2-chat", {"top_p": 0}, "top_p=0"),
    ],
)
def test_what_a_rows_schema_does_not_document_is_refused_before_sending(
    emulator: Emulator, model: str, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        llm(emulator, model).invoke("hi", **kwargs)
    with pytest.raises(ValueError, match=message):
        llm(emulator, model, **kwargs)
    assert posts(emulator) == []


def test_codex_sends_its_documented_reasoning_fields(emulator: Emulator) -> None:
    msg = llm(emulator, "openai/gpt-5-2-codex", reasoning_effort="high").invoke(
        "Hello!", reasoning_summary="auto"
    )
    assert msg.content
    assert posts(emulator)[-1].json["reasoning"] == {"effort": "high", "summary": "auto"}


# -- cost ------------------------------------------------------------------------------------


def _response_without_cost(emulator: Emulator, model: str) -> dict[str, Any]:
    body = llm(emulator, model).invoke("Hello!").response_metadata
    assert body["cost"]["source"] == "provider"
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-5.2-pro-2025-12-11",
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Hi!", "annotations": []}],
            }
        ],
        "usage": {
            "input_tokens": 1000,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 500,
            "output_tokens_details": {"reasoning_tokens": 100},
            "total_tokens": 1500,
        },
    }


def test_cost_from_the_price_table_when_the_provider_sends_none(emulator: Emulator) -> None:
    model = "openai/gpt-5-2-pro"
    emulator.enqueue(Fault.respond(json=_response_without_cost(emulator, model)))
    model_llm = llm(emulator, model)
    msg = model_llm.invoke("Hello!")
    assert isinstance(msg, AIMessage) and msg.usage_metadata
    price = model_llm._list_price()
    assert price is not None and (price.input, price.output) == (21.0, 168.0)
    assert msg.response_metadata["cost"] == {
        "usd": pytest.approx(price_usd(msg.usage_metadata, price)),
        "source": "price_table",
    }
    assert msg.response_metadata["cost"]["usd"] == pytest.approx((1000 * 21 + 500 * 168) / 1e6)


def test_a_model_with_no_published_price_has_no_table_cost(emulator: Emulator) -> None:
    model = "openai/gpt-5-2-codex"
    emulator.enqueue(Fault.respond(json=_response_without_cost(emulator, model)))
    with track_cost() as cost:
        msg = llm(emulator, model).invoke("Hello!")
    assert "cost" not in msg.response_metadata
    assert (cost.calls, cost.unpriced_calls) == (1, 1)


@pytest.mark.parametrize("model", RESPONSES)
async def test_track_cost_counts_every_call(emulator: Emulator, model: str) -> None:
    model_llm = llm(emulator, model)
    with track_cost() as cost:
        msgs = [model_llm.invoke("Hello!"), merged(list(model_llm.stream("Hello!")))]
        msgs.append(await model_llm.ainvoke("Hello!"))
    assert cost.calls == 3
    assert cost.total_usd == pytest.approx(sum(m.response_metadata["cost"]["usd"] for m in msgs))


# -- errors, retries, odd streams ------------------------------------------------------------


@pytest.mark.parametrize("model", RESPONSES)
def test_a_provider_validation_error_is_a_typed_error(emulator: Emulator, model: str) -> None:
    with pytest.raises(BadRequestError) as err:
        llm(emulator, model, model_kwargs={"max_output_tokens": 5}).invoke("hi")
    assert err.value.status_code == 400
    assert "max_output_tokens" in str(err.value)
    assert err.value.request_id


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_a_429_is_retried_then_raised(emulator: Emulator, mode: str) -> None:
    model_llm = llm(emulator, "openai/gpt-5-2-pro", max_retries=1)
    emulator.enqueue(Fault.status(429, retry_after="0"))
    run = model_llm.invoke if mode == "invoke" else (lambda p: merged(list(model_llm.stream(p))))
    assert run("Hello!").content
    assert [r.path for r in posts(emulator)] == ["/v1/responses"] * 2
    emulator.enqueue(Fault.status(429, retry_after="0", times=2))
    with pytest.raises(RateLimitError):
        run("Hello!")


def test_a_stream_cut_mid_answer_is_not_retried(emulator: Emulator) -> None:
    from langchain_gpt52 import APIConnectionError

    emulator.enqueue(Fault.cut_stream(after=4))
    with pytest.raises(APIConnectionError):
        list(llm(emulator, "openai/gpt-5-2-pro", max_retries=2).stream(LONG_PROMPT))
    assert len(posts(emulator)) == 1


def _item(index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "response.output_item.done", "output_index": index, "item": item}


ITEMS_ONLY = [
    _item(0, {"type": "message", "content": [{"type": "output_text", "text": "Whole."}]}),
    _item(
        1,
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
    ),
]


@pytest.mark.parametrize("completed", [True, False], ids=["completed", "no-completed"])
def test_a_stream_of_finished_items_only(emulator: Emulator, completed: bool) -> None:
    events: list[Any] = list(ITEMS_ONLY)
    if completed:
        events.append({"type": "response.completed", "response": {"status": "completed"}})
    emulator.enqueue(Fault.respond(sse=events, done=False))
    msg = merged(list(llm(emulator, "openai/gpt-5-2-pro").stream("hi")))
    assert msg.content == "Whole."
    assert [c["name"] for c in msg.tool_calls] == ["get_weather"]
    assert msg.response_metadata["finish_reason"] == "tool_calls"


def test_a_failed_response_event_is_a_typed_error(emulator: Emulator) -> None:
    from langchain_gpt52 import APIResponseValidationError

    failed = {
        "type": "response.failed",
        "response": {"status": "failed", "error": {"code": "server_error", "message": "oops"}},
    }
    emulator.enqueue(Fault.respond(sse=[ITEMS_ONLY[0], failed], done=False))
    with pytest.raises(APIResponseValidationError, match="oops"):
        list(llm(emulator, "openai/gpt-5-2-pro").stream("hi"))


# -- failover, agents, ChatGPT52 -------------------------------------------------------------


@pytest.mark.parametrize("responses_first", [True, False], ids=["responses-first", "chat-first"])
@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_failover_between_a_responses_member_and_a_chat_member(
    emulator: Emulator, responses_first: bool, mode: str
) -> None:
    responses = llm(emulator, "openai/gpt-5-2-pro", max_retries=0)
    chat = ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key, max_retries=0)
    members: list[Any] = [responses, chat] if responses_first else [chat, responses]
    emulator.enqueue(Fault.status(503), route="aimlapi" if responses_first else "oxen")
    fo = ChatGPT52Failover(models=members)
    msg: BaseMessage = (
        fo.invoke("Hello!") if mode == "invoke" else merged(list(fo.stream("Hello!")))
    )
    assert msg.content
    served = "oxen/gpt-5-2-chat-latest#1" if responses_first else "aimlapi/openai/gpt-5-2-pro#1"
    assert msg.response_metadata["served_by"] == served
    assert len(msg.response_metadata["failed_over"]) == 1
    assert {r.path for r in posts(emulator)} == {"/v1/responses", "/api/ai/chat/completions"}


def test_an_agent_runs_its_tools_through_the_responses_api(emulator: Emulator) -> None:
    calls: list[tuple[str, Any]] = []

    @tool
    def get_population(city: str) -> int:
        """Look up the population of a city."""
        calls.append(("get_population", city))
        return 522250

    @tool
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        calls.append(("multiply", (a, b)))
        return a * b

    model = llm(emulator, "openai/gpt-5-2-pro").bind_tools(
        [get_population, multiply], parallel_tool_calls=False
    )
    agent = create_react_agent(model, [get_population, multiply])
    prompt = "First call get_population for Lyon, then call multiply with 6 and 7."
    result = agent.invoke({"messages": [("user", prompt)]})
    assert calls == [("get_population", "Lyon"), ("multiply", (6, 7))]
    final = result["messages"][-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert "522250" in final.text and "42" in final.text
    bodies = [r.json for r in posts(emulator)]
    assert len(bodies) == 3 and all(r.path == "/v1/responses" for r in posts(emulator))
    outputs = [i for i in bodies[-1]["input"] if i["type"] == "function_call_output"]
    assert [json.loads(o["output"]) for o in outputs] == [522250, 42]


@pytest.mark.parametrize("model", RESPONSES)
def test_request_ids_reach_the_metadata_on_the_responses_api(
    emulator: Emulator, model: str
) -> None:
    model_llm = llm(emulator, model)
    msg = model_llm.invoke("Hello!", client_request_id="job-1:row.7")
    streamed = merged(list(model_llm.stream("Hello!", client_request_id="job-1:row.8")))
    for message, sent in ((msg, "job-1:row.7"), (streamed, "job-1:row.8")):
        assert message.response_metadata["client_request_id"] == sent
        assert message.response_metadata["request_id"]
    assert [r.headers["x-client-request-id"] for r in posts(emulator)] == [
        "job-1:row.7",
        "job-1:row.8",
    ]


def test_a_bulk_run_on_a_responses_model(emulator: Emulator, tmp_path: Any) -> None:
    from langchain_gpt52.bulk import run_bulk

    out = tmp_path / "out.jsonl"
    rows = [{"id": f"r{i}", "prompt": f"say {i}"} for i in range(3)]
    rows.append({"id": "bad", "prompt": "x", "params": {"seed": 3}})
    summary = run_bulk(llm(emulator, "openai/gpt-5-2-pro"), rows, out, progress=False)
    lines = {line["id"]: line for line in map(json.loads, out.read_text().splitlines())}
    assert (summary.ok, summary.error) == (3, 1)
    assert all(lines[f"r{i}"]["output"] and lines[f"r{i}"]["cost"] > 0 for i in range(3))
    assert "seed" in str(lines["bad"]["error"])
    assert {r.path for r in posts(emulator)} == {"/v1/responses"}
    assert len(posts(emulator)) == 3


def test_chatgpt52_opts_in_to_the_responses_api(emulator: Emulator) -> None:
    gpt = ChatGPT52(
        base_url=emulator.aimlapi_base_url,
        api_key=emulator.api_key,
        model="openai/gpt-5-2-pro",
        use_responses_api=True,
    )
    assert gpt.invoke("Hello!").content == "Hello! How can I help you today?"
    assert merged(list(gpt.stream("What is 5 + 5?"))).content == "5 + 5 = 10."
    assert [r.path for r in posts(emulator)] == ["/v1/responses"] * 2


def test_chatgpt52_sends_gpt_5_2_pro_to_the_responses_api(emulator: Emulator) -> None:
    gpt = ChatGPT52(base_url=emulator.aimlapi_base_url, api_key=emulator.api_key)
    with pytest.raises(BadRequestError, match="model"):
        gpt.invoke("Hello!", model="gpt-5.2-pro")  # not an id the emulated gateway serves
    [sent] = posts(emulator)
    assert sent.path == "/v1/responses"
    assert sent.json["model"] == "gpt-5.2-pro"
