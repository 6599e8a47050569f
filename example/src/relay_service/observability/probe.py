# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Probe a URL from inside the container, with no curl: the image's HEALTHCHECK.

    python -m <package>.observability.probe [URL]

Exits 0 when the URL answers 2xx within a few seconds, and 1 otherwise, with one
line saying why. The default URL is the service's ``/livez`` on ``RELAY_PORT``
(under ``SERVICE_ROUTES_PREFIX``).
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from ..about import SERVICE_ROUTES_PREFIX
from ..settings import Settings
from ..settings import SettingsError

__all__ = ["main", "probe"]

#: Seconds the probe waits for an answer; a healthcheck's own timeout should be longer.
PROBE_TIMEOUT = 3.0


def probe(url: str) -> str:
    """Request ``url``; ``""`` when it answered 2xx, else why it did not."""
    if not url.startswith(("http://", "https://")):
        return f"{url} is no http(s) URL"
    try:
        # An http(s) URL, checked above: urlopen would also open file: URLs.
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as answer:  # nosec B310
            status: int = answer.status
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code}"
    except (OSError, ValueError) as error:
        return f"{url} did not answer: {error}"
    return "" if 200 <= status < 300 else f"{url} answered {status}"


def main(argv: list[str] | None = None) -> None:
    """Probe the URL given, or the service's ``/livez``, and exit with the result."""
    arguments = sys.argv[1:] if argv is None else argv
    if arguments:
        url = arguments[0]
    else:
        try:
            port = Settings.from_env().port
            url = f"http://127.0.0.1:{port}{SERVICE_ROUTES_PREFIX}/livez"
        except SettingsError as error:
            raise SystemExit(f"configuration error: {error}") from None
    reason = probe(url)
    if reason:
        raise SystemExit(f"unhealthy: {reason}")


if __name__ == "__main__":
    main()
