"""The clients and workloads that ``run.py`` measures (and the smoke test exercises).

Five kinds of client talk to the same emulator:

* ``floor``: a hand-written minimal httpx client -- ``httpx.Client.post`` + ``json.loads``, and for
  streams ``iter_lines`` + ``json.loads`` per ``data:`` line. Nothing a real client could skip.
* ``floor2``: the same on ``httpx2`` (the package's HTTP client).
* ``null``: the null LangChain model, ``NullChatModel``: a ``BaseChatModel`` whose ``_generate``
  is one raw httpx2 POST + ``json.loads`` and whose ``_stream`` yields chunks from raw SSE lines:
  the floor for *any* LangChain chat model (langchain-core's invoke plumbing included).
* ``ours``: ``ChatAIMLAPI`` (route ``aimlapi``) or ``ChatOxen`` (route ``oxen``).
* ``openai``: ``langchain_openai.ChatOpenAI(base_url=<emulator>/v1 or /api/ai)``.

Every workload returns what the client got back, so the smoke test can check that all three
clients agree. Long streams come from a second emulator process (``serve_scripted_streams``)
that answers every request with the same scripted ``chat.completion.chunk`` sequence, built from
the emulator's own chunks of a real answer.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import httpx2
from pydantic import BaseModel

API_KEY = "emulator-key"
ROUTES: dict[str, tuple[str, str]] = {
    "aimlapi": ("/v1", "openai/gpt-5-2"),
    "oxen": ("/api/ai", "gpt-5-2-chat-latest"),
}
KINDS = ("floor", "floor2", "null", "ours", "openai")

# The floor's pool limits are langchain_gpt52._transport.DEFAULT_LIMITS (the smoke test checks),
# so the concurrency rows compare client code, not pool settings; spelled out so the floor's
# process never imports langchain.
FLOOR_LIMITS = httpx.Limits(max_connections=256, max_keepalive_connections=32, keepalive_expiry=30)
FLOOR2_LIMITS = httpx2.Limits(
    max_connections=256, max_keepalive_connections=32, keepalive_expiry=30
)

PROMPT = "Summarise the plot of Hamlet, the play by Shakespeare, in a single short line."
TOOL_PROMPT = "What is the weather in Paris right now? Call get_weather."
STRUCT_PROMPT = "Facts about the city of Paris in France, with its population 2100000."
STREAM_PROMPT = (
    "Write a long story about a lighthouse keeper who collects sea glass, "
    "the storms that pass over the island every autumn, the ships that never arrive, "
    "and the letters she writes to a sister who lives far away in a busy city. "
    "Describe the sea, the wind, the birds, the rocks and the lamp in detail, "
    "and end with the keeper climbing the stairs one last time at dawn."
)

TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "City name"}},
            "required": ["location"],
        },
    },
}


class CityFact(BaseModel):
    """Facts about a city."""

    city: str
    country: str
    population: int


# What ``convert_to_openai_tool(CityFact)`` gives (checked by the smoke test); spelled out so the
# floor client's process never imports langchain.
CITY_FACT_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "CityFact",
        "description": "Facts about a city.",
        "schema": {
            "properties": {
                "city": {"type": "string"},
                "country": {"type": "string"},
                "population": {"type": "integer"},
            },
            "required": ["city", "country", "population"],
            "type": "object",
        },
    },
}


def route_url(base: str, route: str) -> str:
    """``http://host:port`` + the route's API prefix."""
    return base.rstrip("/") + ROUTES[route][0]


# -- floor: the minimal hand-written client ------------------------------------------------------


