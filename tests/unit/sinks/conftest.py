from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from fusionhub.sinks import SqlCaseStore, open_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite case store file of this test's own."""
    engine = open_engine(f"sqlite:///{tmp_path / 'cases.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlCaseStore:
    return SqlCaseStore(engine)
