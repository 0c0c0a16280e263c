"""Request validation and error bodies of the provider emulator (see ``_logic.py``)."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Literal

Provider = Literal["aimlapi", "oxen"]

AIMLAPI_MODEL = "openai/gpt-5-2"
AIMLAPI_UPSTREAM_MODEL = "gpt-5.2-2025-12-11"
OXEN_MODEL = "gpt-5-2-chat-latest"
OXEN_MAX_OUTPUT_TOKENS = 16384

_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class RequestRejected(Exception):
    """The provider would reject this request."""

    status: int
    body: dict[str, Any]

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {json.dumps(body, ensure_ascii=False)[:500]}")
        self.status = status
        self.body = body


def iso_now() -> str:
    """UTC timestamp like ``2025-12-11T23:07:20.123Z`` (JavaScript ``toISOString``)."""
    now = time.time()
    millis = int((now - int(now)) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


# --------------------------------------------------------------------------------------
# Error bodies
# --------------------------------------------------------------------------------------

_OXEN_ERROR_KINDS = {
    400: ("bad_request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not Found"),
    413: ("payload_too_large", "Payload Too Large"),
    422: ("unprocessable_entity", "Unprocessable Entity"),
    429: ("rate_limit_exceeded", "Rate limit exceeded"),
    500: ("internal_server_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Timeout"),
}


def error_body(provider: Provider, status: int, message: str, *, path: str) -> dict[str, Any]:
    """A provider-shaped error body.

    * aimlapi: ``{message, path, requestId, statusCode, timestamp}``.
    * oxen: ``{"error": {"message": ...}}`` when ``message`` starts with
      ``"Model not found"``; otherwise
      ``{"error": {"type", "title", "detail"}, "status": "error", "status_message"}``.
    """
    if provider == "aimlapi":
        return {
            "message": message,
            "path": path,
            "requestId": str(uuid.uuid4()),
            "statusCode": status,
            "timestamp": iso_now(),
        }
    if message.startswith("Model not found"):
        return {"error": {"message": message}}
    etype, title = _OXEN_ERROR_KINDS.get(status, ("error", "Error"))
    return {
        "error": {"type": etype, "title": title, "detail": message},
        "status": "error",
        "status_message": message,
    }


def _reject(provider: Provider, status: int, message: str, path: str) -> RequestRejected:
    return RequestRejected(status, error_body(provider, status, message, path=path))


# --------------------------------------------------------------------------------------
# AI/ML API: zod-style body validation following the OpenAPI request schema
# --------------------------------------------------------------------------------------

Issue = dict[str, Any]
PathT = list[str | int]


def _zod_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_issue(expected: str, value: Any, path: PathT, *, present: bool = True) -> Issue:
    received = _zod_type(value) if present else "undefined"
    if expected == "integer" and received == "number":
        received = "float"
    message = "Required" if not present else f"Expected {expected}, received {received}"
    return {
        "code": "invalid_type",
        "expected": expected,
        "received": received,
        "path": path,
        "message": message,
    }


def _enum_issue(options: list[str], value: Any, path: PathT) -> Issue:
    listed = " | ".join(f"'{o}'" for o in options)
    shown = value if isinstance(value, str) else json.dumps(value)
    return {
        "code": "invalid_enum_value",
        "options": options,
        "received": value,
        "path": path,
        "message": f"Invalid enum value. Expected {listed}, received '{shown}'",
    }


def _bound_issue(code: str, bound: float, path: PathT) -> Issue:
    shown = int(bound) if float(bound).is_integer() else bound
    relation = "greater" if code == "too_small" else "less"
    key = "minimum" if code == "too_small" else "maximum"
    return {
        "code": code,
        key: shown,
        "type": "number",
        "inclusive": True,
        "exact": False,
        "path": path,
        "message": f"Number must be {relation} than or equal to {shown}",
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Zod:
    """Collects zod-like issues for one request body."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def string(self, value: Any, path: PathT) -> bool:
        if isinstance(value, str):
            return True
        self.add(_type_issue("string", value, path))
        return False

    def boolean(self, value: Any, path: PathT, *, nullable: bool = False) -> None:
        if isinstance(value, bool) or (nullable and value is None):
            return
        self.add(_type_issue("boolean", value, path))

    def number(
        self,
        value: Any,
        path: PathT,
        *,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
        nullable: bool = False,
    ) -> None:
        if nullable and value is None:
            return
        if not _is_number(value) or (
            integer and isinstance(value, float) and not value.is_integer()
        ):
            self.add(_type_issue("integer" if integer else "number", value, path))
            return
        if low is not None and value < low:
            self.add(_bound_issue("too_small", low, path))
        if high is not None and value > high:
            self.add(_bound_issue("too_big", high, path))

    def enum(self, value: Any, options: list[str], path: PathT) -> bool:
        if isinstance(value, str) and value in options:
            return True
        if not isinstance(value, str):
            self.add(_type_issue("string", value, path))
        else:
            self.add(_enum_issue(options, value, path))
        return False

    def obj(self, value: Any, path: PathT) -> bool:
        if isinstance(value, dict):
            return True
        self.add(_type_issue("object", value, path))
        return False

    def required(self, obj: dict[str, Any], key: str, path: PathT) -> bool:
        if key in obj:
            return True
        self.add(_type_issue("unknown", None, [*path, key], present=False))
        return False

    def strict_keys(self, obj: dict[str, Any], allowed: frozenset[str], path: PathT) -> None:
        extra = [k for k in obj if k not in allowed]
        if extra:
            keys = ", ".join(f"'{k}'" for k in extra)
            self.add(
                {
                    "code": "unrecognized_keys",
                    "keys": extra,
                    "path": path,
                    "message": f"Unrecognized key(s) in object: {keys}",
                }
            )

    def union(self, path: PathT, message: str = "Invalid input") -> None:
        self.add({"code": "invalid_union", "path": path, "message": message})

    # ---- content shapes ----
    def text_parts(self, value: Any, path: PathT, extra_types: tuple[str, ...] = ()) -> None:
        """``string | array<{type:"text", text} | extra part types>``."""
        if isinstance(value, str):
            return
        if not isinstance(value, list):
            self.union(
                path, f"Expected string or array of content parts, received {_zod_type(value)}"
            )
            return
        for i, part in enumerate(value):
            ppath: PathT = [*path, i]
            if not self.obj(part, ppath):
                continue
            ptype = part.get("type")
            if ptype == "text":
                if self.required(part, "text", ppath):
                    self.string(part["text"], [*ppath, "text"])
            elif ptype in extra_types:
                self.extra_part(part, ptype, ppath)
            else:
                allowed = ["text", *extra_types]
                self.add(_enum_issue(allowed, ptype, [*ppath, "type"]))

    def extra_part(self, part: dict[str, Any], ptype: str, path: PathT) -> None:
        if ptype == "image_url":
            if self.required(part, "image_url", path) and self.obj(
                part["image_url"], [*path, "image_url"]
            ):
                img = part["image_url"]
                if self.required(img, "url", [*path, "image_url"]):
                    self.string(img["url"], [*path, "image_url", "url"])
                if "detail" in img:
                    self.enum(
                        img["detail"], ["low", "high", "auto"], [*path, "image_url", "detail"]
                    )
        elif ptype == "file":
            if self.required(part, "file", path) and self.obj(part["file"], [*path, "file"]):
                file_obj = part["file"]
                for key in ("file_data", "filename"):
                    if key in file_obj:
                        self.string(file_obj[key], [*path, "file", key])
        elif ptype == "refusal" and self.required(part, "refusal", path):
            self.string(part["refusal"], [*path, "refusal"])


