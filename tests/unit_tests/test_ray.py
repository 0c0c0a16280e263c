"""The pure parts of the Ray integration: model specs, batch columns, input checks."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

pytest.importorskip(
    "ray.data", reason='Ray Data is not installed: pip install "langchain-gpt52[ray]"'
)

import numpy as np
import pyarrow as pa

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52Failover, ChatOxen
from langchain_gpt52.bulk.rows import RowProblem
from langchain_gpt52.ray.columns import OUTPUT_SCHEMA, raw_rows, to_table
from langchain_gpt52.ray.model_spec import ModelSpec, Secrets

KEY = "sk-unit-Secret-4242"


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AIMLAPI_API_KEY", "OXEN_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def _llm(**kwargs: Any) -> ChatAIMLAPI:
    return ChatAIMLAPI(api_key=KEY, base_url="http://127.0.0.1:9/v1", **kwargs)


# -- ModelSpec -----------------------------------------------------------------------------


def test_spec_rebuilds_the_model_with_its_parameters_and_key() -> None:
    spec = ModelSpec.of(_llm(max_tokens=50, temperature=0.2))
    model = pickle.loads(pickle.dumps(spec)).build()
    assert isinstance(model, ChatAIMLAPI)
    assert (model.max_tokens, model.temperature, model.base_url) == (
        50,
        0.2,
        "http://127.0.0.1:9/v1",
    )
    assert model.api_key is not None and model.api_key.get_secret_value() == KEY


def test_spec_keeps_the_key_out_of_its_data_and_reprs() -> None:
    spec = ModelSpec.of(_llm())
    assert KEY not in json.dumps(spec.serialized)
    assert KEY not in repr(spec) and KEY not in str(spec.secrets)
    assert spec.key_names() == ["AIMLAPI_API_KEY"]
    assert repr(spec.secrets) == "Secrets(AIMLAPI_API_KEY=***)"
    assert KEY.encode() not in pickle.dumps(ModelSpec.of(_llm(), include_keys=False))


def test_spec_without_keys_reads_the_worker_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ModelSpec.of(_llm(), include_keys=False)
    with pytest.raises(ValueError, match="No API key for ChatAIMLAPI on this worker: set AIMLAPI"):
        spec.build()
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-from-the-worker")
    model = spec.build()
    assert isinstance(model, ChatAIMLAPI) and model.api_key is not None
    assert model.api_key.get_secret_value() == "sk-from-the-worker"


def test_spec_refuses_what_it_cannot_describe() -> None:
    with pytest.raises(TypeError, match="model must be a chat model of langchain_gpt52"):
        ModelSpec.of("gpt-5.2")  # type: ignore[arg-type]


def test_spec_rebuilds_only_this_packages_classes() -> None:
    serialized = ModelSpec.of(_llm()).serialized
    foreign = {**serialized, "id": ["langchain_openai", "chat_models", "ChatOpenAI"]}
    with pytest.raises(ValueError):
        ModelSpec(foreign, Secrets()).build()


def test_spec_of_another_provider_names_its_own_variable() -> None:
    oxen = ChatOxen(api_key=KEY, base_url="http://127.0.0.1:9/api")
    spec = ModelSpec.of(oxen)
    assert spec.key_names() == ["OXEN_API_KEY"] and spec.class_name == "ChatOxen"
    assert isinstance(spec.build(), ChatOxen)


def test_failover_model_round_trips_when_serializable_or_is_refused_by_name() -> None:
    members = [_llm(), ChatOxen(api_key="sk-oxen-Other-77", base_url="http://127.0.0.1:9/api")]
    failover = ChatGPT52Failover(models=members)
    if not ChatGPT52Failover.is_lc_serializable():
        with pytest.raises(TypeError, match="ChatGPT52Failover cannot be described"):
            ModelSpec.of(failover)
        return
    spec = ModelSpec.of(failover)
    assert spec.key_names() == ["AIMLAPI_API_KEY", "OXEN_API_KEY"]
    assert KEY not in json.dumps(spec.serialized)
    rebuilt = spec.build()
    assert isinstance(rebuilt, ChatGPT52Failover)
    keys = [m.api_key.get_secret_value() for m in rebuilt.models]  # type: ignore[union-attr]
    assert keys == [KEY, "sk-oxen-Other-77"]


# -- columns ---------------------------------------------------------------------------------

ROWS = [
    {"id": "a", "prompt": "Hi", "params": {"temperature": 0.5}},
    {"id": "b", "messages": [{"role": "user", "content": "Yo"}], "params": {"max_tokens": 9}},
]


def _expected() -> list[dict[str, Any]]:
    return [
        {"id": "a", "prompt": "Hi", "params": {"temperature": 0.5}},
        {"id": "b", "messages": [{"role": "user", "content": "Yo"}], "params": {"max_tokens": 9}},
    ]


def _table() -> pa.Table:
    # As Ray Data builds it: one column per key, structs with the union of the keys.
    return pa.table(
        {name: [row.get(name) for row in ROWS] for name in ("id", "prompt", "messages", "params")}
    )


def test_arrow_struct_nulls_are_dropped_again() -> None:
    table = _table()
    assert table.to_pylist()[0]["params"] == {"temperature": 0.5, "max_tokens": None}
    assert list(raw_rows(table)) == _expected()


def test_numpy_batches_give_the_same_rows() -> None:
    table = _table()
    numpy_batch = {}
    for name in table.column_names:
        column = np.empty(table.num_rows, dtype=object)  # Ray's object columns
        column[:] = table.column(name).to_pylist()
        numpy_batch[name] = column
    inner = np.empty(1, dtype=object)
    inner[0] = {"role": "user", "content": "Yo"}
    numpy_batch["messages"][1] = inner  # a list cell arrives as an array
    assert list(raw_rows(numpy_batch)) == _expected()


def test_pandas_batches_lose_no_row() -> None:
    rows = list(raw_rows(_table().to_pandas()))
    assert [row["id"] for row in rows] == ["a", "b"]
    assert "prompt" not in rows[1]  # pandas' NaN is a missing value, as Arrow's null
    assert rows[1]["messages"] == [{"role": "user", "content": "Yo"}]


def test_json_lines_are_parsed_and_a_bad_line_is_named() -> None:
    lines = pa.table({"text": [json.dumps(ROWS[0]), "{not json", "[1, 2]"]})
    good, bad_json, not_object = raw_rows(lines, json_column="text")
    assert good == ROWS[0]
    assert isinstance(bad_json, RowProblem) and isinstance(not_object, RowProblem)
    assert "line is not JSON" in bad_json.message and len(bad_json.id) == 16
    assert not_object.message == "line is not a JSON object"


def test_result_lines_get_one_schema_whatever_they_hold() -> None:
    ok = {
        "id": "a",
        "status": "ok",
        "output": {"name": "Ada", "tags": ["x"]},
        "usage": {
            "input_tokens": 5,
            "output_tokens": 7,
            "total_tokens": 12,
            "output_token_details": {"reasoning": 3},
        },
        "cost": 0.0001,
        "attempts": 1,
        "latency_s": 0.2,
    }
    error = {
        "id": "b",
        "status": "error",
        "error": {"type": "BadRequestError", "status_code": 400, "message": "no"},
    }
    skipped = {"id": "c", "status": "skipped", "reason": "budget", "message": "over"}
    tables = [to_table([ok]), to_table([error]), to_table([skipped]), to_table([])]
    assert all(t.schema == OUTPUT_SCHEMA for t in tables)
    first = tables[0].to_pylist()[0]
    assert json.loads(first["output"]) == {"name": "Ada", "tags": ["x"]}
    assert first["usage"]["output_token_details"]["reasoning"] == 3
    assert tables[1].to_pylist()[0]["error"]["status_code"] == 400
    assert pa.concat_tables(tables).num_rows == 3


def test_a_result_key_without_a_column_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"\['credits'\].*OUTPUT_SCHEMA"):
        to_table([{"id": "a", "status": "ok", "credits": 3}])


# -- bad input is refused before Ray runs anything ----------------------------------------------


@pytest.mark.parametrize(
    ("rows", "options", "error", "match"),
    [
        ("missing.jsonl", {}, FileNotFoundError, "rows file not found: missing.jsonl"),
        ([{"prompt": "hi"}], {}, TypeError, "rows must be a JSONL path or a ray.data.Dataset"),
        ("rows.jsonl", {"max_usd": float("nan")}, ValueError, "max_usd must be a finite number"),
        ("rows.jsonl", {"output_format": "csv"}, ValueError, "output_format must be"),
        ("rows.jsonl", {"limits": object(), "rpm": 60}, ValueError, "give rpm/tpm to Cluster"),
    ],
)
def test_run_bulk_on_ray_refuses_bad_arguments_first(
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    rows: Any,
    options: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    from langchain_gpt52.ray import run_bulk_on_ray

    monkeypatch.chdir(tmp_path)
    (tmp_path / "rows.jsonl").write_text('{"prompt": "hi"}\n')
    with pytest.raises(error, match=match):
        run_bulk_on_ray(_llm(), rows, tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_processor_budget_needs_a_store_the_actors_share() -> None:
    from langchain_gpt52.ray import GPT52Processor

    with pytest.raises(ValueError, match="max_usd needs a budget shared by the actors"):
        GPT52Processor(_llm(), max_usd=1)
    with pytest.raises(ValueError, match="max_usd must be a finite number"):
        GPT52Processor(_llm(), max_usd=-1)
