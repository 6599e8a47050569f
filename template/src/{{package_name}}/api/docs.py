# Managed by relaykit: "copier update" merges the template's changes into this file.
"""API docs that work offline: Swagger UI and ReDoc assets from installed packages.

Swagger UI 5 comes from swagger-ui-bundle-v2 (spec-first, the connexion team);
ReDoc's standalone bundle from mkdocs-redoc-tag. Both are plain file packages
with small dependencies; only their files are read.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Response
from flask import send_from_directory
from swagger_ui_bundle import swagger_ui_path

from ..about import SERVICE_ROUTES_PREFIX

__all__ = ["DOCS_ASSETS_PREFIX", "docs_assets_blueprint", "docs_config"]

#: URL prefix of the docs assets.
DOCS_ASSETS_PREFIX = f"{SERVICE_ROUTES_PREFIX}/docs/assets"

#: Swagger UI settings: no validator badge, which would call a public server.
SWAGGER_UI_CONFIG: dict[str, Any] = {
    "validatorUrl": None,
    "deepLinking": True,
    "displayRequestDuration": True,
}

#: How long browsers may cache the assets, in seconds.
ASSETS_MAX_AGE = 24 * 60 * 60


def redoc_root() -> Path:
    """Folder of the installed ReDoc standalone bundle."""
    spec = importlib.util.find_spec("mkdocs_redoc_tag")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("mkdocs-redoc-tag is not installed: reinstall the service")
    return Path(spec.submodule_search_locations[0]) / "redoc" / "javascripts"


def docs_config(enabled: bool) -> dict[str, Any]:
    """flask-smorest settings for ``/openapi.json``, ``/docs`` and ``/redoc``, under
    :data:`SERVICE_ROUTES_PREFIX`.

    :param enabled: serve the two docs pages; ``/openapi.json`` is always served.
    """
    config: dict[str, Any] = {
        "OPENAPI_URL_PREFIX": f"{SERVICE_ROUTES_PREFIX}/",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    if enabled:
        config |= {
            "OPENAPI_SWAGGER_UI_PATH": "docs",
            "OPENAPI_SWAGGER_UI_URL": f"{DOCS_ASSETS_PREFIX}/swagger-ui/",
            "OPENAPI_SWAGGER_UI_CONFIG": SWAGGER_UI_CONFIG,
            "OPENAPI_REDOC_PATH": "redoc",
            "OPENAPI_REDOC_URL": f"{DOCS_ASSETS_PREFIX}/redoc/redoc.standalone.js",
        }
    return config


def docs_assets_blueprint() -> Blueprint:
    """A blueprint serving the docs assets under :data:`DOCS_ASSETS_PREFIX`."""
    roots = {"swagger-ui": Path(str(swagger_ui_path)), "redoc": redoc_root()}
    blueprint = Blueprint("docs_assets", __name__, url_prefix=DOCS_ASSETS_PREFIX)

    @blueprint.get("/<any('swagger-ui', redoc):package>/<path:filename>")
    def docs_asset(package: str, filename: str) -> Response:
        return send_from_directory(roots[package], filename, max_age=ASSETS_MAX_AGE)

    return blueprint
