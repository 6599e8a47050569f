# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The retry policy alone: backoff with jitter, Retry-After, attempts and the deadline."""

from __future__ import annotations

import random

import pytest

from relay_service.handoff import RetryPolicy
from relay_service.handoff.policy import is_retry_status


@pytest.mark.parametrize(
    ("status", "retry"),
    [(408, True), (409, True), (425, True), (429, True), (500, True), (503, True), (599, True),
     (400, False), (404, False), (410, False), (422, False)],
)  # fmt: skip
def test_only_answers_that_say_not_yet_are_retried(status: int, retry: bool) -> None:
    assert is_retry_status(status) is retry


def test_waits_grow_exponentially_with_full_jitter_up_to_the_cap() -> None:
    random.seed(7)
    policy = RetryPolicy(max_attempts=10, backoff=0.1, backoff_max=0.5)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (8, 0.5)]:
        waits = [policy.delay(attempt, remaining=60) for _ in range(200)]
        assert all(wait is not None and 0 <= wait <= ceiling for wait in waits)
        assert max(w for w in waits if w is not None) > ceiling / 2  # jitter spreads the waits


def test_retry_after_is_honoured() -> None:
    assert RetryPolicy().delay(1, remaining=60, retry_after=3) == 3


def test_no_wait_goes_past_the_deadline() -> None:
    assert RetryPolicy().delay(1, remaining=2, retry_after=3) is None
    assert RetryPolicy(backoff=1, backoff_max=1).delay(1, remaining=0) is None
    # An attempt that would start with almost no time left is not made.
    assert RetryPolicy().delay(1, remaining=0.04, retry_after=0) is None
    assert RetryPolicy().delay(1, remaining=0.06, retry_after=0) == 0


def test_attempts_run_out() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.delay(2, remaining=60) is not None
    assert policy.delay(3, remaining=60) is None
    assert RetryPolicy(max_attempts=1).delay(1, remaining=60) is None
