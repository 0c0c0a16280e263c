"""LangChain's standard chat-model integration suite, run against the loopback provider emulator.

Three classes, one per chat model:

* ``ChatAIMLAPI`` on the emulator's AI/ML API route (``/v1``, model ``openai/gpt-5-2``);
* ``ChatOxen`` on the emulator's Oxen.ai route (``/api/ai``, model ``gpt-5-2-chat-latest``);
* ``ChatGPT52`` (the generic OpenAI-compatible client) on the AI/ML API route -- see
  :class:`TestChatGPT52Standard` for why that route and which settings.

Capability flags say what the *provider* accepts (per ``/work/shared/specs/PROVIDERS.md``), not
what the emulator can do; where the two differ it is noted next to the flag.

The standard suite downloads a PNG and a PDF from the internet for its media tests. These tests
run offline, so the suite's ``httpx.get`` is replaced (for those URLs only) by files generated here;
the model still receives the media as base64 (or, for the image-URL case, the URL itself, which the
emulator does not fetch -- it only acknowledges the image part, as a real provider would after
fetching it).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any, Literal

import httpx
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.integration_tests import chat_models as standard_suite

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52, ChatOxen
from langchain_gpt52.testing import Emulator

pytestmark = [
    pytest.mark.integration,
    # test_pdf_inputs sends a standard file block without a filename, on purpose.
    pytest.mark.filterwarnings("ignore:OpenAI may require a filename:UserWarning"),
]

UsageDetail = Literal[
    "audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"
]


# ---------------------------------------------------------------------------------------------
# Offline stand-ins for the media the standard suite downloads
# ---------------------------------------------------------------------------------------------


def _png(width: int = 8, height: int = 8) -> bytes:
    """A valid RGB PNG (red/blue checkerboard) built with zlib and struct only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00"
        + b"".join(b"\xff\x00\x00" if (x + y) % 2 == 0 else b"\x00\x00\xff" for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    """A minimal one-page PDF saying "Dummy PDF file" (with a correct xref table)."""
    stream = b"BT /F1 24 Tf 72 720 Td (Dummy PDF file) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


PNG = _png()
PDF = _pdf()


class _OfflineHttpx:
    """Stands in for the ``httpx`` module inside ``langchain_tests``' chat-model suite."""

    def __getattr__(self, name: str) -> Any:
        return getattr(httpx, name)

    @staticmethod
    def get(url: str, **_: Any) -> httpx.Response:
        request = httpx.Request("GET", url)
        if url.endswith(".png"):
            return httpx.Response(200, content=PNG, request=request)
        if url.endswith(".pdf"):
            return httpx.Response(200, content=PDF, request=request)
        raise AssertionError(f"the standard suite fetched an unexpected URL offline: {url}")


@pytest.fixture(autouse=True)
def _offline_media(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standard_suite, "httpx", _OfflineHttpx())


def test_offline_media_are_valid() -> None:
    """The generated stand-ins really are a PNG and a PDF (guards the helpers above)."""
    assert PNG.startswith(b"\x89PNG\r\n\x1a\n") and PNG.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", PNG[16:24])
    assert (width, height) == (8, 8)
    assert PDF.startswith(b"%PDF-1.4") and PDF.rstrip().endswith(b"%%EOF")
    xref = int(PDF.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert PDF[xref:].startswith(b"xref")


# ---------------------------------------------------------------------------------------------
# Shared configuration
# ---------------------------------------------------------------------------------------------


class _EmulatorSuite(ChatModelIntegrationTests):
    """Binds the suite to the running emulator (a fresh, reset state for every test)."""

    _emulator: Emulator | None = None
    route: Literal["aimlapi", "oxen"] = "aimlapi"

    @pytest.fixture(autouse=True)
    def _bind_emulator(self, emulator: Emulator) -> Iterator[None]:
        # ``emulator`` is the session emulator after ``reset()``: no faults left queued by other
        # test files, the initial key and unlimited credits.
        self._emulator = emulator
        yield
        assert emulator.server_errors == []

    @pytest.fixture
    def model(self, request: Any, emulator: Emulator) -> BaseChatModel:
        self._emulator = emulator
        extra = getattr(request, "param", None) or {}
        return self.chat_model_class(
            **{**self.standard_chat_model_params, **self.chat_model_params, **extra}
        )

    @property
    def emulator(self) -> Emulator:
        assert self._emulator is not None, "the emulator fixture has not run"
        return self._emulator

    @property
    def base_url(self) -> str:
        emu = self.emulator
        return emu.aimlapi_base_url if self.route == "aimlapi" else emu.oxen_base_url

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "api_key": self.emulator.api_key}

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        # The integration suite's own default is {}; use the unit suite's standard parameters so
        # that they also travel to the (emulated) provider and are validated there.
        return {"temperature": 0, "max_tokens": 100, "timeout": 60, "stop": [], "max_retries": 2}

    # -- capabilities shared by both providers (Chat Completions wire format) ----------------

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        # Both document tool_choice none|auto|required|{type: function, function: {name}}.
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def structured_output_kwargs(self) -> dict[str, Any]:
        # Both document response_format json_schema; it is also our default method.
        return {"method": "json_schema"}

    @property
    def supports_json_mode(self) -> bool:
        return True  # response_format {"type": "json_object"}

    @property
    def supports_image_inputs(self) -> bool:
        return True  # image_url parts with base64 data URLs

    @property
    def supports_image_urls(self) -> bool:
        # Both providers document image_url with a public URL. The emulator cannot fetch URLs,
        # but it does not need to: it acknowledges the image part as the provider would.
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        # Both document `file` parts ({filename, file_data}) for PDFs.
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        # GPT-5.2 takes no audio input; AI/ML API's schema has no audio part and Oxen's
        # `audio_url` is not the `input_audio` part LangChain's audio blocks become.
        return False

    @property
    def supports_video_inputs(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        # Anthropic-style blocks (tool_use, image source, thinking) are converted to Chat
        # Completions by langchain_core's convert_to_openai_messages in our message conversion.
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return False  # Chat Completions tool messages are text-only

    @property
    def supports_pdf_tool_message(self) -> bool:
        return False  # Chat Completions tool messages are text-only

    @property
    def supports_model_override(self) -> bool:
        # The client does honour `model=` per call (see the unit tests), but each provider
        # serves exactly one GPT-5.2 id (AI/ML API's schema enumerates only `openai/gpt-5-2`;
        # Oxen's is `gpt-5-2-chat-latest`), so there is no second model to switch to.
        return False

    @property
    def enable_vcr_tests(self) -> bool:
        return False  # everything is local already; nothing to record


class _AIMLAPIUsage(_EmulatorSuite):
    """AI/ML API reports the full OpenAI usage block: cached and reasoning token details."""

    @property
    def supported_usage_metadata_details(self) -> dict[Literal["invoke", "stream"], list[Any]]:
        details: list[UsageDetail] = ["reasoning_output", "cache_read_input"]
        return {"invoke": list(details), "stream": list(details)}

    def _plain_model(self, **params: Any) -> BaseChatModel:
        # No temperature: GPT-5.2 rejects sampling parameters together with reasoning_effort.
        return self.chat_model_class(**{**self.chat_model_params, "max_tokens": 400, **params})

    @staticmethod
    def _run(model: BaseChatModel, prompt: str, *, stream: bool) -> AIMessage:
        if not stream:
            result = model.invoke(prompt)
            assert isinstance(result, AIMessage)
            return result
        full: AIMessageChunk | None = None
        for chunk in model.stream(prompt):
            assert isinstance(chunk, AIMessageChunk)
            full = chunk if full is None else full + chunk
        assert full is not None
        return full

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        model = self._plain_model(reasoning_effort="low")
        msg = self._run(model, "Explain why the sky is blue in one sentence.", stream=stream)
        assert msg.usage_metadata is not None
        reasoning = msg.usage_metadata.get("output_token_details", {}).get("reasoning")
        assert isinstance(reasoning, int) and reasoning > 0, msg.usage_metadata
        return msg

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        # A prompt well over 1,024 tokens: the provider caches prefixes from that size on.
        prompt = "Summarize this text. " + "The quick brown fox jumps over the lazy dog. " * 200
        msg = self._run(self._plain_model(), prompt, stream=stream)
        assert msg.usage_metadata is not None
        cached = msg.usage_metadata.get("input_token_details", {}).get("cache_read")
        assert isinstance(cached, int) and cached >= 1024, msg.usage_metadata
        return msg


# ---------------------------------------------------------------------------------------------
# The three suites
# ---------------------------------------------------------------------------------------------


class TestChatAIMLAPIStandard(_AIMLAPIUsage):
    route = "aimlapi"

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatAIMLAPI

    def test_wire_body_has_standard_params(self, model: BaseChatModel) -> None:
        result = model.invoke("Hello")
        assert isinstance(result, AIMessage) and result.content
        body = self.emulator.requests[-1].json
        assert body["temperature"] == 0
        assert body["max_tokens"] == 100
        assert "stop" not in body  # not in AI/ML API's schema; an empty list is not sent anyway


class TestChatOxenStandard(_EmulatorSuite):
    route = "oxen"

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatOxen

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        # Oxen's gpt-5-2-chat-latest accepts only temperature 1 (the upstream default); the
        # standard temperature=0 would be rejected (by our client before sending, and by the
        # provider with "Only the default (1) value is supported"), so leave it unset.
        params = dict(super().standard_chat_model_params)
        params.pop("temperature", None)
        return params

    @property
    def supports_pdf_inputs(self) -> bool:
        # Oxen's API has `file` parts, but its gpt-5-2-chat-latest page lists text and image
        # input only (the catalog row, the profile and the emulator say the same).
        return False

    # Oxen reports only prompt/completion/total token counters: no usage details.

    def test_wire_body_has_no_temperature(self, model: BaseChatModel) -> None:
        result = model.invoke("Hello")
        assert isinstance(result, AIMessage) and result.content
        body = self.emulator.requests[-1].json
        assert "temperature" not in body
        assert body["max_tokens"] == 100


class TestChatGPT52Standard(_AIMLAPIUsage):
    """The generic client, pointed at the emulator's AI/ML API route.

    That route is a strict OpenAI-compatible endpoint (zod-validated body) which serves GPT-5.2
    under the id ``openai/gpt-5-2`` and reports full usage details, so it exercises the generic
    client the way a proxy or gateway would. AI/ML API's schema has ``max_tokens`` but no
    ``max_completion_tokens`` (unknown fields are silently dropped), hence
    ``max_tokens_param="max_tokens"`` -- the setting the class offers for such gateways.
    """

    route = "aimlapi"

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatGPT52

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            **super().chat_model_params,
            "model": "openai/gpt-5-2",
            "max_tokens_param": "max_tokens",
        }

    def test_wire_body_uses_max_tokens(self, model: BaseChatModel) -> None:
        """The gateway setting above really is what goes on the wire."""
        model.invoke("Hello")
        body = self.emulator.requests[-1].json
        assert body["model"] == "openai/gpt-5-2"
        assert body["max_tokens"] == 100
        assert "max_completion_tokens" not in body


class TestChatAIMLAPIResponsesStandard(_AIMLAPIUsage):
    """``ChatAIMLAPI`` on a Responses-only model: the same suite through ``/v1/responses``.

    ``openai/gpt-5-2-codex``'s Responses schema documents ``reasoning.effort`` (reasoning token
    details) but no ``temperature``, so the standard ``temperature=0`` is left out.
    """

    route = "aimlapi"

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatAIMLAPI

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "model": "openai/gpt-5-2-codex"}

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        params = dict(super().standard_chat_model_params)
        params.pop("temperature", None)
        return params

    def test_wire_body_is_a_responses_request(self, model: BaseChatModel) -> None:
        model.invoke("Hello")
        request = self.emulator.requests[-1]
        assert request.path == "/v1/responses"
        assert request.json["max_output_tokens"] == 100
        assert request.json["input"][0]["content"] == "Hello"
