"""Cross-file invariants of the template and of copier.yml."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from ..conftest import REPO_ROOT

TEMPLATE = REPO_ROOT / "template"
COPIER_YML = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
# ${{ ... }} is a GitHub Actions expression (.github/workflows/), copied as it is.
JINJA = re.compile(r"(?<!\$)\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


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
        "auth", "service_routes_prefix", "kubernetes_name",
    }  # fmt: skip
    for name, question in questions.items():
        assert question.get("help"), name
        assert "default" in question, name


def test_only_files_that_substitute_a_value_end_in_jinja() -> None:
    for path in template_files():
        has_jinja = bool(JINJA.search(path.read_text(encoding="utf-8")))
        assert has_jinja == (path.suffix == ".jinja"), path.relative_to(REPO_ROOT)


def test_user_owned_files_exist_in_the_template() -> None:
    for entry in COPIER_YML["_skip_if_exists"]:
        path = TEMPLATE / entry.replace("{{ package_name }}", "{{package_name}}")
        assert path.is_file() or path.with_name(path.name + ".jinja").is_file(), entry


def test_package_name_validator_knows_the_standard_library() -> None:
    # Names a package_name could take: lowercase identifiers (so not cProfile).
    public = {name for name in sys.stdlib_module_names if re.fullmatch("[a-z][a-z0-9_]*", name)}
    missing = sorted(public - validator_words("package_name", "stdlib"))
    assert not missing, f"add {missing} to package_name's stdlib in copier.yml"


def template_requirements() -> list[str]:
    """The requirement strings of a render's pyproject.toml, runtime and dev."""
    pyproject = (TEMPLATE / "pyproject.toml.jinja").read_text(encoding="utf-8")
    return re.findall(r'^    "([A-Za-z0-9_.-]+[<>=!~][^"]*)"', pyproject, re.MULTILINE)


def dependency_closure() -> list[importlib.metadata.Distribution]:
    """Every distribution a render installs, as installed here, dependencies of dependencies too."""
    pending = [Requirement(requirement).name for requirement in template_requirements()]
    found: dict[str, importlib.metadata.Distribution] = {}
    while pending:
        name = canonicalize_name(pending.pop())
        if name in found:
            continue
        found[name] = importlib.metadata.distribution(name)
        for requirement in map(Requirement, found[name].requires or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return list(found.values())


def import_names(distribution: importlib.metadata.Distribution) -> set[str]:
    top_level = distribution.read_text("top_level.txt")
    if top_level:
        return set(top_level.split())
    return {
        file.parts[0].removesuffix(".py")
        for file in distribution.files or []
        if not file.parts[0].endswith((".dist-info", ".data")) and file.parts[0] != ".."
    }


def validator_words(question: str, name: str) -> set[str]:
    match = re.search(rf"set {name} = '([^']*)'", COPIER_YML[question]["validator"])
    assert match is not None
    return set(match.group(1).split())


def test_package_name_validator_knows_every_dependency_import_name() -> None:
    # A package named like any installed module would shadow it, or be shadowed.
    names = {
        name
        for distribution in dependency_closure()
        for name in import_names(distribution)
        if re.fullmatch("[a-z][a-z0-9_]*", name)
    }
    missing = sorted(names - validator_words("package_name", "dependencies"))
    assert not missing, f"add {missing} to package_name's dependencies in copier.yml"


def test_project_slug_validator_knows_every_dependency_distribution() -> None:
    # pip cannot install a project that has the name of one of its dependencies.
    names = {canonicalize_name(d.metadata["Name"]) for d in dependency_closure()}
    missing = sorted(names - validator_words("project_slug", "distributions"))
    assert not missing, f"add {missing} to project_slug's distributions in copier.yml"


def test_test_extra_has_every_requirement_of_a_render_with_its_bounds() -> None:
    ours = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    test_extra = set(ours["project"]["optional-dependencies"]["test"])
    missing = sorted(set(template_requirements()) - test_extra)
    assert not missing, f"pyproject.toml's test extra lacks {missing}"


def test_answers_file_is_rendered_from_copier_conf() -> None:
    assert (TEMPLATE / "{{_copier_conf.answers_file}}.jinja").is_file()


def test_project_slug_validator_knows_every_locked_distribution() -> None:
    # uv.lock names the distributions of every platform (colorama on Windows, say), and its
    # template places the project's entry on the assumption that no dependency has its name.
    lock = (TEMPLATE / "uv.lock.jinja").read_text(encoding="utf-8")
    names = set(re.findall(r'^name = "([a-z0-9-]+)"$', lock, re.MULTILINE))
    missing = sorted(names - validator_words("project_slug", "distributions"))
    assert not missing, f"add {missing} to project_slug's distributions in copier.yml"


def test_make_the_image_ci_and_relaykit_pin_one_uv_that_the_render_accepts() -> None:
    makefile = (TEMPLATE / "Makefile.jinja").read_text(encoding="utf-8")
    dockerfile = (TEMPLATE / "Dockerfile.jinja").read_text(encoding="utf-8")
    workflow = (TEMPLATE / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    pyproject = (TEMPLATE / "pyproject.toml.jinja").read_text(encoding="utf-8")
    (in_make,) = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    (in_image,) = re.findall(r"^ARG UV_VERSION=(\S+)$", dockerfile, re.MULTILINE)
    in_ci = set(re.findall(r'^ +version: "(\S+)"$', workflow, re.MULTILINE))
    # relaykit writes the template's lock with its own uv: the same one.
    (in_relaykit,) = [
        requirement.removeprefix("uv==")
        for requirement in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))[
            "project"
        ]["optional-dependencies"]["test"]
        if requirement.startswith("uv==")
    ]
    (required,) = re.findall(r'^required-version = "(\S+)"$', pyproject, re.MULTILINE)
    assert in_ci, "the workflow's setup-uv steps name no uv version"
    assert {in_make, in_image, in_relaykit} | in_ci == {in_make}
    assert SpecifierSet(required).contains(in_make)
