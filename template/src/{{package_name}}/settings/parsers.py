# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Parsers of setting values: each turns one environment variable's text into a value."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pika

__all__ = [
    "AUTH_MODES",
    "BATCH_MAX_ITEMS_LIMIT",
    "LOG_LEVELS",
    "AuthKey",
    "SettingsError",
    "parse_auth_mode",
    "parse_batch_size",
    "parse_byte_count",
    "parse_count",
    "parse_drain_seconds",
    "parse_environment",
    "parse_flag",
    "parse_header_name",
    "parse_host",
    "parse_keys",
    "parse_keys_file",
    "parse_log_level",
    "parse_moves",
    "parse_origins",
    "parse_paths",
    "parse_patterns",
    "parse_port",
    "parse_redact_paths",
    "parse_seconds",
    "parse_step_names",
    "parse_token",
    "parse_token_file",
    "parse_url",
    "parse_values",
    "parse_whole_seconds",
]

#: Log levels accepted by ``RELAY_LOG_LEVEL``.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

#: How a client proves who it is (``RELAY_AUTH``): nothing, an API key in a header, a
#: bearer token, or an HMAC signature of the body (webhooks).
AUTH_MODES = ("none", "api_key", "bearer", "hmac")

#: Who may read ``/metrics`` (``RELAY_METRICS``): clients with the API's credentials,
#: anyone, or nobody (not served).
METRICS_MODES = ("protected", "public", "off")

#: The fewest characters a key may have: a short one could be guessed.
KEY_MIN_LENGTH = 16

#: The most events one batch may hold, whatever RELAY_BATCH_MAX_ITEMS says.
BATCH_MAX_ITEMS_LIMIT = 1000

#: Ways the service hands items to its worker: over HTTP, or through a RabbitMQ queue.
TRANSPORTS = ("http", "amqp")

