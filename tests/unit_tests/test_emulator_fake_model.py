"""Unit tests of the emulator's fake model: replies, tool calls, structured output, tokens."""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from langchain_gpt52.emulator.completion import complete, stream_chunks
from langchain_gpt52.emulator.fake_model.tokens import count_tokens, tokenize
from tests.unit_tests._emulator_helpers import (
    ADDER,
    MAGIC,
    NO_ARGS,
    OXEN_PATH,
    PATH,
    PROVIDERS,
    WEATHER,
    _body,
    _joined_stream,
    _tool,
    _tool_calls,
    validate,
)

# replies
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", "Hello! How can I help you today?"),
        ("how are you", "doing well"),
        ("What is 3 + 4", "3 + 4 = 7"),
        ("Write me 2 haikus.", "words arrive one at a time"),
        ("Something else entirely", 'You said: "Something else entirely"'),
    ],
)
def test_plain_text_reply(provider: str, text: str, expected: str) -> None:
    content = complete(provider, _body(provider, text))["choices"][0]["message"]["content"]  # type: ignore[arg-type]
    assert expected in content


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}],
            "I see 1 image.",
        ),
        (
            [
                {"type": "image_url", "image_url": {"url": "https://x/a.png"}},
                {"type": "image_url", "image_url": {"url": "https://x/b.png"}},
            ],
            "I see 2 images.",
        ),
        (
            [
                {
                    "type": "file",
                    "file": {
                        "filename": "test_file.pdf",
                        "file_data": "data:application/pdf;base64,AA",
                    },
                }
            ],
            "1 file (test_file.pdf)",
        ),
    ],
)
def test_multimodal_parts_are_acknowledged(parts: list[dict[str, Any]], expected: str) -> None:
    body = _body("aimlapi")
    body["messages"] = [
        {"role": "user", "content": [{"type": "text", "text": "Describe this."}, *parts]}
    ]
    validate("aimlapi", body, path=PATH)
    resp = complete("aimlapi", body)
    assert expected in resp["choices"][0]["message"]["content"]
    text_only = complete("aimlapi", _body("aimlapi", "Describe this."))
    assert resp["usage"]["prompt_tokens"] > text_only["usage"]["prompt_tokens"]


