"""Where relaykit's template comes from: the copy inside the installed package, or the
checkout relaykit runs from; and where a service's answers file says it came from.

A wheel carries ``copier.yml`` and ``template/`` in ``relaykit/copier_template/``,
so rendering needs no network. A service made from that copy records the release
it was made from as copier would have: the published repository (the ``Source``
URL of the package's metadata) and the release's tag, ``v<version>``. That tag's
template is the bundled copy (``docs/release.md`` says how a release proves it), so
``copier update`` and ``relaykit update`` start from exactly what was rendered.
"""

from __future__ import annotations

from importlib.metadata import metadata
from importlib.metadata import version
from pathlib import Path

import yaml

from . import RelaykitError

__all__ = [
    "ANSWERS_FILE",
    "BUNDLED",
    "CHECKOUT",
    "published_source",
    "record_source",
    "release_tag",
    "template_path",
]

#: The file copier writes into every service it renders.
ANSWERS_FILE = ".copier-answers.yml"

#: The template as a wheel carries it: ``copier.yml`` and ``template/``.
BUNDLED = Path(__file__).resolve().parent / "copier_template"

#: The repository relaykit runs from when it is not installed from a wheel
#: (``generator/relaykit`` is two levels down).
CHECKOUT = Path(__file__).resolve().parent.parent.parent

#: The label of the published repository among the package's project URLs.
SOURCE_LABEL = "Source"


def template_path() -> Path:
    """The template this relaykit renders: its bundled copy, else its checkout.

    :raises RelaykitError: when neither has a ``copier.yml`` (a broken install).
    """
    for candidate in (BUNDLED, CHECKOUT):
        if (candidate / "copier.yml").is_file() and (candidate / "template").is_dir():
            return candidate
    raise RelaykitError(
        f"relaykit has no template: neither {BUNDLED} nor {CHECKOUT} holds copier.yml; "
        "reinstall relaykit from its wheel"
    )


def release_tag() -> str:
    """The git tag of the installed relaykit's release, e.g. ``v0.1.0``."""
    return f"v{version('relaykit')}"


def published_source() -> str:
    """The git URL of the published repository, from the package's ``Source`` URL.

    :raises RelaykitError: when the installed metadata has none.
    """
    entries: list[str] = metadata("relaykit").get_all("Project-URL") or []
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip() == SOURCE_LABEL and url.strip():
            return url.strip()
    raise RelaykitError(
        f"the installed relaykit names no {SOURCE_LABEL} URL: reinstall it from its wheel"
    )


def record_source(service: Path, src_path: str, commit: str) -> None:
    """Make ``service``'s answers file name ``src_path`` at ``commit`` as its template,
    written as copier writes them for a git template.

    :param src_path: where ``copier update`` finds the template: a git URL or folder.
    :param commit: the template's version there: a tag or a commit.
    """
    answers_file = service / ANSWERS_FILE
    comment, _, answers_text = answers_file.read_text(encoding="utf-8").partition("\n")
    answers = yaml.safe_load(answers_text) | {"_commit": commit, "_src_path": src_path}
    # As copier's to_nice_yaml writes them, under its comment line.
    dumped = yaml.safe_dump(answers, indent=4, allow_unicode=True, default_flow_style=False)
    answers_file.write_text(f"{comment}\n{dumped}", encoding="utf-8")
