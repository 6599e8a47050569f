"""Compare contracts: an imported document and what the service it became serves.

Both sides are read the same way: every ``$ref`` resolved (a schema that contains
itself is cut at the repeat, on both sides alike), path-level parameters merged
into the operations, the document's ``security`` into operations without their own,
and schemas normalised (:func:`normalised_schema`). What a service adds to every
operation is then set aside; what remains must be equal.

The documented differences, each set aside here and nowhere else:

- the service's own parts: the ``X-Request-ID`` parameter and response header, and
  its problem answers (400, 401, 413, 415, 422, 500, 501) where the document lists none, or
  ``application/problem+json`` beside the document's content where it lists one;
- the service's own authentication: an operation the document gives no ``security``
  has the service's, and one it gives some needs the service's key as well (the
  scheme is in each requirement); a security scheme named like the service's is
  served as ``Imported<name>``;
- ``Accept``, ``Content-Type`` and ``Authorization`` header parameters are ignored (as
  OpenAPI says);
- an ``enum`` without null refuses null, whatever ``nullable`` or the type says;
- a nullable ``$ref`` is written as apispec writes it (3.0: ``anyOf`` with a null object);
- a parameter's ``style``, ``explode``, ``examples`` and ``allowEmptyValue`` are not
  carried; its ``example`` is written in its schema;
- of a request body's media types, only the one the service parses is served;
- an operation without tags is tagged with its blueprint's name; one without an
  operationId gets a derived one;
- an operation's ``servers`` are not carried, and an answer's empty ``content`` is none;
- in schemas: ``allOf`` is flattened, ``required`` is a set, ``type: object`` is
  implied by ``properties``, a 3.1 exclusive bound may come with the same inclusive
  one, an ``additionalProperties`` schema is documented as ``true`` (or not at all, the
  same), the default
  of a required property moves into the docs (marshmallow has none for it), ``const``
  is an ``enum`` of one value, ``unevaluatedProperties: false`` is
  ``additionalProperties: false`` (allOf being merged), and a boolean subschema is
  written as the object it means (``{}`` or ``{"not": {}}``).
"""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: Statuses of the problem answers a service documents for its own reasons.
SERVICE_STATUSES = {"400", "401", "413", "415", "422", "500", "501"}

REQUEST_ID = "X-Request-ID"

#: The service's own security schemes, as its api/auth.py names them.
SERVICE_SCHEMES = {"ApiKeyAuth", "BearerAuth", "SignatureAuth"}

PROBLEM = "application/problem+json"

#: Header parameters OpenAPI says to ignore.
IGNORED_HEADERS = ("accept", "content-type", "authorization")

#: Parameter keywords a service does not carry.
PARAMETER_KEYWORDS_DROPPED = ("style", "explode", "examples", "allowEmptyValue", "example")


