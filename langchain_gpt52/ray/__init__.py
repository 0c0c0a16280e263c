"""Bulk runs on Ray Data: one rate limit and one budget for every worker of a job.

Needs `pip install "langchain-gpt52[ray]"` (`ray[data]`). `GPT52Processor` is a callable
class for `Dataset.map_batches` that sends rows through the bulk runner's per-row path;
`run_bulk_on_ray` runs a JSONL file into a directory and returns the bulk runner's
`BulkSummary`; `ClusterLimits` is the named actor that paces and budgets the whole job;
`ModelSpec` is how a model travels to the workers (LangChain's `dumpd`, the key held apart).

```python
import ray
from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.ray import run_bulk_on_ray

ray.init()
print(run_bulk_on_ray(ChatAIMLAPI(max_tokens=300), "prompts.jsonl", "results/", rpm=600))
```

See `docs/ray.md` for a multi-node cluster (what to install where, how the key reaches the
workers).
"""

try:
    import ray.data  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        'langchain_gpt52.ray needs Ray Data: pip install "langchain-gpt52[ray]"'
    ) from exc

from langchain_gpt52.ray.cluster import ClusterBudgetStore, ClusterLimits, ClusterRateLimiter
from langchain_gpt52.ray.columns import OUTPUT_SCHEMA
from langchain_gpt52.ray.job import load_job_state, read_results, run_bulk_on_ray
from langchain_gpt52.ray.model_spec import ModelSpec, Secrets
from langchain_gpt52.ray.processor import NO_RETRIES, GPT52Processor

__all__ = [
    "NO_RETRIES",
    "OUTPUT_SCHEMA",
    "ClusterBudgetStore",
    "ClusterLimits",
    "ClusterRateLimiter",
    "GPT52Processor",
    "ModelSpec",
    "Secrets",
    "load_job_state",
    "read_results",
    "run_bulk_on_ray",
]
