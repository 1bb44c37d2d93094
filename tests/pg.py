"""The throwaway PostgreSQL cluster of the tests (``fusionhub.bench.pgcluster``), with its
binaries' folder from ``FUSIONHUB_TEST_PG_BIN`` when set."""

from __future__ import annotations

import os
from pathlib import Path

from fusionhub.bench.pgcluster import (
    DEFAULT_PG_BIN,
    PostgresCluster,
    PostgresUnavailableError,
)
from fusionhub.bench.pgcluster import start_cluster as _start_cluster

PG_BIN = Path(os.environ.get("FUSIONHUB_TEST_PG_BIN", str(DEFAULT_PG_BIN)))

__all__ = ["PG_BIN", "PostgresCluster", "PostgresUnavailableError", "start_cluster"]


def start_cluster() -> PostgresCluster:
    """A new, running cluster from ``PG_BIN``; raises PostgresUnavailableError otherwise."""
    return _start_cluster(PG_BIN)
