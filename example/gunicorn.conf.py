# Managed by relaykit: "copier update" merges the template's changes into this file.
"""How gunicorn serves the service: ``gunicorn`` in this folder, as the container does.

Every value comes from the service's settings (``RELAY_*``, see .env.example),
so a bad one stops start-up with one line naming the variable.
"""

import gc
import math
import os
import shutil
import tempfile
from typing import Any

# Metrics: before the service (and prometheus_client, which reads it on import) is
# imported, every process of this server gets one fresh folder for its samples, in
# memory when it can (/dev/shm; a read-only root filesystem needs /tmp writable).
# A fresh one: the files of an earlier run would be counted again.
metrics_dir = tempfile.mkdtemp(
    prefix="relay-metrics-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

from relay_service.serving import drain_on_sigterm  # noqa: E402
from relay_service.settings import Settings  # noqa: E402
from relay_service.settings import SettingsError  # noqa: E402

try:
    settings = Settings.from_env()
    settings.check_serving()
except SettingsError as error:
    raise SystemExit(f"configuration error: {error}") from None

wsgi_app = "relay_service:create_app()"
# Build the app once, in the master, so that a bad setting stops start-up with one
# line instead of failing in every worker; each worker opens its own connections
# to the worker after the fork (HandoffClient.session).
preload_app = True

host = f"[{settings.host}]" if ":" in settings.host else settings.host
bind = [f"{host}:{settings.port}"]
if settings.metrics_port is not None:
    bind.append(f"{host}:{settings.metrics_port}")  # /metrics alone (api/metrics.py)

# Requests wait on the worker, so threads serve them: measured with
# bench/gunicorn_worker_class.py (20 ms worker latency, 2 CPUs), gthread served
# 2.6-2.9x the requests of sync workers, at a third of their median latency.
# gthread, whose own rejections (a bad request line, 414, 431) are problem details.
worker_class = "relay_service.api.rejections.ProblemThreadWorker"
workers = settings.web_workers
threads = settings.web_threads


def pre_fork(server: Any, worker: Any) -> None:
    """Freeze what the master built before each fork: the collector then never walks
    those objects in a worker, so their pages stay shared instead of being copied
    (a busy worker's own memory: 19 MB without this, 11 MB with it)."""
    gc.freeze()


# On SIGTERM (docker stop) the master first drains for RELAY_DRAIN_SECONDS
# (serving/drain.py), then stops gracefully: requests in flight may wait a whole
# handoff deadline for the worker: they get it, and a little more, before gunicorn
# kills what is left. Stopping takes at most
#   drain_seconds + 0.5 (serving.drain.ACCEPT_SETTLE) + graceful_timeout
# (defaults: 5 + 0.5 + 15 = 20.5 s): a container's stop timeout must be longer.
graceful_timeout = math.ceil(settings.handoff_deadline) + 5


def when_ready(server: Any) -> None:
    """Drain on SIGTERM before gunicorn's graceful stop (RELAY_DRAIN_SECONDS)."""
    drain_on_sigterm(server, settings.drain_seconds)


timeout = 30
# The heartbeat file of each worker, in memory: a slow disk then cannot make the
# master think a worker hangs.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No control socket (gunicorn 25.1 and later): the orchestrator runs gunicorn with
# signals, and the socket's default place, $HOME/.gunicorn, is on a read-only root
# filesystem in Kubernetes (deploy/kubernetes/).
control_socket_disable = True
# Workers are replaced now and then, not all at once, so a slow leak cannot grow.
max_requests = 10_000
max_requests_jitter = 1_000


def child_exit(server: Any, worker: Any) -> None:
    """A worker process ended (recycled, killed or stopped): its gauges go with it;
    its counters and histograms stay, counted once, so totals never go down."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """The server stops: its metrics folder goes."""
    shutil.rmtree(metrics_dir, ignore_errors=True)


# Access log and gunicorn's own lines: JSON lines like the service's, on stdout
# and stderr, with the request id.
accesslog = "-"
loglevel = settings.log_level.lower()
logger_class = "relay_service.observability.server_logs.JSONServerLogger"

# forwarded_allow_ips is left to gunicorn, which reads FORWARDED_ALLOW_IPS: it
# trusts X-Forwarded-For and -Proto only from those addresses (127.0.0.1,::1 when
# unset). Behind a proxy or a load balancer, set it to the proxy's address (or "*"
# when only the proxy can reach the service, as in docker-compose.yml).

# gunicorn has no time limit on reading a request: once a client has sent a byte,
# a thread waits for the rest as long as the client takes. RELAY_HEADER_TIMEOUT and
# RELAY_BODY_TIMEOUT are applied by the proxy in front (docker-compose.yml); with
# gunicorn alone (make dev, a platform without one), slow clients can hold every
# thread. Put a buffering proxy in front of it wherever clients are not trusted.
