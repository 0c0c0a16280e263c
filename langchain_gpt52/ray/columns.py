"""Rows between Ray Data batches and the bulk runner's dicts: pure functions, no Ray.

In: a batch in any of Ray Data's formats (`pyarrow.Table`, `pandas.DataFrame`, a dict of
NumPy arrays) becomes the bulk runner's raw rows (`id`, `prompt` or `messages`, `params`).
Arrow fills a struct's missing keys with nulls (a row without `temperature` in its `params`
reads back as `temperature: None`), so null values are dropped again here; a row given as
JSON text (`ray.data.read_text` of a JSONL file) is parsed here, so one bad line is one error
row rather than a failed read.

A pandas batch turns a nullable integer into a float (`max_tokens` 9 into 9.0): prefer
`batch_format="pyarrow"` (as `run_bulk_on_ray` does) or the default NumPy batches.

Out: result lines become a `pyarrow.Table` with one fixed schema (`OUTPUT_SCHEMA`), the same
in every batch and every run, so `write_parquet`/`write_json` and a later read agree:
`usage` and `error` are structs with fixed fields (`usage` follows LangChain's
`UsageMetadata`), `cost` is USD as a float, and `output` is a string: the text, or for a
job with `schema=` the structured object as JSON text (`json.loads(row["output"])`).
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Iterator, Mapping
from typing import Any

import pyarrow as pa
from langchain_core.messages.ai import UsageMetadata
from typing_extensions import is_typeddict

from langchain_gpt52.bulk.rows import RowProblem

__all__ = ["OUTPUT_SCHEMA", "bad_json_row", "raw_rows", "to_table"]


def _struct_of(typed_dict: Any) -> pa.DataType:
    """An Arrow struct with one field per key of a TypedDict of ints and nested TypedDicts."""
    fields = []
    for name, hint in typing.get_type_hints(typed_dict).items():
        nested = hint is not int and is_typeddict(hint)
        fields.append(pa.field(name, _struct_of(hint) if nested else pa.int64()))
    return pa.struct(fields)


ERROR_TYPE = pa.struct(
    [
        pa.field("type", pa.string()),
        pa.field("status_code", pa.int64()),
        pa.field("message", pa.string()),
    ]
)

OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("status", pa.string()),
        pa.field("output", pa.string()),
        pa.field("finish_reason", pa.string()),
        pa.field("usage", _struct_of(UsageMetadata)),
        pa.field("cost", pa.float64()),
        pa.field("served_by", pa.string()),
        pa.field("request_id", pa.string()),
        pa.field("client_request_id", pa.string()),
        pa.field("attempts", pa.int64()),
        pa.field("latency_s", pa.float64()),
        pa.field("error", ERROR_TYPE),
        pa.field("reason", pa.string()),
        pa.field("message", pa.string()),
    ]
)
"""The columns of a result dataset: the bulk runner's JSONL line, typed once for Arrow."""

_COLUMNS = frozenset(OUTPUT_SCHEMA.names)


def _plain(value: Any) -> Any:
    """NumPy arrays and scalars (Ray's `numpy` batches) as Python lists and scalars."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _is_nan(value: Any) -> bool:
    """pandas' missing value (NaN) in an object column."""
    return isinstance(value, float) and value != value


def _without_nulls(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """`value` with the null entries of its dicts removed (those in `keep` stay)."""
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None or k in keep}
    if isinstance(value, list):
        return [_without_nulls(v, frozenset({"content"})) for v in value]
    return value


def _batch_records(batch: Any) -> list[dict[str, Any]]:
    if isinstance(batch, pa.Table):
        return list(batch.to_pylist())
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):  # a pandas DataFrame
        return [
            {k: _plain(v) for k, v in r.items() if not _is_nan(v)} for r in batch.to_dict("records")
        ]
    if isinstance(batch, Mapping):
        columns = {name: _plain(values) for name, values in batch.items()}
        size = len(next(iter(columns.values()), []))
        return [{name: values[i] for name, values in columns.items()} for i in range(size)]
    raise TypeError(
        f"a batch must be a pyarrow Table, a pandas DataFrame or a dict, not {type(batch).__name__}"
    )


def bad_json_row(text: str, problem: str) -> RowProblem:
    """A line that is not a JSON object: an id from its content, and why."""
    digest = hashlib.sha256(text.strip().encode()).hexdigest()[:16]
    return RowProblem(digest, 0, problem)


def raw_rows(batch: Any, json_column: str | None = None) -> Iterator[dict[str, Any] | RowProblem]:
    """The bulk runner's raw rows in `batch` (nulls from Arrow's struct filling dropped).

    With `json_column`, each row is the JSON object in that column (a line of a JSONL file);
    a line that is not one comes out as a `RowProblem` (`bad_json_row`).
    """
    for record in _batch_records(batch):
        if json_column is None:
            yield _without_nulls(record)
            continue
        text = record.get(json_column)
        try:
            parsed = json.loads(text) if isinstance(text, (str, bytes)) else None
        except ValueError as exc:
            yield bad_json_row(str(text), f"line is not JSON: {exc}")
            continue
        if not isinstance(parsed, dict):
            yield bad_json_row(str(text), "line is not a JSON object")
            continue
        yield parsed


def _cell(name: str, value: Any) -> Any:
    if name == "output" and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if name == "cost" and isinstance(value, Mapping):  # a cost dict: its USD figure
        value = value.get("usd")
    return value


def to_table(records: list[dict[str, Any]]) -> pa.Table:
    """Result lines as a table of `OUTPUT_SCHEMA` (a key it has no column for is an error)."""
    extra = {key for record in records for key in record} - _COLUMNS
    if extra:
        raise ValueError(
            f"result lines carry {sorted(extra)}, which OUTPUT_SCHEMA has no column for; "
            "add them to langchain_gpt52.ray.columns.OUTPUT_SCHEMA"
        )
    cells = [{name: _cell(name, value) for name, value in record.items()} for record in records]
    return pa.Table.from_pylist(cells, schema=OUTPUT_SCHEMA)
