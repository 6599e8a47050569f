# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The container's health probe: Python's standard library, no curl."""

from __future__ import annotations

import pytest

from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.observability.probe import main
from relay_service.observability.probe import probe
from relay_service.worker.process import WorkerProcess


def test_a_url_that_answers_2xx_is_healthy(worker: WorkerProcess) -> None:
    assert probe(f"{worker.url}/livez") == ""
    main([f"{worker.url}/livez"])  # returns: exit status 0


def test_a_url_that_answers_otherwise_is_not(worker: WorkerProcess) -> None:
    # The worker's records need its token, which the probe does not send.
    assert probe(f"{worker.url}/records") == f"{worker.url}/records answered 401"


def test_a_url_that_does_not_answer_is_not() -> None:
    reason = probe("http://127.0.0.1:9/livez")
    assert reason.startswith("http://127.0.0.1:9/livez did not answer: ")


def test_an_unhealthy_probe_exits_with_one_line() -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["http://127.0.0.1:9/livez"])
    assert str(stopped.value).startswith("unhealthy: http://127.0.0.1:9/livez did not answer")
    assert "\n" not in str(stopped.value)


def test_by_default_the_probe_asks_the_service_on_its_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAY_PORT", "9")
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert str(stopped.value).startswith(
        f"unhealthy: http://127.0.0.1:9{SERVICE_ROUTES_PREFIX}/livez did not answer"
    )


def test_a_bad_setting_stops_the_probe_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAY_PORT", "http")
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert str(stopped.value) == (
        "configuration error: RELAY_PORT='http': expected a TCP port from 1 to 65535, e.g. 8000"
    )
