"""One local Ray instance for the whole test session (about 4 s to start on 2 cores)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def ray_local() -> Iterator[Any]:
    """`ray`, initialised with 2 CPUs and no dashboard; skips when Ray Data is missing."""
    ray = pytest.importorskip(
        "ray", reason='Ray is not installed: pip install "langchain-gpt52[ray]"'
    )
    pytest.importorskip("ray.data", reason='Ray Data is not installed: pip install "ray[data]"')
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        namespace="langchain_gpt52_tests",
    )
    try:
        yield ray
    finally:
        ray.shutdown()


def ray_log_dir() -> Path:
    """The logs of the running local Ray session."""
    from ray._private import worker

    return Path(worker._global_node.get_session_dir_path()) / "logs"
