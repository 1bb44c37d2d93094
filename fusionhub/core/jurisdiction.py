"""Decide which county, township, village and grid an event belongs to, and by which rule.

Pure: the gazetteer and camera registry are built by :mod:`fusionhub.regions` and passed in.
Rules run from the most to the least reliable; each fills only the levels still open, and only
when it agrees with what is already decided, so a township never lies outside its county.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fusionhub.core.events import GeoPoint, Jurisdiction
from fusionhub.core.gazetteer import (
    COUNTY_CODE_LEN,
    TOWNSHIP_CODE_LEN,
    VILLAGE_CODE_LEN,
    Gazetteer,
)

GRID_CODE_LEN = 15


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """One camera of the registry; ``point`` is already WGS-84."""

    device_id: str
    name: str
    point: GeoPoint | None
    grid_code: str | None
    township_code: str | None


# A plain class: compiled, its __init__ is native (a compiled dataclass keeps Python's).
class LocationHints:
    """Everything a source says about where an event happened; any of it may be missing."""

    def __init__(
        self,
        *,
        grid_code: str | None = None,
        device_id: str | None = None,
        region_code: str | None = None,
        address_texts: tuple[str, ...] = (),
        point: GeoPoint | None = None,
        issuer_code: str | None = None,
        mention_texts: tuple[str, ...] = (),
    ) -> None:
        self.grid_code = grid_code  # 15 digits = 12-digit village code + 3-digit grid serial
        self.device_id = device_id  # GB/T 28181, 20 digits, first 6 = county code
        self.region_code = region_code  # 6, 9 or 12 digits
        self.address_texts = address_texts
        self.point = point  # already WGS-84
        # The county of the office that numbered the record (a 12345 order, a petition): where
        # it was taken, not always where it happened, so it is the last rule to count.
        self.issuer_code = issuer_code
        # Free text that may name the place (a caller's words): searched only when nothing
        # else gave the village, since a story can also mention places it is not about.
        self.mention_texts = mention_texts

    def __repr__(self) -> str:
        return (
            f"LocationHints("
            f"grid_code={self.grid_code!r}, "
            f"device_id={self.device_id!r}, "
            f"region_code={self.region_code!r}, "
            f"address_texts={self.address_texts!r}, "
            f"point={self.point!r}, "
            f"issuer_code={self.issuer_code!r}, "
            f"mention_texts={self.mention_texts!r})"
        )


class _Decision:
    """The levels decided so far and the rule that decided each.

    One is built per report, so the levels are plain attributes rather than dicts. Decided
    levels always run from the county down: each offer fills every open level its code gives.
    """

    def __init__(self) -> None:
        self.county: str | None = None
        self.township: str | None = None
        self.village: str | None = None
        self.grid: str | None = None
        self.county_rule: str | None = None
        self.township_rule: str | None = None
        self.village_rule: str | None = None
        self.grid_rule: str | None = None

    def deepest(self) -> str | None:
        return self.grid or self.village or self.township or self.county

    def offer(self, code: str, rule: str) -> None:
        """Fill the open levels ``code`` gives, unless it disagrees with a decided level."""
        deepest = self.deepest()
        if deepest is not None and not (code.startswith(deepest) or deepest.startswith(code)):
            return
        size = len(code)
        if self.county is None and size >= COUNTY_CODE_LEN:
            self.county, self.county_rule = code[:COUNTY_CODE_LEN], rule
        if self.township is None and size >= TOWNSHIP_CODE_LEN:
            self.township, self.township_rule = code[:TOWNSHIP_CODE_LEN], rule
        if self.village is None and size >= VILLAGE_CODE_LEN:
            self.village, self.village_rule = code[:VILLAGE_CODE_LEN], rule
        if self.grid is None and size >= GRID_CODE_LEN:
            self.grid, self.grid_rule = code[:GRID_CODE_LEN], rule

    def jurisdiction(self) -> Jurisdiction:
        return Jurisdiction(
            county_code=self.county,
            township_code=self.township,
            village_code=self.village,
            grid_code=self.grid,
            county_rule=self.county_rule,
            township_rule=self.township_rule,
            village_rule=self.village_rule,
            grid_rule=self.grid_rule,
        )


def _known_grid(grid_code: str | None, gazetteer: Gazetteer) -> str | None:
    code = (grid_code or "").strip()
    if len(code) == GRID_CODE_LEN and code.isdigit() and gazetteer.knows(code[:VILLAGE_CODE_LEN]):
        return code
    return None


def _known_code(code: str | None, gazetteer: Gazetteer) -> str | None:
    code = (code or "").strip()
    return code if code.isdigit() and gazetteer.knows(code) else None


def _agreed_code(codes: set[str]) -> str | None:
    """The deepest code every match agrees with (all lie on its chain), else ``None``."""
    for length in (VILLAGE_CODE_LEN, TOWNSHIP_CODE_LEN, COUNTY_CODE_LEN):
        # Codes at least this long must cut to one head; shorter ones must be its ancestors.
        deep = {c[:length] for c in codes if len(c) >= length}
        if len(deep) == 1:
            (head,) = deep
            if all(head.startswith(c) for c in codes if len(c) < length):
                return head
    return None


def _address_code(texts: Iterable[str], within: str | None, gazetteer: Gazetteer) -> str | None:
    codes = {m.code for text in texts for m in gazetteer.find_in_text(text, within)}
    return _agreed_code(codes)


def _apply_camera(camera: CameraInfo, decision: _Decision, gazetteer: Gazetteer) -> None:
    grid = _known_grid(camera.grid_code, gazetteer)
    township = _known_code(camera.township_code, gazetteer)
    if grid is not None:
        decision.offer(grid, "camera_registry")
    elif township is not None and len(township) == TOWNSHIP_CODE_LEN:
        decision.offer(township, "camera_registry")


def resolve_jurisdiction(
    hints: LocationHints,
    gazetteer: Gazetteer,
    cameras: Mapping[str, CameraInfo] | None = None,
) -> tuple[Jurisdiction, GeoPoint | None]:
    """The jurisdiction of an event and the WGS-84 point to use for it.

    Called by the normalisers of every source after parsing. Rules, most reliable first:
    ``grid_code``, ``camera_registry``, ``device_id`` (county only), ``region_code``,
    ``address_text``, ``point_in_county`` (county only), ``issuer_code`` (county only; the
    address is then searched again inside that county, where a name common across the province
    may be unique), ``text_mention`` (places named in ``mention_texts``, when the village is
    still open). Unknown or malformed codes are skipped,
    never an error; levels no rule decides stay ``None``. The point is ``hints.point``, else the
    registered camera's point, else ``None``.
    """
    decision = _Decision()
    grid = _known_grid(hints.grid_code, gazetteer)
    if grid is not None:
        decision.offer(grid, "grid_code")
    camera = (cameras or {}).get((hints.device_id or "").strip())
    if camera is not None:
        _apply_camera(camera, decision, gazetteer)
    device_county = _known_code((hints.device_id or "").strip()[:COUNTY_CODE_LEN], gazetteer)
    if device_county is not None:
        decision.offer(device_county, "device_id")
    region = _known_code(hints.region_code, gazetteer)
    if region is not None:
        decision.offer(region, "region_code")
    if hints.address_texts and decision.village is None:
        deepest = decision.deepest()
        found = _address_code(hints.address_texts, deepest, gazetteer)
        if found is not None:
            decision.offer(found, "address_text")
    point = hints.point if hints.point is not None else (camera.point if camera else None)
    if point is not None and decision.county is None:
        county = gazetteer.county_of_point(point)
        if county is not None:
            decision.offer(county, "point_in_county")
    if decision.county is None:
        _apply_issuer(hints, decision, gazetteer)
    if hints.mention_texts and decision.village is None:
        found = _address_code(hints.mention_texts, decision.deepest(), gazetteer)
        if found is not None:
            decision.offer(found, "text_mention")
    return decision.jurisdiction(), point


def _apply_issuer(hints: LocationHints, decision: _Decision, gazetteer: Gazetteer) -> None:
    issuer = _known_code(hints.issuer_code, gazetteer)
    if issuer is None or len(issuer) != COUNTY_CODE_LEN:
        return
    decision.offer(issuer, "issuer_code")
    if hints.address_texts:
        found = _address_code(hints.address_texts, issuer, gazetteer)
        if found is not None:
            decision.offer(found, "address_text")