_ROLES = ["user", "developer", "system", "tool", "assistant"]
_STRICT_KEYS = {
    "developer": frozenset({"role", "content", "name"}),
    "system": frozenset({"role", "content", "name"}),
    "tool": frozenset({"role", "content", "tool_call_id", "name"}),
}
_TOOL_KEYS = frozenset({"type", "function"})
_FUNCTION_KEYS = frozenset({"name", "description", "parameters", "strict"})
_JSON_SCHEMA_KEYS = frozenset({"name", "schema", "strict", "description"})
_TOOL_CHOICE_STRINGS = ["none", "auto", "required"]
_EFFORTS = ["low", "medium", "high"]


def _aimlapi_message(z: _Zod, msg: Any, path: PathT) -> None:
    if not z.obj(msg, path):
        return
    role = msg.get("role")
    if role not in _ROLES:
        listed = " | ".join(f"'{r}'" for r in _ROLES)
        z.add(
            {
                "code": "invalid_union_discriminator",
                "options": list(_ROLES),
                "path": [*path, "role"],
                "message": f"Invalid discriminator value. Expected {listed}",
            }
        )
        return
    if role in _STRICT_KEYS:
        z.strict_keys(msg, _STRICT_KEYS[role], path)
    if "name" in msg and not (role == "tool" and msg["name"] is None):
        z.string(msg["name"], [*path, "name"])
    if role == "assistant":
        # content is optional; null is tolerated (OpenAI clients send it with tool_calls)
        content = msg.get("content")
        if content is not None:
            z.text_parts(content, [*path, "content"], ("refusal",))
        if "refusal" in msg and msg["refusal"] is not None:
            z.string(msg["refusal"], [*path, "refusal"])
        if "tool_calls" in msg:
            _aimlapi_tool_calls(z, msg["tool_calls"], [*path, "tool_calls"])
        return
    if not z.required(msg, "content", path):
        return
    content = msg["content"]
    if role == "user":
        z.text_parts(content, [*path, "content"], ("image_url", "file"))
    elif role == "tool":
        z.string(content, [*path, "content"])
        if z.required(msg, "tool_call_id", path):
            z.string(msg["tool_call_id"], [*path, "tool_call_id"])
    else:
        z.text_parts(content, [*path, "content"])


