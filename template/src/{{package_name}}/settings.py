# Managed by the relaykit template; "copier update" replaces this file.
"""Settings from environment variables, parsed and validated once at start-up.

Only this module reads ``os.environ``; everything else receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "settings_from_env_or_exit"]

#: Every setting is the environment variable ``ENV_PREFIX + FIELD_NAME.upper()``.
ENV_PREFIX = "RELAY_"

#: Log levels accepted by ``RELAY_LOG_LEVEL``.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# ASCII digits only: str.isdigit() also takes "²" and "١٢٣".
_DIGITS = re.compile(r"[0-9]+")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and the fix."""


def parse_byte_count(name: str, raw: str) -> int:
    """Parse a positive whole number of bytes.

    :raises SettingsError: when ``raw`` is not a whole number from 1 up.
    """
    value = raw.strip()
    if not _DIGITS.fullmatch(value) or int(value) < 1:
        raise SettingsError(
            f"{name}={raw!r}: expected a whole number of bytes from 1 up, e.g. 1048576"
        )
    return int(value)


def parse_log_level(name: str, raw: str) -> str:
    """Parse a log level name, case-insensitively.

    :raises SettingsError: when ``raw`` is not one of :data:`LOG_LEVELS`.
    """
    value = raw.strip().upper()
    if value not in LOG_LEVELS:
        raise SettingsError(f"{name}={raw!r}: expected one of {', '.join(LOG_LEVELS)}, e.g. INFO")
    return value


def parse_flag(name: str, raw: str) -> bool:
    """Parse a yes/no flag: ``1 true yes on`` or ``0 false no off``.

    :raises SettingsError: for any other value.
    """
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r}: expected true or false")


def _setting(default: Any, parse: Callable[[str, str], Any]) -> Any:
    return dataclasses.field(default=default, metadata={"parse": parse})


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service can be configured with.

    Each field is read from ``RELAY_<FIELD>``, e.g. ``RELAY_LOG_LEVEL``; a
    variable that is not set keeps the default.

    :param max_content_length: the largest request body accepted, in bytes;
        a larger one is answered with 413.
    :param log_level: the lowest level of log lines written to stdout.
    :param docs_enabled: serve Swagger UI at ``/docs`` and ReDoc at
        ``/redoc``; ``/openapi.json`` is always served.
    """

    max_content_length: int = _setting(1_048_576, parse_byte_count)
    log_level: str = _setting("INFO", parse_log_level)
    docs_enabled: bool = _setting(True, parse_flag)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every setting from environment variables.

        :param environ: the variables to read; ``None`` means ``os.environ``.
        :raises SettingsError: on the first bad value, and on a ``RELAY_``
            variable that is no setting (a typo would otherwise be ignored).
        """
        env = os.environ if environ is None else environ
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key in sorted(env):
            if not key.startswith(ENV_PREFIX):
                continue
            field = fields.get(key.removeprefix(ENV_PREFIX).lower())
            if field is None:
                known = ", ".join(ENV_PREFIX + name.upper() for name in fields)
                raise SettingsError(f"{key} is not a setting of this service: known are {known}")
            values[field.name] = field.metadata["parse"](key, env[key])
        return cls(**values)


def settings_from_env_or_exit() -> Settings:
    """Read the settings from ``os.environ``, or stop with one clear line.

    :raises SystemExit: with the message ``configuration error: ...`` (status 1).
    """
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"configuration error: {exc}") from None
