"""``fusionhub up``: every service as a child process, started and waited for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fusionhub.runtime.readiness import http_ok, wait_until
from fusionhub.runtime.supervisor import Supervisor


@dataclass(frozen=True)
class Endpoints:
    """Where each service of one hub answers (built by ``fusionhub.bootstrap.runtime``)."""

    ingest: str
    api: str
    worker_metrics: str
    sink_metrics: str
    database: str
    console: str | None = None
    sources: Sequence[str] = ()

    def lines(self) -> list[str]:
        """Where everything is, the console first: it is what people open."""
        first = [f"console         {self.console}/"] if self.console else []
        ingest = f"{self.ingest}/v1/ingest/{{{','.join(self.sources)}}}"
        return [
            *first,
            f"ingest API      {ingest}",
            f"read API        {self.api}/v1/cases   (OpenAPI: {self.api}/openapi.json)",
            f"metrics         {self.ingest}/metrics  {self.worker_metrics}  {self.sink_metrics}"
            f"  {self.api}/metrics",
            f"database        {self.database}",
        ]


def start_services(log_dir: Path, env: Mapping[str, str], endpoints: Endpoints) -> Supervisor:
    """Start the four services (each logging to ``log_dir``) and wait until each answers."""
    supervisor = Supervisor(log_dir, env)
    supervisor.start()
    checks = {
        "ingest-api": http_ok(f"{endpoints.ingest}/healthz"),
        "api": http_ok(f"{endpoints.api}/healthz"),
        "worker": http_ok(endpoints.worker_metrics),
        "sink": http_ok(endpoints.sink_metrics),
    }
    if endpoints.console:
        checks["console"] = http_ok(f"{endpoints.console}/healthz")
    try:
        wait_until(supervisor, checks)
    except Exception:
        supervisor.stop()
        raise
    return supervisor
