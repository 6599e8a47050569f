"""The ``relaykit`` command line: ``new`` scaffolds a service (from an OpenAPI document
with ``--spec``), ``import-spec`` (re)imports a document, ``add-endpoint`` scaffolds one
endpoint, and ``update`` brings a service up to a newer template.

Every problem the user can fix is one line on stderr and exit status 1; a
wrong command line is argparse's usage message and exit status 2.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import RelaykitError
from .endpoint import METHODS
from .endpoint import add_endpoint
from .importer import ImportReport
from .importer import import_spec
from .render import scaffold
from .source import template_path
from .spec import SpecError
from .spec import load_spec
from .spec.layer import imported_layer
from .spec.namespace import service_names
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


def _add_project_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project", type=Path, default=Path("."), help="the service's folder (default: here)"
    )


def _add_import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="import every operation that can be, and list (with where) the ones left out "
        "and why; without it, such a document is refused whole",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="report what other tools tolerate (an example that does not match its schema, "
        "3.0-style exclusive bounds in 3.1, ...) as warnings instead of refusing the document",
    )


def _progress(message: str) -> None:
    print(f"relaykit: {message} ...", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, each with its own ``--help``."""
    parser = argparse.ArgumentParser(
        prog="relaykit", description="Scaffold and maintain API-first Flask microservices."
    )
    parser.add_argument("--version", action="version", version=f"relaykit {version('relaykit')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = commands.add_parser(
        "new", help="scaffold a service", description="Scaffold a service into DEST."
    )
    new.add_argument("destination", metavar="DEST", type=Path, help="folder to create")
    _add_data_option(new)
    new.add_argument(
        "--defaults", action="store_true", help="take the default of every question not answered"
    )
    new.add_argument(
        "--vcs-ref",
        help="template version (git tag or commit); default: this relaykit's release (from a "
        "checkout: its newest tag, else HEAD)",
    )
    new.add_argument(
        "--spec",
        type=Path,
        metavar="FILE",
        help="an OpenAPI 3.0/3.1 document (JSON or YAML) to import into the new service",
    )
    _add_import_options(new)

    import_ = commands.add_parser(
        "import-spec",
        help="(re)generate a service's layer from an OpenAPI document",
        description=(
            "Generate routes, schemas and tests from an OpenAPI document, and a handler stub "
            "for each operation that has none. Handlers you wrote are never changed."
        ),
    )
    import_.add_argument("spec", metavar="FILE", type=Path, help="OpenAPI 3.0/3.1, JSON or YAML")
    _add_project_option(import_)
    _add_import_options(import_)

    endpoint = commands.add_parser(
        "add-endpoint",
        help="scaffold one endpoint in a service",
        description=(
            "Scaffold an endpoint as api/NAME/ (blueprint, schemas, view) with its test, and "
            "register it; no file you wrote is edited."
        ),
    )
    endpoint.add_argument("name", metavar="NAME", help="the endpoint's package, e.g. orders")
    endpoint.add_argument(
        "--method", default="POST", type=str.upper, choices=METHODS, help="default: POST"
    )
    endpoint.add_argument(
        "--path", required=True, help="path under the API prefix, e.g. /orders/{order_id}"
    )
    _add_project_option(endpoint)

    update = commands.add_parser(
        "update",
        help="bring a service up to a newer template",
        description=(
            "Apply a newer template to a service, keeping its answers and your changes. "
            "Exits 1, listing the files, when conflicts are left to resolve."
        ),
    )
    _add_project_option(update)
    _add_data_option(update)
    update.add_argument(
        "--vcs-ref",
        help="template version to update to; default: this relaykit's release (from a "
        "checkout: its newest tag, else HEAD)",
    )
    return parser


#: The template's ``api/`` package: what a new service will own.
TEMPLATE_API = "template/src/{{package_name}}/api"


