"""relaykit: scaffolds API-first, no-database Flask microservices from a copier template.

The ``relaykit`` command line (:mod:`relaykit.cli`) scaffolds services with
:mod:`relaykit.render` and updates them with :mod:`relaykit.update`, from the
template :mod:`relaykit.source` finds; the repository's own maintenance refreshes
the files derived from the template with :mod:`relaykit.refresh`.
"""

from __future__ import annotations

__all__ = ["RelaykitError"]


class RelaykitError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""
