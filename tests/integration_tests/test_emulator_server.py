"""The emulator's HTTP server, driven with plain httpx (and raw sockets for framing edge cases)."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_gpt52.emulator.providers import provider_named
from langchain_gpt52.emulator.rejection import RequestRejected
from langchain_gpt52.testing import MAX_BODY_BYTES, Emulator, Fault, RecordedRequest

pytestmark = pytest.mark.integration

KEY = "emulator-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MESSAGES = [{"role": "user", "content": "Say hello in five words."}]
BODIES: dict[str, dict[str, Any]] = {
    "aimlapi": {"model": "openai/gpt-5-2", "messages": MESSAGES},
    "oxen": {"model": "gpt-5-2-chat-latest", "messages": MESSAGES},
}
ROUTES = ["aimlapi", "oxen"]


def chat_url(emulator: Emulator, route: str) -> str:
    base = emulator.aimlapi_base_url if route == "aimlapi" else emulator.oxen_base_url
    return base + "/chat/completions"


def chat_path(route: str) -> str:
    return "/v1/chat/completions" if route == "aimlapi" else "/api/ai/chat/completions"


def body_for(route: str, **extra: Any) -> dict[str, Any]:
    return {**BODIES[route], **extra}


def sse_events(raw: bytes) -> list[str]:
    """The ``data:`` payloads of a complete SSE body, asserting the framing on the way."""
    text = raw.decode()
    assert text.endswith("\n\n"), text[-80:]
    events = text[:-2].split("\n\n")
    for event in events:
        assert event.startswith("data: "), event
        assert "\n" not in event
    return [event[len("data: ") :] for event in events]


def same_shape(body: Any, provider: str, status: int, path: str, message: str = "x") -> bool:
    """True when ``body`` has the keys of the provider's own error body for ``status``."""
    expected = provider_named(provider).error_body(status, message, path)
    return isinstance(body, dict) and set(body) == set(expected)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


@pytest.fixture(autouse=True)
def _no_server_errors(emulator_session: Emulator) -> Iterator[None]:
    yield
    assert emulator_session.server_errors == []


