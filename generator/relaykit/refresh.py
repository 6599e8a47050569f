"""Refresh the files derived from the template; run as ``python -m relaykit.refresh``.

- ``template/openapi.json.jinja``: the committed contract of a rendered service
  must equal what its code generates, for any answers. It is made by rendering
  with sentinel answers, letting the service write its contract once for each
  ``auth`` answer, putting the lines they differ in under Jinja conditions, and
  the Jinja expressions back where the sentinels are.
- ``template/uv.lock.jinja``: the lock of the sentinel render, brought in step with
  its pyproject.toml by ``uv lock`` (which keeps the versions locked before, or, with
  ``--upgrade``, takes the newest), its project's entry placed for any slug
  (:mod:`relaykit.lockfile`).
- ``example/``: the service rendered with default answers.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

import jinja2

from . import RelaykitError
from .install import installed
from .install import read_answers
from .lockfile import lock
from .lockfile import lock_template
from .render import render
from .source import CHECKOUT
from .source import record_source

__all__ = [
    "AUTH_MODES",
    "CONTRACT_TEMPLATE",
    "EXAMPLE",
    "LOCK_TEMPLATE",
    "contract_template",
    "main",
    "merge_auth_variants",
    "render_example",
    "template_contract",
    "template_lock",
]

#: The template's contract, as copier renders it.
CONTRACT_TEMPLATE = CHECKOUT / "template" / "openapi.json.jinja"

#: The template's lock, as copier renders it.
LOCK_TEMPLATE = CHECKOUT / "template" / "uv.lock.jinja"

#: The committed default render.
EXAMPLE = CHECKOUT / "example"

#: Answers whose values are easy to find and put back in the contract.
SENTINELS = {
    "project_name": "Sentinel Title 7f3a",
    "description": "Sentinel description 7f3a",
    "api_version_prefix": "/sentinel-7f3a",
    "service_routes_prefix": "/own-7f3a",
    "openapi_version": "3.1.0",
}


#: The answers of the ``auth`` question, the default first: its contract is the base
#: the others are written as differences from.
AUTH_MODES = ("api_key", "bearer", "hmac", "none")


def write_contract(service: Path, auth: str | None = None) -> str:
    """Let a rendered service write its own contract, as ``make openapi`` does.

    :param auth: the ``RELAY_AUTH`` to write it under; None for the render's answer.
    """
    env = {**os.environ, **({"RELAY_AUTH": auth} if auth else {})}
    with installed(service) as package:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", package, "openapi", "write", "openapi.json"],
            cwd=service,
            check=True,
            env=env,
        )
    return (service / "openapi.json").read_text(encoding="utf-8")


#: difflib's opcodes: how a variant's lines differ from the base's.
Opcodes = Sequence[tuple[str, int, int, int, int]]


def _differing_regions(changes: Mapping[str, Opcodes]) -> list[tuple[int, int]]:
    """The line ranges of the base where some variant differs, merged when they touch."""
    ranges = sorted(
        (i1, i2) for opcodes in changes.values() for tag, i1, i2, _, _ in opcodes if tag != "equal"
    )
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _variant_text(base: list[str], lines: list[str], opcodes: Opcodes, start: int, end: int) -> str:
    """What a variant has where ``base`` has lines ``start`` to ``end``."""
    text = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            text += base[max(i1, start) : min(i2, end)]
        elif start <= i1 and i2 <= end:  # regions hold every change, so none is cut
            text += lines[j1:j2]
    return "".join(text)


def merge_auth_variants(variants: Mapping[str, str]) -> str:
    """One contract for every ``auth`` answer: the default's, with the lines the
    others differ in under ``{% if auth ... %}`` conditions.

    :raises RelaykitError: when the merged contract does not give back each variant.
    """
    base = variants[AUTH_MODES[0]].splitlines(keepends=True)
    others = {mode: text.splitlines(keepends=True) for mode, text in variants.items()}
    changes = {
        mode: difflib.SequenceMatcher(None, base, lines, autojunk=False).get_opcodes()
        for mode, lines in others.items()
    }
    pieces, position = [], 0
    for start, end in _differing_regions(changes):
        pieces.append("".join(base[position:start]))
        texts = {
            mode: _variant_text(base, lines, changes[mode], start, end)
            for mode, lines in others.items()
        }
        groups: dict[str, list[str]] = {}
        for mode in AUTH_MODES:
            groups.setdefault(texts[mode], []).append(mode)
        default = texts[AUTH_MODES[0]]
        branches = [(text, modes) for text, modes in groups.items() if text != default]
        if len(branches) == 1 and not branches[0][0]:  # lines that some answers leave out
            pieces.append(f"{{% if auth not in {branches[0][1]!r} %}}{default}{{% endif %}}")
        else:
            for index, (text, modes) in enumerate(branches):
                keyword = "if" if index == 0 else "elif"
                pieces.append(f"{{% {keyword} auth in {modes!r} %}}{text}")
            pieces.append(f"{{% else %}}{default}{{% endif %}}")
        position = end
    pieces.append("".join(base[position:]))
    merged = "".join(pieces)
    environment = jinja2.Environment(keep_trailing_newline=True, autoescape=False)  # JSON, not HTML
    for mode, text in variants.items():
        if environment.from_string(merged).render(auth=mode) != text:
            raise RelaykitError(f"the merged contract does not give back the {mode} one")
    return merged


def template_contract(service: Path) -> str:
    """The template's contract, from the sentinel render ``service``."""
    variants = {mode: write_contract(service, mode) for mode in AUTH_MODES}
    return contract_template(merge_auth_variants(variants))


