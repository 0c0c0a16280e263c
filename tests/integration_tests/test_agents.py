"""A LangGraph ReAct agent with three tools, driven to a final answer through the emulator.

Most tests use LangGraph's prebuilt ``create_react_agent`` (deprecated in LangGraph 1.x in favour
of ``langchain.agents.create_agent``, but still the same graph: model node -> tool node -> model
node ...); the last one runs ``create_agent`` itself (``langchain`` is a test dependency).

The emulator's model calls the tools *named* in the user's message, one per turn when
``parallel_tool_calls=False`` (all at once otherwise), builds their arguments from the text after
each tool's name, and, once every named tool has answered, replies in text quoting the tool results.
So a three-tool prompt gives a real multi-step loop: 3 tool turns + 1 final answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.tools import BaseTool, tool
from langgraph.prebuilt import create_react_agent

from langchain_gpt52 import ChatAIMLAPI, ChatOxen
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.testing import Emulator

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:create_react_agent has been moved"),
]

PROMPT = (
    "First call get_weather for the weather in Paris, France. "
    "Then call get_population for Lyon, then call multiply with 6 and 7."
)
EXPECTED_CALLS = [
    ("get_weather", {"location": "Paris, France"}),
    ("get_population", {"city": "Lyon"}),
    ("multiply", {"a": 6, "b": 7}),
]
RESULTS = ["Sunny, 22 C in Paris, France", "522250", "42"]
PROVIDERS = ["aimlapi", "oxen"]


class Recorder:
    """Three tools that record every call (name and arguments) in ``calls``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

        @tool
        def get_weather(location: str) -> str:
            """Get the current weather in a city."""
            self.calls.append(("get_weather", {"location": location}))
            return f"Sunny, 22 C in {location}"

        @tool
        def get_population(city: str) -> int:
            """Look up the population of a city."""
            self.calls.append(("get_population", {"city": city}))
            return 522250 if city == "Lyon" else -1

        @tool
        def multiply(a: int, b: int) -> int:
            """Multiply two integers."""
            self.calls.append(("multiply", {"a": a, "b": b}))
            return a * b

        self.tools: list[BaseTool] = [get_weather, get_population, multiply]


def make_model(emulator: Emulator, provider: str) -> BaseChatGPT52:
    if provider == "aimlapi":
        return ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key=emulator.api_key)
    return ChatOxen(base_url=emulator.oxen_base_url, api_key=emulator.api_key)


def make_agent(emulator: Emulator, provider: str, recorder: Recorder, *, parallel: bool) -> Any:
    model = make_model(emulator, provider)
    bound = model.bind_tools(recorder.tools, parallel_tool_calls=parallel)
    return create_react_agent(bound, recorder.tools)


def chat_requests(emulator: Emulator) -> list[dict[str, Any]]:
    return [r.json for r in emulator.requests if r.path.endswith("/chat/completions")]


