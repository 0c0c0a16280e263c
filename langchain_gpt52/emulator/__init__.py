"""An offline emulator of the AI/ML API and Oxen.ai GPT-5.2 endpoints (tests, demos, benchmarks).

```python
from langchain_gpt52.testing import Emulator, Fault

with Emulator() as emu:  # serves on http://127.0.0.1:<free port>
    emu.enqueue(Fault.status(429, retry_after=1), route="aimlapi")
    ...  # point a client at emu.aimlapi_base_url / emu.oxen_base_url
    assert emu.requests[0].json["model"] == "openai/gpt-5-2"
```

Layout: `server.py` (HTTP/1.1, routing, auth, credits, faults), `completion.py` (answers as
JSON), `providers/` (one module per provider: routes, validation, error shapes, headers, usage,
stream quirks, model bodies), `fake_model/` (the deterministic model: reply planning, tool calls,
schema instances, text). The rules are in `docs/emulator.md`. Users import the public names from
`langchain_gpt52.testing`.
"""

from langchain_gpt52.emulator.faults import Fault
from langchain_gpt52.emulator.server import MAX_BODY_BYTES, Emulator, RecordedRequest

__all__ = ["MAX_BODY_BYTES", "Emulator", "Fault", "RecordedRequest"]