def _aimlapi_tool_calls(z: _Zod, calls: Any, path: PathT) -> None:
    if not isinstance(calls, list):
        z.add(_type_issue("array", calls, path))
        return
    for i, call in enumerate(calls):
        cpath: PathT = [*path, i]
        if not z.obj(call, cpath):
            continue
        if z.required(call, "id", cpath):
            z.string(call["id"], [*cpath, "id"])
        if z.required(call, "type", cpath):
            z.enum(call["type"], ["function"], [*cpath, "type"])
        if z.required(call, "function", cpath) and z.obj(call["function"], [*cpath, "function"]):
            fn = call["function"]
            for key in ("name", "arguments"):
                if z.required(fn, key, [*cpath, "function"]):
                    z.string(fn[key], [*cpath, "function", key])


def _aimlapi_tools(z: _Zod, tools: Any) -> None:
    if not isinstance(tools, list):
        z.add(_type_issue("array", tools, ["tools"]))
        return
    for i, tool in enumerate(tools):
        tpath: PathT = ["tools", i]
        if not z.obj(tool, tpath):
            continue
        z.strict_keys(tool, _TOOL_KEYS, tpath)
        if z.required(tool, "type", tpath):
            z.enum(tool["type"], ["function"], [*tpath, "type"])
        if not (
            z.required(tool, "function", tpath) and z.obj(tool["function"], [*tpath, "function"])
        ):
            continue
        fn = tool["function"]
        fpath: PathT = [*tpath, "function"]
        z.strict_keys(fn, _FUNCTION_KEYS, fpath)
        if z.required(fn, "name", fpath):
            z.string(fn["name"], [*fpath, "name"])
        if "description" in fn:
            z.string(fn["description"], [*fpath, "description"])
        if z.required(fn, "parameters", fpath):
            z.obj(fn["parameters"], [*fpath, "parameters"])
        if "strict" in fn:
            z.boolean(fn["strict"], [*fpath, "strict"], nullable=True)


