"""The template's ``uv.lock``: a render's lock, with the project's own entry put where
uv sorts it, for any ``project_slug``.

The lock depends on the answers only through the project's name. uv writes its
``[[package]]`` entries sorted by name, so the project's entry moves with the slug:
the template holds it once, in a Jinja variable, and writes it between the two
dependencies whose names the slug sorts between (slugs never equal a dependency's
name: copier.yml refuses them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2

from . import RelaykitError

__all__ = ["SEPARATOR", "lock", "lock_template", "package_name"]

#: What precedes every package entry of a lock written by uv.
SEPARATOR = "\n\n[[package]]\n"

#: The Jinja variable that holds the project's entry.
PROJECT = "project_package"


def lock(service: Path, *, upgrade: bool = False) -> str:
    """Bring ``service``'s ``uv.lock`` in step with its pyproject.toml, as ``make lock`` does.

    The versions already locked are kept where they still satisfy pyproject.toml.

    :param service: a rendered service's folder.
    :param upgrade: take the newest versions pyproject.toml allows instead.
    :returns: the lock's text.
    """
    subprocess.run(
        [sys.executable, "-m", "uv", "lock", "--quiet", *(["--upgrade"] if upgrade else [])],
        cwd=service,
        check=True,
    )
    return (service / "uv.lock").read_text(encoding="utf-8")


def package_name(entry: str) -> str:
    """The name of a lock's package entry (the text after its ``[[package]]`` line)."""
    first_line = entry.partition("\n")[0]
    if not (first_line.startswith('name = "') and first_line.endswith('"')):
        raise RelaykitError(f"a package entry of the lock starts with {first_line!r}, not its name")
    return first_line.removeprefix('name = "').removesuffix('"')


def lock_template(text: str, project_slug: str) -> str:
    """Turn the lock of a render whose slug is ``project_slug`` into the template's Jinja source.

    :raises RelaykitError: when the lock holds Jinja syntax or names the slug outside the
        project's entry, or when the template does not give the lock back.
    """
    if any(syntax in text for syntax in ("{{", "{%", "{#")):
        raise RelaykitError("the lock holds Jinja syntax: the template would not render it")
    head, *entries = text.removesuffix("\n").split(SEPARATOR)
    projects = [entry for entry in entries if package_name(entry) == project_slug]
    if len(projects) != 1:
        raise RelaykitError(
            f"the lock has {len(projects)} entries named {project_slug!r}, not the project's one"
        )
    (project,) = projects
    if sum(project_slug in entry for entry in [head, *entries]) != 1:
        raise RelaykitError(f"the lock names {project_slug!r} outside the project's entry")
    project = project.replace(f'name = "{project_slug}"', 'name = "{{ project_slug }}"', 1)
    dependencies = [entry for entry in entries if package_name(entry) != project_slug]
    names = [package_name(entry) for entry in dependencies]
    pieces = [f"{{% set {PROJECT} %}}{SEPARATOR}{project}{{% endset %}}{head}"]
    # The project's entry may come after the head or after any dependency's entry: each
    # place gets it when the slug sorts between the names either side.
    for index, (lower, upper) in enumerate(zip(["", *names], [*names, None], strict=True)):
        if index:
            pieces.append(SEPARATOR + dependencies[index - 1])
        condition = " < ".join(
            part
            for part in (
                f'"{lower}"' if lower else "",
                "project_slug",
                f'"{upper}"' if upper else "",
            )
            if part
        )
        pieces.append(f"{{% if {condition} %}}{{{{ {PROJECT} }}}}{{% endif %}}")
    template = "".join(pieces) + "\n"
    environment = jinja2.Environment(keep_trailing_newline=True, autoescape=False)  # TOML
    if environment.from_string(template).render(project_slug=project_slug) != text:
        raise RelaykitError("the lock's template does not give the lock back")
    return template
