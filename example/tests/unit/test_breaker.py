# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The circuit breaker alone, on a clock the test moves."""

from __future__ import annotations

from relay_service.handoff import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_failures_in_a_row_open_the_breaker() -> None:
    breaker = CircuitBreaker(failures=3, reset_after=10, clock=Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()


def test_an_open_breaker_says_when_to_come_back_and_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, reset_after=10, clock=clock)
    breaker.record_failure()
    clock.now += 4.2
    assert breaker.retry_after() == 6
    assert not breaker.allow()
    clock.now += 6
    assert breaker.state == "half-open"
    assert breaker.allow()
    assert not breaker.allow(), "only one probe at a time"


def test_a_successful_probe_closes_it_and_a_failed_one_opens_it_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=2, reset_after=5, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 5
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.retry_after() == 0