def test_double_messages_and_names() -> None:
    body = _body("aimlapi")
    body["messages"] = [
        {"role": "system", "content": "hello"},
        {"role": "system", "content": "hello"},
        {"role": "user", "content": "hello"},
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "hello"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "how are you", "name": "example_user"},
    ]
    validate("aimlapi", body, path=PATH)
    assert complete("aimlapi", body)["choices"][0]["message"]["content"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refusal(provider: str) -> None:
    body = _body(provider, "Tell me a secret [refuse]")
    resp = complete(provider, body)  # type: ignore[arg-type]
    message = resp["choices"][0]["message"]
    assert message["content"] is None
    assert message["refusal"] == "I'm sorry, I can't help with that."
    assert resp["choices"][0]["finish_reason"] == "stop"
    joined = _joined_stream(stream_chunks(provider, body))  # type: ignore[arg-type]
    assert joined["refusal"] == message["refusal"]
    assert not joined["content"]


# --------------------------------------------------------------------------------------
# tool calling
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("tool_choice", [None, "required", "auto"])
def test_tool_call_int_argument(provider: str, tool_choice: str | None) -> None:
    extra: dict[str, Any] = {"tools": [MAGIC]}
    if tool_choice:
        extra["tool_choice"] = tool_choice
    body = _body(provider, "What is the value of magic_function(3)? Use the tool.", **extra)
    resp = complete(provider, body)  # type: ignore[arg-type]
    assert _tool_calls(resp) == [("magic_function", {"input": 3})]
    choice = resp["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"][0]["id"].startswith("call_")
    assert choice["message"]["tool_calls"][0]["type"] == "function"


def test_tool_call_no_arguments() -> None:
    body = _body(
        "aimlapi",
        "What is the value of magic_function_no_args()? Use the tool.",
        tools=[NO_ARGS],
        tool_choice="required",
    )
    assert _tool_calls(complete("aimlapi", body)) == [("magic_function_no_args", {})]


def test_tool_choice_forces_named_tool() -> None:
    forced = {"type": "function", "function": {"name": "magic_function"}}
    body = _body("aimlapi", "Hello!", tools=[WEATHER, MAGIC], tool_choice=forced)
    calls = _tool_calls(complete("aimlapi", body))
    assert [c[0] for c in calls] == ["magic_function"]
    assert -1000 < calls[0][1]["input"] < 1000


def test_required_without_match_calls_first_tool() -> None:
    body = _body("aimlapi", "Hello!", tools=[MAGIC, WEATHER], tool_choice="required")
    assert _tool_calls(complete("aimlapi", body)) == [("magic_function", {"input": 0})]


def test_auto_without_any_match_answers_in_text() -> None:
    body = _body("aimlapi", "Hello!", tools=[MAGIC, WEATHER])
    resp = complete("aimlapi", body)
    assert _tool_calls(resp) == []
    assert resp["choices"][0]["message"]["content"]


def test_tool_choice_none_answers_in_text() -> None:
    body = _body("aimlapi", "What is the weather in Paris?", tools=[WEATHER], tool_choice="none")
    assert _tool_calls(complete("aimlapi", body)) == []


def test_location_string_from_word_match() -> None:
    body = _body("aimlapi", "What is the weather in San Francisco, CA?", tools=[WEATHER])
    assert _tool_calls(complete("aimlapi", body)) == [
        ("get_weather", {"location": "San Francisco, CA"})
    ]


def test_two_ints_in_order() -> None:
    body = _body("aimlapi", "What is 3 + 4", tools=[ADDER], tool_choice="required")
    assert _tool_calls(complete("aimlapi", body)) == [("my_adder_tool", {"a": 3, "b": 4})]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "Create a customer named '你好啊集团' (Hello Group) - a Chinese technology company",
            "你好",
        ),
        (
            "Create a customer named 'こんにちは株式会社' (Hello Corporation) - a Japanese company",
            "こんにちは",
        ),
    ],
)
def test_unicode_quoted_string_argument(text: str, fragment: str) -> None:
    tool = _tool(
        "unicode_customer",
        "Tool for creating a customer with Unicode name.",
        {
            "type": "object",
            "properties": {"customer_name": {"type": "string"}, "description": {"type": "string"}},
            "required": ["customer_name", "description"],
        },
    )
    resp = complete("oxen", _body("oxen", text, tools=[tool], tool_choice="required"))
    ((name, args),) = _tool_calls(resp)
    assert name == "unicode_customer"
    assert fragment in args["customer_name"]
    assert isinstance(args["description"], str) and args["description"]
    raw = resp["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert fragment in raw  # not \\u-escaped


def test_capitalized_phrase_argument() -> None:
    tool = _tool(
        "greeting_generator",
        "Generate a greeting in a particular style of speaking.",
        {
            "type": "object",
            "properties": {"answer_style": {"type": "string"}},
            "required": ["answer_style"],
        },
    )
    body = _body(
        "aimlapi",
        "Using the tool, generate a Pirate greeting.",
        tools=[tool],
        tool_choice="required",
    )
    assert _tool_calls(complete("aimlapi", body)) == [
        ("greeting_generator", {"answer_style": "Pirate"})
    ]


def test_nested_ref_enum_and_optional_arguments() -> None:
    params = {
        "type": "object",
        "$defs": {
            "Unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "Point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
            },
        },
        "properties": {
            "city": {"type": "string", "description": "The city"},
            "unit": {"$ref": "#/$defs/Unit"},
            "origin": {"$ref": "#/$defs/Point"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "verbose": {"type": "boolean"},
            "limit": {
                "anyOf": [{"type": "integer", "minimum": 5}, {"type": "null"}],
                "default": None,
            },
            "note": {"type": "string"},
        },
        "required": ["city", "unit", "origin", "tags", "verbose", "limit"],
    }
    tool = _tool("plot_forecast", "Plot a forecast.", params)
    text = "plot_forecast for 'Berlin' at 1.5 and 2 in fahrenheit"
    ((name, args),) = _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=[tool])))
    assert name == "plot_forecast"
    assert args["city"] == "Berlin"
    assert args["unit"] == "fahrenheit"
    assert args["origin"] == {"x": 1.5, "y": 2}
    assert (
        isinstance(args["tags"], list)
        and len(args["tags"]) == 1
        and isinstance(args["tags"][0], str)
    )
    assert args["verbose"] is True
    assert args["limit"] == 5  # no number left -> default/0 clamped to the minimum
    assert "note" not in args  # optional and not mentioned


