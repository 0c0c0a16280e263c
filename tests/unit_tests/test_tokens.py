"""Offline token estimates."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from langchain_gpt52 import ChatAIMLAPI
from tests.unit_tests._chat_fakes import (
    clean_env,
)

__all__ = ["clean_env"]


def test_images_are_counted_at_their_token_cost_not_their_base64_length() -> None:
    model = ChatAIMLAPI(api_key="k")
    big = "A" * 200_000
    image = {"type": "image", "base64": big, "mime_type": "image/png"}
    count = model.get_num_tokens_from_messages(
        [HumanMessage(content=[{"type": "text", "text": "describe"}, image])]
    )
    assert 765 <= count < 1_000
    low = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}}
    assert model.get_num_tokens_from_messages([HumanMessage(content=[low])]) < 100
