# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The service's app factory: the one place where the layers meet."""

from __future__ import annotations

from flask import Flask

from .api import register_api
from .api.json_provider import ServiceJSONProvider
from .api.metrics import install_request_metrics
from .observability.logs import configure_logging
from .observability.request_id import install_request_id
from .settings import Settings
from .settings import SettingsError

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI application.

    Used by ``flask --app <package> run``, gunicorn and the tests alike.

    :param settings: the service's settings; ``None`` reads them from the
        environment, and then a bad value, or a pipeline that settings
        misconfigure, stops start-up with one line naming the variable (exit
        status 1).
    :raises SettingsError: when ``settings`` were given and misconfigure a pipeline.
    """
    if settings is not None:
        return _build(settings)
    try:
        return _build(Settings.from_env())
    except SettingsError as error:
        raise SystemExit(f"configuration error: {error}") from None


def _build(settings: Settings) -> Flask:
    # No static folder: the service serves no files of its own at /static.
    app = Flask(__name__, static_folder=None)
    app.json = ServiceJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    app.extensions["settings"] = settings
    configure_logging(app, settings.log_level)
    install_request_metrics(app, settings)  # first: it times everything after it
    install_request_id(app)
    register_api(app, settings)
    return app
