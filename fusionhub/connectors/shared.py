"""Pieces every JSON connector uses: parsing, points, references found in text, attributes."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from fusionhub.connectors.base import DEFAULT_MAX_PAYLOAD_BYTES, BaseConnector, ParsedRecord
from fusionhub.connectors.categories import CategoryTable
from fusionhub.connectors.errors import ConnectorError, FieldError, Reason, fail
from fusionhub.connectors.fields import SOURCE_ID_PATTERN, FieldReader
from fusionhub.connectors.payload import JSON_MEDIA_TYPES, check_envelope, split_json
from fusionhub.connectors.pii import PiiProtector
from fusionhub.core.events import GeoPoint
from fusionhub.core.gazetteer import Gazetteer
from fusionhub.core.geo import is_plausible_point, to_wgs84
from fusionhub.core.jurisdiction import CameraInfo

# Without the registry's patterns (``SourceRegistry.quoted_ids``) no id is found in text.
_NO_QUOTED_IDS = re.compile(r"(?!)")


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class RawPoint:
    """A coordinate as the source gave it, validated but not yet converted."""

    def __init__(
        self, lon: float, lat: float, crs: str | None, lon_path: str, crs_path: str
    ) -> None:
        self.lon = lon
        self.lat = lat
        self.crs = crs
        self.lon_path = lon_path
        self.crs_path = crs_path


class ConfiguredConnector(BaseConnector):
    """Holds a connector's dependencies; every connector is built with these keywords
    (``connectors.factory.build_connectors``).

    ``cameras`` is the camera registry (the video connector places alarms with it);
    ``quoted_ids`` finds other reports' ids quoted in free text (``SourceRegistry.quoted_ids``,
    every registered source's pattern; ``quoted_need`` a character every such id holds, to skip
    texts without it). ``reject_implausible_points``: a point outside China after conversion
    (0/0, swapped) is an ``impossible_point`` rejection (default), or, when False, dropped while
    the event is kept.
    """

    def __init__(
        self,
        *,
        gazetteer: Gazetteer,
        categories: CategoryTable,
        pii: PiiProtector,
        cameras: Mapping[str, CameraInfo] | None = None,
        quoted_ids: re.Pattern[str] = _NO_QUOTED_IDS,
        quoted_need: str = "",
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        reject_implausible_points: bool = True,
    ) -> None:
        if max_payload_bytes <= 0:
            raise ValueError("max_payload_bytes must be positive")
        self._gazetteer = gazetteer
        self._categories = categories
        self._pii = pii
        self._cameras: Mapping[str, CameraInfo] = dict(cameras or {})
        self._quoted_ids = quoted_ids
        self._quoted_need = quoted_need
        self._max_payload_bytes = max_payload_bytes
        self._reject_implausible_points = reject_implausible_points

    def merge_refs(self, given: Iterable[str], texts: Iterable[str | None]) -> tuple[str, ...]:
        """The refs as given, then ids of other reports quoted in the texts, each once, in
        order. Called by the connectors' ``normalise``."""
        refs = list(dict.fromkeys(given))
        need = self._quoted_need
        for text in texts:
            if not text or (need and need not in text):
                continue  # no id could be in it: no need to run the search
            for found in self._quoted_ids.findall(text):
                if found not in refs:
                    refs.append(found)
        return tuple(refs)

    def to_wgs84_point(self, raw: RawPoint | None) -> tuple[GeoPoint | None, list[FieldError]]:
        """The WGS-84 point of a validated raw point, with the normalise-stage errors, if any.

        An unknown crs is ``unknown_enum``; a point outside China after conversion (0/0 "no
        fix", swapped lon/lat) is ``impossible_point``, or dropped (see the class doc).
        """
        if raw is None:
            return None, []
        try:
            point = to_wgs84(raw.lon, raw.lat, raw.crs)
        except ValueError as exc:
            return None, [FieldError(raw.crs_path, str(exc), Reason.UNKNOWN_ENUM)]
        if is_plausible_point(point.lon, point.lat):
            return point, []
        if not self._reject_implausible_points:
            return None, []
        message = f"({raw.lon}, {raw.lat}) is not a place in China (0/0 or lon/lat swapped?)"
        return None, [FieldError(raw.lon_path, message, Reason.IMPOSSIBLE_POINT)]

    def attributes(
        self, values: Mapping[str, object], closed: Collection[str] = ()
    ) -> dict[str, str]:
        """An event's attributes: ``values`` as strings (see ``attribute_text``), absent ones
        left out, and any phone or ID number masked, a last guard on what leaves here.

        Called by every connector's ``normalise``. ``closed`` names attributes whose values the
        connector took from a closed set (an enum, a flag, a bounded count, an ISO time, a rule
        name): none can hold such a number, so they skip the scrub. Every other attribute, a
        new one included, is scrubbed.
        """
        scrub = self._pii.scrub_text
        result: dict[str, str] = {}
        for key, value in values.items():
            text = attribute_text(value)
            if text is not None:
                result[key] = text if key in closed else scrub(text)
        return result


