"""Reading a request's messages: the last user text, its attachments, tool results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IMAGE_PART_TOKENS = 85
FILE_PART_TOKENS = 256
AUDIO_PART_TOKENS = 64
REFUSE_MARKER = "[refuse]"
REFUSAL_TEXT = "I'm sorry, I can't help with that."

_IMAGE_TYPES = frozenset({"image_url", "image", "input_image"})
_FILE_TYPES = frozenset({"file", "input_file", "document"})
_AUDIO_TYPES = frozenset({"input_audio", "audio", "audio_url", "video_url"})


@dataclass
class ContentInfo:
    """Text and attachment counts of one message content."""

    text: str = ""
    images: int = 0
    files: int = 0
    audio: int = 0
    filenames: list[str] = field(default_factory=list)


def read_content(content: Any) -> ContentInfo:
    """Read a message `content` (string, list of parts, or null)."""
    info = ContentInfo()
    if isinstance(content, str):
        info.text = content
        return info
    if not isinstance(content, list):
        return info
    texts: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        ptype = part.get("type")
        if ptype in _IMAGE_TYPES:
            info.images += 1
        elif ptype in _FILE_TYPES:
            info.files += 1
            file_obj = part.get("file")
            if isinstance(file_obj, dict) and isinstance(file_obj.get("filename"), str):
                info.filenames.append(file_obj["filename"])
        elif ptype in _AUDIO_TYPES:
            info.audio += 1
        else:
            for key in ("text", "refusal"):
                value = part.get(key)
                if isinstance(value, str):
                    texts.append(value)
                    break
    info.text = " ".join(texts)
    return info


@dataclass
class Conversation:
    """What the reply heuristics need to know about a request's messages."""

    user: ContentInfo
    last_role: str
    tool_results: list[tuple[str, str]]
    called_since_user: list[str]
    #: (name, JSON arguments text) of the tool calls made since the last user message
    calls_since_user: list[tuple[str, str]] = field(default_factory=list)


def read_conversation(messages: list[Any]) -> Conversation:
    """Find the last user message, the tool results and tool calls made after it."""
    last_user_index = -1
    for i in range(len(messages) - 1, -1, -1):
        msg = messages[i]
        if isinstance(msg, dict) and msg.get("role") == "user":
            last_user_index = i
            break
    user = ContentInfo()
    if last_user_index >= 0:
        user = read_content(messages[last_user_index].get("content"))
    id_to_name: dict[str, str] = {}
    called: list[str] = []
    calls: list[tuple[str, str]] = []
    results: list[tuple[str, str]] = []
    for msg in messages[last_user_index + 1 :]:
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        if role == "assistant":
            for call in msg.get("tool_calls") or []:
                if not isinstance(call, dict):
                    continue
                fn = call.get("function")
                name = fn.get("name") if isinstance(fn, dict) else None
                if isinstance(name, str):
                    called.append(name)
                    raw_args = fn.get("arguments") if isinstance(fn, dict) else None
                    calls.append((name, raw_args if isinstance(raw_args, str) else ""))
                    if isinstance(call.get("id"), str):
                        id_to_name[call["id"]] = name
        elif role == "tool":
            call_id = msg.get("tool_call_id")
            name = id_to_name.get(call_id) if isinstance(call_id, str) else None
            if name is None:
                raw_name = msg.get("name")
                name = raw_name if isinstance(raw_name, str) and raw_name else "tool"
            results.append((name, read_content(msg.get("content")).text))
    last_role = ""
    if messages and isinstance(messages[-1], dict):
        role_value = messages[-1].get("role")
        last_role = role_value if isinstance(role_value, str) else ""
    return Conversation(user, last_role, results, called, calls)
