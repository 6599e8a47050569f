# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Deliveries to the worker: one pooled requests.Session per process, retries with
backoff and jitter within a deadline, and a circuit breaker.

A delivery returns the worker's receipt only when the worker acknowledged the
item; every other outcome raises a :class:`~.errors.HandoffError`, and the item
may be sent again with the same idempotency key.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
import requests
from requests.adapters import HTTPAdapter

from ..json_encoding import encode_json
from ..observability.metrics import observe_delivery
from ..observability.metrics import observe_delivery_attempt
from ..settings import Settings
from .breaker import CircuitBreaker
from .breaker import delivery_breaker
from .errors import BreakerOpen
from .errors import HandoffError
from .errors import WorkerRejected
from .errors import WorkerTimeout
from .errors import WorkerUnavailable
from .policy import RetryPolicy
from .policy import is_retry_status

__all__ = ["IDEMPOTENCY_KEY_HEADER", "READY_TIMEOUT", "HandoffClient", "json_value"]

#: The worker contract's paths: one item, and several in one call.
ITEMS_PATH = "/items"
BATCH_PATH = "/items:batch"

#: Header naming a delivery, so that the worker processes a retried one only once.
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"

#: The worker contract's acknowledgements: 201 taken now, 200 taken before.
ACKNOWLEDGED = (200, 201)

#: Answers that say the worker is misconfigured (token, URL, limits), not that the
#: item is bad: the worker is as good as unavailable, and the breaker counts them.
MISCONFIGURED = (300, 301, 302, 303, 307, 308, 401, 403, 404, 405, 413)

#: The longest /readyz waits for the worker's /livez, in seconds: shorter than a load
#: balancer's probe timeout (Kubernetes: 1 s), so that a slow worker reads as not ready.
READY_TIMEOUT = 0.5

#: Retry-After of a 503 when the worker gave none, in seconds.
DEFAULT_RETRY_AFTER = 1

#: The kind of delivery to each path, as the metrics name it.
_KINDS = {ITEMS_PATH: "item", BATCH_PATH: "batch"}


