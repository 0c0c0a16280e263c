"""`ChatAIMLAPI`: GPT-5.2 through AI/ML API (`openai/gpt-5-2`)."""

from __future__ import annotations

from typing import ClassVar

from langchain_gpt52 import model_details
from langchain_gpt52._prices import Price
from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.model_details import ModelDetails
from langchain_gpt52.providers import AIMLAPI, Provider

__all__ = ["ChatAIMLAPI"]


class ChatAIMLAPI(BaseChatGPT52):
    """GPT-5.2 through AI/ML API (model `openai/gpt-5-2`).

    Setup:
        Install `langchain-gpt52` and set `AIMLAPI_API_KEY`:

        ```bash
        pip install langchain-gpt52
        export AIMLAPI_API_KEY="your-key"
        ```

        Without a key, the offline emulator answers instead
        (`from langchain_gpt52.testing import Emulator`; see the README).

    Key init args — completion params:
        model: str
            Model id. Default `"openai/gpt-5-2"`; also `"openai/gpt-5-2-chat-latest"`,
            `"openai/gpt-5.2-pro"` and `"openai/gpt-5.2-chat"` (Chat Completions, each with its
            own schema's parameters), and `"openai/gpt-5-2-pro"` and `"openai/gpt-5-2-codex"`,
            which AI/ML API serves through the Responses API only: calls to them go to
            `/v1/responses` by themselves (`max_tokens` is sent as `max_output_tokens`, at
            least 16). See `docs/parameters.md` for each model's limits and parameters.
        temperature: float | None
            0..2. Upstream, GPT-5.2 takes it only without reasoning: with `reasoning_effort`
            set it is still sent, and a 400 ends with a `hint:` line naming the rule.
        max_tokens: int | None
            Output cap, sent as `max_tokens` (the field AI/ML API documents).
        reasoning_effort: str | None
            `"low"`, `"medium"` or `"high"` (the values AI/ML API documents; others are
            refused before sending).
        top_p, seed, n, logprobs, top_logprobs:
            As in the OpenAI API (ranges checked against AI/ML API's schema).
        stop: list[str] | None
            Enforced client-side (AI/ML API's schema has no `stop`).
        model_kwargs / extra_body: dict
            Extra body fields sent unchecked (e.g. a parameter added later).

    Key init args — client params:
        api_key: SecretStr | None
            Default: env `AIMLAPI_API_KEY`.
        base_url: str
            Default: env `AIMLAPI_BASE_URL` or `https://api.aimlapi.com/v1`.
        timeout: float | httpx.Timeout | None
            Per request; default 600 s read, 10 s connect.
        stream_chunk_timeout: float | None
            Longest silence between stream chunks.
        max_retries: int
            Retries on 408/409/429/5xx and connection errors (default 2).
        max_concurrency: int | None
            Requests in flight from this instance.
        default_headers: dict | None
            Extra headers, e.g. `{"X-Client-Request-Id": "..."}` (echoed back).

    Instantiate:
        ```python
        from langchain_gpt52 import ChatAIMLAPI

        llm = ChatAIMLAPI(max_tokens=200)  # key from AIMLAPI_API_KEY
        llm.model
        # -> 'openai/gpt-5-2'
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
        full = None
        for chunk in llm.stream("What is 12 * 12?"):
            print(chunk.text, end="", flush=True)  # 12 * 12 = 144.
            full = chunk if full is None else full + chunk
        full.content
        # -> '12 * 12 = 144.'
        full.usage_metadata["total_tokens"]  # usage arrives on the last chunk
        # -> 18
        ```

    Async:
        ```python
        msg = await llm.ainvoke("Hi!")
        async for chunk in llm.astream("What is 2 + 3?"):
            print(chunk.text, end="")  # 2 + 3 = 5.
        results = await llm.abatch(["1 + 1", "2 + 2", "3 + 3"], config={"max_concurrency": 8})
        [r.content for r in results]
        # -> ['1 + 1 = 2.', '2 + 2 = 4.', '3 + 3 = 6.']
        ```

    Tool calling:
        ```python
        from pydantic import BaseModel, Field

        class GetWeather(BaseModel):
            '''Get the current weather in a given location.'''

            location: str = Field(description="City and country, e.g. Paris, France")

        llm_with_tools = llm.bind_tools([GetWeather], tool_choice="auto")
        msg = llm_with_tools.invoke("What is the weather in Paris, France?")
        msg.tool_calls
        # -> [{'name': 'GetWeather', 'args': {'location': 'Paris, France'}, 'id': 'call_...',
        #      'type': 'tool_call'}]
        ```

        Arguments that are not valid JSON land in `msg.invalid_tool_calls` (with the reason),
        in streaming too.

    Structured output:
        ```python
        class Joke(BaseModel):
            '''A joke with a setup and a punchline.'''

            setup: str
            punchline: str

        structured = llm.with_structured_output(Joke)  # method="json_schema"
        joke = structured.invoke("Tell me a joke about cats")
        type(joke).__name__, sorted(joke.model_dump())
        # -> ('Joke', ['punchline', 'setup'])
        ```

        Methods: `"json_schema"` (default), `"function_calling"`, `"json_mode"`;
        `include_raw=True` returns `{"raw", "parsed", "parsing_error"}`. A refusal raises
        `RefusalError`:

        ```python
        from langchain_gpt52 import RefusalError

        try:  # "[refuse]" makes the offline emulator refuse
            structured.invoke("[refuse] Tell me a joke about cats")
        except RefusalError as err:
            refusal = err.refusal
        refusal
        # -> "I'm sorry, I can't help with that."
        ```

    JSON mode:
        ```python
        json_llm = llm.with_structured_output(method="json_mode")
        json_llm.invoke("Return JSON with 'setup' and 'punchline' keys for a joke about cats")
        # -> {'setup': ..., 'punchline': ...}
        ```

    Logprobs:
        ```python
        msg = llm.invoke("Hello!", logprobs=True, top_logprobs=2)
        entry = msg.response_metadata["logprobs"]["content"][0]
        sorted(entry)
        # -> ['bytes', 'logprob', 'token', 'top_logprobs']
        ```

        !!! note
            GPT-5.2 returns log probabilities only without reasoning: on AI/ML API leave
            `reasoning_effort` unset.

    Image input:
        ```python
        from langchain_core.messages import HumanMessage

        # b64_png: a base64-encoded PNG, e.g. base64.b64encode(png_bytes).decode()
        msg = llm.invoke([HumanMessage(content=[
            {"type": "text", "text": "Describe this image"},
            {"type": "image", "base64": b64_png, "mime_type": "image/png"},
        ])])
        msg.content
        # -> 'You said: "Describe this image" I see 1 image.'
        ```

        PDF files are accepted too (`{"type": "file", "base64": ..., "mime_type":
        "application/pdf", "filename": "report.pdf"}`).

    Token usage:
        ```python
        msg.usage_metadata
        # -> {'input_tokens': 95, 'output_tokens': 14, 'total_tokens': 109,
        #     'input_token_details': {'cache_read': 0, 'audio': 0},
        #     'output_token_details': {'reasoning': 0, 'audio': 0}}
        ```

        Streams report usage on their last chunk (`stream_usage=True` by default).

    Response metadata:
        ```python
        msg.response_metadata
        # -> {'model_name': 'gpt-5.2-2025-12-11', 'id': 'chatcmpl-...', 'token_usage': {...},
        #     'system_fingerprint': None, 'finish_reason': 'stop', 'model_provider': 'openai',
        #     'service_tier': 'default', 'created': ..., 'credits_used': ...,
        #     'usd_spent': ..., 'request_id': '...',
        #     'cost': {'usd': ..., 'source': 'provider'}}
        ```

        `credits_used` / `usd_spent` are AI/ML API's cost of the call (from its
        `x-aimlapi-*` headers, or `meta.usage` on streams); `request_id` is its
        `x-inference-id`. `cost` is the call's price in USD (see `track_cost`). A 403 from
        AI/ML API means the account is out of credits: it raises
        `PermissionDeniedError` saying so.
    """

    provider: ClassVar[Provider] = AIMLAPI

    def list_models(self) -> list[ModelDetails]:
        """The models AI/ML API serves (`GET {base_url}/models?include=pricing,...`, no key
        needed) with their limits and prices; the prices are kept for cost."""
        return model_details.list_models(self)

    async def alist_models(self) -> list[ModelDetails]:
        """`list_models` for async code."""
        return await model_details.alist_models(self)

    def get_model_details(self, model_id: str | None = None) -> ModelDetails:
        """One model's details (default: this instance's model; `GET {base_url}/models?id=...`);
        its price is kept for cost."""
        return model_details.get_model_details(self, model_id)

    async def aget_model_details(self, model_id: str | None = None) -> ModelDetails:
        """`get_model_details` for async code."""
        return await model_details.aget_model_details(self, model_id)

    def _list_price(self) -> Price | None:
        return model_details.known_price(self) or super()._list_price()
