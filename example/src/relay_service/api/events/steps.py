# Yours to edit: relaykit writes this file once and never changes it.
"""The events pipeline: the steps every event goes through, in order, after validation.

Add your own step here: a function ``(payload, context) -> payload | Drop`` named
for what it does, placed in the list where it belongs. See the README's "Pipeline".
"""

from __future__ import annotations

from ...pipeline import Pipeline
from ...pipeline.builtin import add_fields
from ...pipeline.builtin import drop_matching
from ...pipeline.builtin import drop_nulls
from ...pipeline.builtin import lowercase_values
from ...pipeline.builtin import normalise_keys
from ...pipeline.builtin import rename_fields
from ...pipeline.builtin import stamp_request
from ...pipeline.builtin import trim_strings
from ...pipeline.redaction import redact_fields
from ...settings import Settings

__all__ = ["build_pipeline"]


def build_pipeline(settings: Settings) -> Pipeline:
    """The events pipeline, configured from ``settings``.

    Steps whose settings are empty are left out, and so are those named in
    ``RELAY_PIPELINE_DISABLED``. Redaction comes first, so that no later step,
    drop reason, worker or log line sees a redacted value.
    """
    return Pipeline.declare(
        redact_fields(settings.pipeline_redact),
        trim_strings,
        normalise_keys,
        lowercase_values(settings.pipeline_lowercase),
        drop_nulls,
        drop_matching(settings.pipeline_drop_when),
        rename_fields(settings.pipeline_rename),
        add_fields(settings.pipeline_add, settings),
        stamp_request,
        switched_off=settings.pipeline_disabled,
    )
