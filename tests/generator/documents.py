"""Random valid OpenAPI documents within what ``import-spec`` supports, for property tests.

:func:`documents` is a hypothesis strategy: ``documents("3.0.3")`` or
``documents("3.1.0")`` gives whole documents (as plain dicts, ready for
``yaml.safe_dump``) that pass openapi-spec-validator and use only constructs
docs/cli.md "Spec-first" says are imported: component schemas (objects with string,
integer, number, boolean, array, nested object and ``$ref`` properties, formats,
enums, lengths, patterns, bounds, ``const``, null, ``readOnly``/``writeOnly``,
``additionalProperties``, ``required``, ``allOf``, ``oneOf``/``anyOf``), paths with
path parameters, query/header/cookie parameters, get/post/put/patch/delete
operations, JSON object, array and scalar bodies, multipart bodies with a file,
``application/octet-stream`` and form bodies, and answers per status, range and
``default``.

What they avoid, so that every document is one the service can take whole:

- routes the service has itself (``/livez``, ``/readyz``, ``/docs``, ``/redoc``,
  ``/openapi.json``, ``/v1/...``): every path starts with a literal segment from
  :data:`SEGMENTS`;
- two operations whose handlers would have the same Python name, and two paths that
  are one template (``/pets/{a}`` and ``/pets/{b}``);
- ``oneOf`` branches that overlap (a value matching two branches matches no
  ``oneOf``): the branches are of distinct types, or closed objects with disjoint
  required properties;
- examples: the values a generated test sends are made from the schemas alone.
"""

from __future__ import annotations

import re
from keyword import iskeyword
from typing import Any

from hypothesis import strategies as st

__all__ = ["SAFE_PATTERNS", "SEGMENTS", "VERSIONS", "documents"]

VERSIONS = ("3.0.3", "3.1.0")

#: Words names are made of.
WORDS = (
    "pet", "owner", "order", "item", "book", "store", "user", "tag", "note", "city",
    "price", "count", "label", "status", "kind", "size", "color", "name", "title", "code",
    "amount", "total", "line", "address", "zip", "photo", "review", "author", "page", "limit",
)  # fmt: skip

#: Names a property, parameter or operation may also have: Python keywords and
#: builtins, marshmallow schema attributes, the view's own keyword arguments.
AWKWARD = (
    "class", "from", "in", "type", "id", "self", "fields", "load", "validate", "Meta",
    "path", "query", "body", "headers", "cookies", "data", "schema", "blp", "ma", "Any",
    "handle", "annotations", "return", "None", "True", "2fa", "_private", "x",
)  # fmt: skip

#: First path segments: never a route of the service's own.
SEGMENTS = ("pets", "orders", "books", "stores", "users", "notes", "cities", "events",
            "health", "items", "reviews", "uploads", "search", "api", "admin")  # fmt: skip

#: Path segments after the first.
SUBSEGMENTS = ("feed", "photos", "owners", "tags", "export", "summary", "by-name", "v2", "latest")

#: Component schema names beside the made-up ones: the service has some of them too.
COMPONENT_NAMES = ("Problem", "Event", "Receipt", "Health", "pet-details", "Pet.Details",
                   "pet_details", "Error", "Item", "Page")  # fmt: skip

#: Tags beside the words: two are blueprints of the service's own, one has a dot and a space.
TAGS = ("events", "health", "pet.store", "Pet Store", "admin")

#: Patterns a short value of the test data candidates ("a", "0", "A", ...) matches,
#: paired with the (minLength, maxLength) they are written with.
SAFE_PATTERNS = (
    ("^[a-z]+$", (1, 20)),
    ("^[A-Za-z0-9_-]+$", (1, 32)),
    ("^[0-9]+$", (1, 10)),
    ("^[A-Z][a-z]*$", (None, None)),
    ("^[a-z0-9-]{1,16}$", (None, None)),
    ("[a-z]", (None, None)),
)

STRING_FORMATS = (None, "date-time", "date", "email", "uuid")

#: Statuses an operation may list, besides one success.
STATUSES = ("400", "404", "409", "422", "4XX", "5XX", "default")
SUCCESSES = ("200", "201", "202", "204", "2XX")

