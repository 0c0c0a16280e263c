"""Budget stores: the reservation arithmetic, in process and on a real Redis server."""

from __future__ import annotations

import pickle
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from langchain_gpt52.budget import (
    BudgetStore,
    BudgetStoreUnavailableError,
    InMemoryBudgetStore,
    RedisBudgetStore,
    to_decimal,
)


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[BudgetStore]:
    if request.param == "memory":
        yield InMemoryBudgetStore()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisBudgetStore(url, f"test-{uuid.uuid4().hex}")
    yield redis_store
    redis_store.reset()


def test_reserve_admits_up_to_the_limit_exactly(store: BudgetStore) -> None:
    limit = Decimal("0.3")
    assert store.reserve(Decimal("0.1"), limit)
    assert store.reserve(Decimal("0.2"), limit)  # 0.1 + 0.2 == 0.3: admitted
    assert not store.reserve(Decimal("0.000000001"), limit)
    assert store.totals() == (Decimal(0), Decimal("0.3"))


def test_settle_moves_reserved_to_spent_and_release_gives_back(store: BudgetStore) -> None:
    limit = Decimal(1)
    assert store.reserve(Decimal("0.5"), limit)
    assert store.reserve(Decimal("0.4"), limit)
    store.settle(Decimal("0.5"), Decimal("0.125"))
    store.release(Decimal("0.4"))
    assert store.totals() == (Decimal("0.125"), Decimal(0))
    assert store.reserve(Decimal("0.875"), limit)
    assert not store.reserve(Decimal("0.000000001"), limit)


def test_totals_do_not_drift(store: BudgetStore) -> None:
    each = to_decimal(0.0001475)
    for _ in range(10_000 if isinstance(store, InMemoryBudgetStore) else 500):
        assert store.reserve(each, Decimal(10))
        store.settle(each, each)
    spent, reserved = store.totals()
    assert spent == each * (10_000 if isinstance(store, InMemoryBudgetStore) else 500)
    assert reserved == 0


def test_concurrent_threads_never_reserve_past_the_limit(store: BudgetStore) -> None:
    limit = Decimal("0.01")
    admitted: list[bool] = []

    def worker() -> None:
        for _ in range(50):
            admitted.append(store.reserve(Decimal("0.0003"), limit))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 33  # floor(0.01 / 0.0003)
    assert store.totals()[1] == Decimal("0.0099")


def test_to_decimal_keeps_the_written_amount() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(3) == Decimal(3)
    assert to_decimal("1.475") == Decimal("1.475")


def test_both_stores_satisfy_the_protocol(redis_url: str) -> None:
    assert isinstance(InMemoryBudgetStore(), BudgetStore)
    assert isinstance(RedisBudgetStore(redis_url, "protocol"), BudgetStore)


def test_redis_store_pickles_to_a_working_store(redis_url: str) -> None:
    original = RedisBudgetStore(redis_url, f"pickle-{uuid.uuid4().hex}")
    copy = pickle.loads(pickle.dumps(original))
    assert copy.reserve(Decimal("0.25"), Decimal(1))
    assert original.totals() == (Decimal(0), Decimal("0.25"))
    original.reset()


def test_redis_rounds_amounts_up_to_a_nano_dollar(redis_url: str) -> None:
    store = RedisBudgetStore(redis_url, f"round-{uuid.uuid4().hex}")
    assert store.reserve(Decimal("0.0000000001"), Decimal(1))
    assert store.totals() == (Decimal(0), Decimal("0.000000001"))
    store.reset()


def test_unreachable_redis_is_a_typed_error_naming_the_budget() -> None:
    port = _closed_port()
    store = RedisBudgetStore(f"redis://127.0.0.1:{port}/0", "team-daily", timeout=0.5)
    with pytest.raises(BudgetStoreUnavailableError, match="'team-daily': reserve failed"):
        store.reserve(Decimal(1), Decimal(2))
    with pytest.raises(BudgetStoreUnavailableError):
        store.totals()


def test_redis_store_refuses_an_empty_name(redis_url: str) -> None:
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        RedisBudgetStore(redis_url, "")


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
