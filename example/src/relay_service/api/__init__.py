# Managed by relaykit: "copier update" merges the template's changes into this file.
"""HTTP in: the contract, validation and problem details.

``BLUEPRINTS`` is the registry of the service's resources: each entry is a
blueprint and the URL prefix it is mounted at. The template's own come first,
then those relaykit added (``registry.py``: imported or scaffolded endpoints).
"""

from __future__ import annotations

from importlib.metadata import version

from flask import Flask
from flask_smorest import Blueprint

from ..about import API_PREFIX
from ..about import DESCRIPTION
from ..about import DISTRIBUTION
from ..about import OPENAPI_VERSION
from ..about import SERVICE_ROUTES_PREFIX
from ..about import TITLE
from ..settings import Settings
from . import health
from . import registry
from .auth import install_auth
from .auth import security_scheme
from .docs import docs_assets_blueprint
from .docs import docs_config
from .events import views as events
from .fields import documentable
from .headers import install_headers
from .intake import check_pipeline_settings
from .intake import install_event_counting
from .intake import install_handoff
from .metrics import install_metrics
from .metrics import register_metrics_operation
from .openapi import ServiceApi
from .problems import register_error_handlers
from .routing import install_concrete_paths

__all__ = ["BLUEPRINTS", "register_api"]

#: The service's resources, in the order the contract lists them.
BLUEPRINTS: tuple[tuple[Blueprint, str], ...] = (
    (health.blp, SERVICE_ROUTES_PREFIX),
    (events.blp, API_PREFIX),
    *registry.BLUEPRINTS,
)


def _register_components(api: ServiceApi) -> None:
    # Before any blueprint, as the document has them; a class another one nests is
    # registered with it, under its Meta.component name.
    for name, schema in registry.SCHEMAS.items():
        if name in api.spec.components.schemas:
            continue
        if isinstance(schema, dict):
            api.spec.components.schema(name, documentable(schema))
        else:
            api.spec.components.schema(name, schema=schema)
    for name, scheme in registry.SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    for tag in registry.TAGS:
        api.spec.tag(tag)


def register_api(app: Flask, settings: Settings) -> ServiceApi:
    """Mount the API, its docs, its authentication, its pipelines and its error
    handling on ``app``.

    :raises SettingsError: when settings misconfigure a pipeline.
    """
    app.config |= {
        "API_TITLE": TITLE,
        "API_VERSION": version(DISTRIBUTION),
        "OPENAPI_VERSION": OPENAPI_VERSION,
        "API_SPEC_OPTIONS": {"info": {"description": DESCRIPTION}},
        **docs_config(settings.docs_enabled),
    }
    api = ServiceApi(app, security_scheme(settings))
    install_headers(app, settings)
    # Which operation a request is for first (its 405), then whether it may call it.
    install_concrete_paths(app)
    install_metrics(app, settings)
    install_auth(app, settings, api.contract_plugin.is_protected)
    install_handoff(app, settings)
    install_event_counting(app)
    register_error_handlers(app)
    _register_components(api)
    for blueprint, url_prefix in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=url_prefix or None)
    register_metrics_operation(api, settings)
    check_pipeline_settings(app, settings)
    if settings.docs_enabled:
        app.register_blueprint(docs_assets_blueprint())
    return api
