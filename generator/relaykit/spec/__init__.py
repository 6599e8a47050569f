"""Spec-first import: reading an OpenAPI document and turning its parts into a service's code.

:mod:`relaykit.spec.load` reads and validates a document; :mod:`relaykit.spec.schemas`
turns its schemas into marshmallow schema classes.
"""

from __future__ import annotations

from .load import SpecError
from .load import load_spec
from .load import pointer

__all__ = ["SpecError", "load_spec", "pointer"]