# -- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_chat_completion_round_trip(emulator: Emulator, client: httpx.Client, route: str) -> None:
    response = client.post(chat_url(emulator, route), json=body_for(route), headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    data = response.json()
    assert data["object"] == "chat.completion"
    assert data["choices"][0]["message"]["role"] == "assistant"
    assert isinstance(data["choices"][0]["message"]["content"], str)


def test_models_routes(emulator: Emulator, client: httpx.Client) -> None:
    listing = client.get(emulator.oxen_base_url + "/models")
    assert listing.status_code == 200
    assert listing.json() == provider_named("oxen").models()

    detail = client.get(emulator.oxen_base_url + "/models/gpt-5-2-chat-latest")
    assert detail.status_code == 200
    assert detail.json() == provider_named("oxen").model_details("gpt-5-2-chat-latest")

    missing = client.get(emulator.oxen_base_url + "/models/no-such-model")
    assert missing.status_code == 404
    assert same_shape(missing.json(), "oxen", 404, "/api/ai/models/m", "Model not found: m")

    nested = client.get(emulator.oxen_base_url + "/models/a/b")
    assert nested.status_code == 404

    aimlapi = client.get(emulator.aimlapi_base_url + "/models")
    assert aimlapi.status_code == 200
    assert "openai/gpt-5-2" in [model["id"] for model in aimlapi.json()["data"]]
    assert "x-inference-id" in aimlapi.headers


@pytest.mark.parametrize(
    ("path", "provider"),
    [("/v1/nope", "aimlapi"), ("/nothing/here", "aimlapi"), ("/api/ai/nope", "oxen")],
)
def test_unknown_path_is_404_in_provider_shape(
    emulator: Emulator, client: httpx.Client, path: str, provider: str
) -> None:
    response = client.post(emulator.url + path, json={}, headers=AUTH)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert same_shape(response.json(), provider, 404, path)


@pytest.mark.parametrize("route", ROUTES)
def test_wrong_method_is_405(emulator: Emulator, client: httpx.Client, route: str) -> None:
    response = client.get(chat_url(emulator, route), headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert same_shape(response.json(), route, 405, chat_path(route))
    models = client.delete(emulator.oxen_base_url + "/models")
    assert models.status_code == 405
    assert models.headers["allow"] == "GET"


def test_head_request_gets_headers_only(emulator: Emulator, client: httpx.Client) -> None:
    response = client.head(chat_url(emulator, "aimlapi"), headers=AUTH)
    assert response.status_code == 405
    assert response.content == b""
    # the connection is still usable afterwards
    assert client.post(
        chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH
    ).is_success


# -- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "wrong-key", "wrong-scheme", "empty-token"],
)
def test_bad_auth_is_401(
    emulator: Emulator, client: httpx.Client, route: str, headers: dict[str, str]
) -> None:
    emulator.enqueue(Fault.status(500))
    response = client.post(chat_url(emulator, route), json=body_for(route), headers=headers)
    assert response.status_code == 401
    assert same_shape(response.json(), route, 401, chat_path(route))
    assert KEY not in response.text
    assert len(emulator.pending_faults) == 1  # auth failures do not consume faults


def test_any_key_mode_and_reset_restores_key(emulator: Emulator, client: httpx.Client) -> None:
    emulator.api_key = None
    url = chat_url(emulator, "oxen")
    ok = client.post(url, json=BODIES["oxen"], headers={"Authorization": "Bearer whatever"})
    assert ok.status_code == 200
    assert client.post(url, json=BODIES["oxen"]).status_code == 401
    emulator.reset()
    assert emulator.api_key == KEY
    again = client.post(url, json=BODIES["oxen"], headers={"Authorization": "Bearer whatever"})
    assert again.status_code == 401


# -- headers and serialization ------------------------------------------------------------------


def test_aimlapi_headers(emulator: Emulator, client: httpx.Client) -> None:
    request_id = "client-req-123"
    response = client.post(
        chat_url(emulator, "aimlapi"),
        json=BODIES["aimlapi"],
        headers={**AUTH, "X-Client-Request-Id": request_id},
    )
    assert response.status_code == 200
    uuid.UUID(response.headers["x-inference-id"])
    assert response.headers["x-client-request-id"] == request_id
    usage = response.json().get("meta", {}).get("usage", {})
    if "credits_used" in usage:
        assert float(response.headers["x-aimlapi-credits-used"]) == pytest.approx(
            usage["credits_used"]
        )
    if "usd_spent" in usage:
        spent = response.headers["x-aimlapi-usd-spent"]
        assert "e" not in spent.lower()
        assert float(spent) == pytest.approx(usage["usd_spent"])

    second = client.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)
    assert second.headers["x-inference-id"] != response.headers["x-inference-id"]
    assert "x-client-request-id" not in second.headers


def test_errors_carry_inference_id_on_aimlapi_only(
    emulator: Emulator, client: httpx.Client
) -> None:
    aimlapi = client.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"])
    assert aimlapi.status_code == 401
    uuid.UUID(aimlapi.headers["x-inference-id"])
    oxen = client.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH)
    assert "x-inference-id" not in oxen.headers
    assert "x-aimlapi-credits-used" not in oxen.headers


@pytest.mark.parametrize("route", ROUTES)
def test_json_is_compact_and_oxen_sorted(
    emulator: Emulator, client: httpx.Client, route: str
) -> None:
    raw = client.post(chat_url(emulator, route), json=body_for(route), headers=AUTH).content
    sort = route == "oxen"
    expected = json.dumps(
        json.loads(raw), separators=(",", ":"), sort_keys=sort, ensure_ascii=False
    ).encode()
    assert raw == expected
    if sort:
        keys = list(json.loads(raw))
        assert keys == sorted(keys)


# -- streaming ----------------------------------------------------------------------------------


def stream_raw(
    client: httpx.Client, emulator: Emulator, route: str, **extra: Any
) -> tuple[httpx.Response, bytes]:
    body = body_for(route, stream=True, **extra)
    with client.stream("POST", chat_url(emulator, route), json=body, headers=AUTH) as response:
        return response, response.read()


@pytest.mark.parametrize("route", ROUTES)
def test_stream_framing(emulator: Emulator, client: httpx.Client, route: str) -> None:
    response, raw = stream_raw(client, emulator, route)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    events = sse_events(raw)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert len(chunks) >= 3
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    if route == "oxen":
        for event in events[:-1]:
            assert list(json.loads(event)) == sorted(json.loads(event))
    else:
        uuid.UUID(response.headers["x-inference-id"])
        assert "x-aimlapi-credits-used" not in response.headers


