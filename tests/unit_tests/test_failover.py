"""Which failures fail over, and the circuit breaker's states (pure, no I/O)."""

from __future__ import annotations

import pytest

from langchain_gpt52 import ChatAIMLAPI, ChatGPT52Failover
from langchain_gpt52.chat_models.failover import CircuitBreaker, failover_reason
from langchain_gpt52.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    RefusalError,
    error_from_response,
)


def _status(code: int) -> Exception:
    return error_from_response(code, {"message": "x"}, {}, provider="AI/ML API")


@pytest.mark.parametrize("code", [404, 408, 409, 429, 500, 502, 503, 504])
def test_unavailable_statuses_fail_over(code: int) -> None:
    assert failover_reason(_status(code)) == "unavailable"


@pytest.mark.parametrize("code", [401, 403])
def test_auth_statuses_fail_over_as_auth(code: int) -> None:
    assert failover_reason(_status(code)) == "auth"


@pytest.mark.parametrize("code", [400, 413, 422])
def test_invalid_requests_do_not_fail_over(code: int) -> None:
    assert failover_reason(_status(code)) is None


@pytest.mark.parametrize(
    "exc",
    [APIConnectionError("reset"), APITimeoutError("slow"), APIResponseValidationError("bad")],
)
def test_network_and_malformed_answers_fail_over(exc: Exception) -> None:
    assert failover_reason(exc) == "unavailable"


@pytest.mark.parametrize("exc", [ValueError("bad param"), RefusalError("no"), KeyError("x")])
def test_other_errors_do_not_fail_over(exc: Exception) -> None:
    assert failover_reason(exc) is None


def test_breaker_opens_half_opens_and_closes() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    now[0] = 9.99
    assert breaker.state == "open"
    now[0] = 10.0
    assert breaker.state == "half_open"
    breaker.record_failure()  # the half-open try failed: open for another cooldown
    assert breaker.state == "open"
    now[0] = 20.0
    assert breaker.state == "half_open"
    breaker.record_success()
    assert (breaker.state, breaker.failures) == ("closed", 0)


def test_unknown_argument_is_an_error() -> None:
    member = ChatAIMLAPI(api_key="k")
    with pytest.raises(ValueError, match=r"'tempreature' .*did you mean 'temperature'"):
        ChatGPT52Failover(models=[member], tempreature=1)
    with pytest.raises(ValueError, match=r"'max_retries'.*belong on each member"):
        ChatGPT52Failover(models=[member], max_retries=1)


def test_needs_a_member() -> None:
    with pytest.raises(ValueError, match="models"):
        ChatGPT52Failover(models=[])
