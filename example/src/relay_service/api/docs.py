# Managed by the relaykit template; "copier update" replaces this file.
"""API docs that work offline: Swagger UI and ReDoc assets from an installed package.

drf-spectacular-sidecar ships current builds of both; only its files are read,
its (Django) code is never imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Response
from flask import send_from_directory

__all__ = ["DOCS_ASSETS_PREFIX", "docs_assets_blueprint", "docs_config"]

#: URL prefix of the docs assets.
DOCS_ASSETS_PREFIX = "/docs/assets"

#: Swagger UI settings: no validator badge, which would call a public server.
SWAGGER_UI_CONFIG: dict[str, Any] = {
    "validatorUrl": None,
    "deepLinking": True,
    "displayRequestDuration": True,
}

#: How long browsers may cache the assets, in seconds.
ASSETS_MAX_AGE = 24 * 60 * 60


def assets_root() -> Path:
    """Folder of the installed Swagger UI and ReDoc builds."""
    spec = importlib.util.find_spec("drf_spectacular_sidecar")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("drf-spectacular-sidecar is not installed: reinstall the service")
    return Path(spec.submodule_search_locations[0]) / "static" / "drf_spectacular_sidecar"


def docs_config(enabled: bool) -> dict[str, Any]:
    """flask-smorest settings for ``/openapi.json``, ``/docs`` and ``/redoc``.

    :param enabled: serve the two docs pages; ``/openapi.json`` is always served.
    """
    config: dict[str, Any] = {"OPENAPI_URL_PREFIX": "/", "OPENAPI_JSON_PATH": "openapi.json"}
    if enabled:
        config |= {
            "OPENAPI_SWAGGER_UI_PATH": "docs",
            "OPENAPI_SWAGGER_UI_URL": f"{DOCS_ASSETS_PREFIX}/swagger-ui-dist/",
            "OPENAPI_SWAGGER_UI_CONFIG": SWAGGER_UI_CONFIG,
            "OPENAPI_REDOC_PATH": "redoc",
            "OPENAPI_REDOC_URL": f"{DOCS_ASSETS_PREFIX}/redoc/bundles/redoc.standalone.js",
        }
    return config


def docs_assets_blueprint() -> Blueprint:
    """A blueprint serving the docs assets under :data:`DOCS_ASSETS_PREFIX`."""
    root = assets_root()
    blueprint = Blueprint("docs_assets", __name__, url_prefix=DOCS_ASSETS_PREFIX)

    @blueprint.get("/<path:filename>")
    def docs_asset(filename: str) -> Response:
        return send_from_directory(root, filename, max_age=ASSETS_MAX_AGE)

    return blueprint
