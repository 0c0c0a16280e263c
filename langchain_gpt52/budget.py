"""Where a budget's money is kept: the `BudgetStore` interface and its two stores.

A budget is two amounts in USD: `spent` (what finished calls cost) and `reserved` (what the
calls in flight may still cost). `track_cost(max_usd=...)` reserves a call's worst cost before
sending it and settles it with the real cost when it ends; the store makes each step atomic,
so every process and thread that shares a store shares one budget.

The protocol (amounts are `Decimal` USD, never floats, so totals do not drift):

- `reserve(amount, limit) -> bool`: atomically, if `spent + reserved + amount <= limit` then
  `reserved += amount` and return True; otherwise change nothing and return False.
- `settle(reserved, spent)`: a call ended: `reserved -= reserved`, `spent += spent`.
- `release(reserved)`: a call failed or was refused (billed nothing): `reserved -= reserved`.
- `totals() -> (spent, reserved)`.

Any of them may raise `BudgetStoreUnavailableError` when the store cannot be reached; the
tracker then refuses the call before sending (a budget that cannot be checked lets nothing
through). A store used across processes must pickle to something that reconnects.

Stores:

- `InMemoryBudgetStore()`: one process, a lock around two `Decimal`s (the default).
- `RedisBudgetStore(url, name)`: a Redis hash `langchain_gpt52:budget:<name>` holding
  integer nano-dollars (1e-9 USD), changed by Lua scripts (atomic on the server). Amounts are
  rounded up to a nano-dollar; exact up to $9,007,199 (Lua numbers are doubles). Needs the
  `redis` client (`pip install "langchain-gpt52[redis]"`).

```python
from langchain_gpt52 import ChatAIMLAPI, track_cost
from langchain_gpt52.budget import RedisBudgetStore

store = RedisBudgetStore("redis://localhost:6379/0", "team-daily")
with track_cost(max_usd=50, store=store) as cost:
    ChatAIMLAPI(max_tokens=2_000).batch(prompts)
print(store.totals())
```

Another store (a Ray actor, a database row) only needs the four methods above, each atomic.
"""

from __future__ import annotations

import threading
from decimal import ROUND_CEILING, Decimal
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "BudgetStore",
    "BudgetStoreUnavailableError",
    "InMemoryBudgetStore",
    "RedisBudgetStore",
    "to_decimal",
]


class BudgetStoreUnavailableError(RuntimeError):
    """The budget store could not be reached (or answered nonsense); the call was not sent."""


@runtime_checkable
class BudgetStore(Protocol):
    """Spent and reserved USD of one budget, changed atomically (see the module docstring)."""

    def reserve(self, amount: Decimal, limit: Decimal) -> bool:
        """Add `amount` to `reserved` if `spent + reserved + amount <= limit`; whether it did."""
        ...

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        """Move a finished call from `reserved` (its reservation) to `spent` (its real cost)."""
        ...

    def release(self, reserved: Decimal) -> None:
        """Give back a reservation (a call that failed or was refused is billed nothing)."""
        ...

    def totals(self) -> tuple[Decimal, Decimal]:
        """`(spent, reserved)` now."""
        ...


def to_decimal(usd: float | int | str | Decimal) -> Decimal:
    """An amount as the `Decimal` it was written as (`0.0001475` stays `0.0001475`)."""
    if isinstance(usd, Decimal):
        return usd
    if isinstance(usd, float):
        return Decimal(repr(usd))
    return Decimal(usd)


class InMemoryBudgetStore:
    """A budget kept in this process (a lock and two `Decimal`s); the default store."""

    __slots__ = ("_lock", "_reserved", "_spent")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent = Decimal(0)
        self._reserved = Decimal(0)

    def __repr__(self) -> str:
        return f"InMemoryBudgetStore(spent={self._spent}, reserved={self._reserved})"

    def reserve(self, amount: Decimal, limit: Decimal) -> bool:
        with self._lock:
            if self._spent + self._reserved + amount > limit:
                return False
            self._reserved += amount
            return True

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        with self._lock:
            self._reserved -= reserved
            self._spent += spent

    def release(self, reserved: Decimal) -> None:
        with self._lock:
            self._reserved -= reserved

    def totals(self) -> tuple[Decimal, Decimal]:
        with self._lock:
            return self._spent, self._reserved


_NANO = Decimal("1e-9")

_RESERVE = """
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
if spent + reserved + tonumber(ARGV[1]) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
return 1
"""

_SETTLE = """
redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(ARGV[1]))
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
return 1
"""


def _nano(usd: Decimal) -> int:
    """USD as whole nano-dollars, rounded up (a budget never rounds in the caller's favour)."""
    return int((usd / _NANO).to_integral_value(rounding=ROUND_CEILING))


class RedisBudgetStore:
    """A budget kept in Redis, shared by every process and machine that names it.

    `url` is a Redis URL (`redis://host:6379/0`, `rediss://...`); `name` picks the budget
    (`"team-daily"` is the hash `langchain_gpt52:budget:team-daily`). A connection that fails
    or times out (`timeout` seconds, default 2) raises `BudgetStoreUnavailableError`.

    A process that dies between reserving and settling leaves its reservation in `reserved`
    (the budget errs on the safe side); `reset()` clears the budget, `settle`/`release` by hand
    correct it. Pickles as `(url, name, timeout)`: each process opens its own connection.
    """

    def __init__(self, url: str, name: str, timeout: float = 2.0) -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                'RedisBudgetStore needs the redis client: pip install "langchain-gpt52[redis]"'
            ) from exc
        if not name:
            raise ValueError("RedisBudgetStore: name must be a non-empty string")
        self.url = url
        self.name = name
        self.timeout = timeout
        self.key = f"langchain_gpt52:budget:{name}"
        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._reserve = self._client.register_script(_RESERVE)
        self._settle = self._client.register_script(_SETTLE)

    def __repr__(self) -> str:
        return f"RedisBudgetStore(name={self.name!r})"

    def __reduce__(self) -> Any:
        return (type(self), (self.url, self.name, self.timeout))

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._errors as exc:
            raise BudgetStoreUnavailableError(
                f"budget store Redis {self.name!r}: {what} failed ({type(exc).__name__}: "
                f"{exc}); the call was not sent (start Redis or fix the URL)"
            ) from None

    def reserve(self, amount: Decimal, limit: Decimal) -> bool:
        args = [_nano(amount), _nano(limit)]
        return bool(self._call("reserve", self._reserve, keys=[self.key], args=args))

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        args = [_nano(reserved), _nano(spent)]
        self._call("settle", self._settle, keys=[self.key], args=args)

    def release(self, reserved: Decimal) -> None:
        self._call("release", self._client.hincrby, self.key, "reserved", -_nano(reserved))

    def totals(self) -> tuple[Decimal, Decimal]:
        spent, reserved = self._call("totals", self._client.hmget, self.key, "spent", "reserved")
        return int(spent or 0) * _NANO, int(reserved or 0) * _NANO

    def reset(self) -> None:
        """Forget this budget's spent and reserved amounts."""
        self._call("reset", self._client.delete, self.key)