def contract_template(contract: str) -> str:
    """Turn the contract of the sentinel render into the template's Jinja source.

    :raises RelaykitError: when a sentinel is missing from the contract, or left in it.
    """
    replacements = [
        (json.dumps(SENTINELS["project_name"]), "{{ project_name | to_json }}"),
        (json.dumps(SENTINELS["description"]), "{{ description | to_json }}"),
        (f'"{SENTINELS["api_version_prefix"]}/', '"{{ api_version_prefix }}/'),
        (f'"{SENTINELS["service_routes_prefix"]}/', '"{{ service_routes_prefix }}/'),
        (f'"openapi": "{SENTINELS["openapi_version"]}"', '"openapi": "{{ openapi_version }}"'),
    ]
    for sentinel, expression in replacements:
        if sentinel not in contract:
            raise RelaykitError(f"the sentinel {sentinel} is not in the rendered contract")
        contract = contract.replace(sentinel, expression)
    if "7f3a" in contract:
        raise RelaykitError("a sentinel is left in the contract: extend contract_template()")
    return contract


def template_lock(service: Path, *, upgrade: bool = False) -> str:
    """The template's lock, from the sentinel render ``service``.

    :param upgrade: lock the newest versions pyproject.toml allows, not those locked now.
    """
    return lock_template(lock(service, upgrade=upgrade), str(read_answers(service)["project_slug"]))


def render_example(destination: Path) -> Path:
    """Render the default service as ``example/`` holds it.

    ``example/`` is committed together with the template it was rendered from,
    so its answers file names that commit ``HEAD`` (a copier update inside
    ``example/`` then starts from the template as committed), and the checkout ``..``.
    """
    render(destination, template=CHECKOUT)
    record_source(destination, "..", "HEAD")
    return destination


def main(arguments: Sequence[str] | None = None) -> None:
    """Rewrite ``template/openapi.json.jinja`` and ``template/uv.lock.jinja``, then ``example/``.

    :param arguments: the command line; ``--upgrade`` locks the newest versions.
    """
    parser = argparse.ArgumentParser(prog="python -m relaykit.refresh", description=__doc__)
    parser.add_argument(
        "--upgrade", action="store_true", help="lock the newest versions pyproject.toml allows"
    )
    options = parser.parse_args(arguments)
    with tempfile.TemporaryDirectory() as scratch:
        service = render(Path(scratch) / "sentinel", SENTINELS)
        CONTRACT_TEMPLATE.write_text(template_contract(service), encoding="utf-8")
        LOCK_TEMPLATE.write_text(template_lock(service, upgrade=options.upgrade), encoding="utf-8")
    print(f"wrote {CONTRACT_TEMPLATE.relative_to(CHECKOUT)}")
    print(f"wrote {LOCK_TEMPLATE.relative_to(CHECKOUT)}")
    shutil.rmtree(EXAMPLE, ignore_errors=True)
    render_example(EXAMPLE)
    print(f"wrote {EXAMPLE.relative_to(CHECKOUT)}/")


if __name__ == "__main__":
    main()
