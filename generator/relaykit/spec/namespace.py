"""What a service owns that an import must not take: its routes, blueprints and schemas.

Read once from the service's own code (or the template's, before a service exists),
never listed by hand: the routes its blueprints declare, the docs pages its docs
config names, the Flask names of its blueprints and the contract names of its
schema classes. An imported document keeps its own names; where one is the same as
the service's, the imported one moves aside (:func:`rename_components`) or, for a
route both would answer, the operation is refused (:meth:`ServiceNames.clash`).
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from .load import pointer

__all__ = ["ServiceNames", "rename_components", "rename_security_schemes", "service_names"]

#: Folders of ``api/`` that an import or ``add-endpoint`` writes: not the service's own.
IMPORTED_FOLDERS = ("imported", "handlers")

#: The blueprint flask-smorest registers for the docs pages itself.
FLASK_SMOREST_DOCS_BLUEPRINT = "api-docs"

#: A URL rule's variables: ``<id>``, ``<path:rest>`` (Flask) or ``{id}`` (OpenAPI).
_VARIABLE = re.compile(r"<(?:(\w+):)?[^<>]+>|\{[^{}]+\}")


@dataclass(frozen=True)
class Route:
    """A route of the service: its method and its path (OpenAPI or Flask syntax)."""

    method: str
    path: str
    what: str
    #: Whether ``service_routes_prefix`` moves it (the health checks and docs).
    movable: bool = False

    def overlaps(self, method: str, path: str) -> bool:
        """Whether ``method path`` is this route (the same method, the same segments)."""
        return method == self.method and _overlap(_segments(self.path), _segments(path))


def _segments(path: str) -> list[str]:
    """A path's segments, ``*`` for a variable, ``**`` for one that takes the rest."""
    parts = []
    for segment in path.strip("/").split("/"):
        match = _VARIABLE.search(segment)
        if match is None:
            parts.append(segment)
        else:
            parts.append("**" if match.group(1) == "path" else "*")
    return parts


def _overlap(first: list[str], second: list[str]) -> bool:
    """Whether two routes are the same: segment by segment the same text, or both a
    variable (``**`` takes one segment or more). A text and a variable are no clash:
    the text is matched first, and the variable still takes every other value."""
    if not first or not second:
        return not first and not second
    for one, other in ((first, second), (second, first)):
        if one[0] == "**":
            return _overlap(one[1:], other[1:]) or (len(other) > 1 and _overlap(one, other[1:]))
    if first[0] != second[0]:
        return False
    return _overlap(first[1:], second[1:])


@dataclass
class ServiceNames:
    """The names a service owns."""

    routes: list[Route] = field(default_factory=list)
    #: Flask names of its blueprints.
    blueprints: set[str] = field(default_factory=set)
    #: Contract names of its component schemas.
    schemas: set[str] = field(default_factory=set)
    #: Contract names of its security schemes (``api/auth.py``'s ``SCHEME_NAMES``).
    security_schemes: set[str] = field(default_factory=set)

    def clash(self, method: str, path: str) -> Route | None:
        """The service's route that ``method path`` of a document would shadow, if any."""
        return next((route for route in self.routes if route.overlaps(method, path)), None)


def service_names(api: Path, api_prefix: str, own_prefix: str = "") -> ServiceNames:
    """The names the service whose ``api/`` package is at ``api`` owns.

    :param api: a service's ``src/<package>/api`` or the template's.
    :param api_prefix: where blueprints other than the health checks are mounted.
    :param own_prefix: where the health checks and docs are (``service_routes_prefix``).
    """
    names = ServiceNames(blueprints={FLASK_SMOREST_DOCS_BLUEPRINT})
    for module in sorted(api.rglob("*.py")):
        if module.relative_to(api).parts[0] in IMPORTED_FOLDERS:
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        # The health checks and docs are the service's own routes; every other
        # blueprint is under the API prefix.
        own = module.parent == api and module.name in ("health.py", "docs.py")
        where = f"api/{module.relative_to(api).as_posix()}"
        _read_module(tree, own_prefix if own else api_prefix, where, names, movable=own)
    return names


