"""The ``relaykit`` command line: help on every command, one clear line for every
problem the user can fix, and a real render for ``relaykit new``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def relaykit(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).parent / "relaykit"
    return subprocess.run(
        [str(script), *arguments], capture_output=True, text=True, timeout=300, cwd=cwd
    )


@pytest.mark.parametrize(
    "command", [[], ["new"], ["import-spec"], ["add-endpoint"], ["update"]], ids=str
)
def test_every_command_has_help(command: list[str]) -> None:
    shown = relaykit(*command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"usage: relaykit {' '.join(command)}".rstrip())


def test_python_m_relaykit_is_the_same_command_line() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "relaykit", "--help"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0
    assert "new" in shown.stdout
    assert "update" in shown.stdout


def test_new_renders_a_service_with_the_answers_given(tmp_path: Path) -> None:
    made = relaykit(
        "new", str(tmp_path / "orders"), "--defaults", "--vcs-ref", "HEAD",
        "--data", "project_name=Orders Relay", "-d", "http_port=9000",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert (
        made.stderr.splitlines()[0]
        == f"relaykit: rendering the template into {tmp_path / 'orders'} ..."
    )
    assert made.stderr.splitlines()[-1].startswith("relaykit: done in ")
    answers = yaml.safe_load((tmp_path / "orders" / ".copier-answers.yml").read_text())
    assert (answers["project_name"], answers["http_port"]) == ("Orders Relay", 9000)
    assert answers["package_name"] == "orders_relay"
    assert (tmp_path / "orders" / "src" / "orders_relay" / "__init__.py").is_file()


def test_new_refuses_a_bad_answer_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    made = relaykit("new", str(tmp_path / "svc"), "--defaults", "-d", "package_name=json")
    assert made.returncode == 1
    assert made.stderr.splitlines()[-1] == (
        "relaykit: error: Validation error for question 'package_name': package_name 'json' "
        "shadows the standard library module 'json': choose another name, e.g. 'json_service'"
    )
    assert not (tmp_path / "svc").exists()


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    made = relaykit("new", str(tmp_path), "--defaults")
    assert made.returncode == 1
    assert made.stderr.splitlines() == [
        f"relaykit: error: {tmp_path} exists and is not empty: choose a new folder"
    ]


def test_a_malformed_answer_is_a_usage_error() -> None:
    made = relaykit("new", "somewhere", "--data", "project_name")
    assert made.returncode == 2
    assert made.stderr.splitlines()[-1] == (
        "relaykit new: error: argument --data/-d: 'project_name' is not KEY=VALUE, "
        "e.g. project_name='Orders'"
    )


def test_update_refuses_a_folder_that_is_no_service(tmp_path: Path) -> None:
    updated = relaykit("update", "--project", str(tmp_path))
    assert updated.returncode == 1
    assert updated.stderr.splitlines()[-1] == (
        f"relaykit: error: {tmp_path} is not a relaykit service: it has no .copier-answers.yml"
    )


def test_update_refuses_a_service_outside_git(tmp_path: Path) -> None:
    (tmp_path / ".copier-answers.yml").write_text(
        "_src_path: x\npackage_name: relay_service\n", encoding="utf-8"
    )
    updated = relaykit("update", cwd=tmp_path)
    assert updated.returncode == 1
    assert updated.stderr.splitlines()[-1] == (
        f"relaykit: error: {tmp_path} is not in a git repository: commit the service first"
    )
