"""Reading any topic of the hub back as decoded records: ``fusionhub tail`` and
``fusionhub deadletter show``.

A consumer with no group: it assigns itself every partition, commits nothing and so never moves
the offsets of the hub's own consumers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from kafka import TopicPartition

from fusionhub.bus.clients import KafkaClients
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.jsonview import county_of

Record = dict[str, Any]


class TopicMissingError(LookupError):
    """The topic does not exist on the broker (yet)."""


def _key_text(key: bytes | None) -> str | None:
    if key is None:
        return None
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return key.hex()


class TopicTail:
    """Decoded records of one topic, oldest first from where it starts.

    ``county`` keeps only records of that county (by the record's own county code, or its key
    on topics keyed by county); records that say no county are left out then.
    """

    def __init__(
        self,
        clients: KafkaClients,
        topic: str,
        codec: AvroCodec,
        *,
        from_beginning: bool = False,
        county: str | None = None,
    ) -> None:
        self.topic = topic
        self.codec = codec
        self.county = county
        self.consumer = clients.consumer(role="tail", enable_auto_commit=False, group_id=None)
        self.partitions = self._partitions(wait_s=5.0)
        self.consumer.assign(self.partitions)
        if from_beginning:
            self.consumer.seek_to_beginning(*self.partitions)
        else:
            self.consumer.seek_to_end(*self.partitions)

    def _partitions(self, wait_s: float) -> list[TopicPartition]:
        deadline = time.monotonic() + wait_s
        while True:
            ids = self.consumer.partitions_for_topic(self.topic)
            if ids:
                return [TopicPartition(self.topic, p) for p in sorted(ids)]
            if time.monotonic() > deadline:
                self.consumer.close()
                raise TopicMissingError(f"there is no topic {self.topic!r} on the broker")
            time.sleep(0.2)

    def records(
        self, *, exit_at_end: bool, stop: Callable[[], bool] = lambda: False
    ) -> Iterator[Record]:
        """Decoded records until ``stop()`` says so, or, with ``exit_at_end``, once every
        partition is read up to where it ended when this call began.

        Called by the tail and dead-letter commands. A record that cannot be decoded is yielded
        with an ``error`` in place of its value, never dropped silently.
        """
        ends = self.consumer.end_offsets(self.partitions) if exit_at_end else {}
        try:
            while not stop():
                if exit_at_end and self._caught_up(ends):
                    return
                polled = self.consumer.poll(timeout_ms=300)
                for batch in polled.values():
                    for message in batch:
                        record = self._decode(message)
                        if self.county is None or self._county(record, message.key):
                            yield record
        finally:
            self.consumer.close()

    def _caught_up(self, ends: dict[TopicPartition, int]) -> bool:
        return all(self.consumer.position(tp) >= end for tp, end in ends.items())

    def _decode(self, message: Any) -> Record:
        record: Record = {
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "timestamp": datetime.fromtimestamp(message.timestamp / 1000, UTC).isoformat(),
            "key": _key_text(message.key),
        }
        try:
            record["subject"] = self.codec.subject_of(message.value or b"")
            record["value"] = self.codec.decode(message.value or b"")
        except DecodeError as exc:
            record["error"] = str(exc)
        return record

    def _county(self, record: Record, key: bytes | None) -> bool:
        value = record.get("value")
        county = county_of(value) if isinstance(value, dict) else None
        if county is None and key is not None and len(key) == 6 and key.isdigit():
            county = key.decode()
        return county == self.county
