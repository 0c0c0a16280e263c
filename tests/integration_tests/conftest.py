"""Integration tests run against the loopback provider emulator."""

from langchain_gpt52.testing.pytest_plugin import emulator, emulator_session

__all__ = ["emulator", "emulator_session"]