def test_enum_defaults_to_first_and_boolean_negation() -> None:
    params = {
        "type": "object",
        "properties": {
            "mode": {"type": "string", "enum": ["fast", "slow"]},
            "dry_run": {"type": "boolean"},
        },
        "required": ["mode", "dry_run"],
    }
    tool = _tool("deploy", "Deploy the app.", params)
    args = _tool_calls(
        complete("aimlapi", _body("aimlapi", "deploy it with no dry run", tools=[tool]))
    )[0][1]
    assert args == {"mode": "fast", "dry_run": False}


def test_parallel_named_tools_and_segments() -> None:
    body = _body("aimlapi", "Call magic_function(5) and my_adder_tool(1, 2)", tools=[MAGIC, ADDER])
    assert _tool_calls(complete("aimlapi", body)) == [
        ("magic_function", {"input": 5}),
        ("my_adder_tool", {"a": 1, "b": 2}),
    ]
    sequential = complete("aimlapi", {**body, "parallel_tool_calls": False})
    assert _tool_calls(sequential) == [("magic_function", {"input": 5})]


def test_agent_loop_terminates_with_quoted_result() -> None:
    first = _body("aimlapi", "What is the weather in San Francisco, CA?", tools=[WEATHER])
    call = complete("aimlapi", first)["choices"][0]["message"]["tool_calls"][0]
    follow = copy.deepcopy(first)
    follow["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "It's sunny."},
    ]
    validate("aimlapi", follow, path=PATH)
    resp = complete("aimlapi", follow)
    assert _tool_calls(resp) == []
    assert resp["choices"][0]["finish_reason"] == "stop"
    assert "It's sunny." in resp["choices"][0]["message"]["content"]
    assert "get_weather" in resp["choices"][0]["message"]["content"]


def test_multi_step_calls_remaining_named_tool() -> None:
    text = "Use magic_function(2) and then my_adder_tool(3, 4)"
    body = _body("oxen", text, tools=[MAGIC, ADDER], parallel_tool_calls=False)
    first = complete("oxen", body)["choices"][0]["message"]["tool_calls"][0]
    assert first["function"]["name"] == "magic_function"
    body["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [first]},
        {"role": "tool", "tool_call_id": first["id"], "content": "4"},
    ]
    second = _tool_calls(complete("oxen", body))
    assert second == [("my_adder_tool", {"a": 3, "b": 4})]


