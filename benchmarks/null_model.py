"""The null LangChain model: the floor under any LangChain chat model (see ``scenarios``).

Its own module so that the raw-httpx floor's process never imports langchain.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx2
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from benchmarks.scenarios import API_KEY, FLOOR2_LIMITS

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class NullChatModel(BaseChatModel):
    """The least a LangChain chat model can do: raw httpx2 POST + ``json.loads``; raw SSE lines
    -> chunks. No checks, no retries, no metadata: the floor under any integration."""

    base_url: str
    model: str
    _client: Any = PrivateAttr(default=None)
    _aclient: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "null"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        from langchain_core.utils.function_calling import convert_to_openai_tool

        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _body(self, messages: list[BaseMessage], stream: bool, kwargs: dict[str, Any]) -> bytes:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": _ROLES[m.type], "content": m.content} for m in messages],
            **kwargs,
        }
        if stream:
            body["stream"] = True
        return json.dumps(body).encode()

    @property
    def _url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def _sync(self) -> Any:
        if self._client is None:
            self._client = httpx2.Client(timeout=60.0, limits=FLOOR2_LIMITS, headers=_HEADERS)
        return self._client

    def _async(self) -> Any:
        if self._aclient is None:
            self._aclient = httpx2.AsyncClient(timeout=60.0, limits=FLOOR2_LIMITS, headers=_HEADERS)
        return self._aclient

    @staticmethod
    def _result(data: Any) -> ChatResult:
        msg = data["choices"][0]["message"]
        calls = [
            {
                "name": c["function"]["name"],
                "args": json.loads(c["function"]["arguments"]),
                "id": c["id"],
                "type": "tool_call",
            }
            for c in msg.get("tool_calls") or []
        ]
        message = AIMessage(content=msg.get("content") or "", tool_calls=calls)
        return ChatResult(generations=[ChatGeneration(message=message)])

    @staticmethod
    def _chunk(line: str) -> ChatGenerationChunk | None:
        if not line.startswith("data:"):
            return None
        data = line[5:].strip()
        if data == "[DONE]":
            return None
        choices = json.loads(data).get("choices")
        text = choices[0]["delta"].get("content") if choices else None
        return ChatGenerationChunk(message=AIMessageChunk(content=text)) if text else None

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        resp = self._sync().post(self._url, content=self._body(messages, False, kwargs))
        return self._result(json.loads(resp.content))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        resp = await self._async().post(self._url, content=self._body(messages, False, kwargs))
        return self._result(json.loads(resp.content))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Any:
        body = self._body(messages, True, kwargs)
        with self._sync().stream("POST", self._url, content=body) as resp:
            for line in resp.iter_lines():
                chunk = self._chunk(line)
                if chunk is not None:
                    yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Any:
        body = self._body(messages, True, kwargs)
        async with self._async().stream("POST", self._url, content=body) as resp:
            async for line in resp.aiter_lines():
                chunk = self._chunk(line)
                if chunk is not None:
                    yield chunk

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None


_HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
