"""What the hub's topics are created with: the group of settings ``FUSIONHUB_TOPICS__*``.

Part of ``fusionhub.settings.Settings``; the composition root hands this group to topic creation,
``fusionhub topics check | apply`` and the AsyncAPI document (``bus.topics.TopicSpec.configs``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

HOUR_MS = 3_600_000

# The topics whose retention a setting gives (``<kind>_retention_hours``).
RetentionKind = Literal["events", "dead_letter", "device_health"]


class TopicSettings(BaseModel):
    """Retention of the hub's logs and compaction of its state topic.

    The event log (and the command topic feeding it) must hold every record after the latest
    snapshot of each partition's state: snapshots are taken at least every
    ``streams.snapshot_interval_s``, so days are plenty. The rest of the retention is for
    consumers of the log that may be down for a while (the case store) and for replays.
    """

    events_retention_hours: int = Field(default=14 * 24, ge=1)
    dead_letter_retention_hours: int = Field(default=30 * 24, ge=1)
    device_health_retention_hours: int = Field(default=30 * 24, ge=1)
    # The state topic is compacted: small segments let the log cleaner drop old snapshots
    # soon, which keeps what a restore reads close to one snapshot.
    state_segment_bytes: int = Field(default=64 * 1024 * 1024, ge=1024 * 1024)
    state_segment_ms: int = Field(default=10 * 60 * 1000, ge=60_000)
    state_dirty_ratio: float = Field(default=0.25, gt=0, lt=1)

    def retention_ms(self, kind: RetentionKind) -> str:
        """``retention.ms`` of the topics of ``kind``, as the broker takes it."""
        hours = {
            "events": self.events_retention_hours,
            "dead_letter": self.dead_letter_retention_hours,
            "device_health": self.device_health_retention_hours,
        }[kind]
        return str(hours * HOUR_MS)

    def state_configs(self) -> dict[str, str]:
        """The state topic's compaction configs beside its ``cleanup.policy``."""
        return {
            "segment.bytes": str(self.state_segment_bytes),
            "segment.ms": str(self.state_segment_ms),
            "min.cleanable.dirty.ratio": str(self.state_dirty_ratio),
        }
