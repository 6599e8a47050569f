"""Write the imported layer's modules from their templates in ``spec/templates/``.

Every generated module is a Jinja template there, filled with what the import
worked out (decorators, names, literals). The caller formats the result with ruff.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from ..ownership import Ownership
from ..ownership import mark
from .schemas import docstring

__all__ = ["emit"]


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # Python source, not HTML
)
_ENVIRONMENT.filters["py"] = repr
_ENVIRONMENT.filters["docstring"] = docstring
_ENVIRONMENT.globals["mark"] = {kind.name.lower(): mark(kind) for kind in Ownership}


def emit(template: str, **context: Any) -> str:
    """The source ``spec/templates/<template>`` gives with ``context``."""
    source = _ENVIRONMENT.get_template(template).render(**context)
    return re.sub(r"\n{4,}", "\n\n\n", source)
