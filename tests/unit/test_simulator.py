"""The simulator writes a valid, reproducible replay folder and its truth."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from fusionhub.sim import simulate
from fusionhub.sim.catalog import BY_CODE
from fusionhub.sim.people import id_check_digit

pytestmark = pytest.mark.unit

PHONE = re.compile(r"^1[358]\d{9}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(out, seed=3, n_events=600)
    return out


def lines(folder: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (folder / name).read_text("utf-8").splitlines()]


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_same_seed_writes_the_same_bytes(folder: Path, tmp_path: Path) -> None:
    simulate(tmp_path / "again", seed=3, n_events=600)
    simulate(tmp_path / "other", seed=4, n_events=600)
    assert all_bytes(tmp_path / "again") == all_bytes(folder)
    assert all_bytes(tmp_path / "other") != all_bytes(folder)


def test_exactly_n_events_are_written_and_each_has_a_truth_line(folder: Path) -> None:
    truth = lines(folder, "truth.jsonl")
    refs = {str(t["event_ref"]) for t in truth}
    written = {f"grid:{r['event_code']}" for r in lines(folder, "grid.jsonl")}
    written |= {f"hotline:{r['order_no']}" for r in lines(folder, "hotline.jsonl")}
    written |= {f"petition:{r['petition_no']}" for r in lines(folder, "petition.jsonl")}
    written |= {f"pingan:{r['report_no']}" for r in lines(folder, "pingan.jsonl")}
    written |= {"video:" + p.stem for p in (folder / "video").glob("*.xml")}
    assert len(truth) == 600
    assert refs == written


def test_grid_records_carry_the_required_fields_with_valid_values(folder: Path) -> None:
    for r in lines(folder, "grid.jsonl"):
        assert re.match(r"^WG-\d{9}-\d{8}-\d{5}$", str(r["event_code"]))
        assert re.match(r"^\d{15}$", str(r["grid_code"]))
        assert ISO.match(str(r["reported_at"]))
        assert r["type_1"] in {"矛盾纠纷", "问题隐患"}
        assert r["type_2"]
        assert r["description"]
        assert r["reporter"]["id"]
        assert 1 <= int(r.get("level", 3)) <= 5
        location = r.get("location")
        if isinstance(location, dict):
            assert location["crs"] in {"GCJ02", "WGS84"}
            assert 118 < location["lon"] < 123
            assert 27 < location["lat"] < 31.5
        for party in r.get("parties", []):
            assert party["role"] in {"appellant", "respondent", "involved"}
            assert PHONE.match(party["phone"])


def test_hotline_and_petition_records_use_the_documented_enums(folder: Path) -> None:
    for r in lines(folder, "hotline.jsonl"):
        assert re.match(r"^12345-\d{6}-\d{8}-\d{6}$", str(r["order_no"]))
        assert r["channel"] in {"phone", "app", "wechat", "web", "sms"}
        assert r["appeal_type"] in {"咨询", "求助", "投诉", "举报", "建议", "表扬"}
        assert r["urgency"] in {"normal", "urgent", "emergency"}
        assert PHONE.match(r["caller"]["phone"])
        assert ISO.match(str(r["call_time"]))
        assert r["content"]
    for r in lines(folder, "petition.jsonl"):
        assert re.match(r"^XF\d{6}-\d{4}-\d{6}$", str(r["petition_no"]))
        assert r["channel"] in {"web", "app", "letter", "visit"}
        assert r["purpose"] in {"投诉", "求决", "建议", "申诉", "揭发控告", "其他"}
        assert r["petitioner"]["name"]
        assert r["title"]
        assert r["content"]


def test_id_numbers_have_a_correct_check_digit(folder: Path) -> None:
    ids = [r["petitioner"].get("id_number") for r in lines(folder, "petition.jsonl")]
    ids += [p.get("id_number") for r in lines(folder, "grid.jsonl") for p in r.get("parties", [])]
    present = [i for i in ids if i]
    assert present
    for number in present:
        assert len(number) == 18
        assert number[-1] == id_check_digit(number[:17])
    assert id_check_digit("11010519491231002") == "X"


def test_video_alarms_declare_their_encoding_and_cameras_are_registered(folder: Path) -> None:
    with (folder / "cameras.csv").open(encoding="utf-8") as handle:
        cameras = {row["device_id"]: row for row in csv.DictReader(handle)}
    encodings = set()
    for path in (folder / "video").glob("*.xml"):
        raw = path.read_bytes()
        declared = re.match(rb'<\?xml version="1.0" encoding="([^"]+)"\?>', raw)
        assert declared is not None
        encoding = declared.group(1).decode()
        encodings.add(encoding)
        text = raw.decode(encoding)
        device = re.search(r"<DeviceID>(\d{20})</DeviceID>", text)
        assert device is not None
        assert device.group(1) in cameras
        assert re.search(r"<AlarmMethod>[1-7]+</AlarmMethod>", text)
        assert re.search(r"<AlarmTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d</AlarmTime>", text)
    assert encodings == {"GB2312", "UTF-8"}


def test_device_faults_have_no_incident_and_use_method_6_or_2(folder: Path) -> None:
    faults = [t for t in lines(folder, "truth.jsonl") if t["incident_id"] is None]
    assert faults
    for t in faults:
        ref = str(t["event_ref"]).removeprefix("video:")
        raw = (folder / "video" / f"{ref}.xml").read_bytes()
        assert re.search(rb"<AlarmMethod>[62]</AlarmMethod>", raw)


def test_petitions_quote_earlier_hotline_orders_of_the_same_incident(folder: Path) -> None:
    truth = {t["event_ref"]: t["incident_id"] for t in lines(folder, "truth.jsonl")}
    quoted = [r for r in lines(folder, "petition.jsonl") if r.get("refs")]
    assert quoted
    for r in quoted:
        for ref in r["refs"]:
            assert truth[f"hotline:{ref}"] == truth[f"petition:{r['petition_no']}"]


def test_hard_negatives_share_village_day_and_category_but_not_the_incident(
    tmp_path: Path,
) -> None:
    simulate(tmp_path, seed=8, n_events=800, hard_negative_rate=1.0)
    truth = {t["event_ref"]: t["incident_id"] for t in lines(tmp_path, "truth.jsonl")}
    seen: dict[tuple[str, str, str], set[object]] = defaultdict(set)
    for r in lines(tmp_path, "grid.jsonl"):
        key = (str(r["grid_code"])[:12], str(r["reported_at"])[:10], str(r["type_2"]))
        seen[key].add(truth[f"grid:{r['event_code']}"])
    assert any(len(incidents) > 1 for incidents in seen.values())
    assert any(BY_CODE[c].party for c in BY_CODE)
