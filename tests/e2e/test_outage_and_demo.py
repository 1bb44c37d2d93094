"""The database stopped and restarted mid-stream loses and doubles nothing; ``fusionhub demo``
ends with cases in the database, on the county topics, and in the read API."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from kafka import KafkaConsumer
from sqlalchemy import create_engine, text

from fusionhub.bus.topics import TopicNames
from fusionhub.runtime.feed import HttpFeed, load_feed
from fusionhub.settings import Settings
from fusionhub.sim.writer import simulate
from tests.conftest import PostgresCluster, settings_env
from tests.e2e.conftest import endpoints, hub_env, hub_settings_for, prepare, start_services
from tests.integration.streams.harness import case_states, final_cases
from tests.support import free_port

pytestmark = pytest.mark.e2e


def stored_cases(url: str) -> dict[str, tuple[int, frozenset[str]]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = dict(conn.execute(text("SELECT case_id, version FROM cases")).all())
        members: dict[str, set[str]] = {}
        for ref, case_id in conn.execute(text("SELECT event_ref, case_id FROM case_members")):
            members.setdefault(case_id, set()).add(ref)
    engine.dispose()
    return {cid: (v, frozenset(members.get(cid, ()))) for cid, v in versions.items()}


def topic_cases(settings: Settings) -> dict[str, tuple[int, frozenset[str]]]:
    final = final_cases(case_states(settings, TopicNames(settings.topic_prefix).cases_all))
    return {cid: (c["version"], frozenset(c["event_refs"])) for cid, c in final.items()}


def test_a_database_outage_mid_stream_ends_with_the_cases_the_stream_produced(
    hub_settings: Settings, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres_cluster.create_database()
    settings = hub_settings_for(hub_settings, url, tmp_path)
    prepare(settings, start_broker=False)
    supervisor = start_services(settings, hub_env(settings))
    try:
        folder = tmp_path / "sim"
        simulate(folder, seed=5, n_events=600, days=4)
        items = load_feed(folder)
        feed = HttpFeed(
            endpoints(settings).ingest, settings.ingest.token.get_secret_value(), items, rate=150
        )  # type: ignore[union-attr]
        feed.start()
        while feed.progress.sent < len(items) // 3:
            time.sleep(0.2)
        postgres_cluster.stop()
        time.sleep(6)  # the sink retries with backoff while the database is away
        postgres_cluster.start()
        while not feed.progress.done:
            time.sleep(0.5)
        assert feed.progress.answered == {202: len(items)}
        expected: dict[str, tuple[int, frozenset[str]]] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            expected = topic_cases(settings)
            if expected and stored_cases(url) == expected:
                break
            time.sleep(1.0)
        assert stored_cases(url) == expected
        exposition = httpx.get(f"{endpoints(settings).ingest}/metrics", timeout=10).text
        accepted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in exposition.splitlines()
            if line.startswith("fusionhub_ingest_accepted_total")
        )
        assert sum(len(refs) for _, refs in expected.values()) == accepted
    finally:
        if not postgres_cluster.running:
            postgres_cluster.start()
        codes = supervisor.stop()
    assert codes == dict.fromkeys(codes, 0), codes


def test_the_demo_ends_with_cases_in_the_database_the_county_topics_and_the_api(
    hub_settings: Settings, tmp_path: Path
) -> None:
    env = settings_env(hub_settings)
    env.update(
        {
            "FUSIONHUB_DATA_DIR": str(tmp_path),
            "FUSIONHUB_INGEST__PORT": str(free_port()),
            "FUSIONHUB_INGEST__TOKEN": "demo-ingest-token",
            "FUSIONHUB_API__PORT": str(free_port()),
            "FUSIONHUB_API__TOKEN": "demo-api-token",
            "FUSIONHUB_CONSOLE__PORT": str(free_port()),
            "FUSIONHUB_METRICS__SINK_PORT": str(free_port()),
            "FUSIONHUB_STREAMS__WEB_PORT": str(free_port()),
            "FUSIONHUB_STREAMS__SESSION_TIMEOUT_S": "6",
        }
    )
    env.pop("FUSIONHUB_TOPIC_PREFIX")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fusionhub",
            "demo",
            "--events",
            "200",
            "--rate",
            "200",
            "--seed",
            "3",
            "--exit-when-done",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # The console's address comes first, then a token to sign in with.
    first, second = done.stdout.splitlines()[:2]
    assert first.split()[0] == "console"
    assert first.split()[1].startswith("http://127.0.0.1:")
    assert second.split()[0] == "token"
    assert "demo-api-token" in second
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"run"')]
    assert len(lines) == 1, done.stdout[-2000:]
    summary = json.loads(lines[0])
    assert summary["cases"] > 50
    assert summary["exit_codes"] == {"worker": 0, "sink": 0, "ingest-api": 0, "api": 0}
    db = create_engine(summary["database"])
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == summary["cases"]
    db.dispose()
    consumer = KafkaConsumer(bootstrap_servers=hub_settings.kafka_bootstrap)
    county_topics = [
        t for t in consumer.topics() if t.startswith(f"{summary['run']}.cases.county.")
    ]
    consumer.close()
    assert county_topics  # summary["cases"] itself came from the run's read API
