from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from kafka import KafkaProducer

from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.records import DEAD_LETTER_SUBJECT, EVENT_SUBJECT, event_to_record
from fusionhub.settings import Settings
from fusionhub.streams.topics import TopicNames
from tests.conftest import settings_env
from tests.support import free_port, read_topic
from tests.unit.serialization.test_avro_codec import sample_event

pytestmark = pytest.mark.integration


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = settings_env(settings)
    env["FUSIONHUB_STREAMS__APP_ID"] = f"{settings.topic_prefix}-app"
    env["FUSIONHUB_STREAMS__WEB_PORT"] = str(free_port())
    env["FUSIONHUB_STREAMS__STORE"] = "memory://"
    env["FUSIONHUB_STREAMS__DATA_DIR"] = str(settings.broker.data_dir.parent / "streams")
    return subprocess.Popen(
        [sys.executable, "-m", "fusionhub", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_the_worker_creates_its_topics_relays_events_dead_letters_garbage_and_stops_cleanly(
    hub_settings: Settings,
) -> None:
    topics = TopicNames(hub_settings.topic_prefix)
    codec = AvroCodec(EmbeddedSchemaRegistry())
    worker = start_worker(hub_settings)
    try:
        producer = KafkaProducer(bootstrap_servers=hub_settings.kafka_bootstrap, acks="all")
        good = codec.encode(EVENT_SUBJECT, event_to_record(sample_event()))
        for value in (good, b"not avro at all", good):
            producer.send(topics.events, value)
        producer.flush()
        producer.close()
        relayed = read_topic(hub_settings.kafka_bootstrap, f"{topics.events}.relayed", 2, 90)
        dead = read_topic(hub_settings.kafka_bootstrap, topics.dead_letter, 1, 30)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            out, _ = worker.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate()
    log = out.decode(errors="replace")
    assert len(relayed) == 2, log[-3000:]
    assert codec.decode(relayed[0], EVENT_SUBJECT)["event_ref"] == sample_event().event_ref
    [letter] = [codec.decode(d, DEAD_LETTER_SUBJECT) for d in dead]
    assert letter["reason"] == "undecodable_avro"
    assert letter["original_size"] == len(b"not avro at all")
    assert b"not avro" not in letter["original_sealed"]  # sealed, not in clear
    assert worker.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def test_the_worker_web_server_listens_on_loopback_only(hub_settings: Settings) -> None:
    from fusionhub.streams.app import create_app

    app = create_app(hub_settings)
    assert app.conf.web_bind == "127.0.0.1"
    assert app.conf.web_host == "127.0.0.1"
