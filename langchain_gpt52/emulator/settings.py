"""Per-emulator settings the shared server and the provider modules read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Settings:
    """What one :class:`~langchain_gpt52.testing.Emulator` is told to do beyond the defaults.

    ``chunk_delay`` is the pause in seconds between streamed chunks (0: as fast as possible).
    ``reasoning_content`` (when set) is returned as the reasoning text of every answer:
    ``message.reasoning_content``, streamed as ``delta.reasoning_content`` pieces before the
    content.
    ``aimlapi_done_marker=False`` ends AI/ML API streams at EOF without ``data: [DONE]``;
    ``aimlapi_unrequested_usage=True`` sends AI/ML API's usage chunk even when the request did not
    ask for it (``stream_options.include_usage`` missing or false), as the real service may.
    ``oxen_schema_key`` names the key holding Oxen's request schema in its model bodies
    (``"json_request_schema"`` or ``"request_schema"``, both seen); ``None`` sends
    ``json_request_schema: null``.
    """

    chunk_delay: float = 0.0
    reasoning_content: str | None = None
    aimlapi_done_marker: bool = True
    aimlapi_unrequested_usage: bool = False
    oxen_schema_key: str | None = "json_request_schema"
    model_rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)
