"""Fixtures of the connector tests: the real gazetteer, packaged categories, example cameras."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fusionhub.connectors.base import BaseConnector
from fusionhub.connectors.categories import CategoryTable, load_category_table
from fusionhub.connectors.factory import build_connectors
from fusionhub.connectors.pii import PiiProtector
from fusionhub.core.events import Source
from fusionhub.core.gazetteer import Gazetteer
from fusionhub.core.jurisdiction import CameraInfo
from fusionhub.regions import load_camera_registry, load_gazetteer

from .builders import EXAMPLES, TEST_KEY


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="session")
def categories() -> CategoryTable:
    return load_category_table()


@pytest.fixture(scope="session")
def cameras() -> dict[str, CameraInfo]:
    return load_camera_registry(EXAMPLES / "cameras.csv")


@pytest.fixture(scope="session")
def pii() -> PiiProtector:
    return PiiProtector(TEST_KEY)


@pytest.fixture(scope="session")
def connectors(
    gazetteer: Gazetteer,
    categories: CategoryTable,
    pii: PiiProtector,
    cameras: dict[str, CameraInfo],
) -> dict[Source, BaseConnector]:
    return build_connectors(gazetteer=gazetteer, categories=categories, pii=pii, cameras=cameras)


@pytest.fixture(scope="session")
def make_connectors(
    gazetteer: Gazetteer,
    categories: CategoryTable,
    pii: PiiProtector,
    cameras: dict[str, CameraInfo],
) -> Callable[..., dict[Source, BaseConnector]]:
    """Connectors with other options (payload limit, implausible points)."""

    def make(**options: Any) -> dict[Source, BaseConnector]:
        return build_connectors(
            gazetteer=gazetteer, categories=categories, pii=pii, cameras=cameras, **options
        )

    return make