def resolve(node: Any, document: dict[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``$ref`` replaced by its target; a repeat becomes ``{"$cycle": ref}``."""
    if isinstance(node, list):
        return [resolve(item, document, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in stack:
            return {"$cycle": ref}
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        resolved = resolve(target, document, (*stack, ref))
        return {**resolved, **resolve(siblings, document, stack)} if siblings else resolved
    return {key: resolve(value, document, stack) for key, value in node.items()}


def normalised_schema(schema: Any) -> Any:
    """A resolved schema with the documented differences taken out."""
    if isinstance(schema, list):
        return [normalised_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    null_object = {"type": "object", "nullable": True}
    if len(schema.get("anyOf", [])) == 2 and null_object in schema["anyOf"]:
        # apispec's way to write a nullable $ref in 3.0: that schema, nullable.
        referred = next(part for part in schema.pop("anyOf") if part != null_object)
        schema = {**schema, **referred, "nullable": True}
    if "const" in schema:  # checked and written as an enum of one value
        schema["enum"] = [schema.pop("const")]
    if schema.get("unevaluatedProperties") is False:  # the same, once allOf is merged
        del schema["unevaluatedProperties"]
        schema["additionalProperties"] = False
    if "allOf" in schema:
        merged: dict[str, Any] = {
            "type": "object",
            "properties": dict(schema.pop("properties", {})),
            "required": list(schema.pop("required", [])),
        }
        for part in schema.pop("allOf"):
            part = normalised_schema(part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        schema = {**schema, **merged}
    if "enum" in schema and None not in schema["enum"]:  # the enum decides: no null
        schema.pop("nullable", None)
        if isinstance(schema.get("type"), list):
            kinds = [kind for kind in schema["type"] if kind != "null"]
            schema["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "properties" in schema:
        schema.setdefault("type", "object")
        required = set(schema.get("required", []))
        schema["properties"] = {
            name: {
                key: value
                for key, value in prop.items()
                if not (key == "default" and name in required)
            }
            if isinstance(prop, dict)
            else prop
            for name, prop in schema["properties"].items()
        }
    extra = schema.get("additionalProperties")
    if extra is True or isinstance(extra, dict):
        del schema["additionalProperties"]  # documented as true, which is the default
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        value = schema.get(exclusive)
        if not isinstance(value, bool) and value is not None and schema.get(bound) == value:
            del schema[bound]
    if "required" in schema:
        schema["required"] = sorted(set(schema["required"]))
        if not schema["required"]:
            del schema["required"]
    for key in ("items", "not"):
        if key in schema:
            schema[key] = _subschema(schema[key])
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(key), list):
            schema[key] = [_subschema(part) for part in schema[key]]
    if isinstance(schema.get("properties"), dict):
        schema["properties"] = {n: _subschema(p) for n, p in schema["properties"].items()}
    return {key: normalised_schema(value) for key, value in schema.items()}


def _subschema(schema: Any) -> Any:
    """A boolean subschema as the object it means: ``{}`` or ``{"not": {}}``."""
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    return schema


def _schemas_normalised(node: Any) -> Any:
    """``node`` with every ``schema`` in it normalised (callbacks are written as given)."""
    if isinstance(node, list):
        return [_schemas_normalised(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: normalised_schema(value) if key == "schema" else _schemas_normalised(value)
        for key, value in node.items()
    }


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in parameter.items() if k not in PARAMETER_KEYWORDS_DROPPED}
    schema = dict(kept.pop("schema", {}))
    schema.pop("example", None)  # a parameter's example moves into its schema
    for name in ("description", "deprecated"):
        if name in kept and schema.get(name) == kept[name]:
            del schema[name]
    kept["schema"] = normalised_schema(schema)
    kept["required"] = bool(kept.get("required")) or kept["in"] == "path"
    return kept


def _response(response: dict[str, Any]) -> dict[str, Any]:
    response = dict(response)
    headers = {k: v for k, v in (response.pop("headers", None) or {}).items() if k != REQUEST_ID}
    if headers:
        response["headers"] = {
            name: {**header, "schema": normalised_schema(header.get("schema", {}))}
            for name, header in headers.items()
        }
    if response.get("content") == {}:  # no media type is no content
        del response["content"]
    if "content" in response:
        response["content"] = {
            media_type: {**media, "schema": normalised_schema(media.get("schema", {}))}
            for media_type, media in response["content"].items()
        }
    return response


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every operation of a document, resolved and normalised, by ``METHOD path``."""
    found = {}
    for path, item in (document.get("paths") or {}).items():
        item = resolve(item, document)
        for method in METHODS:
            if method not in item:
                continue
            operation = dict(item[method])
            own = {(p["name"], p["in"]) for p in operation.get("parameters", [])}
            merged = [p for p in item.get("parameters", []) if (p["name"], p["in"]) not in own]
            parameters = [
                _parameter(p)
                for p in [*merged, *operation.pop("parameters", [])]
                if p["name"] != REQUEST_ID
                and not (p["in"] == "header" and p["name"].lower() in IGNORED_HEADERS)
            ]
            if parameters:
                operation["parameters"] = sorted(parameters, key=lambda p: (p["in"], p["name"]))
            operation.pop("servers", None)  # the service answers on its own address
            if "security" not in operation and "security" in document:
                operation["security"] = document["security"]
            if "callbacks" in operation:
                operation["callbacks"] = _schemas_normalised(operation["callbacks"])
            operation["responses"] = {
                str(status): _response(response)
                for status, response in operation.get("responses", {}).items()
            }
            if "requestBody" in operation:
                body = dict(operation["requestBody"])
                body["required"] = bool(body.get("required"))
                body["content"] = {
                    media_type: {"schema": normalised_schema(media.get("schema", {}))}
                    for media_type, media in body["content"].items()
                }
                operation["requestBody"] = body
            found[f"{method.upper()} {path}"] = operation
    return found


def _scheme_names_restored(
    requirements: list[dict[str, Any]], document: dict[str, Any]
) -> list[dict[str, Any]]:
    """Security requirements without the service's own scheme, and with the schemes
    the service renamed ``Imported<name>`` named as the document names them."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    restored = {f"Imported{name}": name for name in schemes if f"Imported{name}" not in schemes}
    return [
        {
            restored.get(name, name): scopes
            for name, scopes in r.items()
            if name not in SERVICE_SCHEMES
        }
        for r in requirements
    ]


def differences(document: dict[str, Any], served: dict[str, Any]) -> list[str]:
    """Where the served contract says something else than the document, beyond the
    documented differences; empty when they are equivalent."""
    wanted, got = operations(document), operations(served)
    found = []
    for key, operation in wanted.items():
        if key not in got:
            found.append(f"{key}: not served")
            continue
        served_operation = dict(got[key])
        if "tags" not in operation:
            served_operation.pop("tags", None)
        if "operationId" not in operation:
            served_operation.pop("operationId", None)
        if "security" not in operation:
            served_operation.pop("security", None)  # the service's own
        elif "security" in served_operation:
            served_operation["security"] = _scheme_names_restored(
                served_operation["security"], document
            )
        responses = served_operation["responses"]
        for status in SERVICE_STATUSES - set(operation["responses"]):
            responses.pop(status, None)
        for status, response in operation["responses"].items():
            # where the document lists a status the service answers itself, it adds problems
            if status in SERVICE_STATUSES and PROBLEM not in response.get("content", {}):
                responses.get(status, {}).get("content", {}).pop(PROBLEM, None)
                if responses.get(status, {}).get("content") == {}:
                    del responses[status]["content"]
        if "requestBody" in operation:
            # only the media type the service parses is served
            content = operation["requestBody"]["content"]
            served_types = served_operation.get("requestBody", {}).get("content", {})
            operation = {
                **operation,
                "requestBody": {
                    **operation["requestBody"],
                    "content": {k: v for k, v in content.items() if k in served_types},
                },
            }
        for name in sorted(set(operation) | set(served_operation)):
            if operation.get(name) != served_operation.get(name):
                found.append(
                    f"{key} {name}:\n  document: {operation.get(name)!r}\n"
                    f"  served:   {served_operation.get(name)!r}"
                )
    return found
