"""``fusionhub topics check`` against the real broker: topics made with the broker's defaults
are reported, ``apply`` fixes what configs can fix, and longer retention is accepted."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from kafka.admin import NewTopic

from fusionhub.bootstrap import Hub
from fusionhub.bus.admin import alter_topic_configs, describe_topics
from fusionhub.bus.clients import KafkaClients
from fusionhub.bus.topic_check import apply_topics, check_topics
from fusionhub.bus.topics import TopicNames
from fusionhub.cli.topics import topics
from fusionhub.settings import Settings

pytestmark = pytest.mark.integration


def problems(settings: Settings) -> dict[str, tuple[str, ...]]:
    _, findings = check_topics(Hub(settings).topic_plan)
    return {f.topic: f.problems for f in findings}


def make_bare(settings: Settings, names: list[str], partitions: int) -> None:
    """Create topics as an older hub did: partitions only, every config the broker's default."""
    admin = KafkaClients(settings.kafka_bootstrap).admin()
    try:
        admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        admin.close()


def settled(settings: Settings, topic: str, key: str, value: str) -> bool:
    """Whether ``topic``'s ``key`` reads ``value`` within a few seconds (the broker applies a
    changed config a moment after it answers)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if describe_topics(KafkaClients(settings.kafka_bootstrap), topic)[topic][1][key] == value:
            return True
        time.sleep(0.25)
    return False


def test_topics_made_with_broker_defaults_are_reported_and_apply_fixes_them(
    hub_settings: Settings,
) -> None:
    t = TopicNames(hub_settings.topic_prefix)
    township = t.cases_township("330681109")
    make_bare(hub_settings, [t.events, t.cases_all, township], 4)
    found = problems(hub_settings)
    assert found[t.events] == ("retention.ms=604800000, needs at least 1209600000",)
    assert found[t.cases_all] == ("cleanup.policy=delete, needs compact",)
    assert found[township] == ("cleanup.policy=delete, needs compact",)
    assert found[t.state(hub_settings.streams.app_id)] == ("missing",)

    assert apply_topics(Hub(hub_settings).topic_plan) == []
    assert problems(hub_settings) == {}
    # Keeping the log longer than needed, or forever, is fine.
    clients = KafkaClients(hub_settings.kafka_bootstrap)
    alter_topic_configs(clients, {t.events: {"retention.ms": "-1"}})
    assert settled(hub_settings, t.events, "retention.ms", "-1")
    assert problems(hub_settings) == {}


def test_the_check_command_exits_1_naming_each_problem_and_0_when_all_is_well(
    hub_settings: Settings,
) -> None:
    t = TopicNames(hub_settings.topic_prefix)
    make_bare(hub_settings, [t.commands], 2)
    runner = CliRunner()
    bad = runner.invoke(topics, ["check"], obj=hub_settings)
    assert bad.exit_code == 1
    assert f"{t.commands}: partitions 2, needs 4" in bad.output
    assert f"{t.commands}: retention.ms=604800000, needs at least 1209600000" in bad.output
    fixed = runner.invoke(topics, ["apply"], obj=hub_settings)
    assert fixed.exit_code == 1
    assert "partitions 2, needs 4 (recreate the topic to change it)" in fixed.output
    again = runner.invoke(topics, ["check"], obj=hub_settings)
    assert again.output.splitlines()[0] == f"{t.commands}: partitions 2, needs 4"


def test_create_cases_makes_a_county_s_topics_as_the_worker_would_and_only_once(
    hub_settings: Settings,
) -> None:
    t = TopicNames(hub_settings.topic_prefix)
    runner = CliRunner()
    done = runner.invoke(topics, ["create-cases", "330681"], obj=hub_settings)
    assert done.exit_code == 0, done.output
    found = describe_topics(KafkaClients(hub_settings.kafka_bootstrap), f"{t.prefix}.cases.")
    townships = [name for name in found if name.startswith(f"{t.prefix}.cases.township.330681")]
    assert t.cases_county("330681") in found
    assert t.cases_township("330681109") in townships
    assert len(found) == 1 + len(townships)
    assert f"{len(found)} case topics created" in done.output
    # Compacted by case id with the case partitions, as the table gives them.
    assert all(name not in problems(hub_settings) for name in found)
    again = runner.invoke(topics, ["create-cases", "330681"], obj=hub_settings)
    assert "0 case topics created" in again.output


def test_create_cases_refuses_a_code_that_is_no_county_and_creates_nothing(
    hub_settings: Settings,
) -> None:
    t = TopicNames(hub_settings.topic_prefix)
    done = CliRunner().invoke(topics, ["create-cases", "330681", "33068"], obj=hub_settings)
    assert done.exit_code == 2
    assert "33068" in done.output
    assert describe_topics(KafkaClients(hub_settings.kafka_bootstrap), f"{t.prefix}.") == {}