# ASCII digits only: str.isdigit() also takes "²" and "١٢٣".
_DIGITS = re.compile(r"[0-9]+")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOKEN = re.compile(r"[\x21-\x7e]+")
#: A key's id: what logs and receipts name it by, since the key itself is never shown.
_KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: A key: visible ASCII without the comma that separates keys in RELAY_AUTH_KEYS.
_KEY = re.compile(r"[\x21-\x2b\x2d-\x7e]+")
#: A header's name: an RFC 9110 token without "_", which nginx and gunicorn drop.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^`|~0-9A-Za-z-]+")
#: A browser origin: scheme, host and optional port, with no path.
_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")
#: A RabbitMQ queue's name: no "amq." prefix (reserved), at most 255 bytes; dots and
#: colons as names such as "orders.items" use.
_QUEUE_NAME = re.compile(r"(?!amq\.)[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
_ENVIRONMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
#: A URL's host and port: a name or IPv4 address, or an IPv6 address in brackets.
_HOST_PORT = re.compile(r"(?:\[(?P<ip6>[^\[\]]+)\]|(?P<host>[^\[\]:]+))(?::[0-9]*)?")
#: A host name: labels of letters, digits, - and _ (as container names have), dot-joined.
_HOST_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?")
#: A dotted path into a payload: object keys joined by dots, e.g. data.card.number.
_PATH = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
#: A dotted path where a segment may also be * (every item or member).
_WILDCARD_PATH = re.compile(r"([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*")


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and the fix."""


class AuthKey(NamedTuple):
    """A client's key (or HMAC secret), with the id it is logged and named by."""

    id: str
    secret: str

    def __repr__(self) -> str:
        # Settings are printed in tracebacks and debuggers: never the secret.
        return f"AuthKey(id={self.id!r}, secret='***')"


def _whole_number(name: str, raw: str, lowest: int, highest: int | None, expected: str) -> int:
    value = raw.strip()
    if (
        not _DIGITS.fullmatch(value)
        or int(value) < lowest
        or (highest is not None and int(value) > highest)
    ):
        raise SettingsError(f"{name}={raw!r}: expected {expected}")
    return int(value)


def parse_byte_count(name: str, raw: str) -> int:
    """Parse a positive whole number of bytes.

    :raises SettingsError: when ``raw`` is not a whole number from 1 up.
    """
    return _whole_number(name, raw, 1, None, "a whole number of bytes from 1 up, e.g. 1048576")


def parse_value_count(name: str, raw: str) -> int:
    """Parse a positive whole number of JSON values.

    :raises SettingsError: when ``raw`` is not a whole number from 1 up.
    """
    return _whole_number(name, raw, 1, None, "a whole number of values from 1 up, e.g. 10000")


def parse_batch_size(name: str, raw: str) -> int:
    """Parse a batch size from 1 to :data:`BATCH_MAX_ITEMS_LIMIT`.

    :raises SettingsError: for anything else.
    """
    expected = f"a whole number from 1 to {BATCH_MAX_ITEMS_LIMIT}, e.g. 100"
    return _whole_number(name, raw, 1, BATCH_MAX_ITEMS_LIMIT, expected)


def parse_seconds(name: str, raw: str) -> float:
    """Parse a positive number of seconds, e.g. ``2.5``.

    :raises SettingsError: for anything else.
    """
    try:
        value = float(raw.strip())
    except ValueError:
        value = -1.0
    if not 0 < value < 86_400:
        raise SettingsError(f"{name}={raw!r}: expected seconds, e.g. 2.5")
    return value


def parse_drain_seconds(name: str, raw: str) -> float:
    """Parse seconds from 0 to 300, e.g. ``5``; ``0`` means no drain.

    :raises SettingsError: for anything else.
    """
    try:
        value = float(raw.strip())
    except ValueError:
        value = -1.0
    if not 0 <= value <= 300:
        raise SettingsError(f"{name}={raw!r}: expected seconds from 0 to 300, e.g. 5 (0: no drain)")
    return value


def parse_whole_seconds(name: str, raw: str) -> int:
    """Parse a whole number of seconds from 1 to 3600, e.g. ``10``.

    Whole, because nginx reads the value too, and takes no fractions.

    :raises SettingsError: for anything else.
    """
    return _whole_number(name, raw, 1, 3600, "whole seconds from 1 to 3600, e.g. 10")


def parse_count(name: str, raw: str) -> int:
    """Parse a whole number from 1 to 1000, e.g. ``4``.

    :raises SettingsError: for anything else.
    """
    return _whole_number(name, raw, 1, 1000, "a whole number from 1 to 1000, e.g. 4")


def parse_host(name: str, raw: str) -> str:
    """Parse an IP address to listen on, e.g. ``127.0.0.1``, ``0.0.0.0`` or ``::``.

    :raises SettingsError: for anything else.
    """
    value = raw.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise SettingsError(
            f"{name}={raw!r}: expected an IP address to listen on, e.g. 127.0.0.1 "
            "(this machine only) or 0.0.0.0 (every interface)"
        ) from None


def parse_port(name: str, raw: str) -> int:
    """Parse a TCP port from 1 to 65535, e.g. ``8000``.

    :raises SettingsError: for anything else.
    """
    return _whole_number(name, raw, 1, 65535, "a TCP port from 1 to 65535, e.g. 8000")


def parse_url(name: str, raw: str) -> str:
    """Parse an http(s) URL with a host, e.g. ``http://worker:8081``; a trailing / is dropped.

    :raises SettingsError: for anything else.
    """
    value = raw.strip().rstrip("/")
    if not _is_url(value, ("http", "https"), query=False):
        raise SettingsError(f"{name}={raw!r}: expected an http(s) URL, e.g. http://worker:8081")
    return value


def _is_url(value: str, schemes: tuple[str, ...], *, query: bool) -> bool:
    """Whether ``value`` is a URL of one of ``schemes`` with a host, a valid port if any,
    no fragment, and a query only where ``query`` allows one."""
    try:
        parts = urlsplit(value)
        return (
            parts.scheme in schemes
            and _is_authority(parts.netloc)
            and parts.port != 0  # reading the port checks it: ValueError when out of range
            and (query or not parts.query)
            and not parts.fragment
        )
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        return False


def _is_authority(netloc: str) -> bool:
    match = _HOST_PORT.fullmatch(netloc.rpartition("@")[2])
    if match is None:
        return False
    if match["ip6"] is not None:
        return _is_address(match["ip6"].replace("%25", "%"), version=6)
    return _is_address(match["host"], version=4) or bool(_HOST_NAME.fullmatch(match["host"]))


def _is_address(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def parse_token(name: str, raw: str) -> str:
    """Parse a bearer token: visible ASCII characters, or empty for none.

    :raises SettingsError: for spaces or other characters a header cannot carry.
    """
    value = raw.strip()
    if value and not _TOKEN.fullmatch(value):
        raise SettingsError(f"{name}: the token holds characters a header cannot carry")
    return value


def parse_environment(name: str, raw: str) -> str:
    """Parse a deployment environment name such as ``production`` or ``eu-1.staging``.

    :raises SettingsError: for an empty name or one with other characters.
    """
    value = raw.strip()
    if not _ENVIRONMENT.fullmatch(value):
        raise SettingsError(
            f"{name}={raw!r}: expected letters, digits and . _ - such as production"
        )
    return value


def _items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _listed(name: str, raw: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    items = _items(raw)
    for item in items:
        if not pattern.fullmatch(item):
            raise SettingsError(f"{name}={raw!r}: {item!r} is not {what}")
    return tuple(items)


def parse_step_names(name: str, raw: str) -> tuple[str, ...]:
    """Parse a comma-separated list of step names, e.g. ``drop_nulls,trim_strings``.

    Whether each names a step of the service is checked once the pipelines exist.

    :raises SettingsError: for a name that cannot be a step's name.
    """
    return _listed(name, raw, _NAME, "a step name such as drop_nulls")


def parse_paths(name: str, raw: str) -> tuple[str, ...]:
    """Parse a comma-separated list of dotted paths, e.g. ``data.password,data.card.number``.

    :raises SettingsError: for an item that is not a dotted path.
    """
    return _listed(name, raw, _PATH, "a dotted path such as data.card.number")


def parse_redact_paths(name: str, raw: str) -> tuple[str, ...]:
    """Parse dotted paths whose segments may be ``*``, e.g. ``data.cards.*.number``.

    :raises SettingsError: for an item that is not such a path.
    """
    return _listed(name, raw, _WILDCARD_PATH, "a dotted path such as data.cards.*.number")


def _path_pairs(name: str, raw: str, right: str) -> list[tuple[str, str]]:
    pairs = []
    for item in _items(raw):
        path, equals, value = item.partition("=")
        if not equals or not _PATH.fullmatch(path.strip()):
            raise SettingsError(
                f"{name}={raw!r}: {item!r} is not path={right}, e.g. data.old=data.new"
            )
        pairs.append((path.strip(), value.strip()))
    return pairs


def parse_moves(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """Parse ``source=target`` pairs of dotted paths, e.g. ``data.old=data.new``.

    :raises SettingsError: for an item that is not two dotted paths.
    """
    pairs = _path_pairs(name, raw, "path")
    for source, target in pairs:
        if not _PATH.fullmatch(target):
            raise SettingsError(
                f"{name}={raw!r}: {target!r} in {source}={target} is not a dotted path"
            )
        if target == source or target.startswith(source + "."):
            raise SettingsError(
                f"{name}={raw!r}: {source}={target} moves a value onto or into itself"
            )
    return tuple(pairs)


def parse_patterns(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """Parse ``path=glob`` pairs, e.g. ``type=test.*``.

    :raises SettingsError: for an item that is not a path and a non-empty glob.
    """
    pairs = _path_pairs(name, raw, "glob")
    for path, pattern in pairs:
        if not pattern:
            raise SettingsError(f"{name}={raw!r}: {path}= needs a glob, e.g. {path}=test.*")
    return tuple(pairs)


def parse_values(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """Parse ``path=value`` pairs, e.g. ``meta.environment={environment}``.

    :raises SettingsError: for an item that is not a path and a value.
    """
    return tuple(_path_pairs(name, raw, "value"))


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


def _one_of(name: str, raw: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, whatever its case; :class:`SettingsError` for anything else."""
    value = raw.strip().lower()
    if value not in choices:
        raise SettingsError(f"{name}={raw!r}: expected one of {', '.join(choices)}")
    return value


def parse_auth_mode(name: str, raw: str) -> str:
    """Parse how clients authenticate: one of :data:`AUTH_MODES`.

    :raises SettingsError: for anything else.
    """
    return _one_of(name, raw, AUTH_MODES)


def parse_metrics_mode(name: str, raw: str) -> str:
    """Parse who may read ``/metrics``: one of :data:`METRICS_MODES`.

    :raises SettingsError: for anything else.
    """
    return _one_of(name, raw, METRICS_MODES)


def parse_optional_port(name: str, raw: str) -> int | None:
    """Parse a TCP port as :func:`parse_port` does; empty means none.

    :raises SettingsError: for anything else.
    """
    return None if not raw.strip() else parse_port(name, raw)


def _keys(name: str, entries: list[tuple[str, str]]) -> tuple[AuthKey, ...]:
    """Check ``(where, "id:key")`` entries; ``where`` names an entry in messages."""
    keys: list[AuthKey] = []
    for where, entry in entries:
        key_id, colon, secret = entry.partition(":")
        if not colon or not _KEY_ID.fullmatch(key_id):
            raise SettingsError(
                f"{name}: {where} is not id:key, e.g. ci:<key>; an id is 1-64 letters, "
                "digits and . _ -"
            )
        if not _KEY.fullmatch(secret) or len(secret) < KEY_MIN_LENGTH:
            raise SettingsError(
                f"{name}: the key of {key_id!r} must be at least {KEY_MIN_LENGTH} visible "
                "characters without spaces or commas, e.g. from "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if any(key.id == key_id for key in keys):
            raise SettingsError(f"{name}: the id {key_id!r} names two keys")
        keys.append(AuthKey(key_id, secret))
    return tuple(keys)


def parse_keys(name: str, raw: str) -> tuple[AuthKey, ...]:
    """Parse comma-separated ``id:key`` pairs, e.g. ``ci:<key>,ops:<key>``.

    The message of an error names the id, never the key.

    :raises SettingsError: for an entry that is not ``id:key``, a short key, or an id used twice.
    """
    return _keys(name, [(f"entry {index}", item) for index, item in enumerate(_items(raw), 1)])


def parse_keys_file(name: str, raw: str) -> tuple[AuthKey, ...]:
    """Read ``id:key`` lines from a file, such as a Docker or Kubernetes secret.

    Blank lines and lines starting with ``#`` are skipped.

    :raises SettingsError: when the file cannot be read or a line is not a key.
    """
    path = Path(raw.strip())
    text = _read_secret(name, raw, "the keys")
    lines = [
        (f"line {number} of {path}", line.strip())
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return _keys(name, lines)


def parse_token_file(name: str, raw: str) -> str:
    """Read a bearer token from a file, such as a Docker or Kubernetes secret; an empty
    value names no file and gives no token.

    :raises SettingsError: when the file cannot be read, is empty, or holds more than a token.
    """
    if not raw.strip():
        return ""
    token = parse_token(name, _read_secret(name, raw, "the token"))
    if not token:
        raise SettingsError(f"{name}={raw!r}: the file holds no token")
    return token


def _read_secret(name: str, raw: str, what: str) -> str:
    """The text of the file a ``*_FILE`` setting names; one line saying why not."""
    try:
        return Path(raw.strip()).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise SettingsError(f"{name}={raw!r}: cannot read {what}: {reason}") from None


def parse_header_name(name: str, raw: str) -> str:
    """Parse an HTTP header name, e.g. ``X-API-Key``.

    :raises SettingsError: for characters a header name cannot have.
    """
    value = raw.strip()
    if not _HEADER_NAME.fullmatch(value):
        raise SettingsError(
            f"{name}={raw!r}: expected a header name such as X-API-Key (no _ or spaces: "
            "proxies drop such headers)"
        )
    return value


def parse_origins(name: str, raw: str) -> tuple[str, ...]:
    """Parse comma-separated browser origins, e.g. ``https://app.example.org``, or ``*``.

    :raises SettingsError: for an item that is no origin (a path or a trailing ``/``
        is not part of one).
    """
    items = _items(raw)
    if items == ["*"]:
        return ("*",)
    for item in items:
        if not _ORIGIN.fullmatch(item):
            raise SettingsError(
                f"{name}={raw!r}: {item!r} is not an origin such as https://app.example.org "
                "(scheme, host and port only), and * must stand alone"
            )
    return tuple(items)


def parse_transport(name: str, raw: str) -> str:
    """Parse how items reach the worker: one of :data:`TRANSPORTS`.

    :raises SettingsError: for anything else.
    """
    return _one_of(name, raw, TRANSPORTS)


def parse_broker_url(name: str, raw: str) -> str:
    """Parse a RabbitMQ URL, e.g. ``amqp://user:password@rabbitmq:5672/%2F``.

    ``amqps`` connects with TLS. Query options are pika's URL parameters, such as
    ``?heartbeat=30``.

    :raises SettingsError: for anything else; the message never shows the password.
    """
    value = raw.strip()
    if not _is_url(value, ("amqp", "amqps"), query=True):
        # The URL may hold a password: name the variable, not its value.
        raise SettingsError(
            f"{name} is not a RabbitMQ URL: expected amqp(s)://user:password@host:port/vhost, "
            "e.g. amqp://guest:guest@127.0.0.1:5672/%2F"
        )
    try:
        # pika reads the query's options only when it connects: check them now.
        pika.URLParameters(value)
    except (TypeError, ValueError) as error:
        # pika's message names the option (and its value: options hold no password).
        raise SettingsError(
            f"{name} has an option pika cannot use ({str(error).splitlines()[0]}): a RabbitMQ "
            "URL takes pika's URLParameters options, e.g. ?heartbeat=30"
        ) from None
    return value


def parse_broker_url_file(name: str, raw: str) -> str:
    """Read a RabbitMQ URL from a file, such as a Docker or Kubernetes secret; an empty
    value names no file.

    :raises SettingsError: when the file cannot be read or holds no RabbitMQ URL.
    """
    if not raw.strip():
        return ""
    return parse_broker_url(name, _read_secret(name, raw, "the broker's URL"))


def parse_queue_name(name: str, raw: str) -> str:
    """Parse a RabbitMQ queue's name, e.g. ``orders.items``.

    :raises SettingsError: for an empty name, one starting ``amq.`` (reserved by
        RabbitMQ), or one with other characters than letters, digits and ``. _ : -``.
    """
    value = raw.strip()
    if not _QUEUE_NAME.fullmatch(value):
        raise SettingsError(
            f"{name}={raw!r}: expected a queue name of letters, digits and . _ : - "
            "not starting with amq., e.g. orders.items"
        )
    return value
