"""Reading the hub's topics without Avro tooling: ``fusionhub tail``, ``fusionhub deadletter
show``, and the README's confluent-kafka recipe against ``fusionhub registry serve``."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from kafka import KafkaProducer

from fusionhub.bus.admin import ensure_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topics import TopicNames
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import CASE_SUBJECT
from fusionhub.settings import Settings
from tests.conftest import settings_env
from tests.support import free_port
from tests.unit.sinks.builders import case_record

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CODEC = AvroCodec(EmbeddedSchemaRegistry())


def produce(settings: Settings, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    ensure_topics(KafkaClients(settings.kafka_bootstrap), [topic], 1)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    for key, value in records:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def case_bytes(case_id: str, township: str) -> tuple[bytes, bytes]:
    record = case_record(case_id, 1, township=township)
    return case_id.encode(), CODEC.encode(CASE_SUBJECT, record)


def fusionhub(settings: Settings, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "fusionhub", *args],
        env={**settings_env(settings), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_tail_decodes_a_county_case_topic_to_json_lines(hub_settings: Settings) -> None:
    topics = TopicNames(hub_settings.topic_prefix)
    produce(hub_settings, topics.cases_county("330681"), [case_bytes("C1", "330681109")])

    done = fusionhub(hub_settings, "tail", "cases.county.330681", "--from-beginning", "-e")

    assert done.returncode == 0, done.stderr
    [line] = json_lines(done.stdout)
    assert line["topic"] == topics.cases_county("330681")
    assert (line["key"], line["subject"]) == ("C1", CASE_SUBJECT)
    assert line["value"]["case_id"] == "C1"
    assert line["value"]["township_code"] == "330681109"
    assert line["value"]["opened_at"].startswith("2026-11-25T00:00:00")


def test_tail_keeps_only_the_county_asked_for(hub_settings: Settings) -> None:
    topic = TopicNames(hub_settings.topic_prefix).cases_all
    cases = [case_bytes("C1", "330681109"), case_bytes("C2", "330282001")]
    produce(hub_settings, topic, [*cases, (b"x", b"not avro")])

    everything = fusionhub(hub_settings, "tail", topic, "--from-beginning", "-e")
    one_county = fusionhub(
        hub_settings, "tail", topic, "--from-beginning", "-e", "--county", "330282"
    )

    assert ["error" in r for r in json_lines(everything.stdout)] == [False, False, True]
    assert [r["value"]["case_id"] for r in json_lines(one_county.stdout)] == ["C2"]


def test_tail_of_a_topic_that_does_not_exist_says_so_in_one_line(hub_settings: Settings) -> None:
    done = fusionhub(hub_settings, "tail", f"{hub_settings.topic_prefix}.nothing", "-e")
    assert done.returncode == 2
    assert "no topic" in done.stderr
    assert "Traceback" not in done.stderr


def test_deadletter_show_opens_originals_for_the_holder_of_the_sealing_key(
    hub_settings: Settings,
) -> None:
    assert hub_settings.secrets.sealing_key is not None
    key = hub_settings.secrets.sealing_key.get_secret_value()
    letters = DeadLetterWriter(CODEC, key.encode())
    original = b'{"order_no": "12345-330681-1", "caller": {"phone": "13812345678"}}'
    sealed = [
        letters.seal(
            source="hotline",
            stage="parse",
            reason="missing_field",
            original=original,
            source_id="12345-330681-1",
        ),
        letters.seal(source="grid", stage="parse", reason="bad_json", original=b"{"),
    ]
    produce(
        hub_settings,
        TopicNames(hub_settings.topic_prefix).dead_letter,
        [(b"hotline", sealed[0]), (b"grid", sealed[1])],
    )

    shown = fusionhub(hub_settings, "deadletter", "show", "--id", "12345-330681-1")
    other_key = fusionhub(
        hub_settings,
        "deadletter",
        "show",
        "--source",
        "hotline",
        env={"FUSIONHUB_SECRETS__SEALING_KEY": Fernet.generate_key().decode()},
    )

    assert shown.returncode == 0, shown.stderr
    [letter] = json_lines(shown.stdout)
    assert letter["value"]["reason"] == "missing_field"
    assert letter["value"]["original"] == original.decode()
    assert "original_sealed" not in letter["value"]
    [unopened] = json_lines(other_key.stdout)
    assert "13812345678" not in other_key.stdout
    assert "does not open" in unopened["value"]["original_error"]


def readme_recipe() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("<!-- read-a-topic:", 1)[1]
    found = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert found, "no ```python block after the read-a-topic marker in README.md"
    return found.group(1)


def wait_for_port(port: int, within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def registry_server(hub_settings: Settings) -> Iterator[dict[str, str]]:
    """``fusionhub registry serve`` as the README starts it, on a free port with a token."""
    env = {
        **settings_env(hub_settings),
        "FUSIONHUB_REGISTRY__SERVE_PORT": str(free_port()),
        "FUSIONHUB_REGISTRY__SERVE_TOKEN": "reader-s3cret",
    }
    server = subprocess.Popen([sys.executable, "-m", "fusionhub", "registry", "serve"], env=env)
    try:
        wait_for_port(int(env["FUSIONHUB_REGISTRY__SERVE_PORT"]))
        yield env
    finally:
        server.terminate()
        server.wait(10)


def test_the_readmes_confluent_kafka_recipe_reads_a_case_topic(
    hub_settings: Settings, registry_server: dict[str, str], tmp_path: Path
) -> None:
    topic = TopicNames(hub_settings.topic_prefix).cases_county("330681")
    produce(hub_settings, topic, [case_bytes("C1", "330681109"), case_bytes("C3", "330681109")])
    script = tmp_path / "read_topic.py"
    script.write_text(readme_recipe(), encoding="utf-8")

    done = subprocess.run(
        [sys.executable, str(script), topic],
        env=registry_server,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert [r["case_id"] for r in json_lines(done.stdout)] == ["C1", "C3"]
