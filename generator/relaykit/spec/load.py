"""Read an OpenAPI 3.0 or 3.1 document, JSON or YAML, and refuse it with every problem found.

A document may be spread over local files (``$ref: schemas/pet.yaml#/Pet``): they are
bundled into one document whose refs are all local (``#/...``), and that document is
validated, offline, with openapi-spec-validator. Every problem is one line,
``<JSON Pointer>: <message>``, located in the bundled document.

The loader walks a document by its structure (:func:`_visit`), so it knows what each
``$ref`` stands for: a schema, a parameter, a response... An external one is added to
its section of ``components`` (schemas, parameters, ...) and the ref rewritten to point
there; what has no section (a path item in 3.0) is inlined.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlsplit

import yaml
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from jsonschema.exceptions import relevance
from jsonschema.validators import validator_for  # type: ignore[import-untyped]
from jsonschema_path import SchemaPath
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import OAS31Validator
from openapi_schema_validator import oas30_format_checker
from openapi_schema_validator import oas31_format_checker
from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError
from openapi_spec_validator.validation.exceptions import ExtraParametersError
from referencing import Registry
from referencing import Resource

from .. import RelaykitError

__all__ = ["LoadedSpec", "SpecError", "load_spec", "pointer"]

Parts = list[str | int]


class SpecError(RelaykitError):
    """A document that cannot be imported: every problem, each with where it is."""

    def __init__(self, source: Path, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{source} cannot be imported ({len(problems)} problem(s)):\n{listed}")


@dataclass
class LoadedSpec:
    """A validated OpenAPI document, in one piece."""

    #: Self-contained: every external ``$ref`` bundled in, every ``$ref`` local (``#/...``).
    document: dict[str, Any]
    #: What was tolerated (lenient mode) or dropped, each ``"#/json/pointer: message"``.
    warnings: list[str] = field(default_factory=list)


def pointer(parts: Sequence[str | int]) -> str:
    """A JSON Pointer (RFC 6901) as a URI fragment: ``#/paths/~1pets/get``."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "#/" + "/".join(escaped) if parts else "#"


def load_spec(source: Path, *, lenient: bool = False) -> LoadedSpec:
    """Read, bundle and validate an OpenAPI document.

    :param source: a ``.json`` file, or YAML (``.yaml``, ``.yml`` or anything else); the
        files its ``$ref``s name are read relative to the file that names them.
    :param lenient: report what tools in the wild tolerate (see :func:`_tolerate`) as
        warnings, and normalise it, instead of refusing the document.
    :returns: the bundled document and the warnings.
    :raises SpecError: when it cannot be read, is not OpenAPI 3.0.x or 3.1.x, has refs
        that point nowhere, outside the local files, or is invalid; every problem is listed
        with its location.
    """
    try:
        document = _parse(source, source.read_text(encoding="utf-8"))
    except OSError as error:
        raise SpecError(source, [f"cannot be read: {error.strerror}"]) from None
    except _UnparsableError as error:
        raise SpecError(source, [str(error)]) from None
    if not isinstance(document, dict):
        raise SpecError(source, ["#: the document is not an object"])
    version = str(document.get("openapi", ""))
    if not version.startswith(("3.0.", "3.1.")):
        found = f"openapi: {version}" if version else "no openapi field"
        raise SpecError(
            source, [f"#/openapi: only OpenAPI 3.0.x and 3.1.x can be imported, found {found}"]
        )
    bundler = _Bundler(source, document, version)
    problems = bundler.bundle() or _dangling(document)
    if problems:
        raise SpecError(source, problems)
    warnings = bundler.warnings + _reference_siblings(document, lenient=lenient)
    warnings += _Values(document, version).mismatched_examples()
    if lenient:
        warnings += _tolerate(document, version)
    problems = [bundler.origin(problem) for problem in _validate(document, version)]
    if problems:
        raise SpecError(source, problems)
    return LoadedSpec(document, [bundler.origin(warning) for warning in warnings])


# Reading files


