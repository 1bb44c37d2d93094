"""One place that builds the four connectors with the same dependencies."""

from __future__ import annotations

from collections.abc import Mapping

from fusionhub.connectors.base import DEFAULT_MAX_PAYLOAD_BYTES, BaseConnector
from fusionhub.connectors.categories import CategoryTable
from fusionhub.connectors.grid import GridConnector
from fusionhub.connectors.hotline import HotlineConnector
from fusionhub.connectors.petition import PetitionConnector
from fusionhub.connectors.pii import PiiProtector
from fusionhub.connectors.shared import JsonConnector
from fusionhub.connectors.video import VideoConnector
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
) -> dict[Source, BaseConnector]:
    """The connector of every source, keyed by Source; called once by the composition root."""
    json_connectors: dict[Source, type[JsonConnector]] = {
        Source.GRID: GridConnector,
        Source.HOTLINE: HotlineConnector,
        Source.PETITION: PetitionConnector,
    }
    connectors: dict[Source, BaseConnector] = {
        source: kind(
            gazetteer=gazetteer,
            categories=categories,
            pii=pii,
            max_payload_bytes=max_payload_bytes,
            reject_implausible_points=reject_implausible_points,
        )
        for source, kind in json_connectors.items()
    }
    connectors[Source.VIDEO] = VideoConnector(
        gazetteer=gazetteer,
        categories=categories,
        pii=pii,
        cameras=cameras,
        max_payload_bytes=max_payload_bytes,
        reject_implausible_points=reject_implausible_points,
    )
    return connectors