def test_few_shot_history_then_new_question() -> None:
    body = _body("aimlapi", tools=[ADDER], tool_choice="required")
    body["messages"] = [
        {"role": "user", "content": "What is 1 + 2"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a1",
                    "type": "function",
                    "function": {"name": "my_adder_tool", "arguments": '{"a":1,"b":2}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "a1", "content": '{"result": 3}'},
        {"role": "assistant", "content": '{"result": 3}'},
        {"role": "user", "content": "What is 3 + 4"},
    ]
    validate("aimlapi", body, path=PATH)
    assert _tool_calls(complete("aimlapi", body)) == [("my_adder_tool", {"a": 3, "b": 4})]


def _str_tool(name: str, *props: str) -> dict[str, Any]:
    return _tool(
        name,
        f"The {name} tool.",
        {
            "type": "object",
            "properties": {p: {"type": "string"} for p in props},
            "required": list(props),
        },
    )


def _num_tool(name: str) -> dict[str, Any]:
    return _tool(
        name,
        f"{name.capitalize()} two numbers.",
        {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
    )


def _follow_up(body: dict[str, Any], provider: str, results: list[str]) -> dict[str, Any]:
    """``body`` plus the assistant's tool calls and one tool message per call."""
    message = complete(provider, body)["choices"][0]["message"]  # type: ignore[arg-type]
    calls = message["tool_calls"]
    assert len(calls) == len(results)
    follow = copy.deepcopy(body)
    follow["messages"] += [{"role": "assistant", "content": None, "tool_calls": calls}]
    follow["messages"] += [
        {"role": "tool", "tool_call_id": call["id"], "content": result}
        for call, result in zip(calls, results, strict=True)
    ]
    validate(provider, follow, path=PATH if provider == "aimlapi" else OXEN_PATH)  # type: ignore[arg-type]
    return follow


@pytest.mark.parametrize(
    "text",
    [
        "Call get_weather and get_population for Paris.",
        "Call get_weather, then get_population for Paris.",
        "For Paris: call get_weather and get_population.",
    ],
)
def test_tools_listed_together_share_the_place(text: str) -> None:
    tools = [_str_tool("get_weather", "city"), _str_tool("get_population", "city")]
    assert _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=tools))) == [
        ("get_weather", {"city": "Paris"}),
        ("get_population", {"city": "Paris"}),
    ]


def test_place_argument_falls_back_to_the_whole_prompt() -> None:
    tools = [_str_tool("get_population", "city"), _str_tool("get_weather", "destination")]
    text = "Call get_population for Lyon, and after that get_weather with metric units"
    assert _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=tools))) == [
        ("get_population", {"city": "Lyon"}),
        ("get_weather", {"destination": "Lyon"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Call search_docs and then",
        "search_docs, and then",
        "Please call the search_docs tool and then get_weather.",
    ],
)
def test_function_words_and_tool_names_are_never_values(text: str) -> None:
    tools = [_str_tool("search_docs", "topic"), _str_tool("get_weather", "city")]
    body = _body("aimlapi", text, tools=tools)
    for _, args in _tool_calls(complete("aimlapi", body)):
        for value in args.values():
            words = {w.strip(",.").lower() for w in value.split()}
            assert not words & {"and", "then", "the", "call", "please", "tool"}, value
            assert "search_docs" not in value and "get_weather" not in value, value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Get the population for Lyon. Finally call get_weather.", "Lyon"),
        ("Call get_weather for Paris, France. Then stop.", "Paris, France"),
        ("What is the weather in San Francisco, CA. Thanks, get_weather!", "San Francisco, CA"),
        ("Call get_weather for St. Louis please", "St. Louis"),
        ("Call get_weather for Mt. Everest base camp", "Mt. Everest"),
    ],
)
def test_place_phrases_stop_at_sentence_end(text: str, expected: str) -> None:
    tools = [_str_tool("get_weather", "city")]
    assert _tool_calls(complete("aimlapi", _body("aimlapi", text, tools=tools))) == [
        ("get_weather", {"city": expected})
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We met Alice Smith. Finally Bob came", "Alice Smith"),
        ("Visit Dr. Who at Mt. Everest today", "Dr. Who"),
    ],
)
def test_capitalized_phrases_stop_at_sentence_end(text: str, expected: str) -> None:
    tool = _str_tool("lookup_person", "person_name")
    ((_, args),) = _tool_calls(
        complete("aimlapi", _body("aimlapi", text, tools=[tool], tool_choice="required"))
    )
    assert args == {"person_name": expected}