def _reference_siblings(document: dict[str, Any], *, lenient: bool) -> list[str]:
    """What is written beside the ``$ref`` of a Reference Object (not a schema's).

    OpenAPI ignores it (a ``summary`` or ``description`` aside), so it is left out;
    ``lenient`` applies it to a copy of what the ref names instead, as tools that
    take it mean it (``$ref: Filter.yaml`` with ``required: true``).
    """
    warnings: list[str] = []

    def visit(node: Any, where: Parts) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                visit(item, [*where, index])
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        ignored = sorted(set(node) - {"$ref", "summary", "description"})
        if (
            isinstance(ref, str)
            and ref.startswith("#/components/")
            and not ref.startswith("#/components/schemas/")
            and ignored
        ):
            at = pointer([*where, ignored[0]])
            found, target = _lookup(document, ref[1:])
            if lenient and found and isinstance(target, dict):
                merged = {**target, **{key: node[key] for key in node if key != "$ref"}}
                node.clear()
                node.update(merged)
                warnings.append(f"{at}: beside a $ref, applied to a copy of {ref}")
            else:
                for key in ignored:
                    del node[key]
                warnings.append(f"{at}: beside a $ref, ignored as OpenAPI says")
        for key, value in node.items():
            if key != "$ref":
                visit(value, [*where, key])

    visit(document, [])
    return warnings


def _drop_external_extensions(node: Any, where: Parts) -> list[str]:
    """Remove each ``x-`` extension that refers to another file, with a warning each.

    Extensions say nothing the service serves, and their refs often name what is no
    OpenAPI at all (code samples, a Markdown page, a file of another repository).
    """
    warnings: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            warnings += _drop_external_extensions(item, [*where, index])
    elif isinstance(node, dict):
        for key in list(node):
            if isinstance(key, str) and key.startswith("x-") and _external_refs(node[key]):
                del node[key]
                warnings.append(f"{pointer([*where, key])}: refers to another file; left out")
            else:
                warnings += _drop_external_extensions(node[key], [*where, key])
    return warnings


def _external_refs(node: Any) -> bool:
    """Whether ``node`` holds a ``$ref`` to another file."""
    if isinstance(node, list):
        return any(_external_refs(item) for item in node)
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return True
        return any(_external_refs(value) for value in node.values())
    return False


class _UnparsableError(Exception):
    """A file that is not JSON or YAML; the message says where it breaks."""


