"""Bulk runs: thousands to millions of prompts, paced, budgeted, resumable without paying twice.

```python
from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.bulk import run_bulk

summary = run_bulk(ChatAIMLAPI(), "prompts.jsonl", "results.jsonl", rpm=600, max_usd=5)
print(summary.ok, summary.usd)
```

Layout: `rows.py` (rows in, checked), `row.py` (one row: pace, journal, call, result line),
`pacing.py` (`RateLimiter`, RPM/TPM, adaptive concurrency), `journal.py` (output file and the
durable "sent" journal), `resume.py` (what a re-run does with each row, shared with Ray),
`runner.py` (the job), `reconcile.py` (the provider's request log),
`progress.py` (bar and `BulkSummary`), `cli.py` (`python -m langchain_gpt52 bulk`).
"""

from langchain_gpt52.bulk.pacing import AdaptiveConcurrency, LocalRateLimiter, RateLimiter
from langchain_gpt52.bulk.progress import BulkSummary
from langchain_gpt52.bulk.row import RowCall, arun_row, client_request_id
from langchain_gpt52.bulk.rows import Row, RowProblem, parse_row, read_rows
from langchain_gpt52.bulk.runner import arun_bulk, run_bulk

__all__ = [
    "AdaptiveConcurrency",
    "BulkSummary",
    "LocalRateLimiter",
    "RateLimiter",
    "Row",
    "RowCall",
    "RowProblem",
    "arun_bulk",
    "arun_row",
    "client_request_id",
    "parse_row",
    "read_rows",
    "run_bulk",
]
