# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Settings from environment variables, parsed and validated once at start-up.

Only this package reads ``os.environ``; everything else receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..about import AUTH
from ..about import DISTRIBUTION
from ..about import HTTP_PORT
from .parsers import AUTH_MODES
from .parsers import BATCH_MAX_ITEMS_LIMIT
from .parsers import TRANSPORTS
from .parsers import AuthKey
from .parsers import SettingsError
from .parsers import parse_auth_mode
from .parsers import parse_batch_size
from .parsers import parse_broker_url
from .parsers import parse_broker_url_file
from .parsers import parse_byte_count
from .parsers import parse_count
from .parsers import parse_drain_seconds
from .parsers import parse_environment
from .parsers import parse_flag
from .parsers import parse_header_name
from .parsers import parse_host
from .parsers import parse_keys
from .parsers import parse_keys_file
from .parsers import parse_log_level
from .parsers import parse_metrics_mode
from .parsers import parse_moves
from .parsers import parse_optional_port
from .parsers import parse_origins
from .parsers import parse_paths
from .parsers import parse_patterns
from .parsers import parse_port
from .parsers import parse_queue_name
from .parsers import parse_redact_paths
from .parsers import parse_seconds
from .parsers import parse_step_names
from .parsers import parse_token
from .parsers import parse_token_file
from .parsers import parse_transport
from .parsers import parse_url
from .parsers import parse_value_count
from .parsers import parse_values
from .parsers import parse_whole_seconds

__all__ = [
    "AUTH_MODES",
    "BATCH_MAX_ITEMS_LIMIT",
    "ENV_PREFIX",
    "LOCAL_KEY",
    "TRANSPORTS",
    "AuthKey",
    "Settings",
    "SettingsError",
    "available_cpus",
]

#: The key docker-compose.yml gives local runs: published, so good for nothing else.
LOCAL_KEY = "relay-local-key-change-me"

#: Every setting is the environment variable ``ENV_PREFIX + FIELD_NAME.upper()``.
ENV_PREFIX = "RELAY_"


