"""Pytest fixtures for the provider emulator.

Load them from a ``conftest.py`` with
``pytest_plugins = ["langchain_gpt52.testing.pytest_plugin"]``.

* ``emulator_session``: one started :class:`~langchain_gpt52.testing.Emulator` for the session.
* ``emulator``: that same emulator after :meth:`~langchain_gpt52.testing.Emulator.reset`, so each
  test starts with no queued faults, no recorded requests and the initial key, credits and options.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_gpt52.emulator.server import Emulator


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
