"""The foundation's one agent: decode Avro events, dead-letter what cannot be decoded, forward.

It shows the shape every agent of the hub keeps: decode, one core call, emit. The correlation
agents replace the forwarding step with the correlation engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import faust

from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.deadletter import DeadLetterWriter
from fusionhub.serialization.records import EVENT_SUBJECT
from fusionhub.streams.topics import TopicNames


@dataclass
class RelayCounts:
    forwarded: int = 0
    dead_lettered: int = 0


def attach_relay(
    app: faust.App, codec: AvroCodec, topics: TopicNames, dead_letters: DeadLetterWriter
) -> RelayCounts:
    """Attach the relay agent: ``{prefix}.events`` to ``{prefix}.events.relayed``."""
    counts = RelayCounts()
    source = app.topic(topics.events)
    sink = app.topic(f"{topics.events}.relayed")
    dead = app.topic(topics.dead_letter)

    # concurrency=1: with more, faust can commit offsets past unprocessed messages (#606).
    @app.agent(source, concurrency=1)
    async def relay(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for event in stream.events():
            try:
                record = codec.decode(event.value, EVENT_SUBJECT)
            except DecodeError as exc:
                letter = dead_letters.seal(
                    source="events",
                    stage="decode",
                    reason="undecodable_avro",
                    detail=str(exc),
                    original=event.value,
                    origin_topic=topics.events,
                )
                await dead.send(value=letter)
                counts.dead_lettered += 1
                continue
            await sink.send(key=event.key, value=codec.encode(EVENT_SUBJECT, record))
            counts.forwarded += 1
            yield None

    return counts
