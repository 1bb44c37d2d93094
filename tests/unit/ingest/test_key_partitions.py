"""The publisher's partitions for keyed records are the ones Kafka's default partitioner picks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner.default import murmur2

from fusionhub.ingest.publisher import KeyPartitions

pytestmark = pytest.mark.unit


class Metadata:
    """The producer's answer to "which partitions has this topic", counting the questions."""

    def __init__(self, partitions: set[int] | None) -> None:
        self.partitions = partitions
        self.asked = 0

    def partitions_for(self, topic: str) -> set[int] | None:
        self.asked += 1
        return self.partitions


@given(
    st.lists(st.binary(min_size=1, max_size=12), min_size=1, max_size=40),
    st.integers(1, 12),
)
def test_a_keyed_record_lands_where_kafkas_own_hash_puts_it_every_time(
    keys: list[bytes], count: int
) -> None:
    partitions = KeyPartitions(Metadata(set(range(count))).partitions_for)
    for key in keys + keys:
        assert partitions.of("fusionhub.events", key) == (murmur2(key) & 0x7FFFFFFF) % count


def test_each_key_is_hashed_once_and_a_keyless_record_is_left_to_the_producer() -> None:
    metadata = Metadata({0, 1, 2, 3})
    partitions = KeyPartitions(metadata.partitions_for)
    for _ in range(3):
        partitions.of("fusionhub.events", b"330681")
    assert metadata.asked == 1
    assert partitions.of("fusionhub.events", None) is None


def test_a_topic_without_metadata_yet_is_left_to_the_producer_and_asked_again() -> None:
    metadata = Metadata(None)
    partitions = KeyPartitions(metadata.partitions_for)
    assert partitions.of("fusionhub.events", b"330681") is None
    metadata.partitions = {0, 1}
    assert partitions.of("fusionhub.events", b"330681") == (murmur2(b"330681") & 0x7FFFFFFF) % 2
