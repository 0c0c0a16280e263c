"""The API key never shows: not in reprs, dumps, tracing params, errors, logs or warnings."""

from __future__ import annotations

import json
import logging
import pickle
import threading
import traceback
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd, dumps

from langchain_gpt52 import APIError, ChatAIMLAPI, ChatGPT52, ChatOxen
from langchain_gpt52.chat_models.base import BaseChatGPT52
from tests.unit_tests._chat_fakes import Body, FakeProvider, clean_env, sleeps, sse, text_chunks

__all__ = ["clean_env", "sleeps"]  # fixtures used by name

KEY = "sk-TESTSECRET-123"
GEN_URL = "https://gw.example.com/v1"


def _all_text(obj: Any, depth: int = 0) -> str:
    """Every string reachable from an exception or object (args, attributes, nested)."""
    if depth > 6:
        return ""
    parts = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        parts.append("".join(traceback.format_exception(type(obj), obj, obj.__traceback__)))
        parts.extend(_all_text(a, depth + 1) for a in obj.args)
    if isinstance(obj, dict):
        parts.extend(_all_text(k, depth + 1) + _all_text(v, depth + 1) for k, v in obj.items())
    elif isinstance(obj, (list, tuple)):
        parts.extend(_all_text(v, depth + 1) for v in obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        parts.extend(_all_text(v, depth + 1) for v in vars(obj).values())
    return "\n".join(parts)


def _models(provider: FakeProvider) -> list[BaseChatGPT52]:
    return [
        ChatAIMLAPI(api_key=KEY, **provider.clients()),
        ChatOxen(api_key=KEY, **provider.clients()),
        ChatGPT52(api_key=KEY, base_url=GEN_URL, **provider.clients()),
    ]


@pytest.mark.filterwarnings("ignore:The method `BaseChatModel.dict` was deprecated")
def test_key_not_in_model_representations() -> None:
    for llm in _models(FakeProvider()):
        texts = [
            repr(llm),
            str(llm),
            json.dumps(llm.model_dump(), default=str),
            json.dumps(llm.dict(), default=str),  # deprecated, still public
            llm.model_dump_json(),
            json.dumps(dumpd(llm)),
            dumps(llm),
            dumps(llm, pretty=True),
            json.dumps(llm._get_ls_params(stop=["x"])),
            json.dumps(llm._identifying_params, default=str),
            repr(llm.bind_tools([{"type": "function", "function": {"name": "f"}}])),
            repr(llm.with_structured_output({"title": "T", "type": "object", "properties": {}})),
        ]
        for text in texts:
            assert KEY not in text
        assert llm.api_key is not None
        assert llm.api_key.get_secret_value() == KEY  # the key is kept, only hidden


def test_dumpd_refers_to_env_var_not_value() -> None:
    ser = dumpd(ChatAIMLAPI(api_key=KEY))
    assert ser["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["AIMLAPI_API_KEY"]}


def _echo_error(status: int) -> httpx.Response:
    # A provider that echoes the key back, in the shapes both providers use.
    bodies = {
        401: {
            "error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}
        },
        403: {
            "message": f"Key {KEY} has no credits left",
            "path": "/v1/chat/completions",
            "requestId": "r-403",
            "statusCode": 403,
        },
        429: {
            "error": {"type": "rate_limit", "title": "Rate limit exceeded", "detail": f"for {KEY}"},
            "status": "error",
            "status_message": f"limited {KEY}",
        },
        500: {
            "title": "Internal",
            "message": f"upstream rejected Bearer {KEY}",
            "error": {"name": "Err", "message": KEY, "data": [{"path": ["key"], "message": KEY}]},
        },
    }
    return httpx.Response(status, json=bodies[status], headers={"x-inference-id": "inf-1"})


def _raw_echo(status: int) -> httpx.Response:
    return httpx.Response(status, content=f"<html><title>{KEY}</title></html> {KEY}".encode())


@pytest.mark.parametrize("status", [401, 403, 429, 500])
@pytest.mark.parametrize("shape", ["json", "raw"])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_key_redacted_from_errors(
    status: int, shape: str, mode: str, sleeps: list[float]
) -> None:
    reply = _echo_error(status) if shape == "json" else _raw_echo(status)
    provider = FakeProvider(reply)
    for llm in _models(provider):
        with pytest.raises(APIError) as info:
            if mode == "invoke":
                llm.invoke("x")
            elif mode == "ainvoke":
                await llm.ainvoke("x")
            elif mode == "stream":
                list(llm.stream("x"))
            else:
                [c async for c in llm.astream("x")]
        exc = info.value
        assert getattr(exc, "status_code", None) == status
        text = _all_text(exc)
        assert KEY not in text
        assert KEY not in pickle.dumps(exc).decode("latin-1")
        if shape == "json" and status == 401:
            assert "Incorrect API key provided" in str(exc)  # the message itself survives


def test_key_redacted_from_stream_error_events() -> None:
    body = sse(text_chunks(["a"])[1], done=False) + (
        b'event: error\ndata: {"message": "bad key ' + KEY.encode() + b'"}\n\n'
    )
    provider = FakeProvider(httpx.Response(200, stream=Body([body])))
    llm = ChatAIMLAPI(api_key=KEY, **provider.clients())
    with pytest.raises(APIError) as info:
        list(llm.stream("x"))
    assert KEY not in _all_text(info.value)


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(200, json={"error": {"message": f"bad key {KEY}"}}),
        httpx.Response(200, json={"choices": None, "detail": f"bad key {KEY}"}),
        httpx.Response(
            200,
            content=sse({"error": {"message": f"bad key {KEY}"}}),
            headers={"content-type": "text/event-stream"},
        ),
        httpx.Response(
            200,
            content=b"data: {bad " + KEY.encode() + b"\n\n",
            headers={"content-type": "text/event-stream"},
        ),
    ],
    ids=["error-200", "no-choices", "sse-error-chunk", "sse-bad-json"],
)
@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_key_redacted_from_2xx_errors(reply: httpx.Response, mode: str) -> None:
    provider = FakeProvider(reply)
    llm = ChatGPT52(api_key=KEY, base_url=GEN_URL, **provider.clients())
    with pytest.raises(APIError) as info:
        if mode == "invoke":
            llm.invoke("x")
        else:
            list(llm.stream("x"))
    assert KEY not in _all_text(info.value)