def _read_module(
    tree: ast.Module, prefix: str, module: str, names: ServiceNames, *, movable: bool
) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name.endswith("Schema"):
            names.schemas.add(node.name.removesuffix("Schema"))
        elif isinstance(node, ast.Call) and _called(node) == "Blueprint" and node.args:
            names.blueprints.add(_text(node.args[0]))
        elif isinstance(node, ast.Call) and _called(node) == "route" and node.args:
            rule = _text(node.args[0])
            methods = next((_literal(k.value) for k in node.keywords if k.arg == "methods"), None)
            for method in methods or ["GET"]:
                names.routes.append(Route(method.lower(), prefix + rule, module, movable))
        elif isinstance(node, ast.Dict):
            # The docs config: OPENAPI_<PAGE>_PATH keys name the docs pages.
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None and re.fullmatch(r"OPENAPI_\w+_PATH", _text(key)):
                    page = _text(value)
                    what = "the served contract" if page.endswith(".json") else "the docs page"
                    names.routes.append(Route("get", f"{prefix}/{page}", what, movable))
        elif (
            isinstance(node, ast.Assign)
            and any(getattr(target, "id", None) == "SCHEME_NAMES" for target in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            names.security_schemes.update(_text(value) for value in node.value.values)
        elif isinstance(node, ast.Assign) and any(
            getattr(target, "id", None) == "DOCS_ASSETS_PREFIX" for target in node.targets
        ):
            assets = f"{prefix}{_text(node.value)}/<path:name>"
            names.routes.append(Route("get", assets, "the docs assets", movable))


def _text(node: ast.expr) -> str:
    """A string literal's text; of an f-string, its constant parts (what follows a prefix)."""
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(_literal(part)) for part in node.values if isinstance(part, ast.Constant)
        )
    return str(_literal(node))


def _called(call: ast.Call) -> str | None:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _renames(names: dict[str, Any], taken: set[str]) -> dict[str, str]:
    """A new name for each of ``names`` that is in ``taken``: ``Imported<name>``,
    numbered while that is taken too."""
    renames: dict[str, str] = {}
    used = set(names) | taken
    for name in names:
        if name in taken:
            new, number = f"Imported{name}", 2
            while new in used:
                new, number = f"Imported{name}{number}", number + 1
            used.add(new)
            renames[name] = new
    return renames


def rename_components(
    document: dict[str, Any], taken: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """The document with each component schema named like one in ``taken`` renamed.

    ``Problem`` becomes ``ImportedProblem`` (numbered if that is taken too), and
    every ``$ref`` to it follows. A client generated from the contract sees the new
    name; the shapes are the document's.

    :returns: the document (a copy when anything was renamed) and a note per rename.
    """
    schemas = (document.get("components") or {}).get("schemas") or {}
    renames = _renames(schemas, taken)
    if not renames:
        return document, []
    refs = {
        pointer(["components", "schemas", old]): pointer(["components", "schemas", new])
        for old, new in renames.items()
    }
    renamed = _with_refs(document, refs)
    renamed["components"]["schemas"] = {
        renames.get(name, name): schema for name, schema in renamed["components"]["schemas"].items()
    }
    notes = [
        f"{pointer(['components', 'schemas', old])}: served as {new}, since the service's "
        f"own {old} has that name"
        for old, new in renames.items()
    ]
    return renamed, notes


def rename_security_schemes(
    document: dict[str, Any], taken: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """The document with each security scheme named like one in ``taken`` renamed, in
    ``components`` and in every ``security`` requirement that names it.

    :returns: the document (a copy when anything was renamed) and a note per rename.
    """
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    renames = _renames(schemes, taken)
    if not renames:
        return document, []
    renamed = copy.deepcopy(document)
    renamed["components"]["securitySchemes"] = {
        renames.get(name, name): scheme for name, scheme in schemes.items()
    }
    holders = [renamed, *(
        operation
        for item in (renamed.get("paths") or {}).values()
        if isinstance(item, dict)
        for operation in item.values()
        if isinstance(operation, dict)
    )]  # fmt: skip
    for holder in holders:
        if isinstance(holder.get("security"), list):
            holder["security"] = [
                {renames.get(name, name): scopes for name, scopes in requirement.items()}
                if isinstance(requirement, dict)
                else requirement
                for requirement in holder["security"]
            ]
    notes = [
        f"{pointer(['components', 'securitySchemes', old])}: served as {new}, since the "
        f"service's own authentication has that name"
        for old, new in renames.items()
    ]
    return renamed, notes


def _with_refs(node: Any, refs: dict[str, str]) -> Any:
    """``node`` with each ``$ref`` to a key of ``refs`` (or into it) pointing to its value."""
    if isinstance(node, list):
        return [_with_refs(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _with_refs(value, refs) for key, value in node.items()}
    ref = copied.get("$ref")
    if isinstance(ref, str):
        for old, new in refs.items():
            if ref == old or ref.startswith(old + "/"):
                copied["$ref"] = new + ref[len(old) :]
    return copied
