"""Structured output: a reply cut by the token limit says so and what to change."""

from __future__ import annotations

import warnings

import pytest
from pydantic import BaseModel

from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.chat_models.structured import CutReplyError
from tests.unit_tests._chat_fakes import FakeProvider, clean_env, completion, json_reply

__all__ = ["clean_env"]


class Joke(BaseModel):
    setup: str
    punchline: str


def _cut_reply(method: str) -> dict[str, object]:
    if method == "function_calling":
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "Joke", "arguments": '{"setup": "Why'},
        }
        return completion(None, tool_calls=[call], finish_reason="length")
    return completion('{"setup": "Why did the', finish_reason="length")


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_a_cut_reply_raises_saying_to_raise_max_tokens(method: str) -> None:
    fake = FakeProvider(json_reply(_cut_reply(method)))
    llm = ChatAIMLAPI(api_key="k", max_tokens=8, **fake.clients())
    structured = llm.with_structured_output(Joke, method=method)  # type: ignore[arg-type]
    with pytest.raises(CutReplyError, match=r"cut by the output token limit.*raise max_tokens"):
        structured.invoke("A joke")


def test_include_raw_reports_the_cut_as_the_parsing_error() -> None:
    fake = FakeProvider(json_reply(_cut_reply("json_schema")))
    llm = ChatAIMLAPI(api_key="k", **fake.clients())
    out = llm.with_structured_output(Joke, include_raw=True).invoke("A joke")
    assert isinstance(out, dict)
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], CutReplyError)


def test_a_whole_reply_still_parses() -> None:
    fake = FakeProvider(json_reply(completion('{"setup": "a", "punchline": "b"}')))
    llm = ChatAIMLAPI(api_key="k", **fake.clients())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        joke = llm.with_structured_output(Joke).invoke("A joke")
    assert joke == Joke(setup="a", punchline="b")
