"""``ChatOxen``: GPT-5.2 Chat through Oxen.ai (``gpt-5-2-chat-latest``)."""

from __future__ import annotations

from typing import ClassVar

from langchain_gpt52.chat_models.base import BaseChatGPT52
from langchain_gpt52.providers import OXEN, Provider

__all__ = ["ChatOxen"]


class ChatOxen(BaseChatGPT52):
    """GPT-5.2 Chat through Oxen.ai (model ``gpt-5-2-chat-latest``).

    Setup:
        Install ``langchain-gpt52`` and set ``OXEN_API_KEY``::

            pip install langchain-gpt52
            export OXEN_API_KEY="your-key"

        Without a key, the offline emulator answers instead (see the README).

    Key init args — completion params:
        model: str
            Model id. Default ``"gpt-5-2-chat-latest"`` (128k context, 16,384 output tokens).
        temperature: float | None
            ``gpt-5-2-chat-latest`` accepts only 1 (other values are rejected before sending).
        max_tokens: int | None
            Output cap, sent as ``max_tokens``; at most 16,384.
        reasoning_effort: str | None
            Only ``"medium"`` for the chat model.
        top_p, frequency_penalty, presence_penalty: float | None
            As documented by Oxen.ai.
        stop, seed, n, verbosity:
            Sent as given (Oxen does not document them); ``stop`` is also enforced client-side.
        model_kwargs / extra_body: dict
            Extra body fields sent unchecked.

    Key init args — client params:
        api_key: SecretStr | None
            Default: env ``OXEN_API_KEY``.
        base_url: str
            Default: env ``OXEN_BASE_URL`` or ``https://hub.oxen.ai/api/ai``.
        timeout, stream_chunk_timeout, max_retries, max_concurrency, default_headers:
            As on ``ChatAIMLAPI``.

    Instantiate:
        .. code-block:: python

            from langchain_gpt52 import ChatOxen

            llm = ChatOxen(max_tokens=300)  # key from OXEN_API_KEY
            llm.model_name
            # -> 'gpt-5-2-chat-latest'

        The outputs shown below are the offline emulator's (a real model words its answers
        differently; the shapes are the same).

    Invoke:
        .. code-block:: python

            msg = llm.invoke([("system", "Be brief."), ("human", "Hello!")])
            msg.content
            # -> 'Hello! How can I help you today?'

    Stream:
        .. code-block:: python

            for chunk in llm.stream("What is 7 * 6?"):
                print(chunk.text, end="", flush=True)  # 7 * 6 = 42.

    Async:
        .. code-block:: python

            msg = await llm.ainvoke("Hi there")
            async for chunk in llm.astream("What is 10 / 4?"):
                print(chunk.text, end="")  # 10 / 4 = 2.5.
            msg.content
            # -> 'Hello! How can I help you today?'

    Tool calling:
        .. code-block:: python

            def get_weather(location: str) -> str:
                '''Get the current weather in a given location.'''
                return "sunny"

            msg = llm.bind_tools([get_weather]).invoke("What is the weather in Oslo?")
            msg.tool_calls
            # -> [{'name': 'get_weather', 'args': {'location': 'Oslo'}, 'id': 'call_...', ...}]

    Structured output:
        .. code-block:: python

            from typing_extensions import TypedDict

            class Answer(TypedDict):
                '''An answer and how sure the model is of it.'''

                answer: str
                confidence: float

            llm.with_structured_output(Answer).invoke("Is the sky blue?")
            # -> {'answer': 'Answer: Is the sky blue?', 'confidence': 0}

        Also ``method="function_calling"`` and ``method="json_mode"``, ``include_raw=True``;
        a refusal raises ``RefusalError``.

    Image input:
        .. code-block:: python

            # b64_png: a base64-encoded PNG (or give a public https:// URL)
            msg = llm.invoke([{"role": "user", "content": [
                {"type": "text", "text": "What is in this image?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64_png}"}},
            ]}])
            msg.content
            # -> 'You said: "What is in this image?" I see 1 image.'

    Token usage:
        .. code-block:: python

            msg.usage_metadata
            # -> {'input_tokens': 97, 'output_tokens': 16, 'total_tokens': 113, ...}

        Oxen.ai reports the three counters only: `input_token_details` and
        `output_token_details` are empty.

    Response metadata:
        .. code-block:: python

            msg.response_metadata
            # -> {'model_name': 'gpt-5-2-chat-latest', 'id': 'chatcmpl-...', 'token_usage': {...},
            #     'system_fingerprint': None, 'finish_reason': 'stop', 'model_provider': 'openai',
            #     'created': ...}

        Oxen.ai does not accept the ``developer`` role: system messages are sent as
        ``system``, and ``use_developer_role=True`` is rejected.
    """

    _spec: ClassVar[Provider] = OXEN