def available_cpus(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """How many CPUs this process may keep busy.

    The CPUs it may run on, capped by a cgroup v2 quota (``docker run --cpus``),
    which ``os.cpu_count()`` does not see.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform, e.g. macOS
        cpus = os.cpu_count() or 1
    try:
        fields = cpu_max.read_text(encoding="ascii").split()
    except OSError:  # no cgroup v2 here
        return cpus
    if len(fields) != 2 or not all(field.isdecimal() for field in fields) or fields[1] == "0":
        return cpus  # "max": no quota
    return max(1, min(cpus, math.ceil(int(fields[0]) / int(fields[1]))))


def _setting(default: Any, parse: Callable[[str, str], Any], *, secret: bool = False) -> Any:
    # A secret is left out of the repr: settings show up in tracebacks and debuggers.
    return dataclasses.field(default=default, repr=not secret, metadata={"parse": parse})


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service can be configured with.

    Each field is read from ``RELAY_<FIELD>``, e.g. ``RELAY_LOG_LEVEL``; a
    variable that is not set keeps the default.

    :param max_content_length: the largest request body accepted, in bytes;
        a larger one is answered with 413 (by the proxy too).
    :param max_json_values: the most values (objects, arrays, strings, numbers, true,
        false, null) a JSON request body may hold; ``[1, 2]`` holds 3. A body with more
        is answered with 400 before it is parsed, so a hostile body costs little.
    :param header_timeout: seconds a client may take to send a request's whole
        header; the proxy (docker-compose.yml) closes the connection after it.
    :param body_timeout: the longest gap, in seconds, between two parts of a
        request's body; the proxy closes the connection after it.
    :param log_level: the lowest level of log lines written to stdout.
    :param auth: how clients of the API authenticate: ``none``, ``api_key``
        (a key in the :attr:`auth_key_header` header), ``bearer``
        (``Authorization: Bearer <key>``) or ``hmac`` (an HMAC-SHA256 signature
        of the body in :attr:`auth_signature_header`). Health checks, the docs
        and ``/openapi.json`` stay open.
    :param auth_keys: the keys clients may use, as ``id:key`` pairs; several at
        once let a key be rotated. Logs name a key by its id only.
    :param auth_keys_file: a file of ``id:key`` lines, such as a Docker or
        Kubernetes secret; its keys are taken besides :attr:`auth_keys`.
    :param auth_key_header: the header that carries the key for ``api_key``.
    :param auth_signature_header: the header that carries the signature for ``hmac``.
    :param auth_signature_tolerance: seconds a signature's timestamp may be
        from now, for ``hmac``: an older one is refused as a possible replay.
    :param cors_origins: browser origins allowed to call the API (CORS), or
        ``*`` for any; ``()`` allows none, as browsers do by default.
    :param docs_enabled: serve Swagger UI at ``/docs`` and ReDoc at
        ``/redoc``; ``/openapi.json`` is always served.
    :param environment: name of the deployment, e.g. ``production``; steps may
        stamp it on items (``RELAY_PIPELINE_ADD=meta.environment={environment}``).
    :param batch_max_items: the most events one batch request may hold.
    :param pipeline_disabled: names of pipeline steps switched off; ``()`` runs them all.
    :param pipeline_lowercase: paths whose strings ``lowercase_values`` lower-cases.
    :param pipeline_drop_when: ``(path, glob)`` rules; ``drop_matching`` filters
        out an item whose string at a path matches; ``()`` filters nothing.
    :param pipeline_rename: ``(source, target)`` moves done by ``rename_fields``.
    :param pipeline_redact: paths whose values ``redact_fields`` replaces; a
        ``*`` segment matches every item of a list or member of an object.
    :param pipeline_add: ``(path, value)`` pairs set by ``add_fields``; ``{name}``
        in a value is replaced by the setting ``name``.
    :param transport: how items reach the worker: ``http`` (a 202 means the worker
        took the item) or ``amqp`` (a 202 means RabbitMQ confirmed it, persisted in
        :attr:`broker_queue`; docs/transports.md).
    :param worker_url: where the worker takes items, for ``http``.
    :param worker_token: bearer token sent to the worker; ``""`` sends none.
    :param worker_token_file: a file holding that token instead, such as a Docker or
        Kubernetes secret; read at start-up.
    :param worker_connect_timeout: seconds to wait for a connection to the worker, or
        to RabbitMQ with ``amqp``.
    :param worker_read_timeout: seconds to wait for the worker's answer.
    :param worker_pool_size: connections kept open to the worker, per process.
    :param broker_url: the RabbitMQ to publish to, for ``amqp``, as
        ``amqp(s)://user:password@host:port/vhost``.
    :param broker_url_file: a file holding that URL instead, such as a Docker or
        Kubernetes secret; read at start-up.
    :param broker_queue: the quorum queue items are published to; its dead letters
        go to ``<broker_queue>.dead``.
    :param broker_delivery_limit: deliveries of one message to workers before it is
        dead-lettered (the queue's ``x-delivery-limit``); the service and the worker
        declare the queue alike, so both must have the same value.
    :param broker_prefetch: messages a consuming worker holds unacknowledged at once.
    :param handoff_deadline: seconds a delivery may take, retries included.
    :param handoff_max_attempts: attempts per delivery; ``1`` never retries.
    :param handoff_backoff: base of the exponential wait between attempts, in seconds.
    :param breaker_failures: failed deliveries in a row after which deliveries fail fast.
    :param breaker_reset_after: seconds deliveries fail fast before one probe.
    :param host: the address gunicorn listens on; ``0.0.0.0`` for every interface
        (the container image sets it).
    :param port: the port gunicorn listens on.
    :param web_workers: gunicorn worker processes; the default is 2 per CPU
        this process may use (see :func:`available_cpus`).
    :param web_threads: threads per worker process, each serving one request at a time.
    :param metrics: who may read the Prometheus metrics at ``/metrics``: ``protected``
        (the API's authentication, open with ``RELAY_AUTH=none``), ``public``, or
        ``off`` (not served, nothing recorded).
    :param metrics_port: a second port gunicorn listens on for ``/metrics`` alone,
        open there and not served on :attr:`port`; ``None`` serves it on :attr:`port`.
    :param drain_seconds: seconds a replica stays up after SIGTERM under gunicorn,
        answering 503 on ``/readyz`` and ``Connection: close`` on every answer, so
        that load balancers and clients leave it before it stops (serving/drain.py);
        ``0`` stops at once, as gunicorn does.
    """

    max_content_length: int = _setting(1_048_576, parse_byte_count)
    max_json_values: int = _setting(10_000, parse_value_count)
    header_timeout: int = _setting(10, parse_whole_seconds)
    body_timeout: int = _setting(10, parse_whole_seconds)
    log_level: str = _setting("INFO", parse_log_level)
    auth: str = _setting(AUTH, parse_auth_mode)
    auth_keys: tuple[AuthKey, ...] = _setting((), parse_keys, secret=True)
    auth_keys_file: tuple[AuthKey, ...] = _setting((), parse_keys_file, secret=True)
    auth_key_header: str = _setting("X-API-Key", parse_header_name)
    auth_signature_header: str = _setting("X-Signature", parse_header_name)
    auth_signature_tolerance: float = _setting(300.0, parse_seconds)
    cors_origins: tuple[str, ...] = _setting((), parse_origins)
    docs_enabled: bool = _setting(True, parse_flag)
    environment: str = _setting("development", parse_environment)
    batch_max_items: int = _setting(100, parse_batch_size)
    pipeline_disabled: tuple[str, ...] = _setting((), parse_step_names)
    pipeline_lowercase: tuple[str, ...] = _setting(("type",), parse_paths)
    pipeline_drop_when: tuple[tuple[str, str], ...] = _setting((), parse_patterns)
    pipeline_rename: tuple[tuple[str, str], ...] = _setting((), parse_moves)
    pipeline_redact: tuple[str, ...] = _setting((), parse_redact_paths)
    pipeline_add: tuple[tuple[str, str], ...] = _setting((), parse_values)
    transport: str = _setting("http", parse_transport)
    worker_url: str = _setting("http://127.0.0.1:8081", parse_url)
    worker_token: str = _setting("", parse_token, secret=True)
    worker_token_file: str = _setting("", parse_token_file, secret=True)
    worker_connect_timeout: float = _setting(1.0, parse_seconds)
    worker_read_timeout: float = _setting(5.0, parse_seconds)
    worker_pool_size: int = _setting(10, parse_count)
    broker_url: str = _setting(
        "amqp://guest:guest@127.0.0.1:5672/%2F", parse_broker_url, secret=True
    )
    broker_url_file: str = _setting("", parse_broker_url_file, secret=True)
    broker_queue: str = _setting(f"{DISTRIBUTION}.items", parse_queue_name)
    broker_delivery_limit: int = _setting(20, parse_count)
    broker_prefetch: int = _setting(50, parse_count)
    handoff_deadline: float = _setting(10.0, parse_seconds)
    handoff_max_attempts: int = _setting(4, parse_count)
    handoff_backoff: float = _setting(0.1, parse_seconds)
    breaker_failures: int = _setting(5, parse_count)
    breaker_reset_after: float = _setting(10.0, parse_seconds)
    host: str = _setting("127.0.0.1", parse_host)
    port: int = _setting(HTTP_PORT, parse_port)
    web_workers: int = _setting(2 * available_cpus(), parse_count)
    web_threads: int = _setting(8, parse_count)
    # Metrics (docs/metrics.md)
    metrics: str = _setting("protected", parse_metrics_mode)
    metrics_port: int | None = _setting(None, parse_optional_port)
    drain_seconds: float = _setting(5.0, parse_drain_seconds)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every setting from environment variables.

        :param environ: the variables to read; ``None`` means ``os.environ``.
        :raises SettingsError: on the first bad value, on a ``RELAY_``
            variable that is no setting (a typo would otherwise be ignored), on
            two keys with one id, and on the worker's token given twice.
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
        settings = cls(**values)
        if settings.worker_token and settings.worker_token_file:
            raise SettingsError(
                f"{ENV_PREFIX}WORKER_TOKEN and {ENV_PREFIX}WORKER_TOKEN_FILE are both set: "
                "give the worker's token one way"
            )
        if settings.broker_url_file and f"{ENV_PREFIX}BROKER_URL" in env:
            raise SettingsError(
                f"{ENV_PREFIX}BROKER_URL and {ENV_PREFIX}BROKER_URL_FILE are both set: "
                "give the broker's URL one way"
            )
        ids = [key.id for key in settings.keys]
        if len(set(ids)) != len(ids):
            twice = sorted({key_id for key_id in ids if ids.count(key_id) > 1})
            raise SettingsError(
                f"{ENV_PREFIX}AUTH_KEYS and {ENV_PREFIX}AUTH_KEYS_FILE both have a key "
                f"with the id {', '.join(twice)}: give each key an id of its own"
            )
        return settings

    def check_serving(self) -> None:
        """Check what serving needs beyond valid values: a key when authentication is
        on, and not the published local key outside ``development``.

        Without a key, every call to the API would be refused; writing the
        contract (``make openapi``) needs none, so only servers call this.

        :raises SettingsError: naming the settings to set.
        """
        if self.metrics_port == self.port:
            raise SettingsError(
                f"{ENV_PREFIX}METRICS_PORT={self.metrics_port} is {ENV_PREFIX}PORT too: give "
                "the metrics a port of their own, or leave it empty to serve them on "
                f"{ENV_PREFIX}PORT"
            )
        if self.metrics_port is not None and self.metrics == "off":
            raise SettingsError(
                f"{ENV_PREFIX}METRICS_PORT={self.metrics_port} while {ENV_PREFIX}METRICS=off: "
                f"empty {ENV_PREFIX}METRICS_PORT, or serve the metrics"
            )
        local = [key.id for key in self.keys if key.secret == LOCAL_KEY]
        if local and self.environment != "development":
            raise SettingsError(
                f"{ENV_PREFIX}ENVIRONMENT={self.environment}, and the key {local[0]!r} is the "
                "published local key of docker-compose.yml: set keys of your own in "
                f"{ENV_PREFIX}AUTH_KEYS or {ENV_PREFIX}AUTH_KEYS_FILE"
            )
        if self.auth != "none" and not self.keys:
            raise SettingsError(
                f"{ENV_PREFIX}AUTH={self.auth} needs at least one key: set "
                f"{ENV_PREFIX}AUTH_KEYS or {ENV_PREFIX}AUTH_KEYS_FILE, or {ENV_PREFIX}AUTH=none"
            )

    @property
    def worker_bearer_token(self) -> str:
        """The token sent to the worker: :attr:`worker_token` or the one in
        :attr:`worker_token_file`; ``""`` for none."""
        return self.worker_token or self.worker_token_file

    @property
    def broker(self) -> str:
        """The RabbitMQ URL to publish to: :attr:`broker_url_file`'s when set, else
        :attr:`broker_url`."""
        return self.broker_url_file or self.broker_url

    @property
    def keys(self) -> tuple[AuthKey, ...]:
        """Every key clients may use: :attr:`auth_keys` and those of :attr:`auth_keys_file`."""
        return self.auth_keys + self.auth_keys_file