def _parse(source: Path, text: str) -> Any:
    if source.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise _UnparsableError(
                f"line {error.lineno}, column {error.colno}: {error.msg}"
            ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        raise _UnparsableError(f"{where}{reason}") from None
    # YAML reads 2026-01-01 as a date: the document is JSON data, so it is a string.
    try:
        return json.loads(json.dumps(document, default=_json_value))
    except (TypeError, ValueError) as error:
        raise _UnparsableError(f"#: {error}") from None


def _json_value(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{value!r} is not a JSON value")


def _lookup(document: Any, fragment: str) -> tuple[bool, Any]:
    """What a URI fragment (``/components/schemas/Pet``, percent-encoded) points to."""
    node = document
    if not fragment:
        return True, node
    if not fragment.startswith("/"):  # a plain name (an anchor) is not followed
        return False, None
    for raw in unquote(fragment).split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


# The structure of a document: what each value is, so what each $ref stands for.

#: Where a value is data (examples, defaults), never looked into.
_DATA = "data"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VALUES = {"example": _DATA, "examples": _DATA, "default": _DATA, "enum": _DATA, "const": _DATA}
_SUBSCHEMAS: tuple[str, ...] = (
    "not",
    "additionalProperties",
    "unevaluatedProperties",
    "items",
    "additionalItems",
)
_SUBSCHEMAS += ("unevaluatedItems", "contains", "propertyNames", "if", "then", "else")
_SUBSCHEMAS += ("contentSchema", "allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
#: kind -> the kind of each of its fields (fields not listed: walked without a kind).
_FIELDS: dict[str, dict[str, str]] = {
    "document": {"paths": "paths", "webhooks": "pathItems", "components": "components"},
    "components": {
        "schemas": "schemas",
        "parameters": "parameterMap",
        "responses": "responseMap",
        "requestBodies": "requestBodies",
        "headers": "headers",
        "examples": "examples",
        "links": "links",
        "callbacks": "callbacks",
        "pathItems": "pathItems",
        "securitySchemes": "securitySchemes",
    },
    "pathItem": {"parameters": "parameters", **dict.fromkeys(_METHODS, "operation")},
    "operation": {
        "parameters": "parameters",
        "requestBody": "requestBody",
        "responses": "responses",
        "callbacks": "callbacks",
    },
    "parameter": {"schema": "schema", "content": "content", "examples": "examples"},
    "header": {"schema": "schema", "content": "content", "examples": "examples"},
    "requestBody": {"content": "content"},
    "response": {"headers": "headers", "content": "content", "links": "links"},
    "mediaType": {"schema": "schema", "examples": "examples", "encoding": "encodings"},
    "encoding": {"headers": "headers"},
    "example": {"value": _DATA},
    "schema": {
        **_VALUES,
        **dict.fromkeys(_SUBSCHEMAS, "schema"),
        **dict.fromkeys(_SCHEMA_MAPS, "schemas"),
    },
}
for _kind in ("parameter", "header", "mediaType"):
    _FIELDS[_kind]["example"] = _DATA
#: kind of a list -> the kind of each of its items.
_LIST_ITEMS = {"parameters": "parameter", "schema": "schema"}  # allOf: [...], items: [...]
#: kind of a map -> the kind of each of its values.
_ITEMS = {
    "paths": "pathItem",
    "pathItems": "pathItem",
    "callbacks": "callback",
    "callback": "pathItem",
    "parameters": "parameter",
    "parameterMap": "parameter",
    "responses": "response",
    "responseMap": "response",
    "requestBodies": "requestBody",
    "content": "mediaType",
    "encodings": "encoding",
    "headers": "header",
    "examples": "example",
    "links": "link",
    "securitySchemes": "securityScheme",
    "schemas": "schema",
}
#: What a ``$ref`` of each kind becomes when its target is in another file: a component.
_SECTIONS = {
    "schema": "schemas",
    "parameter": "parameters",
    "response": "responses",
    "requestBody": "requestBodies",
    "header": "headers",
    "example": "examples",
    "link": "links",
    "callback": "callbacks",
    "pathItem": "pathItems",
    "securityScheme": "securitySchemes",
}

#: Called with the object holding a ref, the ref's key there, the kind and where it is.
_OnRef = Callable[[dict[str, Any], str, str | None, Parts], None]


def _child(kind: str | None, key: str) -> str | None:
    if kind in _ITEMS:
        # In the maps of names, x- keys are extensions; properties may be named so.
        return None if key.startswith("x-") and kind != "schemas" else _ITEMS[kind]
    return _FIELDS.get(kind or "", {}).get(key)


def _visit(
    node: Any, kind: str | None, where: Parts, on_ref: _OnRef, skip: set[int] | None = None
) -> None:
    """Call ``on_ref`` for every ``$ref`` under ``node``, with what the ref stands for.

    A kind is a name of :data:`_FIELDS`, :data:`_ITEMS` or :data:`_LIST_ITEMS` (``None``
    where the structure says nothing: extensions, unknown fields); data is not looked
    into, nor are the objects whose ``id`` is in ``skip``.
    """
    if skip and id(node) in skip:
        return
    if isinstance(node, list):
        for index, item in enumerate(node):
            _visit(item, _LIST_ITEMS.get(kind or ""), [*where, index], on_ref, skip)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("$ref"), str):
        on_ref(node, "$ref", kind, [*where, "$ref"])
        if "$ref" not in node or (skip and id(node) in skip):  # replaced, and visited so
            return
    if kind == "schema" and isinstance(node.get("discriminator"), dict):
        mapping = node["discriminator"].get("mapping")
        for name, target in (mapping or {}).items() if isinstance(mapping, dict) else ():
            if isinstance(target, str) and re.search(r"[#/]|\.(ya?ml|json)$", target):
                on_ref(mapping, name, "schema", [*where, "discriminator", "mapping", name])
    for key, value in list(node.items()):
        child = _child(kind, key)
        if key != "$ref" and child != _DATA:
            _visit(value, child, [*where, key], on_ref, skip)


# Bundling


@dataclass(frozen=True)
class _Target:
    """What an external ``$ref`` points to: a file, and a fragment in it."""

    file: Path
    fragment: str


class _Bundler:
    """Brings what a document's refs name in other files into the document."""

    def __init__(self, source: Path, document: dict[str, Any], version: str) -> None:
        self.root = source.resolve()
        self.document = document
        self.version = version
        self.files: dict[Path, Any] = {self.root: document}
        self.problems: list[str] = []
        #: each external target -> its component: (section, name)
        self.components: dict[_Target, tuple[str, str]] = {}
        #: each component name that is taken -> the target it was made of (None: written here)
        self.owners: dict[tuple[str, str], _Target | None] = {}
        #: targets whose content is in the document already
        self.placed: set[_Target] = set()
        #: extensions left out since they refer to other files (code samples, docs pages)
        self.warnings: list[str] = _drop_external_extensions(document, [])
        #: targets being inlined (a cycle through them cannot be)
        self.inlining: set[_Target] = set()
        #: what was bundled in, visited already
        self.bundled: set[int] = set()
        #: where content from another file starts -> which file and fragment
        self.origins: dict[tuple[str, ...], str] = {}

    def bundle(self) -> list[str]:
        """Bundle in place; the problems found, each with where its ``$ref`` is."""
        components = self.document.get("components")
        for section, named in (components or {}).items() if isinstance(components, dict) else ():
            for name, value in named.items() if isinstance(named, dict) else ():
                self.owners[section, name] = None
                # components: {schemas: {Pet: {$ref: pet.yaml}}}: pet.yaml is Pet, written there
                ref = value.get("$ref") if isinstance(value, dict) else None
                target = self._target(ref, self.root) if isinstance(ref, str) else None
                if target and target.file != self.root and section in _SECTIONS.values():
                    self.components.setdefault(target, (section, name))
                    self.owners[section, name] = target
        _visit(self.document, "document", [], self._on_ref(self.root), self.bundled)
        return list(dict.fromkeys(self.problems))

    def origin(self, problem: str) -> str:
        """``problem``, saying which file the content it is about comes from."""
        location = problem.partition(": ")[0]
        parts = tuple(
            part.replace("~1", "/").replace("~0", "~") for part in location[2:].split("/")
        )
        for length in range(len(parts), 0, -1):
            if parts[:length] in self.origins:
                return f"{problem} (from {self.origins[parts[:length]]})"
        return problem

    def _target(self, ref: str, base: Path) -> _Target | None:
        """What ``ref``, written in ``base``, points to; None for a URL."""
        split = urlsplit(ref)
        if split.scheme or split.netloc:
            return None
        path, _, fragment = ref.partition("#")
        file = (base.parent / unquote(path)).resolve() if path else base
        return _Target(file, fragment)

    def _shown(self, target: _Target) -> str:
        name = os.path.relpath(target.file, self.root.parent)
        return f"{name}#{target.fragment}" if target.fragment else name

    def _on_ref(self, base: Path) -> _OnRef:
        def on_ref(holder: dict[str, Any], key: str, kind: str | None, where: Parts) -> None:
            ref = holder[key]
            target = self._target(ref, base)
            written = (
                "" if base == self.root else f" (in {os.path.relpath(base, self.root.parent)})"
            )
            if target is None:
                self.problems.append(
                    f"{pointer(where)}: $ref {ref!r}{written} is a URL; only refs to local "
                    "files are followed, and nothing is fetched"
                )
            elif target.file == self.root:  # into the document: a local ref
                holder[key] = f"#{target.fragment}"
            else:
                content, problem = self._read(target)
                if problem:
                    self.problems.append(f"{pointer(where)}: $ref {ref!r}{written}: {problem}")
                elif kind in _SECTIONS and (kind != "pathItem" or self.version.startswith("3.1.")):
                    self._component(holder, key, kind, target, content, where)
                else:
                    self._inline(holder, kind, target, content, where, written)

        return on_ref

    def _read(self, target: _Target) -> tuple[Any, str]:
        """The content ``target`` points to, or why there is none."""
        shown = os.path.relpath(target.file, self.root.parent)
        if target.file not in self.files:
            try:
                content = _parse(target.file, target.file.read_text("utf-8"))
                dropped = _drop_external_extensions(content, [])
                self.warnings += [f"{warning} (in {shown})" for warning in dropped]
                self.files[target.file] = content
            except FileNotFoundError:
                return None, f"there is no file {shown}"
            except OSError as error:
                return None, f"{shown} cannot be read: {error.strerror}"
            except _UnparsableError as error:
                return None, f"{shown} cannot be parsed: {error}"
        if target.fragment and not target.fragment.startswith("/"):
            return None, f"#{target.fragment} is not a JSON Pointer (#/...)"
        found, content = _lookup(self.files[target.file], target.fragment)
        if not found:
            return None, f"there is nothing at #{target.fragment} in {shown}"
        return content, ""

    def _component(
        self,
        holder: dict[str, Any],
        key: str,
        kind: str,
        target: _Target,
        content: Any,
        where: Parts,
    ) -> None:
        section = _SECTIONS[kind]
        if target not in self.components:
            self.components[target] = (section, self._name(section, target, content))
        section, name = self.components[target]
        slot: Parts = ["components", section, name]
        if target in self.placed:
            holder[key] = pointer(slot)
            return
        self.placed.add(target)
        copied = copy.deepcopy(content)
        named = self.document.setdefault("components", {}).setdefault(section, {})
        written = named.get(name)
        if isinstance(written, dict) and isinstance(copied, dict) and name in named:
            # components: {schemas: {Pet: {$ref: pet.yaml}}}: pet.yaml's content goes there
            written.clear()
            written.update(copied)
            copied = written
        else:
            named[name] = copied
        if holder is not copied:
            holder[key] = pointer(slot)
        self.origins[tuple(map(str, slot))] = self._shown(target)
        _visit(copied, kind, slot, self._on_ref(target.file), self.bundled)
        self.bundled.add(id(copied))

    def _name(self, section: str, target: _Target, content: Any) -> str:
        """The name of a new component: its fragment's last segment, or its file's stem."""
        last = target.fragment.rsplit("/", 1)[-1] if target.fragment else ""
        base = unquote(last).replace("~1", "/").replace("~0", "~") or target.file.stem
        base = re.sub(r"[^A-Za-z0-9._-]", "_", base)
        named = self.document.get("components", {}).get(section, {})
        number = 1
        name = base
        while (section, name) in self.owners:
            # an identical component without refs is the same one
            same = self.owners[section, name] is None and named.get(name) == content
            if same and "$ref" not in json.dumps(content):
                return name
            number += 1
            name = f"{base}{number}"
        self.owners[section, name] = target
        return name

    def _inline(
        self,
        holder: dict[str, Any],
        kind: str | None,
        target: _Target,
        content: Any,
        where: Parts,
        written: str,
    ) -> None:
        ref = f"{pointer(where)}: $ref {holder['$ref']!r}{written}"
        if target in self.inlining:
            self.problems.append(
                f"{ref} is part of a cycle of refs through {self._shown(target)}, "
                "which cannot be written in place"
            )
            return
        if not isinstance(content, dict):
            self.problems.append(f"{ref}: {self._shown(target)} is not an object")
            return
        copied = copy.deepcopy(content)
        holder.clear()
        holder.update(copied)
        self.origins[tuple(map(str, where[:-1]))] = self._shown(target)
        self.inlining.add(target)
        _visit(holder, kind, where[:-1], self._on_ref(target.file), self.bundled)
        self.inlining.discard(target)


def _dangling(document: dict[str, Any]) -> list[str]:
    """Every local ``$ref`` that points to nothing, or only to refs back to itself."""
    problems: list[str] = []

    def check(holder: dict[str, Any], key: str, kind: str | None, where: Parts) -> None:
        ref = holder[key]
        seen = [ref]
        while True:
            found, target = _lookup(document, ref[1:]) if ref != "#" else (False, None)
            if not found:
                what = "the whole document" if ref == "#" else "nothing in the document"
                problems.append(f"{pointer(where)}: $ref {ref!r} points to {what}")
                return
            ref = target.get("$ref") if isinstance(target, dict) else None
            if not isinstance(ref, str):
                return
            if ref in seen:
                problems.append(f"{pointer(where)}: $ref {seen[0]!r} is a cycle of refs only")
                return
            seen.append(ref)

    _visit(document, "document", [], check)
    return problems


# Values (examples, defaults) against their schemas


class _Values:
    """Checks values against schemas of the (bundled) document, refs resolved."""

    def __init__(self, document: dict[str, Any], version: str) -> None:
        self.document = document
        self.version = version
        uri = "urn:relaykit:document"
        self.uri = uri
        self.registry: Registry[Any] = Registry().with_resource(uri, Resource.opaque(document))

    def problem(self, schema_at: Parts, value: Any) -> str | None:
        """Why ``value`` does not match the schema at ``schema_at``; None when it does."""
        cls: Any = OAS31Validator if self.version.startswith("3.1.") else OAS30Validator
        checker = oas31_format_checker if self.version.startswith("3.1.") else oas30_format_checker
        fragment = quote(pointer(schema_at), safe="/~#")
        try:
            validator = cls(
                {"$ref": f"{self.uri}{fragment}"}, registry=self.registry, format_checker=checker
            )
            errors = list(validator.iter_errors(value))
        except Exception:  # an invalid schema: the validator says why
            return None
        if not errors:
            return None
        error = _most_relevant(max(errors, key=relevance))
        inside = pointer(list(error.absolute_path))[1:]
        return f"{inside + ': ' if inside else ''}{_short(error)}"

    def mismatched_examples(self) -> list[str]:
        """Examples that do not match their schemas; removed where tests would send them.

        openapi-spec-validator does not check examples, only defaults; a generated test
        sends a schema's (or a parameter's) ``example`` as a valid request, so a wrong one
        is removed. Media type and Example objects only document, so they stay.
        """
        warnings: list[str] = []

        def check(node: dict[str, Any], where: Parts, schema_at: Parts, remove: bool) -> None:
            if "example" in node:
                why = self.problem(schema_at, node["example"])
                if why:
                    removed = ", removed" if remove else ""
                    warnings.append(
                        f"{pointer([*where, 'example'])}: example does not match its schema{removed}: {why}"
                    )
                    if remove:
                        del node["example"]
            examples = node.get("examples")
            if isinstance(examples, list):
                for index, value in enumerate(examples):
                    why = self.problem(schema_at, value)
                    if why:
                        warnings.append(
                            f"{pointer([*where, 'examples', index])}: example does not match its schema: {why}"
                        )
            elif isinstance(examples, dict):
                for name, example in examples.items():
                    if isinstance(example, dict) and "value" in example and "$ref" not in example:
                        why = self.problem(schema_at, example["value"])
                        if why:
                            warnings.append(
                                f"{pointer([*where, 'examples', name, 'value'])}: example does not match its schema: {why}"
                            )

        for node, kind, where in _objects(self.document):
            if kind == "schema":
                check(node, where, where, remove=True)
            elif kind in ("parameter", "header", "mediaType") and "schema" in node:
                check(node, where, [*where, "schema"], remove=kind == "parameter")
        return warnings


def _objects(document: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, Parts]]:
    """Every object of a document that is not a ``$ref``, with its kind and where it is."""

    def walk(
        node: Any, kind: str | None, where: Parts
    ) -> Iterator[tuple[dict[str, Any], str, Parts]]:
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from walk(item, _LIST_ITEMS.get(kind or ""), [*where, index])
        elif isinstance(node, dict):
            if (kind and "$ref" not in node) or kind == "schema":
                yield node, kind or "", where
            for key, value in list(node.items()):
                child = _child(kind, key)
                if key != "$ref" and child != _DATA:
                    yield from walk(value, child, [*where, key])

    yield from walk(document, "document", [])


# Lenient mode


def _tolerate(document: dict[str, Any], version: str) -> list[str]:
    """Normalise what the validator refuses but tools in the wild accept, with a warning each.

    - a ``default`` that does not match its schema: removed;
    - exclusive bounds in the other version's style (3.0 booleans in 3.1, 3.1 numbers in
      3.0): rewritten;
    - an unknown JSON Schema dialect (``$schema`` of a schema, ``jsonSchemaDialect``):
      removed, so the document's default dialect applies;
    - an operation without responses (``responses: {}``, or none in 3.0): a ``default``
      response without content is added;
    - a path parameter without ``required: true``: it is required;
    - ``required: []`` in a 3.0 schema: removed; names repeated in ``required``: kept once;
    - ``$recursiveAnchor`` (JSON Schema 2019-09) in a 3.1 schema: removed;
    - ``info.version`` written as a number: a string.
    """
    warnings: list[str] = []
    values = _Values(document, version)
    v31 = version.startswith("3.1.")
    info = document.get("info")
    if isinstance(info, dict) and isinstance(info.get("version"), int | float):
        info["version"] = str(info["version"])
        warnings.append(f"#/info/version: a number, read as the string {info['version']!r}")
    dialect = document.get("jsonSchemaDialect")
    if v31 and "jsonSchemaDialect" in document and not _known_dialect(dialect):
        del document["jsonSchemaDialect"]
        warnings.append(f"#/jsonSchemaDialect: unknown dialect {dialect!r}, ignored")
    for node, kind, where in _objects(document):
        if kind == "schema":
            warnings += _tolerate_schema(node, where, v31)
            if "default" in node and not (node["default"] is None and node.get("nullable") is True):
                why = values.problem(where, node["default"])
                if why:
                    del node["default"]
                    warnings.append(
                        f"{pointer([*where, 'default'])}: default does not match its schema, removed: {why}"
                    )
        elif kind == "operation":
            responses = node.get("responses")
            if responses == {} or ("responses" not in node and not v31):
                node["responses"] = {"default": {"description": "No response is documented."}}
                warnings.append(
                    f"{pointer([*where, 'responses'])}: no responses; a default response without content is assumed"
                )
        elif kind == "parameter" and node.get("in") == "path" and node.get("required") is not True:
            node["required"] = True
            warnings.append(f"{pointer([*where, 'required'])}: a path parameter is always required")
    return warnings


def _tolerate_schema(schema: dict[str, Any], where: Parts, v31: bool) -> list[str]:
    warnings: list[str] = []
    required = schema.get("required")
    if isinstance(required, list) and len(set(map(str, required))) < len(required):
        schema["required"] = list(dict.fromkeys(required))
        warnings.append(f"{pointer([*where, 'required'])}: names repeated, each kept once")
    if v31 and "$recursiveAnchor" in schema:  # draft 2019-09's, not 2020-12's
        del schema["$recursiveAnchor"]
        warnings.append(f"{pointer([*where, '$recursiveAnchor'])}: not of 3.1's dialect, removed")
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = schema.get(exclusive)
        at = pointer([*where, exclusive])
        if v31 and isinstance(value, bool):
            del schema[exclusive]
            if value and isinstance(schema.get(bound), int | float):
                schema[exclusive] = schema.pop(bound)
                warnings.append(
                    f"{at}: true is 3.0 style, rewritten as {exclusive}: {schema[exclusive]}"
                )
            else:
                warnings.append(f"{at}: {str(value).lower()} is 3.0 style, removed")
        elif not v31 and isinstance(value, int | float) and not isinstance(value, bool):
            kept = schema.get(bound)
            if isinstance(kept, int | float) and (
                kept > value if bound == "minimum" else kept < value
            ):
                del schema[exclusive]  # both bounds hold: the inclusive one is stricter
                warnings.append(
                    f"{at}: a number is 3.1 style, removed: {bound}: {kept} is stricter"
                )
                continue
            schema[bound] = value
            schema[exclusive] = True
            warnings.append(
                f"{at}: a number is 3.1 style, rewritten as {bound}: {value} and {exclusive}: true"
            )
    if v31 and "$schema" in schema and not _known_dialect(schema["$schema"]):
        warnings.append(
            f"{pointer([*where, '$schema'])}: unknown dialect {schema.pop('$schema')!r}, ignored"
        )
    if not v31 and schema.get("required") == []:
        del schema["required"]
        warnings.append(f"{pointer([*where, 'required'])}: an empty list, removed")
    return warnings


def _known_dialect(dialect: Any) -> bool:
    return (
        isinstance(dialect, str) and validator_for({"$schema": dialect}, default=None) is not None
    )


# Validation, each error located in the document


def _validate(document: dict[str, Any], version: str) -> list[str]:
    """openapi-spec-validator's errors, each as one short line at its absolute location."""
    base: Any = OpenAPIV31SpecValidator if version.startswith("3.1.") else OpenAPIV30SpecValidator
    where: dict[int, Parts] = {}
    for node, _, at in _all_nodes(document, []):
        where.setdefault(id(node), at)
    located: dict[int, ValidationError] = {}
    keywords = {
        keyword: _locating(keyword, validator, where, located)
        for keyword, validator in base.keyword_validators.items()
    }
    validator = type("LocatingValidator", (base,), {"keyword_validators": keywords})(document)
    problems: list[str] = []
    seen: set[Any] = set()
    errors = iter(validator.iter_errors())
    while True:
        try:
            error = next(errors)
        except StopIteration:
            break
        except Exception as failure:  # the validator's own failure: one line too,
            if not problems:  # unless it only trips over what it reported
                failed = f"#: the validator failed: {type(failure).__name__}: {failure}"
                problems.append(failed if len(failed) <= 240 else failed[:237] + "...")
            break
        leaf = _most_relevant(error)
        location = pointer(list(leaf.absolute_path))
        # one line per wrong value: 3.0's schema and the meta-schema may both say it
        same = (
            (location, leaf.validator, repr(leaf.instance))
            if leaf.validator in _VALUE_CHECKS
            else ""
        )
        line = f"{location}: {_short(leaf)}"
        if line not in problems and (not same or same not in seen):
            problems.append(line)
            seen.add(same)
    return problems


#: The validators whose errors are about one value (and say the same when repeated).
_VALUE_CHECKS = ("enum", "const", "type", "format")


def _all_nodes(node: Any, at: Parts) -> Iterator[tuple[Any, None, Parts]]:
    if isinstance(node, dict):
        yield node, None, at
        for key, value in node.items():
            yield from _all_nodes(value, [*at, key])
    elif isinstance(node, list):
        yield node, None, at
        for index, value in enumerate(node):
            yield from _all_nodes(value, [*at, index])


def _locating(
    keyword: str, cls: type[Any], where: dict[int, Parts], located: dict[int, ValidationError]
) -> type[Any]:
    """``cls``, a keyword validator of openapi-spec-validator, whose errors say where they are.

    Its errors are relative to what it was given (or have no path at all): each is given
    the absolute path of that (the first :class:`SchemaPath` argument), once, by the
    innermost validator that sees it.
    """

    def call(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        given = next((arg for arg in args if isinstance(arg, SchemaPath)), None)
        value = given.read_value() if given is not None else None
        at: Parts = list(where.get(id(value), given.parts if given is not None else []))
        if keyword == "default":
            at.append("default")
        for error in cls.__call__(self, *args, **kwargs):
            if id(error) not in located:
                located[id(error)] = error
                if isinstance(error, ExtraParametersError):
                    path: Parts = [*at, "required"]
                elif isinstance(error, DuplicateOperationIDError):
                    path = [*at, "operationId"]
                elif keyword in ("parameters", "tags") and given is not None:
                    path = [*at, *_repeated(given)]
                else:
                    path = [*at, *error.relative_path]
                error.path = error.relative_path = deque(path)
            yield error

    return type(f"Locating{cls.__name__}", (cls,), {"__call__": call})


def _repeated(items: SchemaPath) -> list[int]:
    """Where the first parameter (name and place) or tag (name) seen before is in ``items``."""
    seen = set()
    for index, item in enumerate(items):
        key = tuple((item / part).read_value() if part in item else None for part in ("name", "in"))
        if key in seen:
            return [index]
        seen.add(key)
    return []


def _most_relevant(error: ValidationError) -> ValidationError:
    """The error that says what is wrong, found in the contexts of ``oneOf``/``anyOf``.

    A branch is left out when it is not the one meant: a Reference Object for a value
    without ``$ref``, or a variant whose ``enum``/``const`` a property does not match
    (``in: query`` for a path parameter). When every variant is so, that property is
    what is wrong, and one line lists what it may be.
    """
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
            branches.setdefault(branch, []).append(sub)
        if isinstance(error.instance, dict) and "$ref" not in error.instance:
            branches = {
                branch: subs
                for branch, subs in branches.items()
                if not any(
                    s.validator == "required" and s.validator_value == ["$ref"] for s in subs
                )
            } or branches
        meant = {branch: subs for branch, subs in branches.items() if not _variant(subs)}
        if not meant and len(branches) > 1:
            return _none_of(branches)
        candidates = [sub for subs in (meant or branches).values() for sub in subs]
        error = max(candidates, key=relevance)
    return error


def _variant(errors: list[ValidationError]) -> list[ValidationError]:
    """The errors of a ``oneOf`` branch that say it is another variant: a property's
    ``enum``/``const``."""
    return [e for e in errors if e.validator in ("enum", "const") and e.relative_path]


def _none_of(branches: dict[Any, list[ValidationError]]) -> ValidationError:
    """One error for a property that matches no variant, listing what it may be."""
    first = _variant(next(iter(branches.values())))[0]
    allowed: list[Any] = []
    for subs in branches.values():
        for sub in _variant(subs):
            if list(sub.absolute_path) == list(first.absolute_path):
                values = sub.validator_value if sub.validator == "enum" else [sub.validator_value]
                allowed += [value for value in values if value not in allowed]
    return ValidationError(
        f"{first.instance!r} is not one of {allowed!r}",
        validator="enum",
        validator_value=allowed,
        instance=first.instance,
        path=list(first.absolute_path),
    )


def _short(error: ValidationError) -> str:
    """The message of ``error``, without a long dump of the value it is about."""
    message = str(error.message)
    shown = repr(error.instance)
    if len(shown) > 60 and message.startswith(shown):
        value = error.instance
        kind = "the object" if isinstance(value, dict) else "the array"
        message = (kind if isinstance(value, dict | list) else "the value") + message[len(shown) :]
    return message if len(message) <= 240 else message[:237] + "..."