#: Header names a document may not use as parameters: the service's own, and the
#: ones OpenAPI says to ignore (those are tested elsewhere).
RESERVED_HEADERS = {"x-request-id", "accept", "content-type", "authorization"}


def _camel(words: list[str]) -> str:
    return words[0] + "".join(word[:1].upper() + word[1:] for word in words[1:])


def _key(name: str) -> str:
    """What two names that Python would spell alike share (``petId``, ``pet-id``, ``pet_id``)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


class _Document:
    """Draws one document; ``draw`` is hypothesis's, ``v31`` whether it is OpenAPI 3.1."""

    def __init__(self, draw: Any, version: str) -> None:
        self.draw = draw
        self.version = version
        self.v31 = version.startswith("3.1")
        #: Component name -> schema, in order; a required ref goes only to an earlier one.
        self.components: dict[str, dict[str, Any]] = {}
        #: Components that are objects with properties (usable in allOf and as bodies).
        self.objects: list[str] = []
        self.handler_keys: set[str] = set()

    def rarely(self, odds: int) -> bool:
        """True once in ``odds + 1`` draws; False as hypothesis shrinks it."""
        return bool(self.draw(st.integers(0, odds)) == odds)

    # ---- names -------------------------------------------------------------------

    def words(self, low: int = 1, high: int = 2) -> list[str]:
        return self.draw(st.lists(st.sampled_from(WORDS), min_size=low, max_size=high))

    def property_name(self) -> str:
        if self.rarely(9):
            return self.draw(st.sampled_from(AWKWARD))
        words = self.words()
        style = self.draw(st.sampled_from(("camel", "snake", "dash", "plain")))
        if style == "camel":
            return _camel(words)
        if style == "snake":
            return "_".join(words)
        if style == "dash":
            return "-".join(words)
        return "".join(words)

    def identifier(self) -> str:
        """A path parameter's name: a Python identifier, not a keyword (a URL rule binds it
        as a Python name; the import refuses others)."""
        if self.rarely(5):
            names = [n for n in AWKWARD if n.isidentifier() and not iskeyword(n)]
            return self.draw(st.sampled_from(names))
        words = self.words()
        return _camel(words) if self.draw(st.booleans()) else "_".join(words)

    def names(self, make: Any, low: int, high: int, key: Any = _key) -> list[str]:
        """Between ``low`` and ``high`` names from ``make``, no two with the same ``key``."""
        count = self.draw(st.integers(low, high))
        found: dict[str, str] = {}
        for _ in range(count * 3):
            if len(found) == count:
                break
            name = make()
            found.setdefault(key(name), name)
        return list(found.values())

    # ---- schemas -----------------------------------------------------------------

    def nullable(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema``, allowing null, as its version writes it."""
        if "enum" in schema:
            schema = {**schema, "enum": [*schema["enum"], None]}
        if self.v31:
            return {**schema, "type": [schema["type"], "null"]}
        return {**schema, "nullable": True}

    def string(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        choice = self.draw(
            st.sampled_from(("plain", "format", "enum", "lengths", "pattern", "const"))
        )
        if choice == "format":
            schema["format"] = self.draw(st.sampled_from(STRING_FORMATS[1:]))
        elif choice == "enum":
            schema["enum"] = self.draw(
                st.lists(st.sampled_from(WORDS), min_size=1, max_size=4, unique=True)
            )
        elif choice == "lengths":
            low = self.draw(st.integers(0, 5))
            schema["minLength"] = low
            if self.draw(st.booleans()):
                schema["maxLength"] = low + self.draw(st.integers(0, 20))
        elif choice == "pattern":
            pattern, (low, high) = self.draw(st.sampled_from(SAFE_PATTERNS))
            schema["pattern"] = pattern
            if low is not None:
                schema["minLength"], schema["maxLength"] = low, high
        elif choice == "const" and self.v31:
            schema["const"] = self.draw(st.sampled_from(WORDS))
        return schema

    def integer(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        fmt = self.draw(st.sampled_from((None, "int32", "int64")))
        if fmt:
            schema["format"] = fmt
        low = self.draw(st.none() | st.integers(-1000, 1000))
        high = self.draw(st.none() | st.integers(0, 100_000))
        if low is not None and high is not None and high < low + 2:
            high = low + 2
        self.bounds(schema, low, high)
        if self.v31 and self.rarely(9):
            return {"type": "integer", "const": self.draw(st.integers(-5, 5))}
        return schema

    def number(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        if self.draw(st.booleans()):
            schema["format"] = self.draw(st.sampled_from(("float", "double")))
        low = self.draw(st.none() | st.sampled_from((-1.5, 0, 0.5, 10)))
        high = self.draw(st.none() | st.sampled_from((100, 1000.25)))
        self.bounds(schema, low, high)
        return schema

    def bounds(self, schema: dict[str, Any], low: Any, high: Any) -> None:
        for keyword, exclusive, value in (
            ("minimum", "exclusiveMinimum", low),
            ("maximum", "exclusiveMaximum", high),
        ):
            if value is None:
                continue
            if not self.draw(st.booleans()):
                schema[keyword] = value
            elif self.v31:
                schema[exclusive] = value
            else:
                schema[keyword], schema[exclusive] = value, True

    def scalar(
        self, kinds: tuple[str, ...] = ("string", "integer", "number", "boolean")
    ) -> dict[str, Any]:
        kind = self.draw(st.sampled_from(kinds))
        if kind == "string":
            return self.string()
        if kind == "integer":
            return self.integer()
        if kind == "number":
            return self.number()
        schema: dict[str, Any] = {"type": "boolean"}
        if self.draw(st.booleans()):
            schema["default"] = self.draw(st.booleans())
        return schema

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": "#/components/schemas/" + name.replace("~", "~0").replace("/", "~1")}

    def value(self, depth: int, *, required: bool, component: str | None = None) -> dict[str, Any]:
        """A property's schema. A required one refers only to earlier components (a
        value can be made for it); an optional one to any, itself too."""
        earlier = [n for n in self.components if n != component]
        kinds = ["scalar"] * 4 + ["array"]
        if depth < 2:
            kinds += ["object", "oneOf", "anyOf"]
        if earlier:
            kinds += ["ref", "ref"]
            if not self.v31:
                kinds.append("allOfRef")
        if component is not None and not required:
            kinds.append("self")
        if depth < 2:
            kinds.append("allOfInline")
        kind = self.draw(st.sampled_from(kinds))
        if kind == "scalar":
            schema = self.scalar()
        elif kind == "array":
            items = (
                self.scalar()
                if depth >= 2 or self.draw(st.booleans())
                else self.value(depth + 1, required=required, component=component)
            )
            schema = {"type": "array", "items": items}
            if self.draw(st.booleans()):
                schema["minItems"] = self.draw(st.integers(0, 2))
            if self.draw(st.booleans()):
                schema["maxItems"] = schema.get("minItems", 0) + self.draw(st.integers(1, 5))
        elif kind == "object":
            schema = self.object(depth + 1)
        elif kind in ("oneOf", "anyOf"):
            schema = self.choice(kind, depth + 1)
        elif kind == "ref":
            return self.ref(self.draw(st.sampled_from(earlier)))
        elif kind == "self":
            assert component is not None
            return {"type": "array", "items": self.ref(component)}
        elif kind == "allOfRef":  # 3.0's way to make a ref nullable or describe it
            schema = {"allOf": [self.ref(self.draw(st.sampled_from(earlier)))]}
            if self.draw(st.booleans()):
                schema["nullable"] = True
            else:
                schema["description"] = "The referred one."
            return schema
        else:  # allOfInline: two inline objects (and maybe a ref to an object) merged
            parts = self.disjoint_objects(2)
            usable = [n for n in self.objects if n != component]
            if usable and self.draw(st.booleans()):
                parts.insert(0, self.ref(self.draw(st.sampled_from(usable))))
            return {"allOf": parts}
        if self.rarely(5) and "type" in schema and "const" not in schema:
            schema = self.nullable(schema)
        return schema

    def object(
        self, depth: int, *, component: str | None = None, closed: bool | None = None
    ) -> dict[str, Any]:
        names = self.names(self.property_name, 1, 5 if depth == 0 else 3, key=lambda n: n)
        schema: dict[str, Any] = {"type": "object"}
        required = self.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        schema["properties"] = {}
        for name in names:
            prop = self.value(depth, required=name in required, component=component)
            if "$ref" not in prop:
                flag = self.draw(st.sampled_from((None, None, None, "readOnly", "writeOnly")))
                if flag is not None and name not in required:
                    prop[flag] = True
                if self.rarely(4):
                    prop["description"] = f"The {name}."
            schema["properties"][name] = prop
        if required:
            schema["required"] = required
        extra = self.draw(st.sampled_from(("absent", "absent", "false", "true", "schema")))
        if closed is not None:
            extra = "false" if closed else "absent"
        if extra == "false":
            schema["additionalProperties"] = False
        elif extra == "true":
            schema["additionalProperties"] = True
        elif extra == "schema":
            schema["additionalProperties"] = self.scalar()
        if self.rarely(3):
            schema["description"] = "An object."
        return schema

    def disjoint_objects(self, count: int, *, closed: bool = False) -> list[dict[str, Any]]:
        """``count`` objects with properties of their own, each requiring one or more."""
        parts: list[dict[str, Any]] = []
        taken: set[str] = set()
        for _ in range(count):
            part = self.object(2, closed=closed)
            properties = {n: p for n, p in part["properties"].items() if n not in taken}
            if not properties:
                name = f"part{len(parts)}"
                properties = {name: {"type": "string"}}
            taken |= set(properties)
            part["properties"] = properties
            part["required"] = [n for n in part.get("required", []) if n in properties] or [
                next(iter(properties))
            ]
            parts.append(part)
        return parts

    def choice(self, keyword: str, depth: int) -> dict[str, Any]:
        """A ``oneOf``/``anyOf`` whose branches no value matches two of (for oneOf)."""
        if self.draw(st.booleans()):
            kinds = self.draw(
                st.lists(
                    st.sampled_from(("string", "integer", "boolean", "array")),
                    min_size=2, max_size=3, unique=True,
                )
            )  # fmt: skip
            branches = [
                {"type": "array", "items": self.scalar()}
                if kind == "array"
                else self.scalar((kind,))
                for kind in kinds
            ]
            return {keyword: branches}
        return {keyword: self.disjoint_objects(self.draw(st.integers(2, 3)), closed=True)}

    def component_schemas(self) -> None:
        names = self.names(self.component_name, 0, 5)
        for name in names:
            kind = self.draw(
                st.sampled_from(("object",) * 5 + ("allOf", "enum", "array", "choice"))
            )
            if kind == "allOf" and self.objects:
                base = self.draw(st.sampled_from(self.objects))
                own = self.object(1, component=name)
                inherited = self.components[base]
                own["properties"] = {
                    n: p
                    for n, p in own["properties"].items()
                    if n not in inherited.get("properties", {})
                } or {"extra": {"type": "string"}}
                own["required"] = [n for n in own.get("required", []) if n in own["properties"]]
                if not own["required"]:
                    del own["required"]
                if own.get("additionalProperties") is False:
                    del own["additionalProperties"]  # it would refuse the base's properties
                schema: dict[str, Any] = {"allOf": [self.ref(base), own]}
                self.objects.append(name)
            elif kind == "enum":
                schema = {"type": "string", "enum": self.words(1, 4)}
                schema["enum"] = list(dict.fromkeys(schema["enum"]))
            elif kind == "array":
                schema = {"type": "array", "items": self.scalar()}
            elif kind == "choice":
                schema = self.choice(self.draw(st.sampled_from(("oneOf", "anyOf"))), 1)
            else:
                schema = self.object(0, component=name)
                self.objects.append(name)
            self.components[name] = schema

    def component_name(self) -> str:
        if self.rarely(3):
            return self.draw(st.sampled_from(COMPONENT_NAMES))
        return "".join(word.capitalize() for word in self.words())

    # ---- operations --------------------------------------------------------------

    def parameter(self, location: str, name: str) -> dict[str, Any]:
        if location == "path":
            schema = self.scalar(("string", "integer"))
            schema.pop("pattern", None)  # a path segment's value must be its own
            schema.pop("minLength", None)
            schema.pop("maxLength", None)
            if schema.get("format") == "date-time":
                schema.pop("format")
        elif self.rarely(3):
            schema = {"type": "array", "items": self.scalar(("string", "integer"))}
        else:
            schema = self.scalar()
        parameter: dict[str, Any] = {"name": name, "in": location, "schema": schema}
        if location == "path" or self.draw(st.booleans()):
            parameter["required"] = True
        if self.rarely(4):
            parameter["description"] = f"The {name}."
        return parameter

    def parameters(self, location: str) -> list[dict[str, Any]]:
        if location == "header":
            make = lambda: "X-" + "-".join(w.capitalize() for w in self.words())  # noqa: E731
            key = str.lower
        elif location == "cookie":
            make, key = self.identifier, lambda n: n
        else:
            make, key = self.property_name, lambda n: n
        names = [n for n in self.names(make, 0, 2, key=key) if n.lower() not in RESERVED_HEADERS]
        return [self.parameter(location, name) for name in names]

    def body(self) -> dict[str, Any]:
        kind = self.draw(
            st.sampled_from(
                ("object", "object", "ref", "array", "scalar", "multipart", "octet", "form")
            )
        )
        if kind == "ref" and not self.objects:
            kind = "object"
        if kind == "object":
            content = {"application/json": {"schema": self.object(0)}}
        elif kind == "ref":
            content = {
                "application/json": {"schema": self.ref(self.draw(st.sampled_from(self.objects)))}
            }
        elif kind == "array":
            schema: dict[str, Any] = {"type": "array", "items": self.value(1, required=True)}
            if self.draw(st.booleans()):
                schema["minItems"] = 1
            content = {"application/json": {"schema": schema}}
        elif kind == "scalar":
            content = {"application/json": {"schema": self.scalar()}}
        elif kind == "multipart":
            fields = {
                n: self.scalar(("string", "integer")) for n in self.names(self.identifier, 0, 2)
            }
            fields.pop("file", None)
            fields["file"] = {"type": "string", "format": "binary"}
            schema = {"type": "object", "properties": fields, "required": ["file"]}
            if fields and self.draw(st.booleans()):
                schema["required"] = list(fields)
            content = {"multipart/form-data": {"schema": schema}}
        elif kind == "octet":
            binary: dict[str, Any] = {"type": "string", "format": "binary"}
            if self.v31 and self.draw(st.booleans()):
                binary = {"type": "string", "contentMediaType": "application/octet-stream"}
            content = {"application/octet-stream": {"schema": binary}}
        else:
            properties = {
                n: self.scalar() for n in self.names(self.property_name, 1, 3, key=lambda n: n)
            }
            schema = {"type": "object", "properties": properties}
            required = self.draw(st.lists(st.sampled_from(list(properties)), unique=True))
            if required:
                schema["required"] = required
            content = {"application/x-www-form-urlencoded": {"schema": schema}}
        body: dict[str, Any] = {"content": content}
        if self.draw(st.booleans()):
            body["required"] = True
        if self.rarely(3):
            body["description"] = "What to store."
        return body

    def answer_schema(self) -> dict[str, Any]:
        kind = self.draw(st.sampled_from(("object", "ref", "array", "scalar")))
        if kind == "ref" and self.components:
            return self.ref(self.draw(st.sampled_from(list(self.components))))
        if kind == "array":
            return {"type": "array", "items": self.value(1, required=True)}
        if kind == "scalar":
            return self.scalar()
        return self.object(1)

    def responses(self) -> dict[str, Any]:
        success = self.draw(st.sampled_from(SUCCESSES))
        others = self.draw(st.lists(st.sampled_from(STATUSES), unique=True, max_size=3))
        responses: dict[str, Any] = {}
        for status in [success, *others]:
            response: dict[str, Any] = {"description": f"Answer {status}."}
            with_body = status != "204" and (status[0] == "2" or self.draw(st.booleans()))
            if with_body and self.draw(st.integers(0, 4)) > 0:
                response["content"] = {"application/json": {"schema": self.answer_schema()}}
            if status[0] == "2" and self.rarely(3):
                response["headers"] = {
                    "X-Rate-Limit": {"description": "Calls left.", "schema": {"type": "integer"}}
                }
            responses[status] = response
        return responses

    def path(self) -> tuple[str, list[str]]:
        """A path template, and its variables."""
        segments = [self.draw(st.sampled_from(SEGMENTS))]
        variables: list[str] = []
        for _ in range(self.draw(st.integers(0, 3))):
            if self.draw(st.booleans()):
                name = self.identifier()
                if name in variables:
                    continue
                variables.append(name)
                segments.append(f"{{{name}}}")
            else:
                segments.append(self.draw(st.sampled_from(SUBSEGMENTS)))
        return "/" + "/".join(segments), variables

    def operation_id(self, method: str, path: str) -> str | None:
        """A new operationId (or None, to let the import derive one): its handler name
        is no other operation's."""
        derived = _key(method + re.sub(r"\{([^{}]+)\}", r"by\1", path))
        if derived not in self.handler_keys and self.rarely(4):
            self.handler_keys.add(derived)
            return None
        for _ in range(5):
            verb = self.draw(
                st.sampled_from(
                    ("list", "create", "find", "update", "remove", "upload", "count", "replace")
                )
            )
            words = [verb, *self.words()]
            style = self.draw(st.sampled_from(("camel", "dash", "snake")))
            name = (
                _camel(words) if style == "camel" else ("-" if style == "dash" else "_").join(words)
            )
            if _key(name) not in self.handler_keys and _key(name) not in ("blp", "annotations"):
                self.handler_keys.add(_key(name))
                return name
        return None if derived not in self.handler_keys else self.unique_id()

    def unique_id(self) -> str:
        number = len(self.handler_keys)
        while f"operation{number}" in self.handler_keys:
            number += 1
        self.handler_keys.add(f"operation{number}")
        return f"operation{number}"

    def paths(self) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        templates: set[str] = set()
        for _ in range(self.draw(st.integers(1, 4))):
            path, variables = self.path()
            template = re.sub(r"\{[^{}]+\}", "{}", path)
            if template in templates:
                continue
            templates.add(template)
            item: dict[str, Any] = {}
            path_parameters = [self.parameter("path", name) for name in variables]
            shared = bool(path_parameters) and self.draw(st.booleans())
            if shared:
                item["parameters"] = path_parameters
            methods = self.draw(
                st.lists(
                    st.sampled_from(("get", "post", "put", "patch", "delete")),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
            for method in methods:
                operation: dict[str, Any] = {}
                operation_id = self.operation_id(method, path)
                if operation_id is not None:
                    operation["operationId"] = operation_id
                if self.draw(st.booleans()):
                    operation["tags"] = [self.draw(st.sampled_from(TAGS + WORDS[:6]))]
                if self.rarely(3):
                    operation["summary"] = f"{method} {path}"
                parameters = [] if shared else list(path_parameters)
                for location in ("query", "header", "cookie"):
                    if self.rarely(2):
                        parameters += self.parameters(location)
                if parameters:
                    operation["parameters"] = parameters
                if method in ("post", "put", "patch") and self.draw(st.integers(0, 4)) > 0:
                    operation["requestBody"] = self.body()
                operation["responses"] = self.responses()
                if self.rarely(5):
                    operation["security"] = [{"bearer": []}]
                item[method] = operation
            paths[path] = item
        return paths

    def document(self) -> dict[str, Any]:
        self.component_schemas()
        paths = self.paths()
        document: dict[str, Any] = {
            "openapi": self.version,
            "info": {"title": "Random", "version": "1.0.0"},
            "paths": paths,
        }
        tags = sorted(
            {
                t
                for item in paths.values()
                for op in item.values()
                if isinstance(op, dict)
                for t in op.get("tags", [])
            }
        )
        if tags and self.draw(st.booleans()):
            document["tags"] = [
                {"name": tag, "description": f"The {tag} operations."} for tag in tags
            ]
        components: dict[str, Any] = {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        }
        if self.components:
            components["schemas"] = self.components
        document["components"] = components
        return document


@st.composite
def documents(draw: Any, version: str | None = None) -> dict[str, Any]:
    """A valid OpenAPI document of ``version`` (either, when None) that imports whole."""
    return _Document(draw, version or draw(st.sampled_from(VERSIONS))).document()