def _aimlapi_tool_choice(z: _Zod, choice: Any) -> None:
    if isinstance(choice, str):
        if choice not in _TOOL_CHOICE_STRINGS:
            z.union(
                ["tool_choice"],
                "Invalid input: expected one of 'none' | 'auto' | 'required' or a function "
                f"object, received '{choice}'",
            )
        return
    if not isinstance(choice, dict):
        z.union(["tool_choice"])
        return
    if z.required(choice, "type", ["tool_choice"]):
        z.enum(choice["type"], ["function"], ["tool_choice", "type"])
    if z.required(choice, "function", ["tool_choice"]) and z.obj(
        choice["function"], ["tool_choice", "function"]
    ):
        fn = choice["function"]
        if z.required(fn, "name", ["tool_choice", "function"]):
            z.string(fn["name"], ["tool_choice", "function", "name"])


def _response_format(z: _Zod, fmt: Any) -> None:
    path: PathT = ["response_format"]
    if not z.obj(fmt, path):
        return
    if not z.required(fmt, "type", path):
        return
    if not z.enum(fmt["type"], ["text", "json_object", "json_schema"], [*path, "type"]):
        return
    if fmt["type"] != "json_schema":
        z.strict_keys(fmt, frozenset({"type"}), path)
        return
    z.strict_keys(fmt, frozenset({"type", "json_schema"}), path)
    if not (
        z.required(fmt, "json_schema", path) and z.obj(fmt["json_schema"], [*path, "json_schema"])
    ):
        return
    spec = fmt["json_schema"]
    spath: PathT = [*path, "json_schema"]
    z.strict_keys(spec, _JSON_SCHEMA_KEYS, spath)
    if (
        z.required(spec, "name", spath)
        and z.string(spec["name"], [*spath, "name"])
        and not _NAME_RE.match(spec["name"])
    ):
        z.add(
            {
                "code": "invalid_string",
                "validation": "regex",
                "path": [*spath, "name"],
                "message": "Must be a-z, A-Z, 0-9, or contain underscores and dashes, "
                "with a maximum length of 64.",
            }
        )
    if "schema" in spec:
        z.obj(spec["schema"], [*spath, "schema"])
    if "strict" in spec:
        z.boolean(spec["strict"], [*spath, "strict"], nullable=True)
    if "description" in spec:
        z.string(spec["description"], [*spath, "description"])


def aimlapi_issues(body: Any) -> list[Issue]:
    """All zod-style issues of an AI/ML API request body (empty list when valid)."""
    z = _Zod()
    if not isinstance(body, dict):
        z.add(_type_issue("object", body, []))
        return z.issues
    if z.required(body, "model", []):
        z.enum(body["model"], [AIMLAPI_MODEL], ["model"])
    if z.required(body, "messages", []):
        messages = body["messages"]
        if not isinstance(messages, list):
            z.add(_type_issue("array", messages, ["messages"]))
        elif not messages:
            z.add(
                {
                    "code": "too_small",
                    "minimum": 1,
                    "type": "array",
                    "inclusive": True,
                    "exact": False,
                    "path": ["messages"],
                    "message": "Array must contain at least 1 element(s)",
                }
            )
        else:
            for i, msg in enumerate(messages):
                _aimlapi_message(z, msg, ["messages", i])
    if "max_tokens" in body:
        z.number(body["max_tokens"], ["max_tokens"], low=1)
    if "stream" in body:
        z.boolean(body["stream"], ["stream"])
    if "stream_options" in body and z.obj(body["stream_options"], ["stream_options"]):
        opts = body["stream_options"]
        if z.required(opts, "include_usage", ["stream_options"]):
            z.boolean(opts["include_usage"], ["stream_options", "include_usage"])
    if "tools" in body:
        _aimlapi_tools(z, body["tools"])
    if "tool_choice" in body:
        _aimlapi_tool_choice(z, body["tool_choice"])
    if "parallel_tool_calls" in body:
        z.boolean(body["parallel_tool_calls"], ["parallel_tool_calls"])
    if "temperature" in body:
        z.number(body["temperature"], ["temperature"], low=0, high=2)
    if "top_p" in body:
        z.number(body["top_p"], ["top_p"], low=0.01, high=1)
    if "n" in body:
        z.number(body["n"], ["n"], low=1, integer=True, nullable=True)
    if "logprobs" in body:
        z.boolean(body["logprobs"], ["logprobs"], nullable=True)
    if "top_logprobs" in body:
        z.number(body["top_logprobs"], ["top_logprobs"], low=0, high=20, nullable=True)
    if "seed" in body:
        z.number(body["seed"], ["seed"], low=1, integer=True)
    if "reasoning_effort" in body:
        z.enum(body["reasoning_effort"], list(_EFFORTS), ["reasoning_effort"])
    if "response_format" in body:
        _response_format(z, body["response_format"])
    return z.issues


