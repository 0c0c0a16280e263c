"""Record and replay: `Cassette` via the chat models' `http_client=`, and served by the emulator."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import openai
import pytest
from langchain_core.tools import tool

from langchain_gpt52 import ChatAIMLAPI, ChatOxen
from langchain_gpt52.errors import AuthenticationError, PermissionDeniedError
from langchain_gpt52.testing import Cassette, CassetteError, CassetteMismatch, Emulator, Fault
from tests.unit_tests.test_errors import NEST
from tests.unit_tests.test_wire import AIMLAPI_SAMPLE, OXEN_TOOL_CALL

pytestmark = pytest.mark.integration

KEY = "sk-cassette-secret-4f9a2b"
HERE = Path(__file__).parent


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}"


def _session(llm: ChatAIMLAPI, emulator: Emulator | None = None) -> dict[str, Any]:
    """A text answer, a streamed answer, a tool call and an error (the key echoed back)."""
    out: dict[str, Any] = {"text": llm.invoke("Hello").content}
    out["stream"] = [str(chunk.content) for chunk in llm.stream("Write a haiku about tea")]
    call = llm.bind_tools([get_weather]).invoke("What is the weather in Paris?")
    out["tool_calls"] = [(c["name"], c["args"]) for c in call.tool_calls]
    if emulator is not None:
        emulator.enqueue(Fault.status(401, f"Invalid API key {KEY}"), route="aimlapi")
    with pytest.raises(AuthenticationError) as info:
        llm.invoke("This one fails")
    out["error"] = (type(info.value).__name__, info.value.status_code)
    return out


def _record(path: Path, **options: Any) -> tuple[dict[str, Any], str]:
    with Emulator(api_key=KEY) as emulator, Cassette(path, "record", **options) as cassette:
        llm = ChatAIMLAPI(
            base_url=emulator.aimlapi_base_url,
            api_key=KEY,
            http_client=cassette.client(),
            max_retries=0,
        )
        return _session(llm, emulator), emulator.aimlapi_base_url


def _replay_session(path: Path, base_url: str) -> dict[str, Any]:
    with Cassette(path, "replay") as cassette:
        llm = ChatAIMLAPI(
            base_url=base_url, api_key=KEY, http_client=cassette.client(), max_retries=0
        )
        out = _session(llm)
        assert cassette.all_played
    return out


def test_round_trip_stream_tool_call_and_error(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    recorded, base_url = _record(path, redact_headers=["x-inference-id"])
    text = path.read_text()
    assert KEY not in text
    assert "<REDACTED>" in text
    data = json.loads(text)
    [plain, streamed, tool_call, error] = data["interactions"]
    assert plain["request"]["headers"]["authorization"] == "<REDACTED>"
    assert plain["response"]["headers"]["x-inference-id"] == "<REDACTED>"
    assert plain["response"]["body"]["json"]["object"] == "chat.completion"
    assert streamed["response"]["body"]["events"][-1] == "data: [DONE]"
    assert tool_call["response"]["body"]["json"]["choices"][0]["finish_reason"] == "tool_calls"
    assert error["response"]["status"] == 401
    assert "Invalid API key <REDACTED>" in error["response"]["body"]["json"]["message"]
    # the emulator is gone: the replay cannot reach any network
    replayed = _replay_session(path, base_url)
    assert replayed == recorded
    assert recorded["tool_calls"] == [("get_weather", {"city": "Paris"})]
    assert len(recorded["stream"]) > 2


async def test_async_replay(tmp_path: Path) -> None:
    path = tmp_path / "async.json"
    with Emulator(api_key=KEY) as emulator:
        async with Cassette(path, "record") as cassette:
            llm = ChatAIMLAPI(
                base_url=emulator.aimlapi_base_url,
                api_key=KEY,
                http_async_client=cassette.async_client(),
            )
            answer = (await llm.ainvoke("Hello")).content
            pieces = [str(c.content) async for c in llm.astream("Write a haiku about tea")]
        url = emulator.aimlapi_base_url
    async with Cassette(path, "replay") as cassette:
        llm = ChatAIMLAPI(base_url=url, api_key=KEY, http_async_client=cassette.async_client())
        assert (await llm.ainvoke("Hello")).content == answer
        assert [str(c.content) async for c in llm.astream("Write a haiku about tea")] == pieces
    assert KEY not in path.read_text()


def test_missing_recording_names_method_path_and_diff(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    _record_hello(path)
    with Cassette(path, "replay") as cassette:
        llm = ChatAIMLAPI(
            base_url="http://127.0.0.1:9/v1", api_key=KEY, http_client=cassette.client()
        )
        llm.invoke("Hello")
        with pytest.raises(CassetteMismatch) as info:
            llm.invoke("Goodbye")
    message = str(info.value)
    assert "POST /v1/chat/completions" in message
    assert '-      "content": "Hello",' in message
    assert '+      "content": "Goodbye",' in message
    assert KEY not in message


def _record_hello(path: Path) -> str:
    with Emulator(api_key=KEY) as emulator, Cassette(path, "record") as cassette:
        llm = ChatAIMLAPI(
            base_url=emulator.aimlapi_base_url, api_key=KEY, http_client=cassette.client()
        )
        return str(llm.invoke("Hello").content)


def test_replay_of_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="does not exist; record it first"):
        Cassette(tmp_path / "absent.json", "replay")
    with pytest.raises(CassetteError, match="mode must be"):
        Cassette(tmp_path / "x.json", "rewind")  # type: ignore[arg-type]


def test_auto_records_then_replays(tmp_path: Path) -> None:
    path = tmp_path / "auto.json"
    assert Cassette(path, "auto").recording
    answer = _record_hello(path)
    replay = Cassette(path, "auto")
    assert not replay.recording
    llm = ChatAIMLAPI(base_url="http://127.0.0.1:9/v1", api_key=KEY, http_client=replay.client())
    assert llm.invoke("Hello").content == answer


def test_emulator_serves_a_cassette(tmp_path: Path) -> None:
    path = tmp_path / "served.json"
    answer = _record_hello(path)
    with Emulator(cassette=path) as emulator:
        client = openai.OpenAI(base_url=emulator.aimlapi_base_url, api_key="emulator-key")
        messages: Any = [{"role": "user", "content": "Hello"}]
        reply = client.chat.completions.create(model="openai/gpt-5-2", messages=messages)
        again = client.chat.completions.create(model="openai/gpt-5-2", messages=messages)
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(
                model="openai/gpt-5-2", messages=[{"role": "user", "content": "Other"}]
            )
    assert reply.choices[0].message.content == answer
    assert again.choices[0].message.content == answer  # the last match repeats
    assert "no recording for POST /v1/chat/completions" in info.value.response.json()["message"]


# -- replays of the wire captures kept in the unit tests -----------------------------------------


def _capture(path: str, status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": {"method": "POST", "path": path, "headers": {}, "body": {}},
        "response": {
            "status": status,
            "headers": {"content-type": "application/json"},
            "body": body,
        },
    }


def _sse(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"events": [f"data: {json.dumps(chunk)}" for chunk in chunks] + ["data: [DONE]"]}


def _write(path: Path, interactions: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"version": 1, "interactions": interactions}))
    return path


def test_replays_real_captures(tmp_path: Path) -> None:
    from tests.unit_tests._chat_fakes import text_chunks

    aimlapi = "/v1/chat/completions"
    stream = _capture(aimlapi, 200, _sse(text_chunks(["Hel", "lo!"], meta={"credits_used": 9})))
    stream["response"]["headers"] = {"content-type": "text/event-stream"}
    path = _write(
        tmp_path / "captures.json",
        [
            _capture(aimlapi, 200, {"json": AIMLAPI_SAMPLE}),
            stream,
            _capture(aimlapi, 403, {"json": NEST}),
        ],
    )
    with Cassette(path, "replay", match_on=["method", "path"]) as cassette:
        llm = ChatAIMLAPI(api_key=KEY, http_client=cassette.client(), max_retries=0)
        message = llm.invoke("Hello")
        assert message.content == "Hello! What can I help you with today?"
        assert message.response_metadata["credits_used"] == 409
        chunks = list(llm.stream("Hello"))
        assert "".join(str(c.content) for c in chunks) == "Hello!"
        with pytest.raises(PermissionDeniedError, match="Insufficient credits"):
            llm.invoke("Hello")
        assert cassette.all_played


def test_replays_an_oxen_tool_call_capture(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "oxen.json",
        [_capture("/api/ai/chat/completions", 200, {"json": OXEN_TOOL_CALL})],
    )
    with Cassette(path, "replay", match_on=["path"]) as cassette:
        llm = ChatOxen(api_key=KEY, http_client=cassette.client())
        message = llm.bind_tools([get_weather]).invoke("Weather in Oslo, and the time?")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"location": "Oslo"}),
        ("get_time", {}),
    ]


# -- the pytest fixture and marker ---------------------------------------------------------------


@pytest.mark.cassette("cassettes/aimlapi_hello.json", mode="replay")
def test_committed_cassette_replays_offline(cassette: Cassette) -> None:
    llm = ChatAIMLAPI(api_key="any-key", http_client=cassette.client())
    assert llm.invoke("Hello").content == "Hello! How can I help you today?"
    assert cassette.all_played
    assert "<REDACTED>" in (HERE / "cassettes" / "aimlapi_hello.json").read_text()


# -- httpx2 clients ------------------------------------------------------------------------------


async def test_httpx2_flavour_records_and_replays(tmp_path: Path) -> None:
    httpx2 = pytest.importorskip("httpx2")
    path = tmp_path / "httpx2.json"
    body = {"model": "openai/gpt-5-2", "messages": [{"role": "user", "content": "Hello"}]}
    auth = {"Authorization": f"Bearer {KEY}"}
    with Emulator(api_key=KEY) as emulator, Cassette(path, "record") as cassette:
        url = emulator.aimlapi_base_url + "/chat/completions"
        with cassette.client("httpx2") as client:
            assert isinstance(client, httpx2.Client)
            recorded = client.post(url, json=body, headers=auth).json()
        async with cassette.async_client("httpx2") as aclient:
            streamed = await aclient.post(url, json={**body, "stream": True}, headers=auth)
            events = streamed.text
    assert KEY not in path.read_text()
    with Cassette(path, "replay") as cassette:
        with cassette.client("httpx2") as client:
            assert client.post(url, json=body, headers=auth).json() == recorded
        async with cassette.async_client("httpx2") as aclient:
            again = await aclient.post(url, json={**body, "stream": True}, headers=auth)
            assert again.text == events
        assert cassette.all_played


def test_unknown_flavour_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="flavour must be"):
        Cassette(tmp_path / "x.json", "record").client("requests")  # type: ignore[arg-type]


def test_emulator_serves_a_recorded_stream(tmp_path: Path) -> None:
    path = tmp_path / "stream.json"
    with (
        Emulator(api_key=KEY) as emulator,
        Cassette(path, "record", record_timing=True) as cassette,
    ):
        llm = ChatAIMLAPI(
            base_url=emulator.aimlapi_base_url, api_key=KEY, http_client=cassette.client()
        )
        pieces = [str(c.content) for c in llm.stream("Write a haiku about tea")]
    assert all(
        isinstance(d, float)
        for d in json.loads(path.read_text())["interactions"][0]["response"]["delays"]
    )
    with Emulator(cassette=path) as emulator:
        llm = ChatAIMLAPI(base_url=emulator.aimlapi_base_url, api_key="emulator-key")
        assert [str(c.content) for c in llm.stream("Write a haiku about tea")] == pieces


# -- encoded copies of the key, malformed files ------------------------------------------------


def _encodings(secret: str) -> list[str]:
    """The key's base64 forms at each of the three byte alignments inside a longer value."""
    raw = secret.encode()
    forms = []
    for pad, skip in ((b"", 0), (b"x", 2), (b"xy", 3)):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(pad + raw).decode().rstrip("=")
            forms.append(text[skip : ((len(pad) + len(raw)) * 8) // 6])
    return forms


def test_no_encoded_copy_of_the_key_is_written(tmp_path: Path) -> None:
    path = tmp_path / "encoded.json"
    basic = base64.b64encode(f"me:{KEY}".encode()).decode()
    plain = base64.b64encode(KEY.encode()).decode()
    urlsafe = base64.urlsafe_b64encode(f"a{KEY}".encode()).decode()
    with Emulator(api_key=KEY) as emulator, Cassette(path, "record") as cassette:
        # The server echoes the key back encoded: alone, inside Basic credentials, shifted.
        emulator.enqueue(Fault.status(401, f"bad {plain} {basic} {urlsafe}"), route="aimlapi")
        cassette.client().post(
            emulator.aimlapi_base_url + "/chat/completions",
            json={"model": "openai/gpt-5-2", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": f"Bearer {KEY}", "X-Forwarded-Auth": f"Basic {basic}"},
        )
    text = path.read_text()
    assert KEY not in text and basic not in text
    for form in _encodings(KEY):
        assert form not in text, form


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"version": 99, "interactions": []}, "version 99"),
        ({"version": 1, "interactions": [{"request": {"method": "GET"}}]}, "interaction 0"),
        ({"version": 1, "interactions": ["not an object"]}, "interaction 0"),
    ],
    ids=["version", "no-response", "not-an-object"],
)
def test_a_malformed_cassette_is_a_clear_error(
    tmp_path: Path, data: dict[str, Any], problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CassetteError) as info:
        Cassette(path, "replay")
    assert str(path) in str(info.value) and problem in str(info.value)
    if problem.startswith("interaction"):
        assert "response" in str(info.value)