class FloorClient:
    """``httpx`` (or ``httpx2``) + ``json`` and nothing else: the cost any client has to pay."""

    def __init__(self, base_url: str, model: str, limits: Any = None, lib: Any = httpx) -> None:
        self.kind = "floor" if lib is httpx else "floor2"
        self.lib = lib
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        self.limits = limits or (FLOOR_LIMITS if lib is httpx else FLOOR2_LIMITS)
        self.client = lib.Client(timeout=60.0, limits=self.limits)
        self._aclient: Any = None
        self.messages = [{"role": "user", "content": PROMPT}]
        self.tool_messages = [{"role": "user", "content": TOOL_PROMPT}]
        self.struct_messages = [{"role": "user", "content": STRUCT_PROMPT}]
        self.stream_messages = [{"role": "user", "content": STREAM_PROMPT}]
        self.response_format = CITY_FACT_FORMAT

    @property
    def aclient(self) -> Any:
        if self._aclient is None:
            self._aclient = self.lib.AsyncClient(timeout=60.0, limits=self.limits)
        return self._aclient

    def _post(self, body: dict[str, Any]) -> Any:
        resp = self.client.post(self.url, content=json.dumps(body).encode(), headers=self.headers)
        if resp.status_code >= 400:
            raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:300]}")
        return json.loads(resp.content)

    def invoke(self) -> str:
        data = self._post({"model": self.model, "messages": self.messages})
        return str(data["choices"][0]["message"]["content"])

    def call_with(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> Callable[[], Any]:
        """An ``invoke`` of ``messages`` (and ``tools``), for the scaling table."""
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if tools:
            body["tools"] = tools
        return lambda: self._post(body)

    def invoke_tool(self) -> tuple[str, dict[str, Any]]:
        data = self._post({"model": self.model, "messages": self.tool_messages, "tools": [TOOL]})
        call = data["choices"][0]["message"]["tool_calls"][0]["function"]
        return call["name"], json.loads(call["arguments"])

    def structured(self) -> CityFact:
        data = self._post(
            {
                "model": self.model,
                "messages": self.struct_messages,
                "response_format": self.response_format,
            }
        )
        return CityFact.model_validate(json.loads(data["choices"][0]["message"]["content"]))

    def _stream_body(self) -> bytes:
        body = {"model": self.model, "messages": self.stream_messages, "stream": True}
        return json.dumps(body).encode()

    def stream(self) -> str:
        parts: list[str] = []
        body = self._stream_body()
        with self.client.stream("POST", self.url, content=body, headers=self.headers) as resp:
            if resp.status_code >= 400:
                raise RuntimeError(f"HTTP {resp.status_code}")
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choices = json.loads(data).get("choices")
                if choices:
                    text = choices[0]["delta"].get("content")
                    if text:
                        parts.append(text)
        return "".join(parts)

    async def ainvoke(self) -> str:
        body = json.dumps({"model": self.model, "messages": self.messages}).encode()
        resp = await self.aclient.post(self.url, content=body, headers=self.headers)
        if resp.status_code >= 400:
            raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:300]}")
        return str(json.loads(resp.content)["choices"][0]["message"]["content"])

    async def astream(self) -> str:
        parts: list[str] = []
        body = self._stream_body()
        async with self.aclient.stream(
            "POST", self.url, content=body, headers=self.headers
        ) as resp:
            if resp.status_code >= 400:
                raise RuntimeError(f"HTTP {resp.status_code}")
            async for line in resp.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choices = json.loads(data).get("choices")
                if choices:
                    text = choices[0]["delta"].get("content")
                    if text:
                        parts.append(text)
        return "".join(parts)

    async def abatch(self, n: int, max_concurrency: int) -> list[str]:
        sem = asyncio.Semaphore(max_concurrency)

        async def one() -> str:
            async with sem:
                return await self.ainvoke()

        return list(await asyncio.gather(*(one() for _ in range(n))))

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None


# -- LangChain clients -----------------------------------------------------------------------------