def _path_text(path: PathT) -> str:
    out = ""
    for item in path:
        out += f"[{item}]" if isinstance(item, int) else (f".{item}" if out else str(item))
    return out or "body"


def aimlapi_validation_body(issues: list[Issue], path: str) -> dict[str, Any]:
    """The NestJS/zod 400 body for ``issues``."""
    summary = "; ".join(f"{_path_text(i['path'])}: {i['message']}" for i in issues[:5])
    return {
        "title": "Bad Request",
        "status": 400,
        "message": f"Body validation error: {summary}",
        "instance": path,
        "timestamp": iso_now(),
        "error": {
            "name": "ZodError",
            "message": json.dumps(issues, indent=2, ensure_ascii=False),
            "data": issues,
        },
    }


# --------------------------------------------------------------------------------------
# Upstream (OpenAI) rules that apply behind both providers
# --------------------------------------------------------------------------------------


def _js_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if _is_number(value) else json.dumps(value)


def _tool_names(body: dict[str, Any]) -> list[str]:
    names: list[str] = []
    tools = body.get("tools")
    if isinstance(tools, list):
        for tool in tools:
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                names.append(fn["name"])
    return names


def _upstream_checks(provider: Provider, body: dict[str, Any], path: str) -> None:
    choice = body.get("tool_choice")
    tools = body.get("tools")
    if choice is not None and not tools:
        raise _reject(
            provider,
            400,
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
            "specified.",
            path,
        )
    if isinstance(choice, dict):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, dict) else None
        if isinstance(name, str) and name not in _tool_names(body):
            raise _reject(
                provider,
                400,
                f"Invalid value for 'tool_choice': function '{name}' not found in 'tools'.",
                path,
            )
    if provider == "aimlapi" and body.get("reasoning_effort") is not None:
        # GPT-5.2 accepts sampling parameters only with reasoning effort "none", which
        # AI/ML API's schema cannot express: any non-default value is refused upstream.
        for key, default in (("temperature", 1), ("top_p", 1)):
            value = body.get(key)
            if value is not None and value != default:
                raise _reject(
                    provider,
                    400,
                    f"Unsupported value: '{key}' does not support {_js_number(value)} with this "
                    f"model. Only the default ({default}) value is supported.",
                    path,
                )
        if body.get("logprobs") is True:
            raise _reject(
                provider,
                400,
                "Unsupported parameter: 'logprobs' is not supported with this model.",
                path,
            )


# --------------------------------------------------------------------------------------
# Oxen.ai
# --------------------------------------------------------------------------------------

_OXEN_ROLES = ("system", "user", "assistant", "tool")


