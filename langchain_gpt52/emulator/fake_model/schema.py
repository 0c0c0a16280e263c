"""JSON values that validate against a JSON schema, fed by text values."""

from __future__ import annotations

import json
from typing import Any

from .values import IDENT_RE, QUOTE_RE, TextValues

_MAX_DEPTH = 8
_FORMAT_EXAMPLES = {
    "date-time": "2025-12-11T00:00:00Z",
    "date": "2025-12-11",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
}


def schema_property_names(schema: Any, out: set[str] | None = None, depth: int = 0) -> set[str]:
    """All property names mentioned anywhere in a schema (used to skip quoted keys)."""
    if out is None:
        out = set()
    if depth > 12:
        return out
    if isinstance(schema, dict):
        props = schema.get("properties")
        if isinstance(props, dict):
            out.update(k for k in props if isinstance(k, str))
        for value in schema.values():
            if isinstance(value, (dict, list)):
                schema_property_names(value, out, depth + 1)
    elif isinstance(schema, list):
        for item in schema:
            schema_property_names(item, out, depth + 1)
    return out


def _resolve_ref(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#"):
        return {}
    node: Any = root
    for raw in ref[1:].split("/"):
        if not raw:
            continue
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return {}
    return node if isinstance(node, dict) else {}


def _deref(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
        target = _resolve_ref(schema["$ref"], root)
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **extra} if extra else target
        seen += 1
    if not isinstance(schema, dict):
        return {}
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props: dict[str, Any] = dict(merged.get("properties") or {})
        required: list[str] = list(merged.get("required") or [])
        for sub in all_of:
            part = _deref(sub, root)
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    props.update(value)
                elif key == "required" and isinstance(value, list):
                    required.extend(r for r in value if r not in required)
                else:
                    merged.setdefault(key, value)
        if props:
            merged["properties"] = props
        if required:
            merged["required"] = required
        return merged
    return schema


def _schema_type(schema: dict[str, Any]) -> str:
    stype = schema.get("type")
    if isinstance(stype, list):
        non_null = [t for t in stype if t != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(stype, str):
        return stype
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _clamp_number(value: float, schema: dict[str, Any], integer: bool) -> float:
    step = 1 if integer else 1e-6
    low = schema.get("minimum")
    high = schema.get("maximum")
    xlow = schema.get("exclusiveMinimum")
    xhigh = schema.get("exclusiveMaximum")
    if isinstance(xlow, bool) or isinstance(xhigh, bool):  # draft-4 style flags
        xlow = low if xlow is True else None
        xhigh = high if xhigh is True else None
    if isinstance(low, (int, float)) and value < low:
        value = low
    if isinstance(xlow, (int, float)) and value <= xlow:
        value = (int(xlow) + 1) if integer else xlow + step
    if isinstance(high, (int, float)) and value > high:
        value = high
    if isinstance(xhigh, (int, float)) and value >= xhigh:
        value = (int(xhigh) - 1) if integer and xhigh == int(xhigh) else xhigh - step
        if integer:
            value = int(value)
    return value


class ValueBuilder:
    """Builds a JSON value that validates against a JSON schema, fed by text values."""

    def __init__(self, root: dict[str, Any], values: TextValues, *, fill_optional: bool) -> None:
        self.root = root
        self.values = values
        self.fill_optional = fill_optional

    def build(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        node = _deref(schema, self.root)
        if "const" in node:
            return node["const"]
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            return self.values.enum_for(enum)
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list) and branches:
                return self._build_union(branches, name, depth)
        stype = _schema_type(node)
        if stype == "object":
            return self._build_object(node, depth)
        if stype == "array":
            return self._build_array(node, name, depth)
        if stype in ("integer", "number"):
            return self._build_number(node, stype == "integer")
        if stype == "boolean":
            default = node.get("default")
            return default if isinstance(default, bool) else self.values.boolean_for(name)
        if stype == "null":
            return None
        return self._build_string(node, name)

    def _build_union(self, branches: list[Any], name: str, depth: int) -> Any:
        resolved = [_deref(b, self.root) for b in branches]
        non_null = [b for b in resolved if _schema_type(b) != "null" or "const" in b]
        if not non_null:
            return None
        if depth >= _MAX_DEPTH and len(non_null) < len(resolved):
            return None
        return self.build(non_null[0], name, depth)

    def _build_object(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        props = node.get("properties")
        if not isinstance(props, dict):
            return {}
        required = node.get("required")
        required_set = set(required) if isinstance(required, list) else set()
        out: dict[str, Any] = {}
        for key, sub in props.items():
            wanted = depth < _MAX_DEPTH and self._wants_optional(key)
            if key in required_set or wanted:
                out[key] = self.build(sub, key, depth + 1)
        return out

    def _wants_optional(self, key: str) -> bool:
        return self.fill_optional or self.values.mentions(key)

    def _build_array(self, node: dict[str, Any], name: str, depth: int) -> list[Any]:
        min_items = node.get("minItems")
        count = min_items if isinstance(min_items, int) and min_items > 0 else 1
        max_items = node.get("maxItems")
        if isinstance(max_items, int):
            count = min(count, max_items)
        if depth >= _MAX_DEPTH and not (isinstance(min_items, int) and min_items > 0):
            count = 0
        prefix = node.get("prefixItems")
        if isinstance(prefix, list) and prefix:
            return [self.build(item, name, depth + 1) for item in prefix]
        items = node.get("items", {})
        if not isinstance(items, dict):
            items = {}
        return [self.build(items, name, depth + 1) for _ in range(count)]

    def _build_number(self, node: dict[str, Any], integer: bool) -> float:
        raw = self.values.next_number()
        if raw is None:
            default = node.get("default")
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                raw = default
            else:
                self.values.note_missing_number()
                raw = 0
        value: float = round(raw) if integer else raw
        value = _clamp_number(value, node, integer)
        return int(value) if integer else value

    def _build_string(self, node: dict[str, Any], name: str) -> str:
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _FORMAT_EXAMPLES:
            return _FORMAT_EXAMPLES[fmt]
        value = self.values.string_for(name, node)
        max_len = node.get("maxLength")
        if isinstance(max_len, int) and len(value) > max_len:
            value = value[:max_len]
        min_len = node.get("minLength")
        if isinstance(min_len, int) and len(value) < min_len:
            value = value + "x" * (min_len - len(value))
        return value


def schema_instance(schema: dict[str, Any], text: str) -> Any:
    """A JSON value valid against `schema` with strings drawn from `text`."""
    values = TextValues(text, schema_property_names(schema), for_tool=False)
    return ValueBuilder(schema, values, fill_optional=True).build(schema)


def json_object_reply(text: str) -> dict[str, Any]:
    """`json_object` mode: keys the prompt asks for (quoted identifiers), else `answer`."""
    keys: list[str] = []
    lowered = text.lower()
    if "key" in lowered or "field" in lowered or "json" in lowered or "propert" in lowered:
        for match in QUOTE_RE.finditer(text):
            value = next(g for g in match.groups() if g is not None).strip()
            if IDENT_RE.match(value) and value not in keys:
                keys.append(value)
    values = TextValues(text, set(keys), for_tool=False)
    if not keys:
        conv_text = " ".join(text.split())
        return {"answer": f'You said: "{conv_text}"' if conv_text else "Hello!"}
    return {key: values.string_for(key, {}) for key in keys}


def dumps(value: Any) -> str:
    """Compact-ish JSON text as GPT models emit it (unicode kept)."""
    return json.dumps(value, ensure_ascii=False)
