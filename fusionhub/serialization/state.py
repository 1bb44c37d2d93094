"""The correlation state's snapshots in Avro: ``fusionhub.CaseEntry`` per case, grouped into
``fusionhub.StateChunk`` records, and the ``fusionhub.StateHead`` naming a complete snapshot.

A state record read back from the state topic is data, never code: everything here is decoded
by schema into plain values and checked (enums, known fields) before the engine sees it, so
whoever can write to the topic can at worst make a restore fail, which then falls back to the
event log. Times are milliseconds, as everywhere in the stream (every time the engine holds
arrived through Avro).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fusionhub.core.cases import Case, CaseLevel, CaseStatus, Correction, Transition
from fusionhub.core.events import Platform, Source
from fusionhub.core.scoring import epoch_us
from fusionhub.core.scoring_types import CaseProfile, ScoreBreakdown
from fusionhub.core.snapshot import CaseEntry
from fusionhub.serialization.avro import AvroCodec, DecodeError
from fusionhub.serialization.records import CASE_SUBJECT

ENTRY_SUBJECT = "fusionhub.CaseEntry"
CHUNK_SUBJECT = "fusionhub.StateChunk"
HEAD_SUBJECT = "fusionhub.StateHead"


@dataclass(frozen=True, slots=True)
class SnapshotHead:
    """A decoded ``fusionhub.StateHead``: which chunks make a snapshot, and at what offset."""

    partition: int
    snapshot_id: str
    slot: str
    offset: int
    chunks: int
    entries: int
    watermark: datetime | None
    unpruned: tuple[str, ...]
    written_at: datetime
    policy: str = ""


def encode_entry(codec: AvroCodec, entry: CaseEntry, case_record: bytes) -> bytes:
    """The framed ``fusionhub.CaseEntry`` of ``entry``, whose case was last published as the
    framed ``fusionhub.Case`` record ``case_record`` (reused as is, not encoded again).

    Called by the worker for each case changed since the last snapshot, when it takes one.
    """
    case, p = entry.case, entry.profile
    return codec.encode(
        ENTRY_SUBJECT,
        {
            "case": case_record,
            "accepted_at": case.accepted_at,
            "min_severity": case.min_severity,
            "near_misses": [
                {"event_ref": ref, "case_id": other, "score": _score_record(score)}
                for ref, other, score in case.near_misses
            ],
            "profile": None if p is None else _profile_record(p),
            "commands": list(entry.commands),
        },
    )


def _profile_record(p: CaseProfile) -> dict[str, Any]:
    return {
        "category": p.category,
        "lon": p.lon,
        "lat": p.lat,
        "township": p.township,
        "village": p.village,
        "first_at": p.first_at,
        "last_at": p.last_at,
        "expires_at": p.expires_at,
        "sketches": list(p.sketches),
        "address": p.address,
        "village_name": p.village_name,
        "houses": list(p.houses),
        "tokens": list(p.tokens),
        "orgs": list(p.orgs),
    }


def _score_record(s: ScoreBreakdown) -> dict[str, Any]:
    return {
        "total": s.total,
        "ref": s.ref,
        "person": s.person,
        "distance": s.distance,
        "place": s.place,
        "address": s.address,
        "time": s.time,
        "category": s.category,
        "text": s.text,
        "veto": s.veto,
    }


def decode_entry(codec: AvroCodec, data: bytes) -> CaseEntry:
    """The ``CaseEntry`` of a framed ``fusionhub.CaseEntry``; ``DecodeError`` for anything that
    is not one (or holds a value the engine does not know, such as an unknown status)."""
    rec = codec.decode(data, ENTRY_SUBJECT)
    try:
        case = case_from_record(codec.decode(rec["case"], CASE_SUBJECT))
        case.accepted_at = rec["accepted_at"]
        case.min_severity = rec["min_severity"]
        case.near_misses = tuple(
            (m["event_ref"], m["case_id"], ScoreBreakdown(**m["score"])) for m in rec["near_misses"]
        )
        p = rec["profile"]
        profile = None if p is None else _profile_from_record(case.case_id, p)
        return CaseEntry(case, profile, tuple(rec["commands"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise DecodeError(f"case entry: {type(exc).__name__}: {exc}") from exc


def case_from_record(rec: dict[str, Any]) -> Case:
    """The core ``Case`` of a decoded ``fusionhub.Case`` record (the fields the record carries;
    ``decode_entry`` sets the rest). Raises KeyError or ValueError on a malformed record."""
    sources = [Source(s) for s in rec["sources"]]
    case = Case(
        case_id=rec["case_id"],
        county_code=_code(rec["county_code"]),
        township_code=_code(rec["township_code"]),
        village_code=_code(rec["village_code"]),
        category=rec["category"],
        platform=Platform(rec["platform"]),
        priority=rec["priority"],
        opened_at=rec["opened_at"],
        updated_at=rec["updated_at"],
        deadline=rec["deadline"],
        event_refs=list(rec["event_refs"]),
        history=[
            Transition(t["at"], CaseStatus(t["status"]), t["actor"], t["note"])
            for t in rec["history"]
        ],
        status=CaseStatus(rec["status"]),
        level=CaseLevel(rec["level"]),
        version=rec["version"],
        person_token_count=rec["person_token_count"],
        repeat_of=rec["repeat_of"],
        scores=tuple((m["event_ref"], ScoreBreakdown(**m["score"])) for m in rec["members"]),
        department=rec["department"],
        evaluation=rec["evaluation"],
        merged_into=rec["merged_into"],
        corrections=tuple(_correction(c) for c in rec["corrections"]),
    )
    for source in sources:
        case.add_source(source)
    return case


def _correction(c: dict[str, Any]) -> Correction:
    return Correction(
        c["command_id"],
        c["action"],
        c["case_id"],
        c["other_case_id"],
        tuple(c["moved"]),
        tuple(c["kept"]),
        c["reason"],
        c["actor"],
        c["at"],
    )


def _profile_from_record(case_id: str, p: dict[str, Any]) -> CaseProfile:
    return CaseProfile(
        case_id=case_id,
        category=p["category"],
        lon=p["lon"],
        lat=p["lat"],
        township=_code(p["township"]),
        village=_code(p["village"]),
        first_at=p["first_at"],
        last_at=p["last_at"],
        expires_at=p["expires_at"],
        first_us=epoch_us(p["first_at"]),
        last_us=epoch_us(p["last_at"]),
        sketches=tuple(p["sketches"]),
        address=p["address"],
        village_name=p["village_name"],
        houses=tuple(p["houses"]),
        tokens=tuple(p["tokens"]),
        orgs=tuple(p["orgs"]),
    )


def _code(code: str | None) -> str | None:
    # A hundred thousand cases share a few thousand region codes, as the engine interns them.
    return sys.intern(code) if code else None


def encode_chunk(
    codec: AvroCodec, partition: int, snapshot_id: str, chunk: int, entries: list[bytes]
) -> bytes:
    """A framed ``fusionhub.StateChunk`` holding the framed entries given."""
    return codec.encode(
        CHUNK_SUBJECT,
        {"partition": partition, "snapshot_id": snapshot_id, "chunk": chunk, "entries": entries},
    )


def decode_chunk(codec: AvroCodec, data: bytes) -> tuple[str, int, list[bytes]]:
    """A chunk's snapshot id, number and framed entries (not decoded yet)."""
    rec = codec.decode(data, CHUNK_SUBJECT)
    return rec["snapshot_id"], rec["chunk"], list(rec["entries"])


def encode_head(codec: AvroCodec, head: SnapshotHead) -> bytes:
    """The framed ``fusionhub.StateHead`` of ``head``."""
    return codec.encode(
        HEAD_SUBJECT,
        {
            "partition": head.partition,
            "snapshot_id": head.snapshot_id,
            "slot": head.slot,
            "offset": head.offset,
            "chunks": head.chunks,
            "entries": head.entries,
            "watermark": head.watermark,
            "unpruned": list(head.unpruned),
            "written_at": head.written_at,
            "policy": head.policy,
        },
    )


def decode_head(codec: AvroCodec, data: bytes) -> SnapshotHead:
    """The ``SnapshotHead`` of a framed ``fusionhub.StateHead``; ``DecodeError`` otherwise."""
    rec = codec.decode(data, HEAD_SUBJECT)
    return SnapshotHead(
        partition=rec["partition"],
        snapshot_id=rec["snapshot_id"],
        slot=rec["slot"],
        offset=rec["offset"],
        chunks=rec["chunks"],
        entries=rec["entries"],
        watermark=rec["watermark"],
        unpruned=tuple(rec["unpruned"]),
        written_at=rec["written_at"],
        policy=rec["policy"],
    )
