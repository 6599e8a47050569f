"""Render the template with copier's API, as ``copier copy`` would."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import copier
from copier.errors import DirtyLocalWarning

from .source import BUNDLED
from .source import published_source
from .source import record_source
from .source import release_tag
from .source import template_path

__all__ = ["render", "scaffold"]


def render(
    destination: Path,
    answers: Mapping[str, Any] | None = None,
    *,
    template: Path | str | None = None,
    vcs_ref: str | None = "HEAD",
    defaults: bool = True,
    quiet: bool = True,
) -> Path:
    """Render a service into ``destination``, with defaults for unanswered questions.

    :param destination: folder to render into; created when missing.
    :param answers: answers to the template's questions, as ``--data`` gives them.
    :param template: the template to render, a folder or git URL; ``None`` means
        relaykit's own (:func:`relaykit.source.template_path`).
    :param vcs_ref: the git revision to render, for a template in git; ``"HEAD"``
        includes uncommitted changes of a checkout, so tests see the template as it
        is being edited. ``None`` means copier's choice: the newest tag, else HEAD.
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
            str(template or template_path()),
            destination,
            data=dict(answers or {}),
            defaults=defaults,
            vcs_ref=vcs_ref,
            quiet=quiet,
            unsafe=False,
        )
    return destination


def scaffold(
    destination: Path,
    answers: Mapping[str, Any] | None = None,
    *,
    vcs_ref: str | None = None,
    defaults: bool = True,
    quiet: bool = True,
) -> Path:
    """Make a new service, as ``relaykit new`` does.

    An installed relaykit renders the template it carries, offline, and records
    it in the answers file as its release: the published repository at tag
    ``v<version>``, which ``copier update`` can reach again. Asked for another
    version, it renders that one from the published repository. From a checkout,
    it renders the checkout as ``copier copy`` would: its newest tag, or HEAD.

    :param vcs_ref: the template version, a git tag or commit; ``None`` means the
        installed release, or copier's choice (the newest tag, else HEAD) in a checkout.
    :returns: ``destination``.
    :raises ValueError: when an answer fails its validator; the message names it.
    """
    options: dict[str, Any] = {"defaults": defaults, "quiet": quiet}
    if template_path() != BUNDLED:
        return render(destination, answers, vcs_ref=vcs_ref, **options)
    source = published_source()  # before rendering: a failure leaves nothing half-recorded
    if vcs_ref not in (None, release_tag()):
        return render(destination, answers, template=source, vcs_ref=vcs_ref, **options)
    render(destination, answers, template=BUNDLED, vcs_ref=None, **options)
    record_source(destination, source, release_tag())
    return destination
