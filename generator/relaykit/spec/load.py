"""Read an OpenAPI 3.0 or 3.1 document, JSON or YAML, and refuse it with every problem found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator import OpenAPIV31SpecValidator

from .. import RelaykitError

__all__ = ["SpecError", "load_spec", "pointer"]


class SpecError(RelaykitError):
    """A document that cannot be imported: every problem, each with where it is."""

    def __init__(self, source: Path, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{source} cannot be imported ({len(problems)} problem(s)):\n{listed}")


def pointer(parts: Sequence[str | int]) -> str:
    """A JSON Pointer (RFC 6901) as a URI fragment: ``#/paths/~1pets/get``."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "#/" + "/".join(escaped) if parts else "#"


def _parse(source: Path) -> Any:
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecError(
                source, [f"line {error.lineno}, column {error.colno}: {error.msg}"]
            ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        raise SpecError(source, [f"{where}{reason}"]) from None
    # YAML reads 2026-01-01 as a date: the document is JSON data, so it is a string.
    try:
        return json.loads(json.dumps(document, default=_json_value))
    except (TypeError, ValueError) as error:
        raise SpecError(source, [f"#: {error}"]) from None


def _json_value(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{value!r} is not a JSON value")


def _refs(node: Any, where: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    """Every ``$ref`` in a document, with where it is."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield [*where, "$ref"], node["$ref"]
        for key, value in node.items():
            yield from _refs(value, [*where, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, [*where, index])


def load_spec(source: Path) -> dict[str, Any]:
    """Read and validate an OpenAPI document.

    :param source: a ``.json`` file, or YAML (``.yaml``, ``.yml`` or anything else).
    :returns: the document, as parsed.
    :raises SpecError: when it cannot be read, is not OpenAPI 3.0.x or 3.1.x, or
        is invalid; every validation error is listed with its location.
    """
    try:
        document = _parse(source)
    except OSError as error:
        raise SpecError(source, [f"cannot be read: {error.strerror}"]) from None
    if not isinstance(document, dict):
        raise SpecError(source, ["#: the document is not an object"])
    version = str(document.get("openapi", ""))
    if version.startswith("3.0."):
        validator: Any = OpenAPIV30SpecValidator(document)
    elif version.startswith("3.1."):
        validator = OpenAPIV31SpecValidator(document)
    else:
        found = f"openapi: {version}" if version else "no openapi field"
        raise SpecError(
            source, [f"#/openapi: only OpenAPI 3.0.x and 3.1.x can be imported, found {found}"]
        )
    # Refused before validation, which would fetch them: an import reads one file, offline.
    external = [
        f"{pointer(where)}: $ref {ref!r} points outside this document; only #/... refs are supported"
        for where, ref in _refs(document, [])
        if not ref.startswith("#")
    ]
    if external:
        raise SpecError(source, external)
    problems = [
        f"{pointer(list(error.absolute_path))}: {error.message}"
        for error in validator.iter_errors()
    ]
    if problems:
        raise SpecError(source, problems)
    return dict(document)
