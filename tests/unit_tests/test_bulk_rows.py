"""Rows in: lazy reading, ids, and the checks a row gets before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52Failover, ChatOxen
from langchain_gpt52.bulk.rows import Row, RowProblem, parse_row, read_rows, row_id

MODEL = ChatAIMLAPI(api_key="k", base_url="http://127.0.0.1:9/v1")


def test_prompt_row_becomes_one_user_message_with_a_token_estimate() -> None:
    row = parse_row(MODEL, {"id": "a", "prompt": "Hello there"}, 0)
    assert isinstance(row, Row)
    assert row.id == "a"
    assert [type(m) for m in row.messages] == [HumanMessage]
    assert row.tokens > 1024  # the prompt plus the default output allowance


def test_messages_row_takes_openai_dicts_and_the_row_max_tokens_as_allowance() -> None:
    raw = {
        "messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}],
        "params": {"max_tokens": 10},
    }
    row = parse_row(MODEL, raw, 3)
    assert isinstance(row, Row)
    assert [type(m) for m in row.messages] == [SystemMessage, HumanMessage]
    assert row.params == {"max_tokens": 10}
    assert 10 < row.tokens < 40


def test_id_defaults_to_a_stable_content_hash() -> None:
    a = row_id({"prompt": "x", "params": {"seed": 1}})
    assert a == row_id({"params": {"seed": 1}, "prompt": "x"})
    assert a != row_id({"prompt": "x", "params": {"seed": 2}})
    assert row_id({"id": 7, "prompt": "x"}) == "7"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"id": "r", "prompt": "x", "params": {"temperature": 7}}, "temperature=7"),
        ({"id": "r", "prompt": "x", "params": {"bogus": 1}}, "'bogus' is not in AI/ML API"),
        ({"id": "r", "prompt": "x", "messages": []}, "exactly one of 'prompt'"),
        ({"id": "r"}, "exactly one of 'prompt'"),
        ({"id": "r", "prompt": ""}, "non-empty string"),
        ({"id": "r", "prompt": "x", "extra": 1}, "unknown keys ['extra']"),
        ({"id": "r", "prompt": "x", "params": {"stream": True}}, "'stream' cannot be set"),
        ({"id": "r", "messages": [{"role": "wizard", "content": "x"}]}, "r"),
        ("just text", "not an object"),
    ],
)
def test_bad_row_is_a_problem_naming_the_row_and_the_fix(raw: Any, words: str) -> None:
    problem = parse_row(MODEL, raw, 5)
    assert isinstance(problem, RowProblem)
    assert words in problem.message
    if isinstance(raw, dict):
        assert problem.id == "r" and "'r'" in problem.message


def test_failover_rows_are_checked_against_every_member() -> None:
    failover = ChatGPT52Failover(
        models=[MODEL, ChatOxen(api_key="k", base_url="http://127.0.0.1:9/api")]
    )
    assert isinstance(parse_row(failover, {"prompt": "x", "params": {"seed": 3}}, 0), Row)
    problem = parse_row(failover, {"id": "f", "prompt": "x", "params": {"top_p": 5}}, 0)
    assert isinstance(problem, RowProblem) and "models[0]" in problem.message


def test_jsonl_lines_are_read_one_at_a_time_and_bad_json_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"prompt": "a"}) + "\n\n{not json\n" + json.dumps({"prompt": "b"}))
    items = list(read_rows(path))
    assert [i for i, _ in items] == [0, 1, 2]
    assert items[0][1] == {"prompt": "a"}
    assert isinstance(items[1][1], RowProblem) and "line 3 is not JSON" in items[1][1].message


def test_an_iterable_is_consumed_lazily() -> None:
    pulled: list[int] = []

    def endless() -> Iterator[dict[str, Any]]:
        n = 0
        while True:
            pulled.append(n)
            yield {"prompt": str(n)}
            n += 1

    rows = read_rows(endless())
    assert [next(rows)[0] for _ in range(3)] == [0, 1, 2]
    assert pulled == [0, 1, 2]


def test_missing_file_and_single_dict_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="rows file not found"):
        list(read_rows(tmp_path / "nope.jsonl"))
    with pytest.raises(TypeError, match="not one dict"):
        list(read_rows({"prompt": "x"}))  # type: ignore[arg-type]