def test_capitalized_phrases_keep_abbreviations() -> None:
    from langchain_gpt52.emulator.fake_model.values import _capitalized_phrases

    assert _capitalized_phrases("Fly from St. Louis to Mt. Hood. Then Rome. Dr. No.") == [
        "St. Louis",
        "Mt. Hood",
        "Rome",
        "Dr. No",
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_weather_in_paris_end_to_end(provider: str) -> None:
    body = _body(
        provider, "What is the weather in Paris?", tools=[_str_tool("get_weather", "city")]
    )
    assert _tool_calls(complete(provider, body)) == [("get_weather", {"city": "Paris"})]  # type: ignore[arg-type]
    final = complete(provider, _follow_up(body, provider, ["Sunny, 22 C"]))  # type: ignore[arg-type]
    assert _tool_calls(final) == []
    assert "Sunny, 22 C" in final["choices"][0]["message"]["content"]


@pytest.mark.parametrize("time_arg", ["timezone", "city"])
def test_weather_and_time_both_called(time_arg: str) -> None:
    tools = [_str_tool("get_weather", "location"), _str_tool("get_time", time_arg)]
    text = "What's the weather in San Francisco, CA and what time is it there?"
    body = _body("aimlapi", text, tools=tools)
    expected = [
        ("get_weather", {"location": "San Francisco, CA"}),
        ("get_time", {time_arg: "San Francisco, CA"}),
    ]
    assert _tool_calls(complete("aimlapi", body)) == expected
    final = complete("aimlapi", _follow_up(body, "aimlapi", ["Foggy", "10:00"]))
    assert _tool_calls(final) == []
    # one tool at a time: the second one is called after the first result
    sequential = {**body, "parallel_tool_calls": False}
    assert _tool_calls(complete("aimlapi", sequential)) == expected[:1]
    second = complete("aimlapi", _follow_up(sequential, "aimlapi", ["Foggy"]))
    assert _tool_calls(second) == expected[1:]


def test_weather_only_does_not_call_time_tool() -> None:
    tools = [_str_tool("get_current_weather", "location"), _str_tool("get_time", "timezone")]
    body = _body("aimlapi", "What is the current weather in Oslo?", tools=tools)
    assert _tool_calls(complete("aimlapi", body)) == [("get_current_weather", {"location": "Oslo"})]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("parallel", [True, False])
def test_add_then_multiply_uses_numbers_in_order(provider: str, parallel: bool) -> None:
    tools = [_num_tool("add"), _num_tool("multiply")]
    body = _body(
        provider,
        "Use add and multiply to compute (3 + 4) * 5.",
        tools=tools,
        parallel_tool_calls=parallel,
    )
    # multiply needs add's result: it waits for the next turn even in parallel mode
    assert _tool_calls(complete(provider, body)) == [("add", {"a": 3, "b": 4})]  # type: ignore[arg-type]
    second = _follow_up(body, provider, ["7.0"])
    assert _tool_calls(complete(provider, second)) == [("multiply", {"a": 7.0, "b": 5})]  # type: ignore[arg-type]
    final = complete(provider, _follow_up(second, provider, ["35.0"]))  # type: ignore[arg-type]
    assert _tool_calls(final) == []
    assert final["choices"][0]["message"]["content"] == (
        "Add gave 7, then multiply gave 35, so the answer is 35."
    )


def test_tools_listed_together_take_the_next_unused_numbers() -> None:
    tools = [_num_tool("add"), _num_tool("multiply")]
    body = _body("aimlapi", "Call add and multiply with 1, 2, 3 and 4", tools=tools)
    assert _tool_calls(complete("aimlapi", body)) == [
        ("add", {"a": 1, "b": 2}),
        ("multiply", {"a": 3, "b": 4}),
    ]


# --------------------------------------------------------------------------------------
# structured output
# --------------------------------------------------------------------------------------


class Joke(BaseModel):
    model_config = ConfigDict(extra="forbid")
    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: str
    city: str
    zip_code: int


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    age: int = Field(ge=18, le=120)
    role: Literal["admin", "user"]
    address: Address
    previous: list[Address]
    nickname: str | None = None
    score: float
    active: bool


class Tree(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    children: list[Tree] = []


def _strictify(schema: Any) -> Any:
    """Add additionalProperties:false everywhere, like strict structured output does."""
    if isinstance(schema, dict):
        out = {k: _strictify(v) for k, v in schema.items()}
        if out.get("type") == "object":
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strictify(v) for v in schema]
    return schema


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("model_cls", [Joke, Person, Tree])
def test_json_schema_output_validates(provider: str, model_cls: type[BaseModel]) -> None:
    schema = _strictify(model_cls.model_json_schema())
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": model_cls.__name__, "schema": schema, "strict": True},
    }
    body = _body(
        provider, "Tell me a joke about cats. The name is 'Ada Lovelace'.", response_format=fmt
    )
    validate(provider, body, path=PATH)  # type: ignore[arg-type]
    content = complete(provider, body)["choices"][0]["message"]["content"]  # type: ignore[arg-type]
    model_cls.model_validate_json(content)
    streamed = _joined_stream(stream_chunks(provider, body))["content"]  # type: ignore[arg-type]
    assert streamed == content


