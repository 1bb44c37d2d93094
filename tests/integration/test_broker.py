from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

from fusionhub.broker.launcher import LocalKafkaBroker
from fusionhub.settings import BrokerSettings
from tests.support import free_port

pytestmark = pytest.mark.integration


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_running_broker_answers_and_kcat_lists_exactly_one_broker(
    kafka_broker: LocalKafkaBroker,
) -> None:
    assert kafka_broker.status().answering
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    assert kcat, "kcat is required (Debian package kcat); .ci/run installs it"
    out = subprocess.run(
        [kcat, "-b", kafka_broker.bootstrap, "-L"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert " 1 brokers:" in out
    assert f"at {kafka_broker.bootstrap}" in out


def test_starting_a_running_broker_changes_nothing(kafka_broker: LocalKafkaBroker) -> None:
    before = kafka_broker.status()
    after = kafka_broker.start()
    assert after.pid == before.pid
    assert after.answering


def test_a_stopped_broker_frees_its_ports_and_starts_again_on_the_same_data(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    port = free_port()
    controller = free_port()
    broker = LocalKafkaBroker(
        BrokerSettings(
            port=port, controller_port=controller, data_dir=tmp_path_factory.mktemp("second")
        )
    )
    broker.start()
    try:
        assert port_open(port)
        assert broker.stop() is True
        assert not port_open(port)
        assert not port_open(controller)
        assert broker.stop() is False
        assert broker.start().answering  # the formatted storage is reused, not re-formatted
    finally:
        broker.stop()
