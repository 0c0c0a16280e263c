"""An offline emulator of the AI/ML API and Oxen.ai GPT-5.2 endpoints (tests, demos, benchmarks).

    from langchain_gpt52.testing import Emulator, Fault

    with Emulator() as emu:            # serves on http://127.0.0.1:<free port>
        emu.enqueue(Fault.status(429, retry_after=1), route="aimlapi")
        ...                            # point a client at emu.aimlapi_base_url / emu.oxen_base_url
        assert emu.requests[0].json["model"] == "openai/gpt-5-2"

Command line: ``python -m langchain_gpt52.testing [--host H] [--port P] [--api-key K]`` prints the
base URL on one line and serves until interrupted. Pytest fixtures: ``emulator`` and
``emulator_session`` from ``pytest_plugins = ["langchain_gpt52.testing.pytest_plugin"]``.
"""

from langchain_gpt52.testing._faults import Fault
from langchain_gpt52.testing._server import MAX_BODY_BYTES, Emulator, RecordedRequest

__all__ = ["MAX_BODY_BYTES", "Emulator", "Fault", "RecordedRequest"]