def make_chat_model(kind: str, route: str, base_url: str, **kwargs: Any) -> Any:
    """A LangChain chat model of ``kind`` ("ours" or "openai") for ``route`` at ``base_url``."""
    prefix_url = route_url(base_url, route)
    if kind == "ours":
        from langchain_gpt52 import ChatAIMLAPI, ChatOxen

        cls = ChatAIMLAPI if route == "aimlapi" else ChatOxen
        return cls(api_key=API_KEY, base_url=prefix_url, **kwargs)
    if kind == "null":
        from benchmarks.null_model import NullChatModel

        return NullChatModel(base_url=prefix_url, model=ROUTES[route][1], **kwargs)
    if kind == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(base_url=prefix_url, api_key=API_KEY, model=ROUTES[route][1], **kwargs)
    raise ValueError(f"unknown client kind {kind!r}")


class LangChainClient:
    """The same workloads through a ``BaseChatModel``'s public API (and ours' private one)."""

    def __init__(self, kind: str, model: Any) -> None:
        from langchain_core.messages import HumanMessage

        self.kind = kind
        self.model = model
        self.messages = [HumanMessage(PROMPT)]
        self.tool_messages = [HumanMessage(TOOL_PROMPT)]
        self.struct_messages = [HumanMessage(STRUCT_PROMPT)]
        self.stream_messages = [HumanMessage(STREAM_PROMPT)]
        self.tool_model = model.bind_tools([TOOL])
        extra = {"method": "json_schema"} if kind == "openai" else {}
        self.format_model = model.bind(response_format=CITY_FACT_FORMAT)
        if kind == "null":  # response_format + pydantic, as the floor does
            self.struct_model = self.format_model | (
                lambda m: CityFact.model_validate_json(str(m.content))
            )
        else:
            self.struct_model = model.with_structured_output(CityFact, **extra)

    def invoke(self) -> str:
        return str(self.model.invoke(self.messages).content)

    def call_with(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> Callable[[], Any]:
        """An ``invoke`` of ``messages`` (and ``tools``), for the scaling table."""
        from langchain_core.messages import AIMessage, HumanMessage

        msgs = [
            HumanMessage(m["content"]) if m["role"] == "user" else AIMessage(m["content"])
            for m in messages
        ]
        model = self.model.bind_tools(tools) if tools else self.model
        return lambda: model.invoke(msgs)

    def invoke_tool(self) -> tuple[str, dict[str, Any]]:
        call = self.tool_model.invoke(self.tool_messages).tool_calls[0]
        return call["name"], call["args"]

    def structured(self) -> CityFact:
        result = self.struct_model.invoke(self.struct_messages)
        assert isinstance(result, CityFact)
        return result

    def invoke_format(self) -> str:
        """The structured-output request without the parsing chain (same bytes on the wire)."""
        return str(self.format_model.invoke(self.struct_messages).content)

    def stream(self) -> str:
        return "".join(str(c.content) for c in self.model.stream(self.stream_messages))

    async def ainvoke(self) -> str:
        return str((await self.model.ainvoke(self.messages)).content)

    async def astream(self) -> str:
        parts = [str(c.content) async for c in self.model.astream(self.stream_messages)]
        return "".join(parts)

    async def abatch(self, n: int, max_concurrency: int) -> list[str]:
        out = await self.model.abatch(
            [self.messages] * n, config={"max_concurrency": max_concurrency}
        )
        return [str(m.content) for m in out]

    # The model's own code without langchain-core's invoke/stream plumbing (callbacks, run
    # managers, chunk merging): what is left is the integration's cost.

    def direct_generate(self) -> str:
        result = self.model._generate(self.messages)
        return str(result.generations[0].message.content)

    async def direct_agenerate(self) -> str:
        result = await self.model._agenerate(self.messages)
        return str(result.generations[0].message.content)

    def direct_generate_tool(self) -> tuple[str, dict[str, Any]]:
        kwargs = dict(self.tool_model.kwargs)
        message = self.model._generate(self.tool_messages, **kwargs).generations[0].message
        call = message.tool_calls[0]
        return call["name"], call["args"]

    def direct_stream(self) -> str:
        return "".join(str(c.message.content) for c in self.model._stream(self.stream_messages))

    async def direct_astream(self) -> str:
        parts = [str(c.message.content) async for c in self.model._astream(self.stream_messages)]
        return "".join(parts)

    def close(self) -> None:
        close = getattr(self.model, "close", None)
        if callable(close):
            close()

    async def aclose(self) -> None:
        aclose = getattr(self.model, "aclose", None)
        if callable(aclose):
            await aclose()


Client = FloorClient | LangChainClient


def make_client(kind: str, route: str, base_url: str, **kwargs: Any) -> Client:
    """A client of ``kind`` for ``route`` of the emulator at ``base_url`` (no path)."""
    if kind in ("floor", "floor2"):
        lib = httpx if kind == "floor" else httpx2
        return FloorClient(route_url(base_url, route), ROUTES[route][1], lib=lib, **kwargs)
    return LangChainClient(kind, make_chat_model(kind, route, base_url, **kwargs))


# -- scripted long streams -------------------------------------------------------------------------


def scripted_stream(route: str, events: int) -> list[dict[str, Any]]:
    """A ``chat.completion.chunk`` sequence of exactly ``events`` chunks for ``route``.

    Built from the emulator's own chunks for ``STREAM_PROMPT``: its role chunk, its content
    chunks repeated until the length is reached, then its finish chunk and usage chunk -- the
    exact shapes (``obfuscation``, ``usage: null``, ``meta.usage``) each provider sends.
    """
    from langchain_gpt52.emulator.completion import stream_chunks

    body: dict[str, Any] = {
        "model": ROUTES[route][1],
        "messages": [{"role": "user", "content": STREAM_PROMPT}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    real = stream_chunks(route, body)  # type: ignore[arg-type]
    head, *middle, finish, usage = real
    if events < 4 or not middle:
        raise ValueError("a scripted stream needs at least 4 events")
    content = [middle[i % len(middle)] for i in range(events - 3)]
    return [head, *content, finish, usage]


def serve_scripted_streams(events: int) -> None:
    """Run two emulators that answer every chat request with a scripted long stream.

    Prints ``<aimlapi emulator url> <oxen emulator url>`` on one line, then serves until killed
    (SIGTERM/SIGINT). Each emulator is started with the emulator's ``Fault.respond(sse=...)``
    queued for every request it will get.
    """
    import signal
    import threading

    from langchain_gpt52.testing import Emulator, Fault

    urls = []
    emulators = []
    for route in ROUTES:
        emu = Emulator(api_key=API_KEY, max_recorded=0).start()
        emu.enqueue(Fault.respond(sse=scripted_stream(route, events), times=200_000))
        emulators.append(emu)
        urls.append(emu.url)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    print(" ".join(urls), flush=True)
    while not stopping.wait(0.25):
        pass
    for emu in emulators:
        emu.stop()


def expected_stream_text(route: str, events: int) -> str:
    """The content a client must assemble from ``scripted_stream(route, events)``."""
    parts = []
    for chunk in scripted_stream(route, events):
        for choice in chunk.get("choices") or []:
            text = choice.get("delta", {}).get("content")
            if text:
                parts.append(text)
    return "".join(parts)


# -- scaling workloads ----------------------------------------------------------------------------

RESPONSE_SIZES = [(100, "100 B"), (10 * 1024, "10 KB"), (1024 * 1024, "1 MB")]
STREAM_LENGTHS = (100, 10_000)


def history(n: int) -> list[dict[str, Any]]:
    """A conversation of ``n`` messages (user and assistant turns), ending with the user."""
    out = []
    for i in range(n):
        role = "user" if (n - 1 - i) % 2 == 0 else "assistant"
        out.append({"role": role, "content": f"Turn {i}: {PROMPT}"})
    return out


def tools(n: int) -> list[dict[str, Any]]:
    """``n`` distinct function tools shaped like ``TOOL``."""
    out = []
    for i in range(n):
        fn = dict(TOOL["function"], name=f"get_weather_{i}")
        out.append({"type": "function", "function": fn})
    return out


def sized_completion(size: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-sized",
        "object": "chat.completion",
        "created": 1765494440,
        "model": ROUTES["aimlapi"][1],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "x" * size, "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": size // 4, "total_tokens": 10},
    }


def serve_scripted(specs: Sequence[str]) -> None:
    """One emulator per spec (``size-<bytes>``: a completion of that many characters;
    ``stream-<n>``: an ``n``-chunk stream), each answering every request the same way.

    Prints their URLs in order on one line, then serves until killed.
    """
    import signal
    import threading

    from langchain_gpt52.testing import Emulator, Fault

    emulators = []
    for spec in specs:
        kind, _, value = spec.partition("-")
        emu = Emulator(api_key=API_KEY, max_recorded=0).start()
        if kind == "size":
            emu.enqueue(Fault.respond(json=sized_completion(int(value)), times=200_000))
        else:
            emu.enqueue(Fault.respond(sse=scripted_stream("aimlapi", int(value)), times=200_000))
        emulators.append(emu)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    print(" ".join(e.url for e in emulators), flush=True)
    while not stopping.wait(0.25):
        pass
    for emu in emulators:
        emu.stop()


def scripted_specs() -> list[str]:
    return [f"size-{n}" for n, _ in RESPONSE_SIZES] + [f"stream-{n}" for n in STREAM_LENGTHS]


# -- RSS child -------------------------------------------------------------------------------------


def _rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_child(kind: str, route: str, base_url: str, checkpoints: Sequence[int]) -> None:
    """Fresh process: make one client, ``invoke`` up to each checkpoint, print RSS as JSON.

    ``kind="core"`` only imports what any ``BaseChatModel`` over httpx needs and builds an SSL
    context (the CA bundle every HTTPS client loads): the baseline our clients sit on.
    """
    if kind == "core":
        import langchain_core.language_models.chat_models  # noqa: F401

        out = {"after_import": _rss_mib()}
        httpx2.create_ssl_context()
        out["with_ssl_context"] = _rss_mib()
        print(json.dumps(out), flush=True)
        return
    client = make_client(kind, route, base_url)
    out: dict[str, float] = {"after_import": _rss_mib()}
    done = 0
    for target in checkpoints:
        while done < target:
            client.invoke()
            done += 1
        out[str(target)] = _rss_mib()
    client.close()
    print(json.dumps(out), flush=True)


def run_checks(clients: dict[str, Client], calls: Sequence[Callable[[Client], Any]]) -> None:
    """Call each workload on each client once (warm-up and sanity)."""
    for client in clients.values():
        for call in calls:
            call(client)


def serve_slow(seconds: float) -> None:
    """Run an emulator whose every answer waits ``seconds`` before its first byte (a slow model).

    Prints its URL on one line, then serves until killed.
    """
    import signal
    import threading

    from langchain_gpt52.testing import Emulator, Fault

    emu = Emulator(api_key=API_KEY, max_recorded=0).start()
    emu.enqueue(Fault.slow_first_byte(seconds, times=200_000))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    print(emu.url, flush=True)
    while not stopping.wait(0.25):
        pass
    emu.stop()


if __name__ == "__main__":  # pragma: no cover - helper entry points used by run.py
    if sys.argv[1] == "serve":
        serve_scripted_streams(int(sys.argv[2]))
    elif sys.argv[1] == "serve-scripted":
        serve_scripted(sys.argv[2:])
    elif sys.argv[1] == "serve-slow":
        serve_slow(float(sys.argv[2]))
    elif sys.argv[1] == "rss":
        rss_child(sys.argv[2], sys.argv[3], sys.argv[4], [int(x) for x in sys.argv[5:]])