def _oxen_checks(body: Any, path: str) -> None:
    def bad(message: str) -> RequestRejected:
        return _reject("oxen", 400, message, path)

    if not isinstance(body, dict):
        raise bad("Request body must be a JSON object")
    model = body.get("model")
    if model is None:
        raise bad("Missing required parameter: 'model'")
    if model != OXEN_MODEL:
        raise RequestRejected(404, {"error": {"message": f"Model not found: {model}"}})
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad("'messages' must be a non-empty array")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise bad(f"messages[{i}] must be an object")
        role = msg.get("role")
        if role not in _OXEN_ROLES:
            raise bad(
                f"Invalid role '{role}' in messages[{i}]; supported roles are "
                "system, user, assistant, tool"
            )
        content = msg.get("content")
        if content is None and role != "assistant":
            raise bad(f"messages[{i}].content is required")
        if content is not None and not isinstance(content, (str, list)):
            raise bad(f"messages[{i}].content must be a string or an array of content parts")
        if role == "tool" and not isinstance(msg.get("tool_call_id"), str):
            raise bad(f"messages[{i}].tool_call_id is required for tool messages")
    for key in ("stream", "parallel_tool_calls", "logprobs"):
        if key in body and body[key] is not None and not isinstance(body[key], bool):
            raise bad(f"'{key}' must be a boolean")
    for key, low, high in (
        ("temperature", 0, 2),
        ("top_p", 0, 1),
        ("frequency_penalty", -2, 2),
        ("presence_penalty", -2, 2),
    ):
        if key in body and body[key] is not None:
            value = body[key]
            if not _is_number(value) or not low <= value <= high:
                raise bad(f"'{key}' must be a number between {low} and {high}")
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        raise bad(
            f"Unsupported value: 'temperature' does not support {_js_number(temperature)} with "
            "this model. Only the default (1) value is supported."
        )
    for key, low in (("max_tokens", 1), ("n", 1), ("top_logprobs", 0)):
        if key in body and body[key] is not None:
            value = body[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise bad(f"'{key}' must be an integer >= {low}")
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens > OXEN_MAX_OUTPUT_TOKENS:
        raise bad(
            f"max_tokens is too large: {max_tokens}. This model supports at most "
            f"{OXEN_MAX_OUTPUT_TOKENS} completion tokens, whereas you provided {max_tokens}."
        )
    effort = body.get("reasoning_effort")
    if effort is not None and effort != "medium":
        raise bad(
            f"Unsupported value: 'reasoning_effort' does not support {json.dumps(effort)} with "
            "this model. Supported values are: 'medium'."
        )
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise bad("'stream_options' must be an object")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise bad("'tools' must be an array")
        for i, tool in enumerate(tools):
            fn = tool.get("function") if isinstance(tool, dict) else None
            if not isinstance(tool, dict) or tool.get("type") != "function":
                raise bad(f"tools[{i}].type must be 'function'")
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                raise bad(f"tools[{i}].function.name is required")
    choice = body.get("tool_choice")
    if choice is not None:
        valid = choice in _TOOL_CHOICE_STRINGS or (
            isinstance(choice, dict)
            and choice.get("type") == "function"
            and isinstance(choice.get("function"), dict)
            and isinstance(choice["function"].get("name"), str)
        )
        if not valid:
            raise bad(
                "'tool_choice' must be 'none', 'auto', 'required' or "
                '{"type": "function", "function": {"name": ...}}'
            )
    fmt = body.get("response_format")
    if fmt is not None:
        ftype = fmt.get("type") if isinstance(fmt, dict) else None
        if ftype not in ("text", "json_object", "json_schema"):
            raise bad("response_format.type must be one of 'text', 'json_object', 'json_schema'")
        if ftype == "json_schema":
            spec = fmt.get("json_schema")
            name = spec.get("name") if isinstance(spec, dict) else None
            if not isinstance(name, str) or not _NAME_RE.match(name):
                raise bad(
                    "response_format.json_schema.name is required and must match "
                    "^[a-zA-Z0-9_-]{1,64}$"
                )


def validate(provider: Provider, body: Any, *, path: str) -> None:
    """Raise :class:`RequestRejected` where the real provider would reject ``body``."""
    if provider == "aimlapi":
        issues = aimlapi_issues(body)
        if issues:
            raise RequestRejected(400, aimlapi_validation_body(issues, path))
    else:
        _oxen_checks(body, path)
    assert isinstance(body, dict)
    _upstream_checks(provider, body, path)
