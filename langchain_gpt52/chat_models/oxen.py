"""`ChatOxen`: GPT-5.2 Chat through Oxen.ai (`gpt-5-2-chat-latest`)."""

from __future__ import annotations

from typing import ClassVar

from langchain_gpt52 import model_details
from langchain_gpt52._prices import Price
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.model_details import ModelDetails
from langchain_gpt52.providers import OXEN, Provider

__all__ = ["ChatOxen"]


class ChatOxen(BaseChatGPT52):
    """GPT-5.2 Chat through Oxen.ai (model `gpt-5-2-chat-latest`).

    Setup:
        Install `langchain-gpt52` and set `OXEN_API_KEY`:

        ```bash
        pip install langchain-gpt52
        export OXEN_API_KEY="your-key"
        ```

        Without a key, the offline emulator answers instead (see the README).

    Key init args — completion params:
        model: str
            Model id. Default `"gpt-5-2-chat-latest"` (128k context, 16,384 output tokens).
        temperature: float | None
            Sent as given (Oxen documents it). Upstream, `gpt-5-2-chat-latest` takes only 1:
            if Oxen answers 400, the error ends with a `hint:` line saying so.
        max_tokens: int | None
            Output cap, sent as `max_tokens`; at most 16,384 for `gpt-5-2-chat-latest`,
            128,000 for the reasoning snapshot `gpt-5-2-2025-12-11`.
        reasoning_effort: str | None
            `gpt-5-2-2025-12-11`: `"none"`, `"low"`, `"medium"`, `"high"`, `"xhigh"`.
            Upstream, the chat model takes only `"medium"` (sent as given, hinted on a 400).
        top_p, frequency_penalty, presence_penalty: float | None
            As documented by Oxen.ai.
        stop, seed, n, verbosity:
            Sent as given (Oxen does not document them); `stop` is also enforced client-side.
        model_kwargs / extra_body: dict
            Extra body fields sent unchecked.

    Key init args — client params:
        api_key: SecretStr | None
            Default: env `OXEN_API_KEY`.
        base_url: str
            Default: env `OXEN_BASE_URL` or `https://hub.oxen.ai/api/ai`.
        timeout, stream_chunk_timeout, max_retries, max_concurrency, default_headers:
            As on `ChatAIMLAPI`.

    Instantiate:
        ```python
        from langchain_gpt52 import ChatOxen

        llm = ChatOxen(max_tokens=300)  # key from OXEN_API_KEY
        llm.model
        # -> 'gpt-5-2-chat-latest'
        ```

        !!! note
            The outputs shown below are the offline emulator's (a real model words its
            answers differently; the shapes are the same).

    Invoke:
        ```python
        msg = llm.invoke([("system", "Be brief."), ("human", "Hello!")])
        msg.content
        # -> 'Hello! How can I help you today?'
        ```

    Stream:
        ```python
        for chunk in llm.stream("What is 7 * 6?"):
            print(chunk.text, end="", flush=True)  # 7 * 6 = 42.
        ```

    Async:
        ```python
        msg = await llm.ainvoke("Hi there")
        async for chunk in llm.astream("What is 10 / 4?"):
            print(chunk.text, end="")  # 10 / 4 = 2.5.
        msg.content
        # -> 'Hello! How can I help you today?'
        ```

    Tool calling:
        ```python
        def get_weather(location: str) -> str:
            '''Get the current weather in a given location.'''
            return "sunny"

        msg = llm.bind_tools([get_weather]).invoke("What is the weather in Oslo?")
        msg.tool_calls
        # -> [{'name': 'get_weather', 'args': {'location': 'Oslo'}, 'id': 'call_...', ...}]
        ```

    Structured output:
        ```python
        from typing_extensions import TypedDict

        class Answer(TypedDict):
            '''An answer and how sure the model is of it.'''

            answer: str
            confidence: float

        llm.with_structured_output(Answer).invoke("Is the sky blue?")
        # -> {'answer': 'Answer: Is the sky blue?', 'confidence': 0}
        ```

        Also `method="function_calling"` and `method="json_mode"`, `include_raw=True`;
        a refusal raises `RefusalError`.

    JSON mode:
        ```python
        json_llm = llm.with_structured_output(method="json_mode")
        json_llm.invoke("Give JSON with 'city' and 'country' keys for Paris")
        # -> {'city': ..., 'country': ...}
        ```

    Logprobs:
        ```python
        msg = llm.invoke("Hello!", logprobs=True)
        msg.response_metadata["logprobs"]["content"][0]["token"]
        # -> 'Hello'
        ```

        !!! note
            Oxen.ai does not document `logprobs`: it is sent as given.

    Image input:
        ```python
        # b64_png: a base64-encoded PNG (or give a public https:// URL)
        msg = llm.invoke([{"role": "user", "content": [
            {"type": "text", "text": "What is in this image?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64_png}"}},
        ]}])
        msg.content
        # -> 'You said: "What is in this image?" I see 1 image.'
        ```

    Token usage:
        ```python
        msg.usage_metadata
        # -> {'input_tokens': 97, 'output_tokens': 16, 'total_tokens': 113, ...}
        ```

        Oxen.ai reports the three counters only: `input_token_details` and
        `output_token_details` are empty.

    Response metadata:
        ```python
        msg.response_metadata
        # -> {'model_name': 'gpt-5-2-chat-latest', 'id': 'chatcmpl-...', 'token_usage': {...},
        #     'system_fingerprint': None, 'finish_reason': 'stop', 'model_provider': 'openai',
        #     'created': ...}
        ```

        Oxen.ai does not accept the `developer` role: system messages are sent as
        `system`, and `use_developer_role=True` is rejected.
    """

    provider: ClassVar[Provider] = OXEN

    def list_models(self) -> list[ModelDetails]:
        """The models Oxen.ai serves (`GET {base_url}/models`); their prices are kept for cost."""
        return model_details.list_models(self)

    async def alist_models(self) -> list[ModelDetails]:
        """`list_models` for async code."""
        return await model_details.alist_models(self)

    def get_model_details(self, model_id: str | None = None) -> ModelDetails:
        """One model's details (default: this instance's model); its price is kept for cost."""
        return model_details.get_model_details(self, model_id)

    async def aget_model_details(self, model_id: str | None = None) -> ModelDetails:
        """`get_model_details` for async code."""
        return await model_details.aget_model_details(self, model_id)

    def _list_price(self) -> Price | None:
        return model_details.known_price(self) or super()._list_price()
