"""A throwaway PostgreSQL 15 cluster, run from Debian's binaries: for the tests and for
``fusionhub bench api`` when it is given no database.

The cluster listens on 127.0.0.1 only, on a free port, and requires a password (scram-sha-256)
for TCP connections. It can be stopped and started again on the same data directory, which is
how the outage tests take the database away under a running sink. As root, every PostgreSQL
program runs as the unprivileged ``postgres`` user, which also owns the data directory.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

DEFAULT_PG_BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "fusionhub"
SERVICE_USER = "postgres"


class PostgresUnavailableError(RuntimeError):
    """The binaries or the service user are missing, or the cluster would not start."""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """One cluster in its own temporary directory. Not thread-safe; one per test session or
    benchmark run. ``shared_buffers`` is small for tests; the benchmark gives it more."""

    def __init__(
        self,
        port: int | None = None,
        pg_bin: Path = DEFAULT_PG_BIN,
        shared_buffers: str = "32MB",
    ) -> None:
        self.pg_bin = pg_bin
        self.shared_buffers = shared_buffers
        for program in ("initdb", "pg_ctl"):
            if not (pg_bin / program).is_file():
                raise PostgresUnavailableError(
                    f"{pg_bin / program} is missing (apt install postgresql-15)"
                )
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                self._owner = pwd.getpwnam(SERVICE_USER)
            except KeyError as exc:
                raise PostgresUnavailableError(
                    f"no {SERVICE_USER!r} user to run PostgreSQL as"
                ) from exc
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(18)
        # Not under pytest's tmp dir: that is private to root, and postgres must reach its files.
        self.base = Path(tempfile.mkdtemp(prefix="fusionhub-pg-"))
        self.data_dir = self.base / "data"
        self.log_file = self.base / "server.log"
        self.running = False

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` on this cluster."""
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        """Create the cluster: a password-only superuser, TCP on loopback, sockets in our dir."""
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.as_root:
            os.chown(self.base, self._owner.pw_uid, self._owner.pw_gid)
            os.chown(pwfile, self._owner.pw_uid, self._owner.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        pwfile.unlink()
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.base}'\n"
                # A test cluster: durability is not what is being tested.
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                f"max_connections = 50\nshared_buffers = {self.shared_buffers}\n"
            )

    def start(self) -> None:
        """Start (or restart) the server on the same data directory; waits until it accepts."""
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "30", "start"
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``fast`` ends open sessions at once, as an operator would."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "30", "stop")
            self.running = False

    def create_database(self, name: str | None = None) -> str:
        """Create a fresh database and return its URL; the cluster must be running."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server and remove every file of the cluster."""
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server log, for failure messages."""
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.pg_bin / program), *args]
        if self.as_root:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise PostgresUnavailableError(
                f"{program} failed ({done.returncode}): {done.stderr.strip()}\n{self.log_tail()}"
            )


def start_cluster(pg_bin: Path = DEFAULT_PG_BIN, shared_buffers: str = "32MB") -> PostgresCluster:
    """A new, running cluster; raises PostgresUnavailableError (with the reason) otherwise."""
    cluster = PostgresCluster(pg_bin=pg_bin, shared_buffers=shared_buffers)
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        cluster.destroy()
        raise
    return cluster
