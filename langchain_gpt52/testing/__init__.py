"""Test helpers for users of langchain-gpt52: the offline provider emulator, its pytest fixtures.

```python
from langchain_gpt52.testing import Emulator, Fault

with Emulator() as emu:  # serves on http://127.0.0.1:<free port>
    emu.enqueue(Fault.status(429, retry_after=1), route="aimlapi")
    ...  # point a client at emu.aimlapi_base_url / emu.oxen_base_url
    assert emu.requests[0].json["model"] == "openai/gpt-5-2"
```

Command line: `python -m langchain_gpt52.testing [--host H] [--port P] [--api-key K]` prints the
base URL on one line and serves until interrupted. Pytest fixtures: `emulator` and
`emulator_session` (registered with pytest on install; see `langchain_gpt52.testing.pytest_plugin`).
`Cassette` records real traffic once and replays it offline (fixture `cassette`, marker
`@pytest.mark.cassette(path, mode=...)`). The emulator itself lives in
`langchain_gpt52.emulator` (see `docs/emulator.md`).
"""

from langchain_gpt52.emulator.faults import Fault
from langchain_gpt52.emulator.recordings import CassetteError, CassetteMismatch
from langchain_gpt52.emulator.server import MAX_BODY_BYTES, Emulator, RecordedRequest
from langchain_gpt52.testing.cassette import Cassette

__all__ = [
    "MAX_BODY_BYTES",
    "Cassette",
    "CassetteError",
    "CassetteMismatch",
    "Emulator",
    "Fault",
    "RecordedRequest",
]
