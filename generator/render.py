"""Render the template with copier's API, as ``copier copy`` would."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import copier
from copier.errors import DirtyLocalWarning

from . import REPO_ROOT

__all__ = ["render"]


def render(
    destination: Path,
    answers: Mapping[str, Any] | None = None,
    *,
    template: Path = REPO_ROOT,
    vcs_ref: str | None = "HEAD",
    defaults: bool = True,
    quiet: bool = True,
) -> Path:
    """Render a service into ``destination``, with defaults for unanswered questions.

    :param destination: folder to render into; created when missing.
    :param answers: answers to the template's questions, as ``--data`` gives them.
    :param template: the relaykit checkout to render from.
    :param vcs_ref: the git revision to render; ``"HEAD"`` includes uncommitted
        changes of the checkout, so tests see the template as it is being edited.
        ``None`` means copier's choice: the newest tag, else HEAD.
    :param defaults: take the default of every question not answered; ``False``
        asks them in the terminal.
    :param quiet: keep copier from listing the files it writes.
    :returns: ``destination``.
    :raises ValueError: when an answer fails its validator; the message names it.
    """
    with warnings.catch_warnings():
        # Rendering uncommitted template changes is what HEAD is for here.
        warnings.simplefilter("ignore", DirtyLocalWarning)
        copier.run_copy(
            str(template),
            destination,
            data=dict(answers or {}),
            defaults=defaults,
            vcs_ref=vcs_ref,
            quiet=quiet,
            unsafe=False,
        )
    return destination
