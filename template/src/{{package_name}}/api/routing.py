# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Concrete paths before templated ones, as OpenAPI matches them.

Werkzeug takes ``PUT /articles/feed`` to ``/articles/<slug>`` when the rule
``/articles/feed`` has no PUT, and lists the methods of both in ``Allow``.
OpenAPI matches a concrete path before a templated one: ``/articles/feed`` is
that path alone, so the service answers 405 there, with its methods only.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from werkzeug.exceptions import MethodNotAllowed

__all__ = ["install_concrete_paths"]


def install_concrete_paths(app: Flask) -> None:
    """Answer every request as the contract's path matching says, ``Allow`` included."""
    app.before_request(_refuse_a_templated_match)
    app.after_request(_allow)


def _concrete_methods() -> dict[str, set[str]]:
    """The methods of each path without variables; built once, when first asked."""
    methods: dict[str, set[str]] | None = current_app.extensions.get("concrete_paths")
    if methods is None:
        methods = {}
        for rule in current_app.url_map.iter_rules():
            if not rule.arguments:
                methods.setdefault(rule.rule, set()).update(rule.methods or ())
        current_app.extensions["concrete_paths"] = methods
    return methods


def _refuse_a_templated_match() -> None:
    rule = request.url_rule
    if rule is None or not rule.arguments:
        return
    methods = _concrete_methods().get(request.path)
    if methods is not None and request.method not in methods:
        raise MethodNotAllowed(valid_methods=sorted(methods))


def _allow(response: Response) -> Response:
    if response.allow:
        methods = _concrete_methods().get(request.path, response.allow)
        # Sorted: Werkzeug builds Allow from a set, whose order changes per process.
        response.headers["Allow"] = ", ".join(sorted(methods))
    return response
