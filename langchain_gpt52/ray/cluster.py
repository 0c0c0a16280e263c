"""One rate limit and one budget for every Ray worker of a job: a named actor.

`ClusterLimits.get("job-name", rpm=600, max_usd=5)` starts (or finds) the detached actor
`langchain_gpt52:job-name` and returns a handle with two faces the bulk runner already knows:

- `handle.rate_limiter()`: the bulk runner's `RateLimiter` (`acquire(tokens)`,
  `penalize(retry_after)`); the actor books each request's start time with one
  `LocalRateLimiter` for the whole cluster, so N workers share `rpm`, not N × `rpm`.
- `handle.budget_store()`: a `BudgetStore` (`reserve`/`settle`/`release`/`totals`) kept in
  the actor, so `max_usd` holds across workers.

Every worker that names the same job shares them. The handle pickles by name, so it can go
to workers in `fn_constructor_kwargs`. The actor takes no CPU (`num_cpus=0`).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import ray

from langchain_gpt52.budget import BudgetStoreUnavailableError, InMemoryBudgetStore
from langchain_gpt52.bulk.pacing import LocalRateLimiter

__all__ = ["ClusterBudgetStore", "ClusterLimits", "ClusterRateLimiter"]

NAMESPACE = "langchain_gpt52"


class _LimitsActor:
    """The actor's state: one pacer and one budget store (methods run one at a time)."""

    def __init__(self) -> None:
        self._limiter = LocalRateLimiter()
        self._store = InMemoryBudgetStore()

    def configure(self, rpm: float | None, tpm: float | None) -> None:
        if (rpm, tpm) != (self._limiter.rpm, self._limiter.tpm):
            self._limiter = LocalRateLimiter(rpm, tpm)

    def limits(self) -> tuple[float | None, float | None]:
        return self._limiter.rpm, self._limiter.tpm

    def reserve_start(self, tokens: int) -> float:
        return self._limiter.reserve(tokens)

    def penalize(self, retry_after: float | None) -> None:
        self._limiter.penalize(retry_after)

    def reserve(self, amount: Decimal, limit: Decimal) -> bool:
        return self._store.reserve(amount, limit)

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        self._store.settle(reserved, spent)

    def release(self, reserved: Decimal) -> None:
        self._store.release(reserved)

    def totals(self) -> tuple[Decimal, Decimal]:
        return self._store.totals()


class ClusterLimits:
    """A handle on the job's limits actor (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._actor: Any = None

    def __repr__(self) -> str:
        return f"ClusterLimits(name={self.name!r})"

    def __reduce__(self) -> Any:
        return (type(self), (self.name,))

    @property
    def actor_name(self) -> str:
        return f"{NAMESPACE}:{self.name}"

    @classmethod
    def get(cls, name: str, *, rpm: float | None = None, tpm: float | None = None) -> ClusterLimits:
        """Start or find the job's actor and set its request and token rates."""
        if not name or not isinstance(name, str):
            raise ValueError(f"ClusterLimits: name must be a non-empty string, got {name!r}")
        LocalRateLimiter(rpm, tpm)  # refuses a bad rate here, before the actor starts
        handle = cls(name)
        handle._actor = (
            ray.remote(_LimitsActor)
            .options(
                name=handle.actor_name,
                namespace=NAMESPACE,
                lifetime="detached",
                get_if_exists=True,
                num_cpus=0,
                max_concurrency=1,
            )
            .remote()
        )
        ray.get(handle._actor.configure.remote(rpm, tpm))
        return handle

    @property
    def actor(self) -> Any:
        """The actor handle (looked up by name in a worker)."""
        if self._actor is None:
            self._actor = ray.get_actor(self.actor_name, namespace=NAMESPACE)
        return self._actor

    def rate_limiter(self) -> ClusterRateLimiter:
        return ClusterRateLimiter(self)

    def budget_store(self) -> ClusterBudgetStore:
        return ClusterBudgetStore(self)

    def totals(self) -> tuple[Decimal, Decimal]:
        """`(spent, reserved)` of the job's budget."""
        spent, reserved = ray.get(self.actor.totals.remote())
        return spent, reserved

    def kill(self) -> None:
        """Stop the actor (its budget and pacing are forgotten)."""
        ray.kill(self.actor)
        self._actor = None


class ClusterRateLimiter:
    """The bulk runner's `RateLimiter`, paced by the job's actor."""

    def __init__(self, limits: ClusterLimits) -> None:
        self.limits = limits

    def __repr__(self) -> str:
        return f"ClusterRateLimiter(name={self.limits.name!r})"

    async def acquire(self, tokens: int) -> None:
        wait = await self.limits.actor.reserve_start.remote(tokens)
        if wait > 0:
            await asyncio.sleep(wait)

    def penalize(self, retry_after: float | None) -> None:
        self.limits.actor.penalize.remote(retry_after)


class ClusterBudgetStore:
    """A `BudgetStore` kept in the job's actor (each call one round trip, atomic there)."""

    def __init__(self, limits: ClusterLimits) -> None:
        self.limits = limits

    def __repr__(self) -> str:
        return f"ClusterBudgetStore(name={self.limits.name!r})"

    def __reduce__(self) -> Any:
        return (type(self), (self.limits,))

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return ray.get(getattr(self.limits.actor, method).remote(*args))
        except (ray.exceptions.RayError, ValueError) as exc:
            raise BudgetStoreUnavailableError(
                f"budget actor {self.limits.actor_name!r}: {method} failed "
                f"({type(exc).__name__}); the call was not sent"
            ) from None

    def reserve(self, amount: Decimal, limit: Decimal) -> bool:
        return bool(self._call("reserve", amount, limit))

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        self._call("settle", reserved, spent)

    def release(self, reserved: Decimal) -> None:
        self._call("release", reserved)

    def totals(self) -> tuple[Decimal, Decimal]:
        spent, reserved = self._call("totals")
        return spent, reserved