def _new(arguments: argparse.Namespace) -> int:
    destination: Path = arguments.destination
    if destination.exists() and any(destination.iterdir()):
        raise RelaykitError(f"{destination} exists and is not empty: choose a new folder")
    started = time.monotonic()
    answers: dict[str, Any] = dict(arguments.data)
    if arguments.spec is not None:
        # Checked whole before anything is rendered; the contract version follows it.
        document = load_spec(arguments.spec, lenient=arguments.lenient).document
        prefix = str(answers.get("api_version_prefix", "/v1"))
        own = str(answers.get("service_routes_prefix", ""))
        names = service_names(template_path() / TEMPLATE_API, prefix, own)
        layer = imported_layer(
            document, arguments.spec.name, names, skip_unsupported=arguments.skip_unsupported
        )
        if layer.problems:
            raise SpecError(arguments.spec, layer.problems)
        family = "3.0.3" if str(document["openapi"]).startswith("3.0.") else "3.1.0"
        answers.setdefault("openapi_version", family)
    print(f"relaykit: rendering the template into {destination} ...", file=sys.stderr)
    created = not destination.exists()
    try:
        scaffold(
            destination,
            answers,
            vcs_ref=arguments.vcs_ref,
            defaults=arguments.defaults,
            quiet=False,
        )
        if arguments.spec is not None:
            report = import_spec(
                arguments.spec,
                destination,
                skip_unsupported=arguments.skip_unsupported,
                lenient=arguments.lenient,
                progress=_progress,
            )
            _report(report, destination)
    except BaseException as error:
        # A service half made is no use: nothing is left behind.
        if created:
            shutil.rmtree(destination, ignore_errors=True)
        else:
            for entry in destination.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        if isinstance(error, ValueError):  # copier's answer validation
            raise RelaykitError(str(error).strip().splitlines()[-1]) from None
        raise
    print(f"relaykit: done in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def _report(report: ImportReport, project: Path) -> None:
    print(f"relaykit: imported {report.operations} operation(s)", file=sys.stderr)
    if report.skipped:
        print(f"relaykit: left out ({len(report.skipped)}):", file=sys.stderr)
        for skipped in report.skipped:
            print(f"  {skipped}", file=sys.stderr)
    for warning in report.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    for created in report.created:
        print(f"  new handler stub: {created}", file=sys.stderr)
    for orphan in report.orphaned:
        print(f"  no longer in the document, left as it is: {orphan}", file=sys.stderr)
    for handler, missing in report.mismatched:
        print(
            f"  {handler}: handle() must now also take {', '.join(missing)} "
            "(the operation changed in the document)",
            file=sys.stderr,
        )
    for note in report.notes:
        print(f"  note: {note}", file=sys.stderr)
    if report.contract is None:
        _contract_left(project)


def _contract_left(project: Path) -> None:
    print(
        "relaykit: openapi.json not rewritten (no Python has the service, and there is no "
        f"make to create its .venv): run make openapi in {project}",
        file=sys.stderr,
    )


def _import_spec(arguments: argparse.Namespace) -> int:
    report = import_spec(
        arguments.spec,
        arguments.project,
        skip_unsupported=arguments.skip_unsupported,
        lenient=arguments.lenient,
        progress=_progress,
    )
    _report(report, arguments.project)
    return 0


def _add_endpoint(arguments: argparse.Namespace) -> int:
    written = add_endpoint(
        arguments.project, arguments.name, arguments.method, arguments.path, progress=_progress
    )
    for path in written:
        print(f"  wrote {path}", file=sys.stderr)
    if not any(path.name == "openapi.json" for path in written):
        _contract_left(arguments.project)
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
    run = {
        "new": _new,
        "import-spec": _import_spec,
        "add-endpoint": _add_endpoint,
        "update": _update,
    }[arguments.command]
    try:
        return run(arguments)
    except RelaykitError as error:
        print(f"relaykit: error: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug of relaykit's: still one line, not a traceback
        print(
            f"relaykit: error: unexpected {type(error).__name__}: {error} "
            "(a bug in relaykit: please report it with the command that gave it)",
            file=sys.stderr,
        )
        return 1
