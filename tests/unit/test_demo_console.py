"""What the demo feeds and says first: reports up to now only, and the console's address."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fusionhub.bootstrap.runtime import console_lines
from fusionhub.runtime.demo import demo_start
from fusionhub.runtime.feed import load_feed
from fusionhub.settings import ApiSettings, CentreSettings, ConsoleSettings, Settings

pytestmark = pytest.mark.unit


def test_the_feed_leaves_out_reports_stamped_after_its_end(tmp_path: Path) -> None:
    lines = [
        {"event_code": "WG-1", "reported_at": "2026-12-05T10:00:00+08:00"},
        {"event_code": "WG-2", "reported_at": "2026-12-05T12:00:00+08:00"},
    ]
    for empty in ("hotline", "petition"):
        (tmp_path / f"{empty}.jsonl").write_text("")
    (tmp_path / "grid.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    (tmp_path / "video").mkdir()
    (tmp_path / "video" / "a.xml").write_text(
        "<Notify><AlarmTime>2026-12-05T10:30:00</AlarmTime></Notify>"
    )
    until = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 11:00 China time
    kept = load_feed(tmp_path, until=until)
    assert [item.at for item in kept] == ["2026-12-05T10:00:00+08:00", "2026-12-05T10:30:00"]
    assert len(load_feed(tmp_path)) == 3


def test_the_demo_days_end_now_on_the_hour() -> None:
    assert demo_start(datetime(2026, 12, 5, 10, 37, 12, tzinfo=UTC)) == datetime(
        2026, 12, 3, 10, tzinfo=UTC
    )


def test_the_demo_says_where_the_console_is_first_with_the_county_token_first() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        api=ApiSettings(
            token="p" * 16,
            centres={
                "fengqiao": CentreSettings(
                    name="枫桥镇综治中心", token="f" * 16, township="330681109"
                ),
                "zhuji": CentreSettings(name="诸暨市社会治理中心", token="z" * 16, county="330681"),
            },
        ),
        console=ConsoleSettings(port=8070),
    )
    lines = console_lines(settings)
    assert lines[0].split() == ["console", "http://127.0.0.1:8070/"]
    assert "诸暨市社会治理中心" in lines[1]
    assert "z" * 16 in lines[1]
    assert "f" * 16 in lines[2]
    assert "p" * 16 in lines[3]
