"""A render's CI workflow and Dependabot config, checked offline: their schemas,
actionlint, zizmor, and what the workflow runs against what the render has."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from .actionlint import Lint
from .actionlint import linter

pytestmark = pytest.mark.renders

WORKFLOW = Path(".github/workflows/ci.yml")
DEPENDABOT = Path(".github/dependabot.yml")
BIN = Path(sys.executable).parent

#: Renders whose answers reach these files: the defaults, another package name and
#: Python, another port and prefixes.
NAMES = ["defaults", "long-names", "python-3.11", "port-and-prefixes"]

#: ``uses: owner/repo@<40 hex> # v1.2.3``: a commit, and the release it is.
PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


@pytest.fixture(scope="session")
def actionlint(request: pytest.FixtureRequest) -> Lint:
    return linter(request.config.cache.mkdir("actionlint"))


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=300
    )


def schema_check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema against its vendored copy of ``schema``: nothing is fetched."""
    return run(BIN / "check-jsonschema", "--builtin-schema", f"vendor.{schema}", path)


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return run(BIN / "zizmor", "--offline", "--no-progress", *paths)


def edited(source: Path, destination: Path, old: str, new: str) -> Path:
    """A copy of ``source`` at ``destination`` with ``old`` replaced by ``new``."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(text.replace(old, new), encoding="utf-8")
    return destination


def unpinned(workflow: str) -> list[str]:
    """The ``uses:`` lines of ``workflow`` that do not name a commit and its version."""
    lines = workflow.splitlines()
    return [line for line in lines if "uses:" in line and not PINNED.match(line)]


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("name", NAMES)
def test_workflow_and_dependabot_match_their_schemas(
    rendered: Callable[[str], Path], name: str
) -> None:
    service = rendered(name)
    for schema, path in (("github-workflows", WORKFLOW), ("dependabot", DEPENDABOT)):
        checked = schema_check(schema, service / path)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_schema_checks_can_fail(rendered: Callable[[str], Path], tmp_path: Path) -> None:
    service = rendered("defaults")
    workflow = edited(service / WORKFLOW, tmp_path / "ci.yml", "runs-on:", "runs-onn:")
    assert schema_check("github-workflows", workflow).returncode == 1
    dependabot = edited(
        service / DEPENDABOT, tmp_path / "dependabot.yml", "ecosystem: uv", "ecosystem: uvv"
    )
    assert schema_check("dependabot", dependabot).returncode == 1


def test_dependabot_updates_each_ecosystem_weekly_in_groups(
    rendered: Callable[[str], Path],
) -> None:
    config = yaml.safe_load((rendered("defaults") / DEPENDABOT).read_text(encoding="utf-8"))
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"uv", "docker-compose", "github-actions"}
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"]
        assert update["open-pull-requests-limit"] <= 5


@pytest.mark.parametrize("name", ["defaults", "long-names"])
def test_workflow_passes_actionlint(
    rendered: Callable[[str], Path], actionlint: Lint, name: str
) -> None:
    assert actionlint(rendered(name) / WORKFLOW) == []


def test_actionlint_finds_a_wrong_expression(
    rendered: Callable[[str], Path], actionlint: Lint, tmp_path: Path
) -> None:
    workflow = edited(
        rendered("defaults") / WORKFLOW, tmp_path / "ci.yml", "github.workflow", "github.workflw"
    )
    (error,) = actionlint(workflow)
    assert "workflw" in error["message"]


@pytest.mark.parametrize("name", ["defaults", "long-names"])
def test_zizmor_finds_nothing(rendered: Callable[[str], Path], name: str) -> None:
    service = rendered(name)
    audit = zizmor(service / WORKFLOW, service / DEPENDABOT)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout


def test_zizmor_finds_an_unpinned_action_and_credentials_left_behind(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    workflow = rendered("defaults") / WORKFLOW
    unpinned_action = edited(
        workflow,
        tmp_path / "unpinned" / "ci.yml",
        "setup-uv@20cfd1bf945f4377ade1205e4dbc17946fc9a30d # v10.0.1",
        "setup-uv@v10",
    )
    assert "unpinned-uses" in zizmor(unpinned_action).stdout
    persisted = edited(
        workflow, tmp_path / "persisted" / "ci.yml", "persist-credentials: false", "{}"
    )
    assert "artipacked" in zizmor(persisted).stdout


def test_every_action_is_pinned_to_a_commit_with_its_version(
    rendered: Callable[[str], Path],
) -> None:
    text = (rendered("defaults") / WORKFLOW).read_text(encoding="utf-8")
    assert text.count("uses:") >= 4
    assert unpinned(text) == []
    # One commit for each action, wherever it is used.
    refs: dict[str, set[str]] = {}
    for line in text.splitlines():
        if "uses:" in line:
            action, _, ref = line.split("uses: ")[1].partition("@")
            refs.setdefault(action, set()).add(ref)
    assert all(len(ref) == 1 for ref in refs.values()), refs
    assert unpinned("      - uses: actions/checkout@v7\n") != []
    assert unpinned("      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n")


def test_workflow_reads_nothing_it_need_not_and_keeps_no_credentials(
    rendered: Callable[[str], Path],
) -> None:
    workflow = yaml.safe_load((rendered("defaults") / WORKFLOW).read_text(encoding="utf-8"))
    assert workflow["permissions"] == {}
    # A pull request's newer push cancels its older run; main's runs all finish.
    cancel = workflow["concurrency"]["cancel-in-progress"]
    assert cancel == "${{ github.event_name == 'pull_request' }}"
    assert set(workflow["jobs"]) == {"lint", "test", "contract", "image"}
    for job in workflow["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
        assert job["timeout-minutes"] <= 20
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", NAMES)
def test_workflow_runs_the_makefile_targets_on_the_answered_python(
    rendered: Callable[[str], Path], name: str
) -> None:
    service = rendered(name)
    workflow = yaml.safe_load((service / WORKFLOW).read_text(encoding="utf-8"))
    commands = [step["run"] for step in steps(workflow) if "run" in step]
    targets = [command.split()[1] for command in commands if command.startswith("make ")]
    assert targets == ["lint", "test", "openapi", "smoke"]
    makefile = (service / "Makefile").read_text(encoding="utf-8")
    for target in targets:
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
    # Python is the answered version, from .tool-versions, which setup-python reads.
    answered = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    versions = (service / ".tool-versions").read_text(encoding="utf-8")
    assert re.findall(r"^python (\S+)$", versions, re.MULTILINE) == [answered["python_version"]]
    setups = [step for step in steps(workflow) if "setup-python" in step.get("uses", "")]
    assert len(setups) == 3
    assert all(step["with"] == {"python-version-file": ".tool-versions"} for step in setups)
    # ... and uv takes that interpreter, not another one on PATH.
    for step in steps(workflow):
        if step.get("run", "").startswith("make ") and step["run"] != "make smoke":
            assert step["env"] == {"UV_PYTHON": "${{ steps.python.outputs.python-path }}"}


def test_smoke_asks_the_proxy_on_the_answered_port_and_prefix(
    rendered: Callable[[str], Path],
) -> None:
    dry = subprocess.run(
        ["make", "--dry-run", "smoke"], cwd=rendered("port-and-prefixes"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    # The proxy's container port, published wherever compose put it (PUBLISHED_PORT, .env).
    assert "docker compose port proxy 9090" in dry.stdout
    assert "http://$address/_service/readyz" in dry.stdout