def test_aimlapi_without_done_marker(client: httpx.Client) -> None:
    with Emulator(aimlapi_done_marker=False) as emulator:
        _, aimlapi = stream_raw(client, emulator, "aimlapi")
        _, oxen = stream_raw(client, emulator, "oxen")
    assert "[DONE]" not in sse_events(aimlapi)
    assert sse_events(oxen)[-1] == "[DONE]"


def test_reset_restores_done_marker(emulator: Emulator, client: httpx.Client) -> None:
    emulator.aimlapi_done_marker = False
    assert "[DONE]" not in sse_events(stream_raw(client, emulator, "aimlapi")[1])
    emulator.reset()
    assert sse_events(stream_raw(client, emulator, "aimlapi")[1])[-1] == "[DONE]"


# -- request problems ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "content", [b"{not json", b"", b"[1, 2]", b"\xff\xfe", b"[" * 200_000, b"null"]
)
def test_unreadable_body_is_400(
    emulator: Emulator, client: httpx.Client, route: str, content: bytes
) -> None:
    response = client.post(
        chat_url(emulator, route),
        content=content,
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert same_shape(response.json(), route, 400, chat_path(route))


def test_validation_rejections_come_from_the_provider_module(
    emulator: Emulator, client: httpx.Client
) -> None:
    bad = body_for("oxen", messages=[])
    with pytest.raises(RequestRejected) as expected:
        provider_named("oxen").validate(bad, "/api/ai/chat/completions")
    response = client.post(chat_url(emulator, "oxen"), json=bad, headers=AUTH)
    assert response.status_code == expected.value.status
    assert set(response.json()) == set(expected.value.body)


# -- credits ------------------------------------------------------------------------------------


def test_credits_run_out(emulator: Emulator, client: httpx.Client) -> None:
    emulator.set_credits(1)
    url = chat_url(emulator, "aimlapi")
    first = client.post(url, json=BODIES["aimlapi"], headers=AUTH)
    assert first.status_code == 200
    used = float(first.headers["x-aimlapi-credits-used"])
    assert used > 0
    assert emulator.credits == pytest.approx(1 - used)
    emulator.enqueue(Fault.status(500), route="aimlapi")
    refused = client.post(url, json=BODIES["aimlapi"], headers=AUTH)
    assert refused.status_code == 403
    assert same_shape(refused.json(), "aimlapi", 403, chat_path("aimlapi"))
    assert "credit" in refused.text.lower()
    assert len(emulator.pending_faults) == 1  # the 403 comes before faults
    # Oxen has no credits
    assert client.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH).is_success
    emulator.reset()
    assert emulator.credits is None
    assert client.post(url, json=BODIES["aimlapi"], headers=AUTH).status_code == 200


def test_streams_are_charged_too(client: httpx.Client) -> None:
    with Emulator(credits=1_000_000) as emulator:
        _, raw = stream_raw(client, emulator, "aimlapi")
        charged = [
            json.loads(event).get("meta", {}).get("usage", {}).get("credits_used")
            for event in sse_events(raw)
            if event != "[DONE]"
        ]
        total = [value for value in charged if value is not None]
        expected = 1_000_000 - (total[-1] if total else 0)
        assert emulator.credits == pytest.approx(expected)


def test_zero_credits_at_construction() -> None:
    with Emulator(credits=0) as emulator, httpx.Client() as http:
        response = http.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)
        assert response.status_code == 403


# -- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_fault_status_provider_shape_and_retry_after(
    emulator: Emulator, client: httpx.Client, route: str
) -> None:
    emulator.enqueue(Fault.status(429, "slow down", retry_after=2))
    emulator.enqueue(Fault.status(503, retry_after=1.5, headers={"X-Extra": "yes"}))
    url = chat_url(emulator, route)
    first = client.post(url, json=body_for(route), headers=AUTH)
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2"
    assert first.headers["content-type"] == "application/json"
    assert same_shape(first.json(), route, 429, chat_path(route))
    assert "slow down" in first.text
    second = client.post(url, json=body_for(route), headers=AUTH)
    assert second.status_code == 503
    assert second.headers["retry-after"] == "1.5"
    assert second.headers["x-extra"] == "yes"
    assert client.post(url, json=body_for(route), headers=AUTH).status_code == 200


