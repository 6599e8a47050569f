"""The ``relaykit`` command line: ``relaykit new`` scaffolds a service, ``relaykit update``
brings one up to a newer template.

Every problem the user can fix is one line on stderr and exit status 1; a
wrong command line is argparse's usage message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from . import RelaykitError
from .render import render
from .update import update_service

__all__ = ["main"]


def _key_value(text: str) -> tuple[str, str]:
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE, e.g. project_name='Orders'")
    return key, value


def _add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        "-d",
        metavar="KEY=VALUE",
        type=_key_value,
        action="append",
        default=[],
        help="answer a question of the template (repeatable); validated like an answer typed in",
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, each with its own ``--help``."""
    parser = argparse.ArgumentParser(
        prog="relaykit", description="Scaffold and maintain API-first Flask microservices."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = commands.add_parser(
        "new", help="scaffold a service", description="Scaffold a service into DEST."
    )
    new.add_argument("destination", metavar="DEST", type=Path, help="folder to create")
    _add_data_option(new)
    new.add_argument(
        "--defaults", action="store_true", help="take the default of every question not answered"
    )
    new.add_argument("--vcs-ref", help="template version (git tag or commit); default: newest tag")

    update = commands.add_parser(
        "update",
        help="bring a service up to a newer template",
        description=(
            "Apply a newer template to a service, keeping its answers and your changes. "
            "Exits 1, listing the files, when conflicts are left to resolve."
        ),
    )
    update.add_argument(
        "--project", type=Path, default=Path("."), help="the service's folder (default: here)"
    )
    _add_data_option(update)
    update.add_argument("--vcs-ref", help="template version to update to; default: newest tag")
    return parser


def _new(arguments: argparse.Namespace) -> int:
    destination: Path = arguments.destination
    if destination.exists() and any(destination.iterdir()):
        raise RelaykitError(f"{destination} exists and is not empty: choose a new folder")
    started = time.monotonic()
    print(f"relaykit: rendering the template into {destination} ...", file=sys.stderr)
    answers: dict[str, Any] = dict(arguments.data)
    try:
        render(
            destination,
            answers,
            vcs_ref=arguments.vcs_ref,
            defaults=arguments.defaults,
            quiet=False,
        )
    except ValueError as error:
        raise RelaykitError(str(error).strip().splitlines()[-1]) from None
    print(f"relaykit: done in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def _update(arguments: argparse.Namespace) -> int:
    project: Path = arguments.project
    started = time.monotonic()
    print(f"relaykit: updating {project.resolve()} ...", file=sys.stderr)
    conflicts = update_service(project, dict(arguments.data), vcs_ref=arguments.vcs_ref)
    if conflicts:
        print(
            f"relaykit: the update left conflicts in {len(conflicts)} file(s); resolve the "
            "<<<<<<< before updating / >>>>>>> after updating blocks, then commit:",
            file=sys.stderr,
        )
        for name in conflicts:
            print(f"  {name}", file=sys.stderr)
        return 1
    print(f"relaykit: updated cleanly in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    arguments = build_parser().parse_args(argv)
    run = {"new": _new, "update": _update}[arguments.command]
    try:
        return run(arguments)
    except RelaykitError as error:
        print(f"relaykit: error: {error}", file=sys.stderr)
        return 1
