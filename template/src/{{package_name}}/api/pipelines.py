# Managed by the relaykit template; "copier update" replaces this file.
"""Pipelines in the API: built per app from settings, run per request, timed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from flask import Flask
from flask import current_app
from flask import request
from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint

from ..observability.request_id import current_request_id
from ..pipeline import ClientInfo
from ..pipeline import Context
from ..pipeline import Outcome
from ..pipeline import Payload
from ..pipeline import Pipeline
from ..pipeline import StepTimings
from ..pipeline.builtin import BUILTIN_STEPS
from ..settings import Settings
from ..settings import SettingsError

__all__ = ["check_switched_off", "install_pipeline", "request_context", "run_pipeline"]

#: ``app.extensions`` keys of the app's pipelines (by name) and their step timings.
PIPELINES = "pipelines"
STEP_TIMINGS = "step_timings"


def install_pipeline(
    blueprint: Blueprint, name: str, build: Callable[[Settings], Pipeline]
) -> None:
    """Build the pipeline ``name`` from the app's settings when ``blueprint`` is registered.

    :param build: makes the pipeline; it may raise ``SettingsError`` on bad configuration.
    """

    def build_for_app(state: BlueprintSetupState) -> None:
        app = state.app
        app.extensions.setdefault(PIPELINES, {})[name] = build(app.extensions["settings"])
        app.extensions.setdefault(STEP_TIMINGS, StepTimings())

    blueprint.record_once(build_for_app)


def check_switched_off(app: Flask, settings: Settings) -> None:
    """Check that RELAY_PIPELINE_DISABLED names only steps the service has.

    :raises SettingsError: naming the variable and the steps there are.
    """
    known = set(BUILTIN_STEPS)
    for pipeline in app.extensions.get(PIPELINES, {}).values():
        known |= {*pipeline.names, *pipeline.switched_off}
    unknown = [name for name in settings.pipeline_disabled if name not in known]
    if unknown:
        raise SettingsError(
            f"RELAY_PIPELINE_DISABLED: no step is named {', '.join(map(repr, unknown))}; "
            f"steps are {', '.join(sorted(known))}"
        )


def request_context(received_at: datetime | None = None) -> Context:
    """The pipeline context of the current request."""
    return Context(
        request_id=current_request_id(),
        received_at=received_at or datetime.now(UTC),
        settings=current_app.extensions["settings"],
        client=ClientInfo(address=request.remote_addr, user_agent=request.user_agent.string),
    )


def run_pipeline(name: str, payload: Payload, context: Context) -> Outcome:
    """Run the app's pipeline ``name`` over one item and record its step durations."""
    pipeline: Pipeline = current_app.extensions[PIPELINES][name]
    outcome = pipeline.run(payload, context)
    current_app.extensions[STEP_TIMINGS].record(outcome.steps, outcome.durations_ns)
    return outcome
