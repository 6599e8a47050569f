"""relaykit.source: which template relaykit renders, and how a service records where its
template came from. The wheel's side of it is tested end to end in ``tests/release/``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from relaykit.source import CHECKOUT
from relaykit.source import published_source
from relaykit.source import record_source
from relaykit.source import release_tag
from relaykit.source import template_path

from ..conftest import REPO_ROOT

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: An answers file as copier writes it (its to_nice_yaml) for a template from a folder:
#: a long path with spaces is folded onto a second line.
ANSWERS = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n" + yaml.safe_dump(
    {
        "_src_path": "/home/someone/.local/share/pipx/venvs/relaykit/lib/python3.11/site-packages/"
        "relaykit/copier template",
        "api_version_prefix": "/v1",
        "description": "An API-first Flask microservice that validates events and hands them "
        "to a worker.",
        "project_name": "Café ✓",
    },
    indent=4,
    allow_unicode=True,
    default_flow_style=False,
)


def test_from_a_checkout_relaykit_renders_the_checkout() -> None:
    assert template_path() == CHECKOUT == REPO_ROOT


def test_the_release_is_the_version_and_the_source_the_projects_url() -> None:
    assert release_tag() == f"v{PROJECT['version']}"
    assert published_source() == PROJECT["urls"]["Source"]


def test_a_recorded_source_is_written_as_copier_writes_answers(tmp_path: Path) -> None:
    assert "\n    " in ANSWERS.split("api_version_prefix")[0]  # the path is folded
    (tmp_path / ".copier-answers.yml").write_text(ANSWERS, encoding="utf-8")
    record_source(tmp_path, "https://example.org/relaykit.git", "v9.8.7")
    written = (tmp_path / ".copier-answers.yml").read_text(encoding="utf-8")
    assert written == (
        "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
        "_commit: v9.8.7\n"
        "_src_path: https://example.org/relaykit.git\n"
        "api_version_prefix: /v1\n"
        "description: An API-first Flask microservice that validates events and hands them\n"
        "    to a worker.\n"
        "project_name: Café ✓\n"
    )
    assert yaml.safe_load(written)["_src_path"] == "https://example.org/relaykit.git"
