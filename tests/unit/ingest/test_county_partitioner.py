from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner.default import murmur2

from fusionhub.ingest.publisher import CountyPartitioner

pytestmark = pytest.mark.unit


class FourPartitions:
    """The three questions kafka-python's partitioner asks of its cluster metadata."""

    def topics(self) -> set[str]:
        return {"fusionhub.events"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0, 1, 2, 3}

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return {0, 1, 2, 3}


@given(st.lists(st.binary(min_size=1, max_size=12), min_size=1, max_size=40))
def test_a_keyed_record_lands_where_kafkas_own_hash_puts_it_every_time(keys: list[bytes]) -> None:
    partitioner = CountyPartitioner()
    for key in keys + keys:
        expected = (murmur2(key) & 0x7FFFFFFF) % 4
        got = partitioner.partition("fusionhub.events", key, key, None, b"v", FourPartitions())
        assert got == expected


def test_a_keyless_record_goes_to_one_of_the_topics_partitions() -> None:
    partitioner = CountyPartitioner()
    got = partitioner.partition("fusionhub.events", None, None, None, b"v", FourPartitions())
    assert got in {0, 1, 2, 3}
