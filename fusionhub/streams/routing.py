"""Which case topics a case state goes to, and creating those topics on first use."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from kafka.admin import KafkaAdminClient

from fusionhub.core.cases import Case, CaseLevel
from fusionhub.settings import Settings
from fusionhub.streams.output import Outgoing
from fusionhub.streams.topic_specs import ensure_hub_topics
from fusionhub.streams.topics import TopicNames


class CaseRouter:
    """Publishes case states: every one to ``cases.all``; a township-level case to its
    township's topic; a county-level case (escalated, or with no known township) to its county's.
    An escalated case's first county-level state also goes to the township it leaves."""

    def __init__(self, topics: TopicNames, settings: Settings) -> None:
        self.topics = topics
        self.settings = settings
        self._known: set[str] = {topics.cases_all}
        self._admin: KafkaAdminClient | None = None

    def topics_for(self, case: Case) -> list[str]:
        """The topics ``case``'s new state goes to."""
        names = [self.topics.cases_all]
        township_level = case.level is CaseLevel.TOWNSHIP and case.township_code
        if township_level and case.township_code:
            names.append(self.topics.cases_township(case.township_code))
        elif case.county_code:
            names.append(self.topics.cases_county(case.county_code))
            if case.township_code and case.history and case.history[-1].status == "escalated":
                names.append(self.topics.cases_township(case.township_code))
        return names

    def records_for(self, case: Case, record: bytes) -> list[Outgoing]:
        """``record`` (the Avro state) for every topic of ``case``, keyed by case id."""
        key = case.case_id.encode()
        return [(name, key, record) for name in self.topics_for(case)]

    async def prepare(self, names: Iterable[str]) -> None:
        """Create the topics in ``names`` not created yet, in one request (off the event loop).

        Called by the correlator once per batch, before it sends the batch's records.
        """
        missing = sorted({n for n in names if n not in self._known})
        if missing:
            # Compacted by case id (topic_specs), created off the event loop, with one admin
            # client kept for the worker's life (opening one costs more than the request).
            await asyncio.get_running_loop().run_in_executor(None, self._create, missing)
            self._known.update(missing)

    def _create(self, names: list[str]) -> None:
        if self._admin is None:
            bootstrap = self.settings.kafka_bootstrap
            self._admin = KafkaAdminClient(
                bootstrap_servers=bootstrap, client_id="fusionhub-router"
            )
        ensure_hub_topics(self.settings, names, self._admin)

    def close(self) -> None:
        """Close the admin client; called once when the worker stops."""
        admin, self._admin = self._admin, None
        if admin is not None:
            admin.close()
