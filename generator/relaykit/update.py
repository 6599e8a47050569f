"""Bring a generated service up to a newer template: ``copier update``, conflicts reported."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import copier
from copier.errors import CopierError

from . import RelaykitError
from .service import open_service
from .source import BUNDLED
from .source import release_tag
from .source import template_path

__all__ = ["update_service"]


def _git(project: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(project), *arguments], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RelaykitError(f"git {' '.join(arguments)} failed in {project}: {done.stderr.strip()}")
    return done.stdout


def update_service(
    project: Path,
    answers: Mapping[str, Any] | None = None,
    *,
    vcs_ref: str | None = None,
) -> list[str]:
    """Apply the template's newer version to ``project``, as ``copier update`` does.

    Earlier answers are kept unless ``answers`` changes them. Where the template
    and the service both changed the same lines, copier writes git-style conflict
    markers into the file and marks it unmerged in git's index.

    :param project: the service: a git working tree with ``.copier-answers.yml``,
        and nothing uncommitted (copier compares against the last commit).
    :param vcs_ref: the template version to update to; ``None`` means the
        installed relaykit's release (its tag), or copier's choice (the newest
        tag, else HEAD) when relaykit runs from a checkout.
    :returns: the files left with conflicts to resolve, relative to ``project``;
        empty when the update applied cleanly.
    :raises RelaykitError: when ``project`` is no service, no clean git working
        tree, or copier refuses the update; the message says which.
    """
    project = project.resolve()
    open_service(project)  # refuses a folder that is no service
    inside = subprocess.run(
        ["git", "-C", str(project), "rev-parse", "--show-toplevel"], capture_output=True, text=True
    )
    if inside.returncode != 0:
        raise RelaykitError(f"{project} is not in a git repository: commit the service first")
    if _git(project, "status", "--porcelain"):
        raise RelaykitError(f"{project} has uncommitted changes: commit or stash them first")
    if vcs_ref is None and template_path() == BUNDLED:
        vcs_ref = release_tag()
    try:
        copier.run_update(
            str(project),
            data=dict(answers or {}),
            defaults=True,
            overwrite=True,
            conflict="inline",
            vcs_ref=vcs_ref,
            quiet=True,
            unsafe=False,
        )
    except (CopierError, ValueError) as error:
        raise RelaykitError(f"copier refused the update: {error}") from None
    unmerged = _git(project, "diff", "--name-only", "--diff-filter=U").split()
    rejected = _git(project, "ls-files", "--others", "--exclude-standard", "*.rej").split()
    return sorted(set(unmerged) | set(rejected))
