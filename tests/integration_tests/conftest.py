"""Integration tests run against the loopback provider emulator."""

from langchain_gpt52.testing.pytest_plugin import (
    cassette,
    emulator,
    emulator_session,
    pytest_configure,
)
from tests.integration_tests._ray_local import ray_local

__all__ = ["cassette", "emulator", "emulator_session", "pytest_configure", "ray_local"]
