# Managed by the relaykit template; "copier update" replaces this file.
"""The service's app factory: the one place where the layers meet."""

from __future__ import annotations

from flask import Flask

from .api import register_api
from .observability.logs import configure_logging
from .observability.request_id import install_request_id
from .settings import Settings
from .settings import settings_from_env_or_exit

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI application.

    Used by ``flask --app <package> run``, gunicorn and the tests alike.

    :param settings: the service's settings; ``None`` reads them from the
        environment, and a bad value stops start-up with one line naming the
        variable (exit status 1).
    :returns: the Flask application, with its API, docs and error handling.
    """
    if settings is None:
        settings = settings_from_env_or_exit()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    app.extensions["settings"] = settings
    configure_logging(app, settings.log_level)
    install_request_id(app)
    register_api(app, settings)
    return app
