"""``ChatGPT52``: GPT-5.2 through any OpenAI-compatible endpoint."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from langchain_gpt52._rules import GPT52_EFFORTS, ProviderSpec
from langchain_gpt52.chat_models.base import BaseChatGPT52

__all__ = ["ChatGPT52"]


class ChatGPT52(BaseChatGPT52):
    """GPT-5.2 through any OpenAI-compatible endpoint (OpenAI itself, a proxy, a gateway).

    Setup:
        Give ``base_url`` and ``api_key``, or set ``GPT52_BASE_URL`` / ``GPT52_API_KEY``::

            export GPT52_BASE_URL="https://api.openai.com/v1"
            export GPT52_API_KEY="sk-..."

    Key init args — completion params:
        model: str
            Default ``"gpt-5.2"``.
        max_tokens: int | None
            Sent as ``max_completion_tokens`` (OpenAI's field for GPT-5.x) unless
            ``max_tokens_param="max_tokens"`` for a gateway that wants the old name.
        reasoning_effort: str | None
            ``"none"`` (GPT-5.2's default), ``"low"``, ``"medium"``, ``"high"``, ``"xhigh"``.
        temperature, top_p, logprobs:
            Accepted by GPT-5.2 only with ``reasoning_effort`` unset or ``"none"``.
        verbosity: ``"low"`` | ``"medium"`` | ``"high"``
        stop, seed, n, frequency_penalty, presence_penalty, top_logprobs:
            As in the OpenAI API.
        model_kwargs / extra_body: dict
            Extra body fields sent unchecked.

    Key init args — client params:
        api_key, base_url, timeout, stream_chunk_timeout, max_retries, max_concurrency,
        default_headers: as on ``ChatAIMLAPI``.

    Instantiate:
        .. code-block:: python

            from langchain_gpt52 import ChatGPT52

            llm = ChatGPT52(base_url="http://localhost:8000/v1", api_key="...", model="gpt-5.2")

    Invoke:
        .. code-block:: python

            llm.invoke("Say hello").content

    Stream:
        .. code-block:: python

            for chunk in llm.stream("Count to five"):
                print(chunk.text, end="")

    Async:
        .. code-block:: python

            await llm.ainvoke("Say hello")

    Tool calling:
        .. code-block:: python

            llm.bind_tools([get_weather], tool_choice="required").invoke("Weather in Rome?")

    Structured output:
        .. code-block:: python

            llm.with_structured_output(Joke, method="function_calling").invoke("A joke")

    Image input:
        Standard image blocks (URL or base64) and OpenAI ``image_url`` parts.

    Token usage:
        ``msg.usage_metadata`` on invoke and on the last streamed chunk.

    Response metadata:
        ``model_name``, ``finish_reason``, ``id``, ``system_fingerprint``, ``service_tier``,
        ``request_id`` (from ``x-request-id``).
    """

    _spec: ClassVar[ProviderSpec] = ProviderSpec(
        name="OpenAI-compatible endpoint",
        ls_provider="openai",
        key_env="GPT52_API_KEY",
        base_url_env="GPT52_BASE_URL",
        default_base_url=None,
        default_model="gpt-5.2",
        developer_role=True,
        reasoning_efforts=GPT52_EFFORTS,
        send_stop=True,
        max_output_tokens=128_000,
        context_window=400_000,
    )

    max_tokens_param: Literal["max_completion_tokens", "max_tokens"] = Field(
        default="max_completion_tokens"
    )
    """The body field for ``max_tokens``."""

    @property
    def _max_tokens_param(self) -> str:
        return self.max_tokens_param
