"""What a case sink is: one class that stores batches of case states and events somewhere.

The shape is Kafka Connect's ``SinkTask`` (``put``, ``flush``, ``stop``, ``RetriableException``)
and quix-streams' ``BatchingSink.write``: a sink only writes; the loop around it
(``fusionhub.sinks.loop.SinkLoop``) owns the Kafka consumer, batching, retries, offsets and
metrics, and is the same for every sink. ``SqlCaseStore`` (SQLite, PostgreSQL) and
``JsonLinesCaseSink`` (a file per line, the worked example of docs/extending.md) implement it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


class RetriableSinkError(Exception):
    """The destination cannot take the batch right now (database down, disk full, folder gone).

    Raised by a sink's ``write`` or ``flush``; the loop keeps the batch, pauses its partitions,
    waits with a growing backoff and hands the same batch to ``write`` again. Any other
    exception means the batch can never be stored as it is: the loop stops, uncommitted.
    """


@dataclass(frozen=True, slots=True)
class SinkBatch:
    """Decoded records polled together: case states (``fusionhub.Case``, whole state with its
    ``version``) and reports (``fusionhub.Event``), each in the order the topics gave them.

    The same batch may be written more than once (a retry, or a redelivery after a crash
    between storing and committing), so a sink's writes must be idempotent, or its readers must
    keep the highest ``version`` per case, as every reader of the case topics does.
    """

    cases: list[Record] = field(default_factory=list)
    events: list[Record] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.cases) + len(self.events)


class CaseSink(ABC):
    """Stores case states and events. One instance per sink process, used by one thread."""

    #: what the sink is called in logs and metrics (``sql``, ``jsonl``)
    name: str = "sink"

    @abstractmethod
    def write(self, batch: SinkBatch) -> None:
        """Store ``batch``. Called by the loop once per polled batch, before ``flush``.

        Raises ``RetriableSinkError`` when the destination is unavailable (nothing, or only
        what a repeat of the same batch overwrites, was stored); any other exception stops the
        loop with the batch's offsets uncommitted.
        """

    @abstractmethod
    def flush(self) -> None:
        """Make everything written so far durable. The loop commits the batch's offsets only
        after this returns, so a sink that buffers must empty its buffer here. Raises as
        ``write`` does."""

    @abstractmethod
    def close(self) -> None:
        """Release files and connections; called once when the loop stops, after the last
        ``flush`` (or after a failure, when nothing more will be written)."""