class JsonConnector(ConfiguredConnector):
    """Base of the grid, hotline and petition connectors (JSON object or array payloads)."""

    id_field: str

    def parse(self, payload: bytes, content_type: str | None = None) -> list[ParsedRecord]:
        """Split a JSON object or array payload into records; see ``BaseConnector.convert``.

        Raises ConnectorError: ``too_large``, ``empty_payload``, ``unsupported_media_type``,
        ``bad_encoding``, ``malformed_json``, ``empty_batch``, ``wrong_type``.
        """
        check_envelope(payload, content_type, JSON_MEDIA_TYPES, self._max_payload_bytes)
        records = []
        for item in split_json(payload):
            is_object = isinstance(item.value, dict)
            records.append(
                ParsedRecord(
                    source=self.source,
                    fields=item.value if is_object else {},
                    original=item.original,
                    position=item.position,
                    shape_error=None if is_object else "array element must be a JSON object",
                )
            )
        return records

    def source_id_of(self, record: ParsedRecord) -> str | None:
        """The record's id field when it is a well-formed id, else ``None``."""
        value = record.fields.get(self.id_field)
        if isinstance(value, str) and SOURCE_ID_PATTERN.fullmatch(value.strip()):
            return value.strip()
        return None

    def reader(self, record: ParsedRecord) -> FieldReader:
        """A reader over the record; a non-object array element is rejected here."""
        if record.shape_error is not None:
            path = f"$[{record.position}]" if record.position is not None else "$"
            raise fail("validate", Reason.WRONG_TYPE, path, record.shape_error)
        return FieldReader(record.fields)


def read_point(
    reader: FieldReader, lon: str = "lon", lat: str = "lat", crs: str = "crs"
) -> RawPoint | None:
    """A lon/lat pair (both or neither) and its crs name, range-checked, not yet converted."""
    lon_value = reader.number(lon, -180.0, 180.0)
    lat_value = reader.number(lat, -90.0, 90.0)
    crs_value = reader.text(crs, max_len=16)
    if (lon_value is None) != (lat_value is None):
        present, absent = (lon, lat) if lon_value is not None else (lat, lon)
        if not any(e.field == reader.path(absent) for e in reader.errors):
            reader.add(absent, f"is required when {present} is given", Reason.MISSING_FIELD)
        return None
    if lon_value is None or lat_value is None:
        return None
    return RawPoint(lon_value, lat_value, crs_value, reader.path(lon), reader.path(crs))


def issuer_county(source_id: str, pattern: re.Pattern[str]) -> str | None:
    """The county code a record id carries in ``pattern``'s first group (``12345-330681-...``,
    ``XF330681-...``), or None. Called by normalisers for ``LocationHints.issuer_code``."""
    match = pattern.match(source_id)
    return match.group(1) if match else None


def raise_normalise_errors(errors: list[FieldError], source_id: str | None) -> None:
    """Raise the normalise-stage errors of a record, if any."""
    if errors:
        raise ConnectorError("normalise", errors, source_id)


def attribute_text(value: object) -> str | None:
    """An attribute value as a string (booleans ``true``/``false``, lists joined by commas);
    ``None`` for an absent one (None, empty)."""
    if type(value) is str:  # the usual case, taken first: kept when not empty
        return value or None
    if value is None or value in ("", ()):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return str(value)