class HandoffClient:
    """Hands items to the worker named by the settings.

    :param settings: worker URL and token, timeouts, deadline, retries, pool size
        and breaker thresholds.
    :param breaker: the circuit breaker to use; ``None`` makes one from settings.
    """

    def __init__(self, settings: Settings, breaker: CircuitBreaker | None = None) -> None:
        self.url = settings.worker_url.rstrip("/")
        self.timeouts = (settings.worker_connect_timeout, settings.worker_read_timeout)
        self.ready_timeouts = (
            min(READY_TIMEOUT, settings.worker_connect_timeout),
            min(READY_TIMEOUT, settings.worker_read_timeout),
        )
        self.deadline = settings.handoff_deadline
        self.policy = RetryPolicy(settings.handoff_max_attempts, settings.handoff_backoff)
        self._recording = settings.metrics != "off"
        self.breaker = breaker or delivery_breaker(settings)
        self.pool_size = settings.worker_pool_size
        self.headers = {"Content-Type": "application/json"}
        if settings.worker_bearer_token:
            self.headers["Authorization"] = f"Bearer {settings.worker_bearer_token}"
        self._lock = threading.Lock()
        self._session: requests.Session | None = None
        self._pid = 0
        # Each delivery copies a request prepared once per path: Session.post would
        # parse the URL and merge settings, cookies and headers again for every item.
        # requests' default headers (User-Agent, Accept, Accept-Encoding) go with it, as
        # a session would add them.
        headers = {**requests.utils.default_headers(), **self.headers}
        self._prepared = {
            path: requests.Request("POST", self.url + path, headers=headers).prepare()
            for path in (ITEMS_PATH, BATCH_PATH)
        }

    def session(self) -> requests.Session:
        """This process's pooled session, made on first use after a fork."""
        with self._lock:
            if self._session is None or self._pid != os.getpid():
                session = requests.Session()
                session.trust_env = False  # no proxy or .netrc between the service and its worker
                adapter = HTTPAdapter(
                    pool_connections=1, pool_maxsize=self.pool_size, max_retries=0
                )
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                self._session, self._pid = session, os.getpid()
            return self._session

    def close(self) -> None:
        """Close this process's pooled connections; the next delivery opens new ones."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def deliver(
        self, item: Mapping[str, Any], key: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Hand one item to the worker.

        :param key: the idempotency key; the same item must always get the same key.
        :param headers: headers to pass on, such as ``X-Request-ID`` and ``traceparent``.
        :returns: the worker's receipt.
        :raises HandoffError: the worker did not acknowledge the item.
        """
        answer = self._post(ITEMS_PATH, item, {**headers, IDEMPOTENCY_KEY_HEADER: key})
        receipt: dict[str, Any] = _json_object(answer)
        return receipt

    def deliver_batch(
        self, entries: list[tuple[str, Mapping[str, Any]]], headers: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """Hand several items to the worker in one call.

        :param entries: ``(idempotency key, item)`` pairs.
        :returns: the worker's result for each entry, in order.
        :raises HandoffError: the worker did not acknowledge the batch.
        """
        body = {"items": [{"key": key, "item": item} for key, item in entries]}
        results = _json_object(self._post(BATCH_PATH, body, headers)).get("results")
        # Each result must carry its own item's key: a refused item never passes for an accepted one.
        if (
            not isinstance(results, list)
            or len(results) != len(entries)
            or any(
                not isinstance(result, dict)
                or result.get("key") != key
                or result.get("status") not in ("accepted", "rejected")
                for result, (key, _) in zip(results, entries, strict=False)
            )
        ):
            raise WorkerUnavailable(
                "The worker answered the batch without a result per item; send it again.",
                retry_after=DEFAULT_RETRY_AFTER,
            )
        return results

    def ready(self) -> str:
        """Why the worker cannot take items now, or ``""`` when it can.

        Asks the worker's ``/livez`` every time, whatever this process's breaker says:
        every process of a replica then gives the same answer, and the replica is
        ready again as soon as the worker is. The breaker governs deliveries only;
        an open one lets a delivery through again after ``breaker_reset_after``.
        """
        try:
            headers = {key: value for key, value in self.headers.items() if key == "Authorization"}
            with self.session().get(
                f"{self.url}/livez",
                headers=headers,
                timeout=self.ready_timeouts,
                allow_redirects=False,
            ) as answer:
                return "" if answer.ok else f"worker answers {answer.status_code}"
        except requests.RequestException:
            return "worker unreachable"

    def _post(self, path: str, body: Any, headers: Mapping[str, str]) -> requests.Response:
        """One delivery, counted once by the breaker and the metrics however many
        attempts it took."""
        if not self._recording:
            return self._breaking(path, body, headers)
        started = time.perf_counter()
        try:
            answer = self._breaking(path, body, headers)
        except HandoffError as error:
            observe_delivery(_KINDS[path], error.reason, time.perf_counter() - started)
            raise
        observe_delivery(_KINDS[path], "acknowledged", time.perf_counter() - started)
        return answer

    def _breaking(self, path: str, body: Any, headers: Mapping[str, str]) -> requests.Response:
        # Before asking the breaker: an item that cannot be sent must not leave a
        # half-open breaker waiting for a probe that never reports back.
        data = encode_json(body, json_value)
        if not self.breaker.allow():
            raise BreakerOpen(
                "The worker keeps failing; deliveries fail fast for a while.",
                retry_after=self.breaker.retry_after(),
            )
        try:
            answer = self._retrying(path, data, headers)
        except WorkerRejected:
            self.breaker.record_success()  # the worker is up; it refused this item
            raise
        except BaseException:
            # Anything else ends the delivery too; a probe must always report back.
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        return answer

    def _retrying(self, path: str, data: bytes, headers: Mapping[str, str]) -> requests.Response:
        deadline = time.monotonic() + self.deadline
        attempt = 0
        while True:
            attempt += 1
            if self._recording:
                observe_delivery_attempt(_KINDS[path], attempt)
            outcome, retry_after = self._attempt(path, data, headers, deadline)
            if isinstance(outcome, requests.Response):
                return outcome
            wait = self.policy.delay(attempt, deadline - time.monotonic(), retry_after)
            if wait is None:
                if isinstance(outcome, WorkerUnavailable) and outcome.retry_after is None:
                    outcome.retry_after = DEFAULT_RETRY_AFTER
                raise outcome
            time.sleep(wait)

    def _attempt(
        self, path: str, data: bytes, headers: Mapping[str, str], deadline: float
    ) -> tuple[requests.Response | HandoffError, float | None]:
        """One POST: the answer when the worker took it, else the error and its Retry-After."""
        remaining = max(0.001, deadline - time.monotonic())
        connect, read = (min(limit, remaining) for limit in self.timeouts)
        session = self.session()
        prepared = self._prepared[path].copy()
        prepared.headers.update(headers)
        prepared.prepare_body(data, None)
        if session.cookies:  # cookies the worker set, such as a load balancer's stickiness
            prepared.prepare_cookies(session.cookies)
        try:
            answer = session.send(
                prepared,
                timeout=(connect, read),
                allow_redirects=False,  # a redirected POST becomes a GET: no acknowledgement
            )
        except requests.ConnectTimeout:
            return WorkerUnavailable("The worker could not be reached in time."), None
        except requests.Timeout:
            return WorkerTimeout("The worker did not answer in time."), None
        except requests.RequestException:
            return WorkerUnavailable("The worker could not be reached."), None
        if answer.status_code in ACKNOWLEDGED:
            return answer, None
        retry_after = _retry_after(answer)
        if is_retry_status(answer.status_code) or answer.status_code in MISCONFIGURED:
            detail = f"The worker answered {answer.status_code}."
            hint = int(retry_after) if retry_after is not None else None
            return WorkerUnavailable(detail, retry_after=hint), retry_after
        # The worker is up and refused this item: final, and no failure of the worker.
        raise WorkerRejected(f"The worker refused the item: {_reason(answer)}")


def json_value(value: Any) -> str:
    """Write what orjson cannot as JSON: for :func:`~..json_encoding.encode_json`."""
    # Validated payloads hold what marshmallow loads: dates and times, UUIDs, decimals
    # (orjson writes most of them itself, as these lines do).
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be sent to the worker as JSON")


def _retry_after(answer: requests.Response) -> float | None:
    # Delay-seconds only (RFC 9110, 10.2.3); ASCII digits, as "²".isdigit() is true too.
    value = answer.headers.get("Retry-After", "").strip()
    return float(value) if value.isascii() and value.isdigit() else None


def _reason(answer: requests.Response) -> str:
    try:
        body = orjson.loads(answer.content)
    except ValueError:
        return f"{answer.status_code} {answer.reason}"
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail) if detail else f"{answer.status_code} {answer.reason}"


def _json_object(answer: requests.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(answer.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise WorkerRejected("The worker acknowledged with something that is no receipt.")
    return body
