"""Topic names, in one place. Every name hangs off ``settings.topic_prefix``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicNames:
    prefix: str = "fusionhub"

    def raw(self, source: str) -> str:
        """Source-native Avro records published by departments, one topic per source."""
        return f"{self.prefix}.raw.{source}"

    @property
    def events(self) -> str:
        """Unified, normalised events (fusionhub.Event)."""
        return f"{self.prefix}.events"

    @property
    def device_health(self) -> str:
        return f"{self.prefix}.device-health"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}.dead-letter"

    @property
    def commands(self) -> str:
        """Case actions published by command centres and departments."""
        return f"{self.prefix}.commands"

    @property
    def cases_all(self) -> str:
        return f"{self.prefix}.cases.all"

    def cases_county(self, county_code: str) -> str:
        return f"{self.prefix}.cases.county.{county_code}"

    def cases_township(self, township_code: str) -> str:
        return f"{self.prefix}.cases.township.{township_code}"

    def state(self, app_id: str) -> str:
        """Snapshots of the correlation state of worker group ``app_id``, one partition per
        event-log partition (compacted; see ``fusionhub.streams.snapshots``)."""
        return f"{self.prefix}.state.{app_id}"
