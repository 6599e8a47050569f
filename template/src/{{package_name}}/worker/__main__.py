# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Run the reference worker: ``python -m <package>.worker --port 8081 [--store PATH] [fault switches]``.

It prints ``worker listening on http://HOST:PORT`` once it takes connections
(``--port 0`` picks a free port), and stops on SIGINT or SIGTERM. With
``RELAY_WORKER_TOKEN`` or ``RELAY_WORKER_TOKEN_FILE`` set, as for the service, every
call but ``GET /livez`` must carry the token as a bearer token. With
``RELAY_TRANSPORT=amqp``, as for the service, it also consumes ``RELAY_BROKER_QUEUE``
from ``RELAY_BROKER_URL`` (``consumer.py``). The keys it processed are kept in
``--store`` (a SQLite file), so a restarted worker processes none of them again.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
from pathlib import Path
from types import FrameType

from werkzeug.serving import make_server

from ..settings import Settings
from ..settings import SettingsError
from .app import create_worker_app
from .consumer import Consumer
from .faults import Faults
from .store import ReceiptStore

#: Where the worker keeps the keys it processed unless told otherwise: under the folder
#: it runs in, so that ``make worker`` keeps them from one run to the next.
DEFAULT_STORE = Path(".worker/receipts.sqlite3")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until stopped."""
    parser = argparse.ArgumentParser(prog="worker", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port; 0 picks a free one")
    parser.add_argument(
        "--store",
        type=Path,
        default=DEFAULT_STORE,
        help="the SQLite file of the keys processed, created when missing (default: %(default)s)",
    )
    parser.add_argument("--capacity", type=int, default=100_000, help="idempotency keys kept")
    for field, kind in (
        ("fail_ratio", float), ("stall_ratio", float), ("stall_seconds", float),
        ("drop_ratio", float), ("retry_after", int), ("reject_field", str), ("seed", int),
    ):  # fmt: skip
        default = getattr(Faults(), field)
        parser.add_argument(f"--{field.replace('_', '-')}", type=kind, default=default)
    args = parser.parse_args(argv)
    try:
        faults = Faults(
            fail_ratio=args.fail_ratio,
            stall_ratio=args.stall_ratio,
            stall_seconds=args.stall_seconds,
            drop_ratio=args.drop_ratio,
            retry_after=args.retry_after,
            reject_field=args.reject_field,
            seed=args.seed,
        )
    except ValueError as error:
        parser.error(str(error))
    if args.capacity < 1:
        parser.error(f"--capacity must be at least 1, not {args.capacity}")
    try:
        # The service's own settings, so that one value sets the token, the transport
        # and the broker of both.
        settings = Settings.from_env()
    except SettingsError as error:
        raise SystemExit(f"configuration error: {error}") from None
    try:
        store = ReceiptStore(args.store, args.capacity)
    except (OSError, sqlite3.Error) as error:
        raise SystemExit(
            f"the worker cannot open its store {args.store}: {error}; "
            "give --store a file in a folder it may write"
        ) from None
    app = create_worker_app(faults, store, settings.worker_bearer_token)
    server = make_server(args.host, args.port, app, threaded=True)
    consumer = None
    if settings.transport == "amqp":
        consumer = Consumer(settings, app.extensions["worker"])

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"worker listening on http://{args.host}:{server.port}", flush=True)
    try:
        if consumer is not None:
            consumer.start()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if consumer is not None:
            consumer.stop()
        server.server_close()
        store.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