def test_key_in_healthy_content_is_left_alone() -> None:
    # Redaction is for error paths: an ordinary answer is returned as sent.
    body = {
        "choices": [{"index": 0, "message": {"content": f"echo {KEY}"}, "finish_reason": "stop"}]
    }
    provider = FakeProvider(httpx.Response(200, json=body))
    llm = ChatOxen(api_key=KEY, **provider.clients())
    assert llm.invoke("x").content == f"echo {KEY}"
    short = ChatOxen(api_key="k", **provider.clients())
    assert short.invoke("x").content == f"echo {KEY}"


def test_key_redacted_from_invalid_json_bodies() -> None:
    provider = FakeProvider(httpx.Response(200, content=f"oops {KEY} not json".encode()))
    llm = ChatOxen(api_key=KEY, **provider.clients())
    with pytest.raises(APIError) as info:
        llm.invoke("x")
    assert KEY not in _all_text(info.value)


def test_key_not_in_logs_or_warnings(caplog: pytest.LogCaptureFixture, sleeps: list[float]) -> None:
    provider = FakeProvider(_echo_error(429), _echo_error(401))
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "langchain_gpt52", "langchain_core", ""):
        caplog.set_level(logging.DEBUG, logger=name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        llm = ChatAIMLAPI(api_key=KEY, **provider.clients())
        with pytest.raises(APIError):
            llm.invoke("x")
        logging.getLogger("test").exception("logged with traceback", exc_info=True)
        try:
            llm.invoke("x")
        except APIError:
            logging.getLogger("test").exception("the error")
    assert caplog.records  # logging did capture something (httpx logs each request)
    assert KEY not in caplog.text
    for record in caplog.records:
        assert KEY not in record.getMessage()
        if record.exc_info:
            assert KEY not in "".join(traceback.format_exception(*record.exc_info))
    for w in caught:
        assert KEY not in str(w.message)


# -- a real HTTP stack on loopback, so httpx and httpcore log at DEBUG -----------------------


class _EchoHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        self.rfile.read(length)
        auth = self.headers.get("authorization", "")
        body = json.dumps({"error": {"message": f"Incorrect API key provided: {auth[7:]}"}})
        data = body.encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", auth[7:])  # a provider echoing the key in a header
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_key_not_in_httpx_httpcore_debug_logs(
    echo_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx2", "httpcore2", "httpcore2.http11", "httpcore2.connection"):
        caplog.set_level(logging.DEBUG, logger=name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        llm = ChatGPT52(api_key=KEY, base_url=echo_server, max_retries=0)
        with pytest.raises(APIError) as sync_info:
            llm.invoke("x")
        with pytest.raises(APIError) as async_info:
            await llm.ainvoke("x")
        with pytest.raises(APIError) as stream_info:
            list(llm.stream("x"))
        llm.close()
        await llm.aclose()
    assert any(r.name.startswith("httpcore2") for r in caplog.records)
    assert any(r.name == "httpx2" for r in caplog.records)
    assert KEY not in caplog.text
    for info in (sync_info, async_info, stream_info):
        assert "Incorrect API key provided: ***" in str(info.value)
        assert KEY not in _all_text(info.value)
    for w in caught:
        assert KEY not in str(w.message)
