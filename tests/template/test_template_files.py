"""Cross-file invariants of the template and of copier.yml."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import yaml

from generator import REPO_ROOT

TEMPLATE = REPO_ROOT / "template"
COPIER_YML = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
MANAGED = '# Managed by the relaykit template; "copier update" '
YOURS = "# Yours to edit: relaykit writes this file once."


def template_files() -> list[Path]:
    return sorted(path for path in TEMPLATE.rglob("*") if path.is_file())


def test_copier_yml_needs_no_trust() -> None:
    assert COPIER_YML["_subdirectory"] == "template"
    assert not {"_tasks", "_jinja_extensions", "_migrations"} & set(COPIER_YML)


def test_every_question_has_help_and_a_default() -> None:
    questions = {key: value for key, value in COPIER_YML.items() if not key.startswith("_")}
    assert set(questions) == {
        "project_name", "project_slug", "package_name", "description", "author_name",
        "author_email", "python_version", "openapi_version", "http_port", "api_version_prefix",
    }  # fmt: skip
    for name, question in questions.items():
        assert question.get("help"), name
        assert "default" in question, name


def test_only_files_that_substitute_a_value_end_in_jinja() -> None:
    for path in template_files():
        has_jinja = bool(JINJA.search(path.read_text(encoding="utf-8")))
        assert has_jinja == (path.suffix == ".jinja"), path.relative_to(REPO_ROOT)


def test_python_files_say_who_owns_them() -> None:
    skipped = {
        Path(entry.replace("{{ package_name }}", "{{package_name}}"))
        for entry in COPIER_YML["_skip_if_exists"]
    }
    for path in template_files():
        if not path.name.removesuffix(".jinja").endswith(".py") or path.stat().st_size == 0:
            continue
        relative = Path(str(path.relative_to(TEMPLATE)).removesuffix(".jinja"))
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        expected = YOURS if relative in skipped else MANAGED
        assert first_line.startswith(expected), relative


def test_user_owned_files_exist_in_the_template() -> None:
    for entry in COPIER_YML["_skip_if_exists"]:
        assert (TEMPLATE / entry.replace("{{ package_name }}", "{{package_name}}")).is_file()


def test_package_name_validator_knows_the_standard_library() -> None:
    validator = COPIER_YML["package_name"]["validator"]
    stdlib = set(re.search(r"set stdlib = '([^']*)'", validator).group(1).split())
    # Names a package_name could take: lowercase identifiers (so not cProfile).
    public = {name for name in sys.stdlib_module_names if re.fullmatch("[a-z][a-z0-9_]*", name)}
    assert public <= stdlib, sorted(public - stdlib)


def test_package_name_validator_knows_the_dependencies() -> None:
    validator = COPIER_YML["package_name"]["validator"]
    known = set(re.search(r"set dependencies = '([^']*)'", validator).group(1).split())
    pyproject = (TEMPLATE / "pyproject.toml.jinja").read_text(encoding="utf-8")
    requirements = re.findall(r'^    "([A-Za-z0-9_.-]+)[<>=!~]', pyproject, re.MULTILINE)
    import_names = {name.lower().replace("-", "_") for name in requirements}
    renamed = {"python_json_logger": "pythonjsonlogger", "python_dotenv": "dotenv"}
    import_names = {renamed.get(name, name) for name in import_names}
    assert import_names <= known, sorted(import_names - known)


def test_test_extra_covers_every_dependency_of_a_render() -> None:
    ours = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    test_extra = {
        re.split(r"[<>=!~\[]", req)[0] for req in ours["project"]["optional-dependencies"]["test"]
    }
    pyproject = (TEMPLATE / "pyproject.toml.jinja").read_text(encoding="utf-8")
    requirements = set(re.findall(r'^    "([A-Za-z0-9_.-]+)[<>=!~]', pyproject, re.MULTILINE))
    assert requirements <= test_extra, sorted(requirements - test_extra)


def test_answers_file_is_rendered_from_copier_conf() -> None:
    assert (TEMPLATE / "{{_copier_conf.answers_file}}.jinja").is_file()