def test_fault_status_custom_body_and_http_date(emulator: Emulator, client: httpx.Client) -> None:
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    emulator.enqueue(Fault.status(500, body={"error": {"message": "boom"}}, retry_after=date))
    emulator.enqueue(Fault.status(502, body=b"upstream exploded"))
    url = chat_url(emulator, "aimlapi")
    first = client.post(url, json=BODIES["aimlapi"], headers=AUTH)
    assert (first.status_code, first.json()) == (500, {"error": {"message": "boom"}})
    assert first.headers["retry-after"] == date
    second = client.post(url, json=BODIES["aimlapi"], headers=AUTH)
    assert (second.status_code, second.content) == (502, b"upstream exploded")


def test_fault_status_applies_to_invalid_bodies(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.status(504))
    response = client.post(chat_url(emulator, "aimlapi"), content=b"garbage", headers=AUTH)
    assert response.status_code == 504


def test_fault_html(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.html(), Fault.html(504))
    url = chat_url(emulator, "oxen")
    first = client.post(url, json=BODIES["oxen"], headers=AUTH)
    assert first.status_code == 502
    assert first.headers["content-type"].startswith("text/html")
    assert first.text.lstrip().lower().startswith("<!doctype html>")
    with pytest.raises(json.JSONDecodeError):
        first.json()
    assert client.post(url, json=BODIES["oxen"], headers=AUTH).status_code == 504


@pytest.mark.parametrize("stream", [False, True])
def test_fault_reset(emulator: Emulator, client: httpx.Client, stream: bool) -> None:
    emulator.enqueue(Fault.reset())
    with pytest.raises(httpx.TransportError):
        client.post(
            chat_url(emulator, "aimlapi"), json=body_for("aimlapi", stream=stream), headers=AUTH
        )
    assert emulator.requests[-1].json == body_for("aimlapi", stream=stream)  # it was read first
    response = client.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)
    assert response.status_code == 200


def test_fault_reset_sends_rst(emulator: Emulator) -> None:
    emulator.enqueue(Fault.reset())
    body = json.dumps(BODIES["aimlapi"]).encode()
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port_of(emulator)), timeout=5) as sock:
        sock.sendall(request)
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return
    pytest.fail(f"expected a connection reset, got {data!r}")


@pytest.mark.parametrize("code", [200, 500])
def test_fault_malformed_json(emulator: Emulator, client: httpx.Client, code: int) -> None:
    emulator.enqueue(Fault.malformed_json(code))
    response = client.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)
    assert response.status_code == code
    assert response.headers["content-type"] == "application/json"
    assert response.content.startswith(b"{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_fault_invalid_utf8(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.invalid_utf8(times=2))
    response = client.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    _, raw = stream_raw(client, emulator, "oxen")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


@pytest.mark.parametrize(
    ("fault", "expected"), [(Fault.empty_choices(), []), (Fault.null_choices(), None)]
)
@pytest.mark.parametrize("route", ROUTES)
def test_fault_choices(
    emulator: Emulator, client: httpx.Client, route: str, fault: Fault, expected: Any
) -> None:
    emulator.enqueue(fault, fault)
    response = client.post(chat_url(emulator, route), json=body_for(route), headers=AUTH)
    assert response.status_code == 200
    assert response.json()["choices"] == expected
    assert response.json()["object"] == "chat.completion"
    _, raw = stream_raw(client, emulator, route)
    chunks = [json.loads(event) for event in sse_events(raw) if event != "[DONE]"]
    assert chunks
    assert all(chunk["choices"] == expected for chunk in chunks)


@pytest.mark.parametrize("after", [0, 2])
def test_fault_cut_stream(emulator: Emulator, client: httpx.Client, after: int) -> None:
    emulator.enqueue(Fault.cut_stream(after))
    received: list[bytes] = []
    body = body_for("aimlapi", stream=True)
    with pytest.raises(httpx.RemoteProtocolError):  # noqa: SIM117
        with client.stream("POST", chat_url(emulator, "aimlapi"), json=body, headers=AUTH) as r:
            assert r.status_code == 200
            for piece in r.iter_raw():
                received.append(piece)
    raw = b"".join(received)
    assert raw.count(b"data: ") == after
    assert b"[DONE]" not in raw
    assert raw.endswith(b"\n\n") or raw == b""


def test_fault_cut_non_stream_body(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.cut_stream())
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH)
    assert client.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH).is_success


