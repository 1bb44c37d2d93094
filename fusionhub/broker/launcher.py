"""A real single-node Kafka (KRaft, combined broker and controller) on loopback, no Docker needed.

``LocalKafkaBroker`` is used by ``fusionhub broker``, ``make demo`` and the integration tests alike,
so the tests exercise exactly the broker an operator starts.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from fusionhub.broker.distribution import KafkaDistribution, ensure_distribution
from fusionhub.broker.options import BrokerSettings
from fusionhub.paths import ensure_dir

_LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="{log}" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="kafka" level="INFO"/>
    <Logger name="org.apache.kafka" level="INFO"/>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Root level="WARN"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
"""


class BrokerError(RuntimeError):
    """The broker could not be started or stopped; the message says why and where the log is."""


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap: str
    answering: bool


class LocalKafkaBroker:
    """Start, stop and inspect one local Kafka broker described by ``BrokerSettings``."""

    def __init__(self, settings: BrokerSettings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir
        self.pid_file = self.data_dir / "broker.pid"
        self.log_file = self.data_dir / "logs" / "server.log"
        self.stdout_file = self.data_dir / "logs" / "stdout.log"
        self.config_file = self.data_dir / "server.properties"

    @property
    def bootstrap(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def start(self) -> BrokerStatus:
        """Start the broker and return once it answers requests; a no-op when it already runs.

        Called by ``fusionhub broker start`` and the test fixtures. Raises ``BrokerError`` with the
        tail of the broker log when it exits early or does not answer within the timeout.
        """
        ensure_dir(self.data_dir, "FUSIONHUB_BROKER__DATA_DIR")
        if self._pid_alive():
            self._wait_until_answering(self.settings.start_timeout_s)
            return self.status()
        for port in (self.settings.port, self.settings.controller_port):
            if _port_open(self.settings.host, port):
                raise BrokerError(
                    f"port {port} on {self.settings.host} is taken by another process"
                )
        dist = ensure_distribution(
            self.settings.cache_dir, self.settings.kafka_version, self.settings.log4j_version
        )
        self._write_config()
        self._format_storage(dist)
        self._spawn(dist)
        self._wait_until_answering(self.settings.start_timeout_s)
        return self.status()

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL after ``timeout_s``) and free its ports.

        Returns False when no broker was running. Called by ``fusionhub broker stop`` and fixtures.
        """
        pid = self._read_pid()
        if pid is None or not _alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return False
        os.killpg(pid, signal.SIGTERM)
        if not _wait_for(lambda: not _alive(pid), timeout_s):
            os.killpg(pid, signal.SIGKILL)
            _wait_for(lambda: not _alive(pid), 10.0)
        self.pid_file.unlink(missing_ok=True)
        ports = (self.settings.port, self.settings.controller_port)
        if not _wait_for(lambda: not any(_port_open(self.settings.host, p) for p in ports), 15.0):
            raise BrokerError(f"broker stopped but ports {ports} are still open")
        return True

    def status(self) -> BrokerStatus:
        """Whether the broker process runs and whether it answers a metadata request."""
        pid = self._read_pid()
        running = pid is not None and _alive(pid)
        return BrokerStatus(
            running, pid if running else None, self.bootstrap, running and self._answers()
        )

    def logs(self, lines: int = 50) -> str:
        """The last ``lines`` lines of the broker's log."""
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    # -- internals ---------------------------------------------------------------------------

    def _write_config(self) -> None:
        s = self.settings
        ensure_dir(self.data_dir / "logs", "FUSIONHUB_BROKER__DATA_DIR")
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{s.host}:{s.controller_port}",
            "listeners": f"PLAINTEXT://{s.host}:{s.port},CONTROLLER://{s.host}:{s.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{s.host}:{s.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir / "kraft-logs"),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # A single developer broker: rebalance at once instead of waiting for more members.
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "log.retention.hours": "168",
        }
        self.config_file.write_text("".join(f"{k}={v}\n" for k, v in props.items()), "utf-8")
        log4j = self.data_dir / "log4j2.xml"
        log4j.write_text(_LOG4J2.format(log=self.log_file), encoding="utf-8")

    def _format_storage(self, dist: KafkaDistribution) -> None:
        # Formatting is done once: the meta.properties file marks a formatted log dir.
        if (self.data_dir / "kraft-logs" / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        cmd = [
            *self._java(dist),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(self.config_file),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BrokerError(f"formatting KRaft storage failed:\n{result.stdout}{result.stderr}")

    def _spawn(self, dist: KafkaDistribution) -> None:
        cmd = [*self._java(dist), "kafka.Kafka", str(self.config_file)]
        with self.stdout_file.open("ab") as out:
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.data_dir,
            )
        self.pid_file.write_text(str(proc.pid), encoding="utf-8")

    def _java(self, dist: KafkaDistribution) -> list[str]:
        return [
            "java",
            f"-Xmx{self.settings.heap}",
            "-Xms128m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.xml'}",
            f"-Dkafka.logs.dir={self.data_dir / 'logs'}",
            "-cp",
            dist.classpath,
        ]

    def _wait_until_answering(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pid = self._read_pid()
            if pid is None or not _alive(pid):
                raise BrokerError(f"broker exited during start-up; log:\n{self._tail()}")
            if self._answers():
                return
            time.sleep(0.5)
        raise BrokerError(f"broker did not answer within {timeout_s:.0f}s; log:\n{self._tail()}")

    def _answers(self) -> bool:
        if not _port_open(self.settings.host, self.settings.port):
            return False
        return broker_answers(self.bootstrap)

    def _tail(self) -> str:
        parts = [self.logs(40)]
        if self.stdout_file.exists():
            parts.append("\n".join(self.stdout_file.read_text(errors="replace").splitlines()[-20:]))
        return "\n".join(p for p in parts if p)

    def _pid_alive(self) -> bool:
        pid = self._read_pid()
        return pid is not None and _alive(pid)

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):  # no file yet, or no folder: nothing runs from here
            return None


def broker_answers(bootstrap: str) -> bool:
    """Whether a Kafka broker at ``bootstrap`` answers a metadata request (any broker, local
    or not); used before starting one and by commands that need one."""
    from fusionhub.bus.clients import KafkaClients

    try:
        admin = KafkaClients(bootstrap).admin(request_timeout_ms=5000)
    except Exception:
        return False
    try:
        return bool(admin.describe_cluster().get("brokers"))
    except Exception:
        return False
    finally:
        admin.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return _not_zombie(pid)
    return done == 0


def _not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait_for(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def new_cluster_id() -> str:
    """A random KRaft cluster id (22 URL-safe base64 characters) that does not start with "-".

    The storage tool's argument parser takes an id such as ``-x3f...`` for an option and fails
    (one format in 64 did); Kafka's own ``Uuid.randomUuid`` skips such ids for the same reason.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id
