"""The unified event every source is normalised into, and the records that travel beside it.

Pure data: no I/O, no clock. Times are timezone-aware ``datetime`` values supplied by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from fusionhub.core.values import value_object


class Source(str):
    """A source system's name: the prefix of its event refs (``grid:WG-...``), lowercase
    letters, digits and ``_``.

    The core keeps no list of sources: every source declares itself in a module of
    ``fusionhub.sources``, and the registry (``fusionhub.connectors.registry``) checks at
    start-up that each has every part. So a source cannot be "forgotten" here: correlation
    treats every source alike.
    """

    __slots__ = ()

    def __new__(cls, name: str) -> Source:
        if not _SOURCE_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a source name (lowercase letters, digits, _)")
        return super().__new__(cls, name)

    @classmethod
    def of(cls, name: str) -> Source:
        """The Source named ``name``, the same object every time (decoders call this per
        record); raises ValueError for a name that is not a source name."""
        found = _INTERNED.get(name)
        if found is None:
            found = _INTERNED[name] = cls(name)
        return found

    @property
    def value(self) -> str:
        """The name as a plain ``str`` (what an Avro record, a URL or a topic name holds)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Source({self.value!r})"


_SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)
_INTERNED: dict[str, Source] = {}


class Platform(StrEnum):
    """The command platform line that handles a category."""

    SOCIAL_GOVERNANCE = "综治工作"
    MARKET_REGULATION = "市场监管"
    LAW_ENFORCEMENT = "综合执法"
    PUBLIC_SERVICE = "便民服务"


def event_ref(source: Source, source_id: str) -> str:
    """The cross-source reference of an event, ``SOURCE:ID``."""
    return f"{str.__str__(source)}:{source_id}"


@value_object
class GeoPoint:
    """A point on WGS-84. Connectors convert GCJ-02 and BD-09 before building one."""

    lon: float
    lat: float


@value_object
class Jurisdiction:
    """Where an event belongs, with the rule that decided each level.

    Rules: ``grid_code``, ``camera_registry``, ``device_id``, ``region_code``, ``address_text``,
    ``point_in_county``, ``issuer_code`` (the county of the call centre or petition office that
    numbered the record), ``text_mention`` (a place named in a caller's words); ``None`` when
    the level is unknown.
    """

    county_code: str | None = None
    township_code: str | None = None
    village_code: str | None = None
    grid_code: str | None = None
    county_rule: str | None = None
    township_rule: str | None = None
    village_rule: str | None = None
    grid_rule: str | None = None


@value_object
class Party:
    """A person named in a report. Never holds a clear phone or ID-card number.

    ``*_masked`` is for display (``138****5678``); ``*_token`` is a keyed HMAC that lets later
    stages tell the same person without knowing who.
    """

    role: str
    name_masked: str | None = None
    phone_masked: str | None = None
    phone_token: str | None = None
    id_masked: str | None = None
    id_token: str | None = None


@value_object
class Event:
    """One report from one source, normalised. The unit the correlation engine consumes."""

    event_ref: str
    source: Source
    source_id: str
    occurred_at: datetime
    received_at: datetime
    category: str
    platform: Platform
    severity: int
    text: str
    jurisdiction: Jurisdiction = field(default_factory=Jurisdiction)
    point: GeoPoint | None = None
    point_crs: str | None = None
    source_category: str | None = None
    title: str | None = None
    address: str | None = None
    parties: tuple[Party, ...] = ()
    refs: tuple[str, ...] = ()
    fingerprint: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def person_tokens(self) -> frozenset[str]:
        """The phone and ID tokens of the people the report is about: the "same person" signal.

        The grid worker who filed a report (role ``reporter``) is left out: one worker files
        reports on many unrelated incidents.
        """
        tokens = set()
        for p in self.parties:
            if p.role == "reporter":
                continue
            if p.phone_token:
                tokens.add(p.phone_token)
            if p.id_token:
                tokens.add(p.id_token)
        return frozenset(tokens)


@value_object
class DeviceHealthRecord:
    """A device-fault alarm: counted and kept, never opened as an incident."""

    event_ref: str
    device_id: str
    occurred_at: datetime
    received_at: datetime
    alarm_method: str
    alarm_type: str | None
    description: str | None
    county_code: str | None
    fingerprint: str