def check_run(
    emulator: Emulator,
    provider: str,
    recorder: Recorder,
    messages: list[BaseMessage],
    *,
    parallel: bool,
    streamed: bool,
) -> None:
    """The tools ran with the right args, the history is well formed, the answer quotes them."""
    if parallel:  # the tool node runs the three calls concurrently: any order
        assert sorted(recorder.calls, key=repr) == sorted(EXPECTED_CALLS, key=repr)
    else:
        assert recorder.calls == EXPECTED_CALLS
    ai_turns = [m for m in messages if isinstance(m, AIMessage)]
    tool_msgs = [m for m in messages if isinstance(m, ToolMessage)]
    if parallel:
        assert len(ai_turns) == 2
        assert [c["name"] for c in ai_turns[0].tool_calls] == [n for n, _ in EXPECTED_CALLS]
    else:
        assert len(ai_turns) == 4
        for turn, (name, args) in zip(ai_turns[:3], EXPECTED_CALLS, strict=True):
            assert [(c["name"], c["args"]) for c in turn.tool_calls] == [(name, args)]
    call_ids = [c["id"] for turn in ai_turns for c in turn.tool_calls]
    assert [m.tool_call_id for m in tool_msgs] == call_ids
    assert [m.content for m in tool_msgs] == RESULTS

    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert not final.tool_calls
    assert isinstance(final.content, str)
    for result in RESULTS:
        assert result in final.content, final.content
    for name, _ in EXPECTED_CALLS:
        assert name in final.content

    # One chat request per model turn, all on this provider's route, streamed or not.
    bodies = chat_requests(emulator)
    assert len(bodies) == len(ai_turns)
    expected_model = "openai/gpt-5-2" if provider == "aimlapi" else "gpt-5-2-chat-latest"
    for body in bodies:
        assert body["model"] == expected_model
        assert [t["function"]["name"] for t in body["tools"]] == [n for n, _ in EXPECTED_CALLS]
        assert body["parallel_tool_calls"] is parallel
        assert bool(body.get("stream")) is streamed
    # The last request carried every tool result back, answering the model's call ids.
    sent_tool_msgs = [m for m in bodies[-1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in sent_tool_msgs] == call_ids
    assert [m["content"] for m in sent_tool_msgs] == RESULTS
    sent_calls = [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for m in bodies[-1]["messages"]
        if m["role"] == "assistant"
        for c in m.get("tool_calls") or []
    ]
    assert sent_calls == EXPECTED_CALLS
    assert emulator.server_errors == []


# ---------------------------------------------------------------------------------------------
# invoke / ainvoke
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("parallel", [False, True], ids=["sequential", "parallel"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_agent_invoke(emulator: Emulator, provider: str, parallel: bool) -> None:
    recorder = Recorder()
    agent = make_agent(emulator, provider, recorder, parallel=parallel)
    state = agent.invoke({"messages": [("user", PROMPT)]})
    check_run(emulator, provider, recorder, state["messages"], parallel=parallel, streamed=False)


@pytest.mark.parametrize("parallel", [False, True], ids=["sequential", "parallel"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_agent_ainvoke(emulator: Emulator, provider: str, parallel: bool) -> None:
    recorder = Recorder()
    agent = make_agent(emulator, provider, recorder, parallel=parallel)
    state = await agent.ainvoke({"messages": [("user", PROMPT)]})
    check_run(emulator, provider, recorder, state["messages"], parallel=parallel, streamed=False)


# ---------------------------------------------------------------------------------------------
# stream / astream (token streaming with stream_mode="messages", plus the final state)
# ---------------------------------------------------------------------------------------------


class StreamLog:
    """Collects ``stream_mode=["messages", "values"]`` output."""

    def __init__(self) -> None:
        self.chunks: list[tuple[BaseMessage, dict[str, Any]]] = []
        self.last_values: dict[str, Any] | None = None

    def add(self, mode: str, payload: Any) -> None:
        if mode == "messages":
            message, metadata = payload
            self.chunks.append((message, metadata))
        else:
            assert mode == "values"
            self.last_values = payload

    def check(self) -> list[BaseMessage]:
        assert self.last_values is not None
        messages: list[BaseMessage] = self.last_values["messages"]
        model_chunks = [m for m, _ in self.chunks if isinstance(m, AIMessageChunk)]
        tool_results = [m for m, _ in self.chunks if isinstance(m, ToolMessage)]
        assert {md["langgraph_node"] for m, md in self.chunks if isinstance(m, AIMessageChunk)} == {
            "agent"
        }
        # Tokens really streamed: more chunks than model turns, tool-call pieces among them.
        ai_turns = [m for m in messages if isinstance(m, AIMessage)]
        assert len(model_chunks) > 2 * len(ai_turns)
        assert any(c.tool_call_chunks for c in model_chunks)
        # (ToolMessages are emitted as each tool finishes: in any order for parallel calls.)
        assert sorted(m.content for m in tool_results) == sorted(RESULTS)
        # The final turn's text chunks add up to the final answer in the state.
        final = messages[-1]
        final_chunks = [c for c in model_chunks if c.id == final.id]
        assert final_chunks, "no chunks of the final answer were streamed"
        text = "".join(c.content for c in final_chunks if isinstance(c.content, str))
        assert text == final.content
        assert len([c for c in final_chunks if c.content]) > 1
        return messages


@pytest.mark.parametrize("parallel", [False, True], ids=["sequential", "parallel"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_agent_stream(emulator: Emulator, provider: str, parallel: bool) -> None:
    recorder = Recorder()
    agent = make_agent(emulator, provider, recorder, parallel=parallel)
    log = StreamLog()
    for mode, payload in agent.stream(
        {"messages": [("user", PROMPT)]}, stream_mode=["messages", "values"]
    ):
        log.add(mode, payload)
    messages = log.check()
    check_run(emulator, provider, recorder, messages, parallel=parallel, streamed=True)


@pytest.mark.parametrize("parallel", [False, True], ids=["sequential", "parallel"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_agent_astream(emulator: Emulator, provider: str, parallel: bool) -> None:
    recorder = Recorder()
    agent = make_agent(emulator, provider, recorder, parallel=parallel)
    log = StreamLog()
    async for mode, payload in agent.astream(
        {"messages": [("user", PROMPT)]}, stream_mode=["messages", "values"]
    ):
        log.add(mode, payload)
    messages = log.check()
    check_run(emulator, provider, recorder, messages, parallel=parallel, streamed=True)


# ---------------------------------------------------------------------------------------------
# The loop ends where it should
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_agent_without_tool_need_answers_directly(emulator: Emulator, provider: str) -> None:
    """A prompt that names no tool and matches none gets a direct answer: no tool runs."""
    recorder = Recorder()
    agent = make_agent(emulator, provider, recorder, parallel=True)
    state = agent.invoke({"messages": [("user", "Hello there!")]})
    assert recorder.calls == []
    final = state["messages"][-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert final.content == "Hello! How can I help you today?"
    assert len(chat_requests(emulator)) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_agent_multi_turn_thread(emulator: Emulator, provider: str) -> None:
    """A checkpointed thread: a second user turn runs only the tool it names, with new args."""
    from langgraph.checkpoint.memory import InMemorySaver

    recorder = Recorder()
    model = make_model(emulator, provider)
    agent = create_react_agent(
        model.bind_tools(recorder.tools, parallel_tool_calls=False),
        recorder.tools,
        checkpointer=InMemorySaver(),
    )
    config: Any = {"configurable": {"thread_id": f"thread-{provider}"}}
    await agent.ainvoke({"messages": [("user", PROMPT)]}, config)
    assert recorder.calls == EXPECTED_CALLS
    recorder.calls.clear()
    state = await agent.ainvoke(
        {"messages": [("user", "Now call multiply with 12 and 11.")]}, config
    )
    assert recorder.calls == [("multiply", {"a": 12, "b": 11})]
    final = state["messages"][-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert "132" in final.content
    # The whole history (first run included) went to the model on the last turn.
    last = chat_requests(emulator)[-1]
    assert [m["role"] for m in last["messages"]].count("tool") == 4


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_langchain_create_agent_runs_the_loop(emulator: Emulator, provider: str) -> None:
    """``langchain.agents.create_agent`` (LangChain 1.x's agent) drives the same loop; it binds
    the tools itself (parallel calls allowed): one tool turn, then the answer."""
    from langchain.agents import create_agent

    recorder = Recorder()
    agent = create_agent(make_model(emulator, provider), recorder.tools)
    for run in (agent.ainvoke, None):
        recorder.calls.clear()
        emulator.reset()
        payload = {"messages": [("user", PROMPT)]}
        result = await run(payload) if run else agent.invoke(payload)
        assert sorted(recorder.calls, key=repr) == sorted(EXPECTED_CALLS, key=repr)
        final = result["messages"][-1]
        assert isinstance(final, AIMessage) and not final.tool_calls
        assert all(r in final.content for r in RESULTS), final.content
        assert len(chat_requests(emulator)) == 2
