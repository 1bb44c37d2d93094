"""Which case topics a case state goes to, and creating those topics on first use.

Topics are created a county at a time: the first case of a county creates the county's topic and
the topic of every one of its townships in one request, so a township's command centre can
subscribe before its first case. Creating topics costs a request to the controller (40-75 ms)
and a wait for the new partitions' leaders (producer retries on NotLeaderForPartition); met
township by township inside the agent, that was most of the p99 latency of ``fusionhub bench
correlate``. The records that wait for new topics now wait beside the agent, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

from fusionhub.bus.topics import TopicNames
from fusionhub.core.cases import Case, CaseLevel
from fusionhub.streams.output import Delivery, Outgoing, OutputProducer


def county_topics(topics: TopicNames, county_code: str, townships: Sequence[str]) -> list[str]:
    """The case topics of a county: its own and each of its ``townships``'. Created together,
    at the county's first case or ahead of it (``fusionhub topics create-cases``)."""
    return [topics.cases_county(county_code), *(topics.cases_township(t) for t in townships)]


class CaseRouter:
    """Publishes case states: every one to ``cases.all``; a township-level case to its
    township's topic; a county-level case (escalated, or with no known township) to its county's.
    An escalated case's first county-level state also goes to the township it leaves."""

    def __init__(
        self,
        topics: TopicNames,
        create_topics: Callable[[list[str]], object],
        close: Callable[[], None] | None = None,
        townships: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.topics = topics
        # The township codes of each county code, for creating a county's topics at once.
        self.townships = townships or {}
        # Creates case topics with their partition count (blocking; run off the event loop).
        self.create_topics = create_topics
        self._close = close
        self._known: set[str] = {topics.cases_all}
        # Counties met by a case since the last ``submit`` whose topics may not exist yet.
        self._meeting: set[str] = set()
        # Topics created; those of them ``known`` may be sent to directly.
        self._created: set[str] = {topics.cases_all}
        # The latest batch's records waiting for their topics, which the next such wait behind.
        self._later: asyncio.Future[None] | None = None

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
        if names[-1] not in self._known:
            county = case.county_code or (case.township_code or "")[:6]
            if county:
                self._meeting.add(county)
        return names

    def records_for(self, case: Case, record: bytes) -> list[Outgoing]:
        """``record`` (the Avro state) for every topic of ``case``, keyed by case id."""
        key = case.case_id.encode()
        return [(name, key, record) for name in self.topics_for(case)]

    async def submit(self, records: Sequence[Outgoing], output: OutputProducer) -> Delivery:
        """Hand ``records`` (a batch's, from ``records_for``) to ``output``; returns what
        completes once the broker acknowledged all of them.

        Called by the correlator once per batch. Records for topics that exist go out at once.
        Records for topics not created yet wait, in a task beside the agent, for their topics
        (with every topic of the counties met) to be created in one request, and go out behind
        any such records of earlier batches: a case's states reach each topic in order, and the
        agent does not wait for the controller (40-75 ms a county, measured).
        """
        ready = [r for r in records if r[0] in self._known]
        fresh = [r for r in records if r[0] not in self._known]
        delivery = await output.submit_all(ready)
        if not fresh:
            return delivery
        names = {topic for topic, _, _ in fresh}
        for county in self._meeting:
            names.update(county_topics(self.topics, county, self.townships.get(county, ())))
        self._meeting.clear()
        later = asyncio.ensure_future(self._send_created(self._later, names, fresh, output))
        self._later = later
        return asyncio.gather(delivery, later)

    async def _send_created(
        self,
        previous: asyncio.Future[None] | None,
        names: set[str],
        records: list[Outgoing],
        output: OutputProducer,
    ) -> None:
        if previous is not None:
            await asyncio.shield(previous)
        missing = sorted(names - self._created)
        if missing:
            # Compacted by case id (the topic table), created off the event loop.
            await asyncio.get_running_loop().run_in_executor(None, self.create_topics, missing)
            self._created.update(missing)
        delivery = await output.submit_all(records)
        # Only now may later batches send to these topics directly: their records queue behind.
        self._known.update(names)
        await delivery

    def close(self) -> None:
        """Release what creating topics holds (an admin client); called once when the worker
        stops."""
        if self._close is not None:
            self._close()
