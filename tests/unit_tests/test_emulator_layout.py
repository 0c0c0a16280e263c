"""The emulator's shared code knows no provider by name: providers are modules of hooks."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import langchain_gpt52.emulator as emulator_package
from langchain_gpt52.emulator import Emulator, responses
from langchain_gpt52.emulator.providers import (
    PROVIDERS,
    Answered,
    EmulatedProvider,
    provider_for_path,
    provider_named,
)
from langchain_gpt52.emulator.providers.aimlapi import AIMLAPI, AIMLAPIOptions
from langchain_gpt52.emulator.providers.oxen import OxenOptions
from langchain_gpt52.emulator.rejection import RequestRejected
from langchain_gpt52.emulator.settings import Settings

ROOT = Path(emulator_package.__file__).parent
SHARED = sorted(p for p in ROOT.rglob("*.py") if "providers" not in p.parts)
NAME_TEST = re.compile(
    r"""(==|!=|\bin)\s*\(?\s*["'](aimlapi|oxen)["']|["'](aimlapi|oxen)["']\s*(==|!=)"""
)


@pytest.mark.parametrize("path", SHARED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_code_never_tests_a_provider_name(path: Path) -> None:
    source = path.read_text()
    assert not NAME_TEST.search(source)
    assert "provider.name ==" not in source


def test_routes_by_prefix() -> None:
    assert provider_for_path("/v1/chat/completions").name == "aimlapi"
    assert provider_for_path("/api/ai/models/x").name == "oxen"
    assert provider_for_path("/elsewhere").name == "aimlapi"  # the fallback's 404 shape
    assert set(PROVIDERS) == {"aimlapi", "oxen"}


def test_unknown_provider_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown provider 'openrouter'"):
        provider_named("openrouter")


SERVING = [p for p in SHARED if p.name != "__main__.py"]  # the CLI describes the providers


@pytest.mark.parametrize("path", SERVING, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_code_names_no_provider(path: Path) -> None:
    tree = ast.parse(path.read_text())
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                names.add(node.value)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    assert not [n for n in names if "aimlapi" in n.lower() or "oxen" in n.lower()]


@pytest.mark.parametrize("path", SERVING, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_code_imports_no_provider(path: Path) -> None:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(alias.name for alias in node.names)
    assert not [n for n in imported if "aimlapi" in n.lower() or "oxen" in n.lower()]


def test_shared_code_knows_no_providers_own_route() -> None:
    """A provider's own routes (AI/ML API's request log) are declared by the provider only."""
    routes = {route for provider in PROVIDERS.values() for route in provider.extra_routes}
    assert routes  # the check below checks something
    for path in SERVING:
        assert not [route for route in routes if route in path.read_text()], path


def test_shared_settings_hold_no_provider_option() -> None:
    shared = {f.name for f in dataclasses.fields(Settings)}
    assert shared == {"chunk_delay", "reasoning_content", "provider_options"}
    parameters = inspect.signature(Emulator).parameters
    assert not [name for name in parameters if name.startswith(tuple(PROVIDERS))]


def test_provider_options_are_keywords_and_attributes() -> None:
    emulator = Emulator(aimlapi_done_marker=False, oxen_schema_key="request_schema")
    assert emulator.aimlapi_done_marker is False
    assert emulator.settings.options("aimlapi", AIMLAPIOptions).done_marker is False
    assert emulator.settings.options("oxen", OxenOptions).schema_key == "request_schema"
    emulator.aimlapi_done_marker = True
    assert emulator.settings.options("aimlapi", AIMLAPIOptions).done_marker is True
    emulator.reset()
    assert emulator.aimlapi_done_marker is False  # back to what the constructor was told


def test_unknown_or_bad_provider_option_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown emulator option 'aimlapi_done'"):
        Emulator(aimlapi_done=False)
    emulator = Emulator()
    with pytest.raises(ValueError, match="oxen_schema_key must be"):
        emulator.oxen_schema_key = "schema"
    assert emulator.oxen_schema_key == "json_request_schema"
    with pytest.raises(AttributeError, match="no attribute 'aimlapi_nothing'"):
        _ = emulator.aimlapi_nothing


@dataclasses.dataclass
class _EchoOptions:
    greeting: str = "hello"


class _Echo(EmulatedProvider):
    name = "echo"
    prefix = "/echo/v1"
    response_model = "echo-1"
    options_type = _EchoOptions


def test_a_new_provider_declares_its_own_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PROVIDERS, "echo", _Echo())
    emulator = Emulator(echo_greeting="hi")
    assert emulator.echo_greeting == "hi"
    with emulator:
        assert emulator.echo_base_url == emulator.url + "/echo/v1"
    assert emulator.settings.options("echo", _EchoOptions) == _EchoOptions("hi")
    assert Emulator().settings.options("echo", _EchoOptions) == _EchoOptions()


class _Counted(_Echo):
    name = "counted"
    prefix = "/counted/v1"
    extra_routes = ("/counted-log",)

    def new_state(self) -> list[int]:
        return []

    def record_answer(self, state: Any, answered: Answered) -> None:
        state.append(answered.status)

    def extra_reply(self, state: Any, path: str, query: str) -> tuple[int, Any]:
        return 200, {"path": path, "query": query, "statuses": state}


def test_a_provider_declares_its_own_route_and_what_it_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(PROVIDERS, "counted", _Counted())
    with Emulator() as emulator:
        auth = {"authorization": f"Bearer {emulator.api_key}"}
        chat = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        assert (
            httpx.post(emulator.url + "/counted/v1/chat/completions", json=chat).status_code == 401
        )
        assert httpx.post(
            emulator.url + "/counted/v1/chat/completions", headers=auth, json=chat
        ).is_success
        assert httpx.get(emulator.url + "/counted-log?x=1").status_code == 401
        log = httpx.get(emulator.url + "/counted-log?x=1", headers=auth)
        assert log.json() == {"path": "/counted-log", "query": "x=1", "statuses": [200]}
        emulator.reset()
        assert httpx.get(emulator.url + "/counted-log", headers=auth).json()["statuses"] == []


def test_out_of_credits_status_is_the_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AIMLAPI, "out_of_credits_status", 402)
    with Emulator(credits=0) as emulator:
        response = httpx.post(
            emulator.aimlapi_base_url + "/chat/completions",
            headers={"authorization": f"Bearer {emulator.api_key}"},
            json={"model": "openai/gpt-5-2", "messages": [{"role": "user", "content": "hi"}]},
        )
    assert response.status_code == 402
    assert "out of credits" in response.text


class _Responding(_Echo):
    name = "responding"
    prefix = "/responding/v1"
    responses_path = "/responding/v1/responses"

    def validate_responses(self, body: dict[str, Any], path: str) -> None:
        if body.get("model") != "echo-pro":
            raise RequestRejected(400, {"refused": body.get("model"), "at": path})

    def responses_model(self, model: str) -> str:
        return model + "-2026"

    def responses_reasoning(self, model: str) -> bool:
        return False


def test_a_provider_declares_its_own_responses_route(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Responses route takes its models, schema and error body from the provider's hooks."""
    monkeypatch.setitem(PROVIDERS, "responding", _Responding())
    with Emulator() as emulator:
        url = emulator.url + "/responding/v1/responses"
        auth = {"authorization": f"Bearer {emulator.api_key}"}
        refused = httpx.post(url, headers=auth, json={"model": "echo-1", "input": "hi"})
        body = {"model": "echo-pro", "input": "hi", "reasoning": {"effort": "high"}}
        answered = httpx.post(url, headers=auth, json=body)
    assert (refused.status_code, refused.json()) == (
        400,
        {"refused": "echo-1", "at": "/responding/v1/responses"},
    )
    assert answered.status_code == 200
    assert answered.json()["model"] == "echo-pro-2026"
    assert answered.json()["usage"]["output_tokens_details"] == {"reasoning_tokens": 0}
    assert "reasoning_effort" not in responses.chat_request(_Responding(), body)
