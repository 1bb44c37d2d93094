"""Long commands say how far they are: the simulator, the replay's two steps, and the broker's
first download (one line per jar Maven fetches)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_connectors
from fusionhub.broker.distribution import _DOWNLOADED
from fusionhub.policies import load_policy
from fusionhub.replay import correlate_events, input_bytes, load_events
from fusionhub.settings import SecretSettings, Settings
from fusionhub.sim.writer import simulate

pytestmark = pytest.mark.unit


def test_the_simulator_reports_every_record_it_writes(tmp_path: Path) -> None:
    steps: list[int] = []
    simulate(tmp_path / "sim", 3, 400, progress=steps.append)
    assert sum(steps) == 400
    assert len(steps) > 20
    assert min(steps) >= 0


def test_the_replay_reports_the_input_converted_and_the_events_correlated(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "sim"
    simulate(folder, 5, 1500)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secrets=SecretSettings(pii_key="k" * 32),
    )
    read: list[int] = []
    joined: list[int] = []

    _, events = load_events(folder, build_connectors(Hub(settings)), datetime.now(UTC), read.append)
    correlate_events(events, load_policy(None), joined.append)

    assert len(read) == 1500
    assert 0.95 * input_bytes(folder) < sum(read) <= input_bytes(folder)
    assert sum(joined) == len(events)
    assert joined[0] == 1000


def test_a_jar_maven_downloads_is_named_with_its_size() -> None:
    line = (
        "Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/kafka/"
        "kafka-clients/4.0.2/kafka-clients-4.0.2.jar (17 MB at 9.2 MB/s)"
    )
    found = _DOWNLOADED.match(line)
    assert found is not None
    assert found.groups() == ("kafka-clients-4.0.2.jar", "17 MB")
    assert (
        _DOWNLOADED.match("Downloaded from central: https://x/y/z-1.pom (2 kB at 9 kB/s)") is None
    )
