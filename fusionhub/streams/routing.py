"""Which case topics a case state goes to, and creating those topics on first use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from fusionhub.bus.topics import TopicNames
from fusionhub.core.cases import Case, CaseLevel
from fusionhub.streams.output import Outgoing


class CaseRouter:
    """Publishes case states: every one to ``cases.all``; a township-level case to its
    township's topic; a county-level case (escalated, or with no known township) to its county's.
    An escalated case's first county-level state also goes to the township it leaves."""

    def __init__(
        self,
        topics: TopicNames,
        create_topics: Callable[[list[str]], object],
        close: Callable[[], None] | None = None,
    ) -> None:
        self.topics = topics
        # Creates case topics with their partition count (blocking; run off the event loop).
        self.create_topics = create_topics
        self._close = close
        self._known: set[str] = {topics.cases_all}

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
            # Compacted by case id (the topic table), created off the event loop.
            await asyncio.get_running_loop().run_in_executor(None, self.create_topics, missing)
            self._known.update(missing)

    def close(self) -> None:
        """Release what creating topics holds (an admin client); called once when the worker
        stops."""
        if self._close is not None:
            self._close()
