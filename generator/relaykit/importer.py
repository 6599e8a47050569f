"""``relaykit import-spec``: (re)generate a service's layer from an OpenAPI document.

The generated layer (``api/imported/``, its tests and ``api/registry.py``) is
rewritten on every import. Handlers (``api/handlers/<operation>.py``) are the user's:
a stub is written for an operation that has none, and an existing handler is never
touched, even when its operation left the document (it is reported instead).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from . import RelaykitError
from .ownership import Ownership
from .ownership import mark
from .ownership import ownership_of
from .service import open_service
from .spec import SpecError
from .spec import load_spec
from .spec.layer import imported_layer
from .spec.namespace import service_names

__all__ = ["ImportReport", "import_spec"]

_HANDLERS_PACKAGE = f'''\
{mark(Ownership.YOURS)}
"""Handlers of the imported operations: one module per operation, each with ``handle``.

relaykit writes a stub (answering 501) for an operation that has none, and never
rewrites a handler; the views in ``api/imported/`` call them.
"""
'''


@dataclass
class ImportReport:
    """What an import did."""

    operations: int = 0
    #: Handler stubs written for operations that had none (paths under the service).
    created: list[str] = field(default_factory=list)
    #: Handlers of operations no longer in the document: left as they are.
    orphaned: list[str] = field(default_factory=list)
    #: Handlers whose ``handle`` does not take what its view now passes: (path, missing).
    mismatched: list[tuple[str, list[str]]] = field(default_factory=list)
    #: What the document says that the service carries differently, with where.
    notes: list[str] = field(default_factory=list)
    #: With ``--skip-unsupported``: what was left out and why, with where.
    skipped: list[str] = field(default_factory=list)
    #: With ``--lenient``: what the document gets wrong that was tolerated, with where.
    warnings: list[str] = field(default_factory=list)
    #: The rewritten contract, or None when no Python with the service could write it.
    contract: Path | None = None


def _version_family(version: str) -> str:
    return ".".join(version.split(".")[:2])


def import_spec(
    source: Path,
    project: Path,
    *,
    skip_unsupported: bool = False,
    lenient: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> ImportReport:
    """Import ``source`` into the service in ``project``.

    :param skip_unsupported: import every operation that can be, and report the rest.
    :param lenient: report what real-world tools tolerate (an example that does not
        match its schema, ...) as warnings instead of refusing the document.
    :raises SpecError: when the document is invalid or has constructs that cannot be
        imported (and ``skip_unsupported`` is off); every problem is listed with its
        location, and nothing is written.
    :raises RelaykitError: when ``project`` is no service, its contract version
        differs from the document's, or the service cannot take the new layer (it is
        then put back as it was).
    """
    service = open_service(project)
    loaded = load_spec(source, lenient=lenient)
    document = loaded.document
    family = _version_family(str(service.answers.get("openapi_version", "3.1.0")))
    if _version_family(str(document["openapi"])) != family:
        raise RelaykitError(
            f"{source} is OpenAPI {document['openapi']} but the service writes {family} "
            "contracts (answer openapi_version): import a document of the same version"
        )
    progress(f"converting {source.name}")
    prefix = str(service.answers.get("api_version_prefix", "/v1"))
    layer = imported_layer(
        document,
        source.name,
        service_names(
            service.package / "api", prefix, str(service.answers.get("service_routes_prefix", ""))
        ),
        skip_unsupported=skip_unsupported,
    )
    if layer.problems:
        raise SpecError(source, layer.problems)
    package = service.package
    handlers = package / "api" / "handlers"
    report = ImportReport(
        operations=len(layer.operations),
        notes=layer.notes,
        skipped=layer.skipped,
        warnings=loaded.warnings,
    )
    files: dict[Path, str] = {package / name: text for name, text in layer.generated.items()}
    files |= {service.root / "tests" / name: text for name, text in layer.tests.items()}
    if not (handlers / "__init__.py").exists():
        files[handlers / "__init__.py"] = _HANDLERS_PACKAGE
    for name, text in layer.handlers.items():
        handler = package / name
        if not handler.exists():
            files[handler] = text
            report.created.append(str(handler.relative_to(service.root)))
            continue
        missing = _not_taken(handler, layer.parts[name])
        if missing:
            report.mismatched.append((str(handler.relative_to(service.root)), missing))
    wanted = {Path(name).name for name in layer.handlers}
    for handler in sorted(handlers.glob("*.py")):
        if (
            handler.name not in wanted
            and _ownership(handler) is Ownership.YOURS
            and handler.name != "__init__.py"
        ):
            report.orphaned.append(str(handler.relative_to(service.root)))
    # Generated files of operations and tags the document dropped.
    stale = [
        path
        for path in (package / "api" / "imported").glob("*.py")
        if path not in files and _ownership(path) is Ownership.GENERATED
    ]
    registry = package / "api" / "registry.py"
    contract = service.root / "openapi.json"
    # What is there now, to put back when the service cannot take the new layer.
    before = {
        path: path.read_bytes() if path.exists() else None
        for path in [*files, *stale, registry, contract]
    }
    try:
        for path in stale:
            path.unlink()
        for path, text in files.items():
            _write(path, text)
        service.write_registry()
        progress("formatting the generated code with ruff")
        service.format([*files, registry])
        progress("writing openapi.json from the code")
        report.contract = service.write_contract(progress)
    except BaseException:
        for path, content in before.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        raise
    return report


def _not_taken(handler: Path, parts: list[str]) -> list[str]:
    """The request parts a handler's ``handle`` does not take by keyword."""
    try:
        tree = ast.parse(handler.read_text(encoding="utf-8"))
    except SyntaxError:
        return []  # the user's to fix; importing the service will say where
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "handle":
            if node.args.kwarg is not None:
                return []
            taken = {a.arg for a in [*node.args.args, *node.args.kwonlyargs]}
            return [part for part in parts if part not in taken]
    return []


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _ownership(path: Path) -> Ownership | None:
    """The kind of file ``path``'s first line marks."""
    return ownership_of(path.read_text(encoding="utf-8").partition("\n")[0])
