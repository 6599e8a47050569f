"""relaykit: scaffolds API-first, no-database Flask microservices from a copier template.

The ``relaykit`` command line (:mod:`generator.cli`) scaffolds services with
:mod:`generator.render` and updates them with :mod:`generator.update`; the
repository's own maintenance refreshes the files derived from the template with
:mod:`generator.refresh`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT", "RelaykitError"]

#: The relaykit checkout: ``copier.yml`` and ``template/`` live here.
REPO_ROOT = Path(__file__).resolve().parent.parent


class RelaykitError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""
