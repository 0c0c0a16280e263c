"""Zod-style validation issues (the library AI/ML API validates request bodies with).

`Zod` collects `{code, path, message, ...}` issues the way zod reports them; a
provider module describes its schema with it.
"""

from __future__ import annotations

import json
from typing import Any

from .rejection import is_number

Issue = dict[str, Any]
PathT = list[str | int]


def zod_type(value: Any) -> str:
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


def type_issue(expected: str, value: Any, path: PathT, *, present: bool = True) -> Issue:
    received = zod_type(value) if present else "undefined"
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


def enum_issue(options: list[str], value: Any, path: PathT) -> Issue:
    listed = " | ".join(f"'{o}'" for o in options)
    shown = value if isinstance(value, str) else json.dumps(value)
    return {
        "code": "invalid_enum_value",
        "options": options,
        "received": value,
        "path": path,
        "message": f"Invalid enum value. Expected {listed}, received '{shown}'",
    }


def bound_issue(code: str, bound: float, path: PathT) -> Issue:
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


class Zod:
    """Collects zod-like issues for one request body."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def string(self, value: Any, path: PathT) -> bool:
        if isinstance(value, str):
            return True
        self.add(type_issue("string", value, path))
        return False

    def boolean(self, value: Any, path: PathT, *, nullable: bool = False) -> None:
        if isinstance(value, bool) or (nullable and value is None):
            return
        self.add(type_issue("boolean", value, path))

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
        if not is_number(value) or (
            integer and isinstance(value, float) and not value.is_integer()
        ):
            self.add(type_issue("integer" if integer else "number", value, path))
            return
        if low is not None and value < low:
            self.add(bound_issue("too_small", low, path))
        if high is not None and value > high:
            self.add(bound_issue("too_big", high, path))

    def enum(self, value: Any, options: list[str], path: PathT) -> bool:
        if isinstance(value, str) and value in options:
            return True
        if not isinstance(value, str):
            self.add(type_issue("string", value, path))
        else:
            self.add(enum_issue(options, value, path))
        return False

    def obj(self, value: Any, path: PathT) -> bool:
        if isinstance(value, dict):
            return True
        self.add(type_issue("object", value, path))
        return False

    def required(self, obj: dict[str, Any], key: str, path: PathT) -> bool:
        if key in obj:
            return True
        self.add(type_issue("unknown", None, [*path, key], present=False))
        return False

    def required_obj(self, obj: dict[str, Any], key: str, path: PathT) -> bool:
        """Whether `obj[key]` is present and an object (an issue noted when not)."""
        return self.required(obj, key, path) and self.obj(obj[key], [*path, key])

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
        """`string | array<{type:"text", text} | extra part types>`."""
        if isinstance(value, str):
            return
        if not isinstance(value, list):
            self.union(
                path, f"Expected string or array of content parts, received {zod_type(value)}"
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
                self.add(enum_issue(allowed, ptype, [*ppath, "type"]))

    def extra_part(self, part: dict[str, Any], ptype: str, path: PathT) -> None:
        if ptype == "image_url":
            if self.required_obj(part, "image_url", path):
                img = part["image_url"]
                if self.required(img, "url", [*path, "image_url"]):
                    self.string(img["url"], [*path, "image_url", "url"])
                if "detail" in img:
                    self.enum(
                        img["detail"], ["low", "high", "auto"], [*path, "image_url", "detail"]
                    )
        elif ptype == "file":
            if self.required_obj(part, "file", path):
                file_obj = part["file"]
                for key in ("file_data", "filename"):
                    if key in file_obj:
                        self.string(file_obj[key], [*path, "file", key])
        elif ptype == "refusal" and self.required(part, "refusal", path):
            self.string(part["refusal"], [*path, "refusal"])
