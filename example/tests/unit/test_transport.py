# Managed by relaykit: "copier update" merges the template's changes into this file.
"""RELAY_TRANSPORT picks the app's handoff; neither transport connects before first use."""

from __future__ import annotations

import threading

from relay_service import create_app
from relay_service.handoff import BrokerPublisher
from relay_service.handoff import HandoffClient
from relay_service.handoff import make_handoff
from relay_service.settings import Settings


def test_the_transport_setting_picks_the_handoff() -> None:
    assert isinstance(make_handoff(Settings(transport="http")), HandoffClient)
    assert isinstance(make_handoff(Settings(transport="amqp")), BrokerPublisher)


def test_an_amqp_app_connects_on_first_use_only() -> None:
    # gunicorn builds the app in its master, before it forks: no connection, no thread.
    before = set(threading.enumerate())
    app = create_app(Settings(transport="amqp", auth="none"))
    assert isinstance(app.extensions["handoff"], BrokerPublisher)
    assert set(threading.enumerate()) == before
