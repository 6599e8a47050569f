# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Transform: ordered, pure steps between validation and handoff.

This package does no IO and uses no Flask globals: a step is a plain function
over the validated payload and a :class:`Context`, testable alone.
"""

from __future__ import annotations

from .core import BrokenStepError
from .core import ClientInfo
from .core import Context
from .core import Drop
from .core import Outcome
from .core import Payload
from .core import Pipeline
from .core import PipelineError
from .core import Step
from .core import StepError

__all__ = [
    "BrokenStepError",
    "ClientInfo",
    "Context",
    "Drop",
    "Outcome",
    "Payload",
    "Pipeline",
    "PipelineError",
    "Step",
    "StepError",
]
