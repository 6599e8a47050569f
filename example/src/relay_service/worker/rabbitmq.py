# Managed by relaykit: "copier update" merges the template's changes into this file.
"""A private RabbitMQ node on loopback, for tests and benchmarks of the ``amqp`` transport.

It runs the ``rabbitmq-server`` installed on this machine (Debian's package puts it
in ``/usr/lib/rabbitmq/bin``) as this user, on free ports, with its data, logs and
Erlang cookie in a folder of its own, so that it never touches a RabbitMQ the
machine runs. It is started with ``subprocess`` (bandit's B404 and B603, silenced
where they are raised): fixed programs, the caller's arguments, and no shell.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess  # nosec B404
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

__all__ = ["RabbitMQMissingError", "RabbitMQNode", "find_rabbitmq", "start_rabbitmq_node"]

#: Where Debian's package keeps the node's own scripts (``/usr/sbin``'s switch to the
#: ``rabbitmq`` user, which could not write a test's folder).
_DEBIAN_BIN = "/usr/lib/rabbitmq/bin"

#: The longest a node may take to start or stop, in seconds.
_STARTUP_TIMEOUT = 120


class RabbitMQMissingError(RuntimeError):
    """No ``rabbitmq-server`` on this machine."""


def find_rabbitmq() -> Path:
    """The folder of ``rabbitmq-server`` and ``rabbitmqctl``.

    :raises RabbitMQMissingError: naming how to install them.
    """
    found = shutil.which("rabbitmq-server", path=f"{_DEBIAN_BIN}{os.pathsep}{os.defpath}")
    found = found or shutil.which("rabbitmq-server")
    if found is None:
        raise RabbitMQMissingError(
            "rabbitmq-server is not installed: the amqp transport's tests need it "
            "(Debian: apt-get install rabbitmq-server)"
        )
    return Path(found).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RabbitMQNode:
    """A RabbitMQ node of this process's own: its ports, its folder, and its controls."""

    directory: Path
    bin: Path
    name: str
    port: int
    dist_port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The node's AMQP URL, as ``RELAY_BROKER_URL`` takes it."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def environment(self) -> dict[str, str]:
        """The variables that make ``rabbitmq-server`` and ``rabbitmqctl`` this node's."""
        return {
            **os.environ,
            "HOME": str(self.directory),  # the Erlang cookie the server and its CLI share
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "data"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.directory / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.directory / "rabbitmq.pid"),
        }

    def ctl(self, *arguments: str) -> str:
        """Run ``rabbitmqctl -n <node> ARGUMENTS``; its output.

        :raises subprocess.CalledProcessError: when it fails.
        """
        done = subprocess.run(  # nosec B603
            [str(self.bin / "rabbitmqctl"), "-n", self.name, *arguments],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=_STARTUP_TIMEOUT,
            check=True,
        )
        return done.stdout

    def start(self) -> None:
        """Start the node, with the data it had, and return once it takes connections."""
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(  # nosec B603
            [str(self.bin / "rabbitmq-server")],
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            # Returns once the node runs RabbitMQ, or fails when its process ends first.
            self.ctl("wait", "--pid", str(self.process.pid), "--timeout", str(_STARTUP_TIMEOUT))
        except subprocess.CalledProcessError as error:
            self.process.kill()
            self.process.wait(timeout=_STARTUP_TIMEOUT)
            tail = (self.directory / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(
                f"RabbitMQ did not start ({error.stderr.strip()}):\n{tail}"
            ) from None

    def stop(self) -> None:
        """Stop the node gracefully, as ``systemctl stop`` does, and wait for it."""
        if self.process is None:
            return
        try:
            self.ctl("stop")
        except subprocess.CalledProcessError:
            self.process.terminate()
        self.process.wait(timeout=_STARTUP_TIMEOUT)
        self.process = None

    def restart(self) -> None:
        """Stop the node and start it again: what it persisted is kept."""
        self.stop()
        self.start()

    def queue_counts(self, queue: str) -> tuple[int, int]:
        """How many messages of ``queue`` wait, and how many consumers hold unacknowledged."""
        listed = self.ctl(
            "list_queues", "--quiet", "--no-table-headers",
            "name", "messages_ready", "messages_unacknowledged",
        )  # fmt: skip
        for line in listed.splitlines():
            name, ready, unacknowledged = line.split("\t")
            if name == queue:
                return int(ready), int(unacknowledged)
        raise LookupError(f"RabbitMQ has no queue {queue!r}")

    def close_connections(self, name: str) -> int:
        """Close the client connections named ``name`` (pika's ``connection_name``), as a
        lost network would; how many there were."""
        listed = self.ctl(
            "list_connections", "--quiet", "--no-table-headers", "pid", "client_properties"
        )
        closed = 0
        for line in listed.splitlines():
            pid, _, properties = line.partition("\t")
            # rabbitmqctl prints client properties as Erlang terms: {"connection_name","..."}.
            if '{"connection_name","' + name + '"}' in properties:
                self.ctl("close_connection", pid, "closed by a test")
                closed += 1
        return closed


def start_rabbitmq_node(directory: Path) -> RabbitMQNode:
    """Start a node keeping everything in ``directory`` (which must exist), on free ports.

    :raises RabbitMQMissingError: when ``rabbitmq-server`` is not installed.
    :raises RuntimeError: when it does not start, with the end of its log.
    """
    bin_dir = find_rabbitmq()
    port = _free_port()
    node = RabbitMQNode(
        directory=directory,
        bin=bin_dir,
        name=f"relay-{port}@localhost",
        port=port,
        dist_port=_free_port(),
    )
    # No plugins; guest may log in over loopback only, RabbitMQ's default.
    (directory / "enabled_plugins").write_text("[].\n", encoding="utf-8")
    (directory / "rabbitmq.conf").write_text(f"listeners.tcp.default = {port}\n", encoding="utf-8")
    # Quorum queues report their counts (rabbitmqctl list_queues) every tick: 5 s by
    # default, which a test polling them would wait for.
    (directory / "advanced.config").write_text(
        "[{rabbit, [{quorum_tick_interval, 250}]}].\n", encoding="utf-8"
    )
    node.start()
    return node
