"""The emulator serves every catalog model of a provider with that model's own rules, and
refuses prompts over the model's context window as the provider does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatOxen, ContextOverflowError
from langchain_gpt52.providers import AIMLAPI, OXEN, ModelRow, Provider
from langchain_gpt52.testing import Emulator

pytestmark = pytest.mark.integration

_CLASSES: dict[str, Any] = {"aimlapi": ChatAIMLAPI, "oxen": ChatOxen}


def _rows() -> list[Any]:
    return [
        pytest.param(p, row, id=f"{p.ls_provider}:{row.model}")
        for p in (AIMLAPI, OXEN)
        for row in p.models
        if row.chat_completions
    ]


def _base(emu: Emulator, provider: Provider) -> str:
    return emu.aimlapi_base_url if provider is AIMLAPI else emu.oxen_base_url


def _post(emu: Emulator, provider: Provider, **body: Any) -> httpx.Response:
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    return httpx.post(
        _base(emu, provider) + "/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=60,
    )


@pytest.mark.parametrize(("provider", "row"), _rows())
def test_every_catalog_model_is_answered(
    emulator: Emulator, provider: Provider, row: ModelRow
) -> None:
    llm = _CLASSES[provider.ls_provider](
        model=row.model, base_url=_base(emulator, provider), api_key=emulator.api_key
    )
    assert llm.invoke("hi").text
    assert "".join(c.text for c in llm.stream("hi"))
    assert emulator.requests[-1].json["model"] == row.model


@pytest.mark.parametrize(("provider", "row"), _rows())
def test_each_model_has_its_own_output_cap(
    emulator: Emulator, provider: Provider, row: ModelRow
) -> None:
    assert row.max_output_tokens is not None
    ok = _post(emulator, provider, model=row.model, max_tokens=row.max_output_tokens)
    assert ok.status_code == 200, ok.text
    over = _post(emulator, provider, model=row.model, max_tokens=row.max_output_tokens + 1)
    assert over.status_code == 400 and str(row.max_output_tokens) in over.text


def test_oxen_snapshot_takes_efforts_the_chat_model_refuses(emulator: Emulator) -> None:
    snapshot = _post(emulator, OXEN, model="gpt-5-2-2025-12-11", reasoning_effort="high")
    assert snapshot.status_code == 200, snapshot.text
    assert snapshot.json()["model"] == "gpt-5-2-2025-12-11"
    chat = _post(emulator, OXEN, model="gpt-5-2-chat-latest", reasoning_effort="high")
    assert chat.status_code == 400 and "Supported values are: 'medium'" in chat.text
    sampled = _post(
        emulator, OXEN, model="gpt-5-2-2025-12-11", reasoning_effort="high", temperature=0.5
    )
    assert sampled.status_code == 400 and "temperature" in sampled.text


def test_aimlapi_chat_latest_has_the_chat_models_rules(emulator: Emulator) -> None:
    hot = _post(emulator, AIMLAPI, model="openai/gpt-5-2-chat-latest", temperature=0.5)
    assert hot.status_code == 400 and "Only the default (1)" in hot.text
    low = _post(emulator, AIMLAPI, model="openai/gpt-5-2-chat-latest", reasoning_effort="low")
    assert low.status_code == 400 and "'medium'" in low.text
    assert _post(emulator, AIMLAPI, model="openai/gpt-5-2", temperature=0.5).status_code == 200


def test_unknown_models_are_still_refused(emulator: Emulator) -> None:
    assert _post(emulator, AIMLAPI, model="openai/gpt-4").status_code == 400
    assert _post(emulator, OXEN, model="gpt-4").status_code == 404


@pytest.mark.parametrize(("provider", "row"), _rows())
def test_a_prompt_over_the_context_window_is_a_context_overflow(
    emulator: Emulator, provider: Provider, row: ModelRow
) -> None:
    assert row.context_window is not None
    llm = _CLASSES[provider.ls_provider](
        model=row.model,
        base_url=_base(emulator, provider),
        api_key=emulator.api_key,
        max_retries=0,
    )
    words = row.context_window + 1000
    with pytest.raises(ContextOverflowError) as info:
        llm.invoke("word " * words)
    assert "maximum context length" in str(info.value)
    assert str(row.context_window) in str(info.value)
    assert llm.invoke("word " * 1000).text  # a long prompt inside the window is answered


@pytest.mark.parametrize("row", OXEN.models, ids=lambda r: r.model)
def test_oxen_catalog_profile_and_emulator_agree_on_inputs(emulator: Emulator, row: Any) -> None:
    details = httpx.get(
        f"{emulator.oxen_base_url}/models/{row.model}",
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    ).json()
    served = details["capabilities"]["input"]
    assert served == list(row.inputs)
    profile = ChatOxen(model=row.model, api_key="k").profile or {}
    assert profile["pdf_inputs"] is ("pdf" in served)
    assert profile["image_inputs"] is ("image" in served)


def test_oxen_chat_model_takes_text_and_image_as_its_page_says(emulator: Emulator) -> None:
    # "with support for text and image inputs" (docs.oxen.ai, GPT 5.2 Chat)
    assert OXEN.row("gpt-5-2-chat-latest").inputs == ("text", "image")  # type: ignore[union-attr]
    pdf = {
        "type": "file",
        "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="},
    }
    refused = _post(
        emulator,
        OXEN,
        model="gpt-5-2-chat-latest",
        messages=[{"role": "user", "content": [{"type": "text", "text": "read"}, pdf]}],
    )
    assert refused.status_code == 400 and "content[1]" in refused.text