def test_json_schema_strings_come_from_prompt() -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "Joke", "schema": Joke.model_json_schema()},
    }
    content = complete(
        "aimlapi", _body("aimlapi", "Tell me a joke about cats.", response_format=fmt)
    )
    joke = Joke.model_validate_json(content["choices"][0]["message"]["content"])
    assert "cats" in joke.setup and "cats" in joke.punchline
    person_fmt = {
        "type": "json_schema",
        "json_schema": {"name": "P", "schema": Person.model_json_schema()},
    }
    person = Person.model_validate_json(
        complete(
            "aimlapi",
            _body("aimlapi", "Describe 'Ada Lovelace', aged 36", response_format=person_fmt),
        )["choices"][0]["message"]["content"]
    )
    assert person.name == "Ada Lovelace" and person.age == 36


def test_json_mode_uses_requested_keys() -> None:
    text = (
        "Tell me a joke about cats. Return the result as a JSON with 'setup' and "
        "'punchline' keys. Return nothing other than JSON."
    )
    for provider in PROVIDERS:
        body = _body(provider, text, response_format={"type": "json_object"})
        content = complete(provider, body)["choices"][0]["message"]["content"]
        assert set(json.loads(content)) == {"setup", "punchline"}
        Joke.model_validate_json(content)
    plain = complete(
        "aimlapi", _body("aimlapi", "Hi there", response_format={"type": "json_object"})
    )
    assert set(json.loads(plain["choices"][0]["message"]["content"])) == {"answer"}


# --------------------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Hello", 1),
        ("Hello!", 2),
        ("Hello world", 2),
        ("magic_function(3)", 7),
        ("你好啊集团", 1),
    ],
)
def test_count_tokens_examples(text: str, expected: int) -> None:
    assert count_tokens(text) == expected


@given(st.text(max_size=200))
def test_tokenize_round_trips(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert count_tokens(text) == len(tokens)
    assert all(tokens)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_haiku_request_gets_three_short_lines(provider: str) -> None:
    reply = complete(provider, _body(provider, "Write a haiku about GPT-5.2"))
    lines = reply["choices"][0]["message"]["content"].split("\n")
    assert len(lines) == 3
    assert all(0 < len(line) <= 40 for line in lines)
    assert lines[0].startswith("GPT-5.2")  # the topic, dots intact
    assert "I am" not in reply["choices"][0]["message"]["content"]


def test_tool_results_answer_in_a_sentence() -> None:
    from langchain_gpt52.emulator.fake_model.text import tool_results_reply

    assert tool_results_reply([("add", "7.0")]) == "The answer is 7."
    assert tool_results_reply([("get_weather", "21 °C, sunny.")]) == (
        "Here is what I found: get_weather reports 21 °C, sunny."
    )
    assert tool_results_reply([("get_weather", "4 °C"), ("local_time", "UTC+1")]) == (
        "Here is what I found: get_weather reports 4 °C; local_time reports UTC+1."
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_structured_output_keeps_dotted_topics(provider: str) -> None:
    schema = {
        "type": "object",
        "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
        "required": ["setup", "punchline"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "Joke", "schema": schema}}
    body = _body(provider, "Tell me a joke about GPT-5.2", response_format=fmt)
    joke = json.loads(complete(provider, body)["choices"][0]["message"]["content"])
    assert joke == {"setup": "Setup about GPT-5.2", "punchline": "Punchline about GPT-5.2"}
