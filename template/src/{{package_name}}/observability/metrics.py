# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The service's Prometheus metrics, and their text exposition.

Under gunicorn every worker process writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py makes a fresh one and sets it before
this module is imported), and a scrape sums them up, whichever process answers
it. Without that variable (tests, ``make dev``) the process's own registry is read.

Label values come from small fixed sets (routes of the URL map, not raw paths;
the reasons of :data:`REJECTION_REASONS`), so that no client can grow the number
of series. The children of labelled metrics are cached: a request looks them up
in a dict instead of validating its labels each time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess
from prometheus_client import values

__all__ = [
    "CONTENT_TYPE",
    "EVENT_OUTCOMES",
    "MULTIPROCESS",
    "REJECTION_REASONS",
    "UNMATCHED_ROUTE",
    "exposition",
    "observe_batch",
    "observe_breaker",
    "observe_delivery",
    "observe_delivery_attempt",
    "observe_events",
    "observe_request",
    "observe_steps",
]

#: The media type of :func:`exposition`'s text.
CONTENT_TYPE = CONTENT_TYPE_LATEST

#: Whether samples go to the files of gunicorn's processes: prometheus_client
#: chose its value class by the same test when it was imported.
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

#: This process's id, renewed in a child after each fork.
_pid = os.getpid()


def _renew_pid() -> None:
    global _pid
    _pid = os.getpid()


def _process_id() -> int:
    return _pid


if MULTIPROCESS:
    # prometheus_client calls its process identifier for every sample it writes, under
    # one lock that every thread of the process shares; os.getpid() is a system call
    # there, the kept pid is not. (Its documented hook; set before any metric is made.)
    os.register_at_fork(after_in_child=_renew_pid)
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_id)  # type: ignore[no-untyped-call]

#: The route label of a request no route matched (404, 405 before routing).
UNMATCHED_ROUTE = "unmatched"

#: What happens to an event.
EVENT_OUTCOMES = ("accepted", "filtered", "rejected")

#: Why an event is rejected; ``other`` for any answer not named here.
REJECTION_REASONS = (
    "validation",
    "auth",
    "payload_too_large",
    "step_refused",
    "step_failed",
    "worker_rejected",
    "worker_down",
    "breaker_open",
    "timeout",
    "broker_down",
    "broker_blocked",
    "broker_nack",
    "unroutable",
    "other",
)

#: Methods named in the method label; any other is ``other``.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_HTTP_REQUESTS = Counter(
    "relay_http_requests_total",
    "HTTP requests answered, by route (the URL rule), method and status.",
    ["route", "method", "status"],
)
_HTTP_DURATION = Histogram(
    "relay_http_request_duration_seconds",
    "Time from routing a request to its answer, by route and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_EVENTS = Counter(
    "relay_events_total",
    "Events decided on: accepted (the worker acknowledged), filtered, or rejected.",
    ["outcome"],
)
_REJECTED = Counter(
    "relay_events_rejected_total",
    "Rejected events, by reason.",
    ["reason"],
)
_BATCH_EVENTS = Histogram(
    "relay_batch_events",
    "Events per batch request.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
_DELIVERIES = Counter(
    "relay_deliveries_total",
    "Deliveries to the worker (one item, or one batch call), by kind and outcome.",
    ["kind", "outcome"],
)
_ATTEMPTS = Counter(
    "relay_delivery_attempts_total",
    "HTTP requests made to the worker, first attempts and retries, by kind.",
    ["kind"],
)
_RETRIES = Counter(
    "relay_delivery_retries_total",
    "Attempts to the worker after a delivery's first, by kind.",
    ["kind"],
)
_DELIVERY_DURATION = Histogram(
    "relay_delivery_duration_seconds",
    "Time a delivery took, retries and waits included, by kind and outcome.",
    ["kind", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# livesum: the processes alive now whose breaker is not closed; a dead process's
# file is removed by gunicorn.conf.py's child_exit.
_BREAKERS_OPEN = Gauge(
    "relay_breakers_open",
    "Processes whose circuit breaker to the worker is open or half-open.",
    multiprocess_mode="livesum",
)
_BREAKER_TRANSITIONS = Counter(
    "relay_breaker_transitions_total",
    "Changes of a process's circuit breaker, by the state entered.",
    ["state"],
)
# Two counters rather than a histogram: a request adds up its steps' runs and time
# over all its events and records them once (a batch of 100 events: 10 writes, not 1,000).
_STEP_RUNS = Counter(
    "relay_pipeline_step_runs_total",
    "Runs of a pipeline step over one event, by step.",
    ["step"],
)
_STEP_SECONDS = Counter(
    "relay_pipeline_step_seconds_total",
    "Time pipeline steps took, by step: over the runs of relay_pipeline_step_runs_total.",
    ["step"],
)

_children: dict[tuple[Any, ...], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    """``metric.labels(*labels)``, made once per process and label values."""
    key = (metric, *labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration.

    :param route: the URL rule that matched, or :data:`UNMATCHED_ROUTE`.
    """
    method = method if method in _METHODS else "other"
    _child(_HTTP_REQUESTS, route, method, str(status)).inc()
    _child(_HTTP_DURATION, route, method).observe(seconds)


def observe_events(outcome: str, count: int = 1, reason: str = "") -> None:
    """Count ``count`` events with ``outcome``; a rejection with its ``reason``."""
    _child(_EVENTS, outcome).inc(count)
    if outcome == "rejected":
        _child(_REJECTED, reason if reason in REJECTION_REASONS else "other").inc(count)


def observe_batch(size: int) -> None:
    """Record the number of events of one batch request."""
    _BATCH_EVENTS.observe(size)


def observe_delivery_attempt(kind: str, attempt: int) -> None:
    """Count one HTTP request to the worker; ``attempt`` counts from 1."""
    _child(_ATTEMPTS, kind).inc()
    if attempt > 1:
        _child(_RETRIES, kind).inc()


def observe_delivery(kind: str, outcome: str, seconds: float) -> None:
    """Count one finished delivery and its duration.

    :param kind: ``item`` or ``batch``.
    :param outcome: ``acknowledged``, or the reason it was not (see :data:`REJECTION_REASONS`).
    """
    _child(_DELIVERIES, kind, outcome).inc()
    _child(_DELIVERY_DURATION, kind, outcome).observe(seconds)


def observe_breaker(state: str) -> None:
    """Record that this process's breaker entered ``state``."""
    _child(_BREAKER_TRANSITIONS, state).inc()
    _BREAKERS_OPEN.set(0 if state == "closed" else 1)


def observe_steps(totals: Mapping[str, tuple[int, int]]) -> None:
    """Record pipeline steps' runs: ``{step: (runs, nanoseconds in all)}``."""
    for step, (runs, nanoseconds) in totals.items():
        _child(_STEP_RUNS, step).inc(runs)
        _child(_STEP_SECONDS, step).inc(nanoseconds / 1e9)


def exposition() -> bytes:
    """Every metric in the Prometheus text format: every live and dead process's
    samples under gunicorn, this process's otherwise."""
    if not MULTIPROCESS:
        return generate_latest(REGISTRY)
    # A registry per scrape, as prometheus_client documents for multiprocess mode:
    # the collector reads the files as they are now. (prometheus_client leaves it untyped.)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
