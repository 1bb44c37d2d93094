"""One place that builds every registered source's connector with the same dependencies."""

from __future__ import annotations

from collections.abc import Mapping

from fusionhub.connectors.base import DEFAULT_MAX_PAYLOAD_BYTES, BaseConnector
from fusionhub.connectors.categories import CategoryTable
from fusionhub.connectors.pii import PiiProtector
from fusionhub.connectors.registry import SourceRegistry, load_sources
from fusionhub.core.events import Source
from fusionhub.core.gazetteer import Gazetteer
from fusionhub.core.jurisdiction import CameraInfo


def build_connectors(
    *,
    gazetteer: Gazetteer,
    categories: CategoryTable,
    pii: PiiProtector,
    cameras: Mapping[str, CameraInfo] | None = None,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    reject_implausible_points: bool = True,
    sources: SourceRegistry | None = None,
) -> dict[Source, BaseConnector]:
    """The connector of every registered source (``sources``, default ``load_sources()``),
    keyed by Source; called once by the composition root (and by tests).

    Every connector shares the gazetteer, the category table, the PII protector and the camera
    registry, and finds other reports' ids in its texts with every source's pattern.
    """
    registry = sources or load_sources()
    connectors: dict[Source, BaseConnector] = {}
    for spec in registry:
        connector = spec.connector(
            gazetteer=gazetteer,
            categories=categories,
            pii=pii,
            cameras=cameras,
            quoted_ids=registry.quoted_ids,
            quoted_need=registry.quoted_need,
            max_payload_bytes=max_payload_bytes,
            reject_implausible_points=reject_implausible_points,
        )
        if not isinstance(connector, BaseConnector) or connector.source != spec.source:
            raise TypeError(f"{spec.name}: its connector is not a BaseConnector of that source")
        connectors[spec.source] = connector
    return connectors
