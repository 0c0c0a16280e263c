"""Pytest fixtures for the provider emulator.

Installing langchain-gpt52 registers this module with pytest (a `pytest11` entry point), so
they are available in every test. With plugin autoloading off (`PYTEST_DISABLE_PLUGIN_AUTOLOAD`),
load them from a `conftest.py` with `pytest_plugins = ["langchain_gpt52.testing.pytest_plugin"]`.

* `emulator_session`: one started `langchain_gpt52.testing.Emulator` for the session.
* `emulator`: that same emulator after `langchain_gpt52.testing.Emulator.reset`, so each
  test starts with no queued faults, no recorded requests and the initial key, credits and options.
* `cassette`: a `langchain_gpt52.testing.Cassette` saved when the test ends. Its file is
  `cassettes/<test name>.json` beside the test module, or the path (relative to the test
  module) and keyword arguments of `@pytest.mark.cassette("name.json", mode="replay", ...)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_gpt52.emulator.server import Emulator
from langchain_gpt52.testing.cassette import Cassette


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cassette(path, **options): record or replay this test's HTTP traffic"
    )


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[Emulator]:
    emulator = Emulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def emulator(emulator_session: Emulator) -> Emulator:
    emulator_session.reset()
    return emulator_session


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[Cassette]:
    marker = request.node.get_closest_marker("cassette")
    here = Path(str(request.node.path)).parent
    default = Path("cassettes") / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".json")
    path = Path(marker.args[0]) if marker is not None and marker.args else default
    options = dict(marker.kwargs) if marker is not None else {}
    with Cassette(here / path, **options) as recorded:
        yield recorded
