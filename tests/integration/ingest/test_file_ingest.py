from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from fusionhub.broker.launcher import LocalKafkaBroker
from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.records import DEAD_LETTER_SUBJECT, EVENT_SUBJECT
from fusionhub.settings import BrokerSettings, Settings
from tests.conftest import EXAMPLES, settings_env
from tests.integration.ingest.conftest import example_jsonl, run_cli
from tests.support import free_port, read_topic

pytestmark = pytest.mark.integration


def test_each_example_goes_in_with_the_ingest_command(
    hub_settings: Settings, codec: AvroCodec, tmp_path: Path
) -> None:
    for name in ("grid", "hotline", "petition"):
        done = run_cli(hub_settings, "ingest", name, str(example_jsonl(tmp_path, name)))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1])["accepted"] == 1
    video_dir = tmp_path / "video"
    shutil.copytree(EXAMPLES / "video", video_dir)
    done = run_cli(hub_settings, "ingest", "video", str(video_dir))
    assert done.returncode == 0, done.stderr
    topic = TopicNames(hub_settings.topic_prefix).events
    events = {
        r["event_ref"]: r
        for r in (
            codec.decode(v, EVENT_SUBJECT)
            for v in read_topic(hub_settings.kafka_bootstrap, topic, 4)
        )
    }
    assert len(events) == 4
    grid = events["grid:WG-330681109-20261125-00017"]["jurisdiction"]
    assert (grid["county_code"], grid["township_code"], grid["village_code"]) == (
        "330681",
        "330681109",
        "330681109290",
    )
    assert events["video:33068110001320000012-17430"]["jurisdiction"]["township_code"] == (
        "330681109"
    )


def test_ingesting_the_same_file_twice_adds_nothing_the_second_time(
    hub_settings: Settings, tmp_path: Path
) -> None:
    path = example_jsonl(tmp_path, "hotline")
    first = run_cli(hub_settings, "ingest", "hotline", str(path))
    second = run_cli(hub_settings, "ingest", "hotline", str(path))
    assert json.loads(first.stdout.splitlines()[-1])["accepted"] == 1
    summary = json.loads(second.stdout.splitlines()[-1])
    assert (summary["accepted"], summary["duplicate"]) == (0, 1)


def hotline_lines(n: int, bad_every: int) -> tuple[list[str], int]:
    """``n`` hotline orders with distinct numbers; every ``bad_every``-th one lacks its content."""
    base = json.loads((EXAMPLES / "hotline.json").read_text(encoding="utf-8"))
    lines, bad = [], 0
    for i in range(n):
        doc = dict(base, order_no=f"12345-330681-20261125-{i:06d}")
        doc["call_time"] = (
            f"2026-11-25T{8 + i // 3600 % 12:02d}:{i // 60 % 60:02d}:{i % 60:02d}+08:00"
        )
        if i % bad_every == 0:
            del doc["content"]
            bad += 1
        lines.append(json.dumps(doc, ensure_ascii=False))
    return lines, bad


def wait_for_records(bootstrap: str, topic: str, count: int, timeout_s: float = 60) -> None:
    """Return once ``topic`` holds ``count`` records: the ingest is under way."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            if parts and sum(consumer.end_offsets(parts).values()) >= count:
                return
            time.sleep(0.05)
    finally:
        consumer.close()
    raise TimeoutError(f"{topic} did not reach {count} records")


def test_a_broker_restart_during_a_10000_line_ingest_loses_and_doubles_nothing(
    hub_settings: Settings, codec: AvroCodec, tmp_path_factory: pytest.TempPathFactory
) -> None:
    port = free_port()
    broker = LocalKafkaBroker(
        BrokerSettings(
            port=port, controller_port=free_port(), data_dir=tmp_path_factory.mktemp("restart")
        )
    )
    broker.start()
    try:
        settings = hub_settings.model_copy(update={"bootstrap_servers": broker.bootstrap})
        lines, bad = hotline_lines(10_000, bad_every=97)
        path = tmp_path_factory.mktemp("input") / "hotline.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = settings_env(settings)
        # Small acknowledged chunks with a long linger: the ingest takes seconds, not one.
        env["FUSIONHUB_INGEST__LINGER_MS"] = "50"
        proc = subprocess.Popen(
            [sys.executable, "-m", "fusionhub", "ingest", "hotline", str(path), "--chunk", "100"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_records(broker.bootstrap, TopicNames(settings.topic_prefix).events, 1000)
        assert proc.poll() is None, "ingest finished before the broker could be restarted"
        broker.stop()
        time.sleep(2.0)
        broker.start()
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        summary = json.loads(out.splitlines()[-1])
        topics = TopicNames(settings.topic_prefix)
        refs = Counter(
            codec.decode(v, EVENT_SUBJECT)["event_ref"]
            for v in read_topic(broker.bootstrap, topics.events, 10_000 - bad, 120)
        )
        letters = [
            codec.decode(v, DEAD_LETTER_SUBJECT)
            for v in read_topic(broker.bootstrap, topics.dead_letter, bad, 60)
        ]
    finally:
        broker.stop()
    assert summary["received"] == 10_000
    assert (summary["accepted"], summary["rejected"]) == (10_000 - bad, bad)
    assert len(refs) == 10_000 - bad, "some accepted lines are missing"
    assert max(refs.values()) == 1, "some lines were produced twice"
    assert len(letters) == bad
    assert {letter["reason"] for letter in letters} == {"missing_field"}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_worker_processes_count_and_deduplicate_a_file_like_one_process(
    hub_settings: Settings, codec: AvroCodec, tmp_path: Path, workers: str
) -> None:
    lines, bad = hotline_lines(3000, bad_every=50)
    # Repeats land in other chunks (and so other workers) than their first occurrence.
    repeats = lines[1:3000:7]
    path = tmp_path / "hotline.jsonl"
    path.write_text("\n".join(lines[:1500] + repeats + lines[1500:]) + "\n", encoding="utf-8")
    settings = hub_settings.model_copy(
        update={"topic_prefix": f"{hub_settings.topic_prefix}w{workers}"}
    )
    env_settings = settings_env(settings) | {"FUSIONHUB_INGEST__WORKERS": workers}
    done = subprocess.run(
        [sys.executable, "-m", "fusionhub", "ingest", "hotline", str(path), "--chunk", "64"],
        env=env_settings,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.splitlines()[-1])
    repeated_good = sum(1 for line in repeats if '"content"' in line)
    repeated_bad = len(repeats) - repeated_good
    assert summary == {
        "source": "hotline",
        "received": 3000 + len(repeats),
        "accepted": 3000 - bad,
        "rejected": bad + repeated_bad,
        "duplicate": repeated_good,
        "device_health": 0,
    }
    topics = TopicNames(settings.topic_prefix)
    refs = Counter(
        codec.decode(v, EVENT_SUBJECT)["event_ref"]
        for v in read_topic(settings.kafka_bootstrap, topics.events, 3000 - bad, 60)
    )
    assert len(refs) == 3000 - bad
    assert max(refs.values()) == 1
