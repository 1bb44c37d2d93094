"""Taking the event log in batches that are acked only once their outputs are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import cast

import faust
from faust.types import EventT

from fusionhub.streams.options import StreamSettings


def take_batches(
    stream: faust.StreamT[bytes], streams: StreamSettings
) -> AsyncIterator[Sequence[EventT[bytes]]]:
    """The stream's events in batches of the configured size and wait; an agent's loop.

    The events are not acked: the agent acks each batch once its outputs were acknowledged
    (``stream.ack``). Faust's ``take_events`` acks a batch even when the agent fails on it,
    which would commit records never processed.
    """
    # noack_take is on the concrete Stream (faust's StreamT interface lacks it).
    concrete = cast(faust.Stream[bytes], stream)
    # Typed as values by faust; noack_take yields the events themselves.
    batches = concrete.noack_take(streams.batch_max, streams.batch_within_s)
    return cast(AsyncIterator[Sequence[EventT[bytes]]], batches)
