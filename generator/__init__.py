"""relaykit: scaffolds API-first, no-database Flask microservices from a copier template.

For now the package holds what the repository's own tests and maintenance need:
rendering the template (:mod:`generator.render`) and refreshing the files derived
from it (:mod:`generator.refresh`). The ``relaykit`` CLI builds on them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT", "RelaykitError"]

#: The relaykit checkout: ``copier.yml`` and ``template/`` live here.
REPO_ROOT = Path(__file__).resolve().parent.parent


class RelaykitError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""