def test_fault_truncated_sse(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.truncated_sse(2))
    response, raw = stream_raw(client, emulator, "oxen")  # the HTTP body ends cleanly
    assert response.status_code == 200
    complete, _, tail = raw.rpartition(b"\n\n")
    assert complete.count(b"data: ") == 2
    assert tail.startswith(b"data: {")
    assert not tail.endswith(b"\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(tail[len(b"data: ") :])
    assert b"[DONE]" not in raw


@pytest.mark.parametrize("route", ROUTES)
def test_fault_no_done(emulator: Emulator, client: httpx.Client, route: str) -> None:
    emulator.enqueue(Fault.no_done())
    _, raw = stream_raw(client, emulator, route)
    events = sse_events(raw)
    assert "[DONE]" not in events
    assert all(json.loads(event) for event in events)
    # non-stream requests are unaffected and consume it
    emulator.enqueue(Fault.no_done())
    assert client.post(chat_url(emulator, route), json=body_for(route), headers=AUTH).is_success
    assert emulator.pending_faults == []


def test_fault_slow_first_byte(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.slow_first_byte(0.4))
    started = time.monotonic()
    response = client.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.38
    emulator.enqueue(Fault.slow_first_byte(2))
    with pytest.raises(httpx.ReadTimeout):
        client.post(
            chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH, timeout=0.2
        )


def test_fault_slow_first_byte_delays_rejections_too(
    emulator: Emulator, client: httpx.Client
) -> None:
    emulator.enqueue(Fault.slow_first_byte(0.3))
    started = time.monotonic()
    response = client.post(chat_url(emulator, "oxen"), content=b"{", headers=AUTH)
    assert response.status_code == 400
    assert time.monotonic() - started >= 0.28


def test_fault_slow_chunks(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.slow_chunks(0.05))
    body = body_for("oxen", stream=True)
    arrivals: list[float] = []
    with client.stream("POST", chat_url(emulator, "oxen"), json=body, headers=AUTH) as response:
        started = time.monotonic()
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append(time.monotonic() - started)
    assert len(arrivals) >= 3
    # the delays fall between events: n events span at least (n - 1) delays
    assert arrivals[-1] - arrivals[0] >= 0.05 * (len(arrivals) - 1) * 0.9


def test_fault_respond_json_body_and_sse(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(
        Fault.respond(201, json={"ok": True}, headers={"X-Scripted": "1"}),
        Fault.respond(body=b"raw bytes", headers={"Content-Type": "text/plain"}),
        Fault.respond(sse=[{"a": 1}, "not json", ": comment"], done=False),
        Fault.respond(sse=[{"b": 2}]),
    )
    url = chat_url(emulator, "aimlapi")
    first = client.post(url, json=BODIES["aimlapi"], headers=AUTH)
    assert (first.status_code, first.json(), first.headers["x-scripted"]) == (
        201,
        {"ok": True},
        "1",
    )
    assert "x-inference-id" not in first.headers
    second = client.post(url, json=BODIES["aimlapi"], headers=AUTH)
    assert (second.content, second.headers["content-type"]) == (b"raw bytes", "text/plain")
    third = client.post(url, json=BODIES["aimlapi"], headers=AUTH)
    assert third.headers["content-type"] == "text/event-stream"
    assert third.content == b'data: {"a":1}\n\ndata: not json\n\ndata: : comment\n\n'
    fourth = client.post(url, content=b"not even json", headers=AUTH)
    assert fourth.content == b'data: {"b":2}\n\ndata: [DONE]\n\n'


def test_faults_fifo_times_and_routes(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.status(500, times=2), route="oxen")
    emulator.enqueue(Fault.status(418 - 18))  # 400, any route
    emulator.enqueue(Fault.status(502), route="aimlapi")
    assert [route for route, _ in emulator.pending_faults] == ["oxen", "oxen", None, "aimlapi"]

    def status(route: str) -> int:
        return client.post(
            chat_url(emulator, route), json=body_for(route), headers=AUTH
        ).status_code

    client.get(emulator.oxen_base_url + "/models")  # not a chat request: consumes nothing
    assert len(emulator.pending_faults) == 4
    assert status("aimlapi") == 400  # skips the oxen-only ones
    assert status("aimlapi") == 502
    assert status("aimlapi") == 200
    assert status("oxen") == 500
    assert status("oxen") == 500
    assert status("oxen") == 200


def test_fault_constructors_validate() -> None:
    with pytest.raises(ValueError):
        Fault.status(99)
    with pytest.raises(ValueError):
        Fault.status(404, times=0)
    with pytest.raises(ValueError):
        Fault.cut_stream(-1)
    with pytest.raises(ValueError):
        Fault.slow_chunks(float("nan"))
    with pytest.raises(ValueError):
        Fault.slow_first_byte(-1)
    emulator = Emulator()
    with pytest.raises(TypeError):
        emulator.enqueue("boom")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        emulator.enqueue(Fault.reset(), route="openai")  # type: ignore[arg-type]


# -- recording ----------------------------------------------------------------------------------


def test_recording(emulator: Emulator, client: httpx.Client) -> None:
    body = body_for("aimlapi", temperature=1)
    client.post(
        chat_url(emulator, "aimlapi") + "?trace=1",
        json=body,
        headers={**AUTH, "X-Custom-Thing": "Value"},
    )
    client.post(chat_url(emulator, "oxen"), content=b"{broken", headers=AUTH)
    client.get(emulator.oxen_base_url + "/models")
    recorded = emulator.requests
    assert [(r.method, r.path) for r in recorded] == [
        ("POST", "/v1/chat/completions?trace=1"),
        ("POST", "/api/ai/chat/completions"),
        ("GET", "/api/ai/models"),
    ]
    first = recorded[0]
    assert isinstance(first, RecordedRequest)
    assert first.json == body
    assert json.loads(first.body) == body
    assert first.headers["x-custom-thing"] == "Value"
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert all(name == name.lower() for name in first.headers)
    assert recorded[1].json is None
    assert recorded[1].body == b"{broken"
    assert emulator.last_request == recorded[2]
    recorded.clear()  # a snapshot: the emulator's own list is untouched
    assert len(emulator.requests) == 3


def test_reset_clears_everything(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.reset(), Fault.html())
    emulator.set_credits(0)
    client.get(emulator.oxen_base_url + "/models")
    emulator.reset()
    assert emulator.requests == []
    assert emulator.pending_faults == []
    assert emulator.credits is None
    response = client.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)
    assert response.status_code == 200


def test_max_recorded_bounds_memory(client: httpx.Client) -> None:
    with Emulator(max_recorded=2) as emulator:
        for _ in range(5):
            client.get(emulator.oxen_base_url + "/models")
        assert len(emulator.requests) == 2


# -- connections and concurrency ----------------------------------------------------------------


def port_of(emulator: Emulator) -> int:
    return int(emulator.url.rsplit(":", 1)[1])


def recv_until_closed(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def test_keep_alive_serves_several_requests_on_one_socket(emulator: Emulator) -> None:
    request = b"GET /api/ai/models HTTP/1.1\r\nHost: x\r\n\r\n"
    closing = b"GET /api/ai/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port_of(emulator)), timeout=5) as sock:
        sock.sendall(request + request + closing)  # pipelined
        data = recv_until_closed(sock)
    assert data.count(b"HTTP/1.1 200 ") == 3


def test_http_1_0_stream_is_close_delimited(emulator: Emulator) -> None:
    body = json.dumps(body_for("oxen", stream=True)).encode()
    request = (
        f"POST /api/ai/chat/completions HTTP/1.0\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port_of(emulator)), timeout=5) as sock:
        sock.sendall(request)
        data = recv_until_closed(sock)
    head, _, payload = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"transfer-encoding" not in head.lower()
    assert payload.endswith(b"data: [DONE]\n\n")


def test_garbage_gets_400_and_close(emulator: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", port_of(emulator)), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
        data = recv_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 400 ")


def test_oversized_headers_are_rejected(emulator: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", port_of(emulator)), timeout=5) as sock:
        sock.sendall(b"GET /api/ai/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000)
        data = recv_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 431 ")


def test_declared_huge_body_is_413(emulator: Emulator) -> None:
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: " + str(MAX_BODY_BYTES + 1).encode() + b"\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port_of(emulator)), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        data = recv_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in data.lower()


def test_huge_body_sent_in_full_is_413(emulator: Emulator, client: httpx.Client) -> None:
    content = b"x" * (MAX_BODY_BYTES + 1024)
    response = client.post(chat_url(emulator, "aimlapi"), content=content, headers=AUTH)
    assert response.status_code == 413
    assert same_shape(response.json(), "aimlapi", 413, chat_path("aimlapi"))

    def chunked() -> Iterator[bytes]:  # no Content-Length: the server must count
        for _ in range(21):
            yield b"y" * (1024 * 1024)

    response = client.post(chat_url(emulator, "oxen"), content=chunked(), headers=AUTH)
    assert response.status_code == 413
    assert client.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH).is_success


def test_client_disconnect_mid_stream_is_harmless(emulator: Emulator, client: httpx.Client) -> None:
    emulator.enqueue(Fault.slow_chunks(0.05))
    body = body_for("aimlapi", stream=True)
    with client.stream("POST", chat_url(emulator, "aimlapi"), json=body, headers=AUTH) as response:
        next(response.iter_raw())
    # the emulator noticed nothing worth reporting and keeps serving
    time.sleep(0.3)
    response = client.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)
    assert response.status_code == 200


async def test_async_client_round_trip(emulator: Emulator) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH)
        assert response.status_code == 200
        body = body_for("aimlapi", stream=True)
        async with http.stream(
            "POST", chat_url(emulator, "aimlapi"), json=body, headers=AUTH
        ) as stream:
            lines = [line async for line in stream.aiter_lines() if line]
        assert lines[-1] == "data: [DONE]"


async def test_async_faults(emulator: Emulator) -> None:
    emulator.enqueue(Fault.reset(), Fault.cut_stream(1), Fault.status(429, retry_after=3))
    url = chat_url(emulator, "aimlapi")
    async with httpx.AsyncClient(timeout=10) as http:
        with pytest.raises(httpx.TransportError):
            await http.post(url, json=BODIES["aimlapi"], headers=AUTH)
        body = body_for("aimlapi", stream=True)
        with pytest.raises(httpx.RemoteProtocolError):
            async with http.stream("POST", url, json=body, headers=AUTH) as stream:
                async for _ in stream.aiter_raw():
                    pass
        limited = await http.post(url, json=BODIES["aimlapi"], headers=AUTH)
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "3")


async def test_200_concurrent_requests(emulator: Emulator) -> None:
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def one(index: int) -> httpx.Response:
            route = ROUTES[index % 2]
            body = body_for(route, stream=index % 4 < 2)
            headers = {**AUTH, "X-Client-Request-Id": f"req-{index}"}
            return await http.post(chat_url(emulator, route), json=body, headers=headers)

        # One round only: httpcore's pool gets slow (quadratic) when reusing 200 idle connections;
        # keep-alive reuse at that scale is checked with raw connections below.
        responses = await asyncio.gather(*(one(index) for index in range(200)))
        assert [r.status_code for r in responses] == [200] * 200
        for index, response in enumerate(responses):
            if index % 2 == 0:
                assert response.headers["x-client-request-id"] == f"req-{index}"
            if index % 4 < 2:
                assert response.text.rstrip().endswith("data: [DONE]")
            else:
                assert response.json()["object"] == "chat.completion"
    assert len(emulator.requests) == 200


async def test_250_keep_alive_connections_three_rounds(emulator: Emulator) -> None:
    body = json.dumps(BODIES["aimlapi"]).encode()
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        length = next(
            int(line.split(":")[1]) for line in lines if line.startswith("content-length")
        )
        json.loads(await reader.readexactly(length))
        return int(lines[0].split()[1])

    connections = await asyncio.gather(
        *(asyncio.open_connection("127.0.0.1", port_of(emulator)) for _ in range(250))
    )
    try:
        for _ in range(3):
            statuses = await asyncio.wait_for(
                asyncio.gather(*(exchange(reader, writer) for reader, writer in connections)), 30
            )
            assert statuses == [200] * 250
    finally:
        for _, writer in connections:
            writer.close()
    assert len(emulator.requests) == 750


def test_concurrent_slow_requests_do_not_block_each_other(emulator: Emulator) -> None:
    emulator.enqueue(Fault.slow_first_byte(0.5, times=20))

    async def run() -> list[int]:
        async with httpx.AsyncClient(timeout=10) as http:
            responses = await asyncio.gather(
                *(
                    http.post(chat_url(emulator, "oxen"), json=BODIES["oxen"], headers=AUTH)
                    for _ in range(20)
                )
            )
        return [response.status_code for response in responses]

    started = time.monotonic()
    assert asyncio.run(run()) == [200] * 20
    assert time.monotonic() - started < 2.5


# -- lifecycle ----------------------------------------------------------------------------------


def test_lifecycle() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError):
        _ = emulator.url
    emulator.stop()  # stopping a never-started emulator is fine
    assert emulator.start() is emulator
    assert emulator.start() is emulator  # idempotent
    assert emulator.running
    assert emulator.url.startswith("http://127.0.0.1:")
    assert emulator.aimlapi_base_url == emulator.url + "/v1"
    assert emulator.oxen_base_url == emulator.url + "/api/ai"
    with httpx.Client() as http:
        assert http.get(emulator.oxen_base_url + "/models").status_code == 200
        emulator.stop()
        emulator.stop()
        assert not emulator.running
        with pytest.raises(httpx.TransportError):  # kept-alive connection closed, port closed
            http.get(emulator.oxen_base_url + "/models")


