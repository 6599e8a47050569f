# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The intake's pipelines: built per app from settings, checked at start-up, run per item
and timed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint

from ...observability.metrics import observe_steps
from ...observability.request_id import current_request_id
from ...pipeline import ClientInfo
from ...pipeline import Context
from ...pipeline import Outcome
from ...pipeline import Payload
from ...pipeline import Pipeline
from ...pipeline import PipelineError
from ...pipeline.builtin import BUILTIN_STEPS
from ...pipeline.paths import normal_key
from ...settings import Settings
from ...settings import SettingsError
from .counting import INTAKE_BLUEPRINTS
from .counting import recording

__all__ = ["check_pipeline_settings", "install_pipeline", "request_context", "run_pipeline"]

#: The ``app.extensions`` key of the app's pipelines, by name.
PIPELINES = "pipelines"

#: The ``g`` attribute of the current request's step runs and time, by step.
_STEP_TIMES = "step_times"


def install_pipeline(
    blueprint: Blueprint, name: str, build: Callable[[Settings], Pipeline]
) -> None:
    """Build the pipeline ``name`` from the app's settings when ``blueprint`` is registered.

    :param build: makes the pipeline; it may raise ``SettingsError`` on bad configuration.
    """

    def build_for_app(state: BlueprintSetupState) -> None:
        app = state.app
        app.extensions.setdefault(PIPELINES, {})[name] = build(app.extensions["settings"])
        app.extensions.setdefault(INTAKE_BLUEPRINTS, set()).add(blueprint.name)

    blueprint.record_once(build_for_app)
    blueprint.after_request(_record_step_times)


def check_pipeline_settings(app: Flask, settings: Settings) -> None:
    """Refuse pipeline settings that would be ignored or would not do what they say.

    - ``RELAY_PIPELINE_*`` set while no pipeline is installed;
    - ``RELAY_PIPELINE_DISABLED`` naming a step the service does not have, or
      switching ``redact_fields`` off while ``RELAY_PIPELINE_REDACT`` names fields;
    - a path that ``normalise_keys`` would rewrite before the step using it runs.

    :raises SettingsError: naming the variable and what to write instead.
    """
    pipelines: dict[str, Pipeline] = app.extensions.get(PIPELINES, {})
    defaults = Settings()
    configured = [
        name
        for name in settings.__dataclass_fields__
        if name.startswith("pipeline_") and getattr(settings, name) != getattr(defaults, name)
    ]
    if configured and not pipelines:
        raise SettingsError(
            f"RELAY_{configured[0].upper()} is set, but no blueprint installs a pipeline: "
            "see the README's Pipeline section"
        )
    known = set(BUILTIN_STEPS)
    for pipeline in pipelines.values():
        known |= {*pipeline.names, *pipeline.switched_off}
    unknown = [name for name in settings.pipeline_disabled if name not in known]
    if unknown:
        raise SettingsError(
            f"RELAY_PIPELINE_DISABLED: no step is named {', '.join(map(repr, unknown))}; "
            f"steps are {', '.join(sorted(known))}"
        )
    if settings.pipeline_redact and "redact_fields" in settings.pipeline_disabled:
        raise SettingsError(
            "RELAY_PIPELINE_DISABLED: redact_fields cannot be switched off while "
            "RELAY_PIPELINE_REDACT names fields; empty RELAY_PIPELINE_REDACT instead"
        )
    if any("normalise_keys" in pipeline.names for pipeline in pipelines.values()):
        _check_normal_paths(settings)


def _check_normal_paths(settings: Settings) -> None:
    paths = {
        "RELAY_PIPELINE_LOWERCASE": list(settings.pipeline_lowercase),
        "RELAY_PIPELINE_DROP_WHEN": [path for path, _ in settings.pipeline_drop_when],
        "RELAY_PIPELINE_RENAME": [path for move in settings.pipeline_rename for path in move],
        "RELAY_PIPELINE_ADD": [path for path, _ in settings.pipeline_add],
    }
    for variable, values in paths.items():
        for path in values:
            normal = ".".join(normal_key(key) for key in path.split("."))
            if normal != path:
                raise SettingsError(
                    f"{variable}: normalise_keys writes {path!r} as {normal!r} "
                    f"before this step runs; write {normal}"
                )


def request_context() -> Context:
    """The pipeline context of the current request."""
    return Context(
        request_id=current_request_id(),
        received_at=datetime.now(UTC),
        settings=current_app.extensions["settings"],
        client=ClientInfo(address=request.remote_addr, user_agent=request.user_agent.string),
    )


def run_pipeline(name: str, payload: Payload, context: Context) -> Outcome:
    """Run the app's pipeline ``name`` over one item, and add its steps' durations to
    the request's, which are recorded once, after the answer is made.

    Runs that a step ends with an error are added too, up to that step.
    """
    pipeline: Pipeline = current_app.extensions[PIPELINES][name]
    try:
        outcome = pipeline.run(payload, context)
    except PipelineError as error:
        _add_step_times(error.steps, error.durations_ns)
        raise
    _add_step_times(outcome.steps, outcome.durations_ns)
    return outcome


def _add_step_times(steps: tuple[str, ...], durations_ns: tuple[int, ...]) -> None:
    totals: dict[str, tuple[int, int]] = g.setdefault(_STEP_TIMES, {})
    for step, duration in zip(steps, durations_ns, strict=True):
        runs, nanoseconds = totals.get(step, (0, 0))
        totals[step] = (runs + 1, nanoseconds + duration)


def _record_step_times(response: Response) -> Response:
    totals = g.pop(_STEP_TIMES, None)
    if totals and recording():
        observe_steps(totals)
    return response
