"""`ChatGPT52`: GPT-5.2 through any OpenAI-compatible endpoint."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.providers import OPENAI_COMPATIBLE, Provider
from langchain_gpt52.providers._types import Endpoint

__all__ = ["ChatGPT52"]


class ChatGPT52(BaseChatGPT52):
    """GPT-5.2 through any OpenAI-compatible endpoint (OpenAI itself, a proxy, a gateway).

    Setup:
        Give `base_url` and `api_key`, or set `GPT52_BASE_URL` / `GPT52_API_KEY`:

        ```bash
        export GPT52_BASE_URL="https://api.openai.com/v1"
        export GPT52_API_KEY="sk-..."
        ```

    Key init args — completion params:
        model: str
            Default `"gpt-5.2"`; also `"gpt-5.2-chat-latest"`, and `"gpt-5.2-pro"`, which goes
            to `/responses` (OpenAI serves it through the Responses API only).
        use_responses_api: bool | None
            `True` sends every call to the endpoint's `/responses` (the Responses API) instead
            of `/chat/completions`; unset, the model's catalog row decides.
        max_tokens: int | None
            Sent as `max_completion_tokens` (OpenAI's field for GPT-5.x) unless
            `max_tokens_param="max_tokens"` for a gateway that wants the old name.
        reasoning_effort: str | None
            `"none"` (GPT-5.2's default), `"low"`, `"medium"`, `"high"`, `"xhigh"`.
        temperature, top_p, logprobs:
            Accepted by GPT-5.2 only with `reasoning_effort` unset or `"none"` (sent as given;
            a 400 ends with a `hint:` line naming the rule).
        verbosity: `"low"` | `"medium"` | `"high"`
        stop, seed, n, frequency_penalty, presence_penalty, top_logprobs:
            As in the OpenAI API.
        model_kwargs / extra_body: dict
            Extra body fields sent unchecked.

    Key init args — client params:
        api_key, base_url, timeout, stream_chunk_timeout, max_retries, max_concurrency,
        default_headers: as on `ChatAIMLAPI`.

    Instantiate:
        ```python
        from langchain_gpt52 import ChatGPT52

        # OpenAI itself: ChatGPT52(base_url="https://api.openai.com/v1", api_key="sk-...").
        # Here GPT52_BASE_URL / GPT52_API_KEY come from the environment and point at a
        # gateway that serves GPT-5.2 as "openai/gpt-5-2" and documents `max_tokens`.
        llm = ChatGPT52(model="openai/gpt-5-2", max_tokens=200, max_tokens_param="max_tokens")
        ```

        !!! note
            The outputs shown below are the offline emulator's (a real model words its
            answers differently; the shapes are the same).

    Invoke:
        ```python
        llm.invoke("Hello!").content
        # -> 'Hello! How can I help you today?'
        ```

    Stream:
        ```python
        for chunk in llm.stream("What is 5 + 5?"):
            print(chunk.text, end="")  # 5 + 5 = 10.
        ```

    Async:
        ```python
        (await llm.ainvoke("How are you?")).content
        # -> "I'm doing well, thanks for asking! How can I help you today?"
        ```

    Tool calling:
        ```python
        def get_weather(location: str) -> str:
            '''Get the current weather in a given location.'''
            return "sunny"

        msg = llm.bind_tools([get_weather], tool_choice="required").invoke("Weather in Rome?")
        msg.tool_calls
        # -> [{'name': 'get_weather', 'args': {'location': 'Rome'}, 'id': 'call_...',
        #      'type': 'tool_call'}]
        ```

    Structured output:
        ```python
        from pydantic import BaseModel

        class Joke(BaseModel):
            '''A joke with a setup and a punchline.'''

            setup: str
            punchline: str

        joke = llm.with_structured_output(Joke, method="function_calling").invoke("A joke")
        isinstance(joke, Joke)
        # -> True
        ```

    JSON mode:
        ```python
        json_llm = llm.with_structured_output(method="json_mode")
        json_llm.invoke("Return JSON with 'answer' and 'confidence' keys: is water wet?")
        # -> {'answer': ..., 'confidence': ...}
        ```

    Logprobs:
        ```python
        msg = llm.invoke("Hello!", logprobs=True, top_logprobs=3)
        len(msg.response_metadata["logprobs"]["content"][0]["top_logprobs"])
        # -> 3
        ```

    Image input:
        Standard image blocks (URL or base64) and OpenAI `image_url` parts:

        ```python
        msg = llm.invoke([{"role": "user", "content": [
            {"type": "text", "text": "Describe this image"},
            {"type": "image", "url": "https://example.com/cat.png"},
        ]}])
        msg.content
        # -> 'You said: "Describe this image" I see 1 image.'
        ```

    Token usage:
        `msg.usage_metadata` on invoke and on the last streamed chunk:

        ```python
        msg.usage_metadata["input_tokens"], msg.usage_metadata["output_tokens"]
        # -> (95, 14)
        ```

    Response metadata:
        `model_name`, `finish_reason`, `id`, `system_fingerprint`, `service_tier`,
        `request_id` (from `x-request-id`) when the endpoint sends them:

        ```python
        msg.response_metadata["model_name"], msg.response_metadata["finish_reason"]
        # -> ('gpt-5.2-2025-12-11', 'stop')
        ```

    """

    provider: ClassVar[Provider] = OPENAI_COMPATIBLE

    max_tokens_param: Literal["max_completion_tokens", "max_tokens"] = Field(
        default="max_completion_tokens"
    )
    """The body field for `max_tokens`."""
    use_responses_api: bool | None = None
    """Call the Responses API (`/responses`); unset: the catalog row decides."""

    def _endpoint(self, model: str) -> Endpoint:
        if self.use_responses_api is None:
            return super()._endpoint(model)
        return "responses" if self.use_responses_api else "chat"

    @property
    def _max_tokens_param(self) -> str:
        return self.max_tokens_param