def test_stop_interrupts_slow_and_idle_connections() -> None:
    emulator = Emulator().start()
    emulator.enqueue(Fault.slow_first_byte(30))
    idle = socket.create_connection(("127.0.0.1", port_of(emulator)))

    def slow() -> None:
        with pytest.raises(httpx.TransportError), httpx.Client(timeout=10) as http:
            http.post(chat_url(emulator, "aimlapi"), json=BODIES["aimlapi"], headers=AUTH)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    emulator.stop()
    worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 3
    idle.settimeout(5)
    assert idle.recv(10) == b""
    idle.close()


def test_busy_port_raises() -> None:
    with Emulator() as first, pytest.raises(OSError):
        Emulator(port=port_of(first)).start()


async def test_async_context_manager() -> None:
    async with Emulator(api_key=None) as emulator, httpx.AsyncClient() as http:
        response = await http.post(
            chat_url(emulator, "oxen"),
            json=BODIES["oxen"],
            headers={"Authorization": "Bearer anything"},
        )
        assert response.status_code == 200
    assert not emulator.running


def test_cli_prints_url_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_gpt52.testing", "--port", "0", "--api-key", "cli-key"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(timeout=10) as http:
            ok = http.post(
                url + "/v1/chat/completions",
                json=BODIES["aimlapi"],
                headers={"Authorization": "Bearer cli-key"},
            )
            assert ok.status_code == 200
            denied = http.post(url + "/v1/chat/completions", json=BODIES["aimlapi"], headers=AUTH)
            assert denied.status_code == 401
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
        assert process.returncode == 0, stderr
        assert stdout == ""  # exactly one line in total
        assert stderr == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_sigint() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_gpt52.testing", "--any-key"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        with httpx.Client(timeout=10) as http:
            response = http.get(url + "/api/ai/models")
            assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 0, stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_provider_is_one_module_of_hooks(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_gpt52.emulator import providers
    from langchain_gpt52.emulator.providers.base import EmulatedProvider

    class Plain(EmulatedProvider):
        name = "plain"
        prefix = "/plain/v1"
        response_model = "gpt-5.2"

    monkeypatch.setitem(providers.PROVIDERS, "plain", Plain())
    with Emulator() as emulator:
        url = emulator.base_url("plain") + "/chat/completions"
        body = {"model": "gpt-5.2", "messages": MESSAGES}
        answer = client.post(url, json=body, headers=AUTH)
        missing = client.get(emulator.base_url("plain") + "/nothing", headers=AUTH)
        emulator.enqueue(Fault.status(503), route="plain")
        failed = client.post(url, json=body, headers=AUTH)
    assert answer.status_code == 200
    assert answer.json()["model"] == "gpt-5.2"
    assert "meta" not in answer.json()
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 404
    assert failed.status_code == 503
