"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(url: str) -> str | None:
    """None when Redis at `url` answers PING, else why not."""
    try:
        import redis
    except ImportError:
        return 'the redis client is not installed (pip install "langchain-gpt52[redis]")'
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        client.close()
    except (redis.exceptions.RedisError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis: `$REDIS_URL` when set, else a `redis-server` started on a free loopback
    port (no persistence) for the session; skips, saying why, only when neither works."""
    env_url = os.environ.get("REDIS_URL")
    if env_url:
        refused = _ping(env_url)
        if refused is not None:
            pytest.skip(f"REDIS_URL={env_url} does not answer: {refused}")
        yield env_url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server on PATH and no REDIS_URL (apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        problem: str | None = "not started"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            problem = _ping(url)
            if problem is None:
                break
            time.sleep(0.05)
        if problem is not None:
            pytest.skip(f"redis-server ({binary}) did not start on port {port}: {problem}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
