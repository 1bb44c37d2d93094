"""The worker's gauges, recomputed on a timer (lag per partition, open cases per county), and
its counters, counted per batch."""

from __future__ import annotations

import faust
from faust.types import TP

from fusionhub.core.casebook import Change
from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.partitions import Partitions

OVERDUE_ACTOR = "overdue_check"


def update_gauges(
    app: faust.App, group: str, events: str, partitions: Partitions, metrics: StreamMetrics
) -> None:
    """Consumer lag of worker group ``group`` on the event log ``events``, and open cases per
    county; called by the worker's gauge timer."""
    # Recomputed on a timer, not per event: the cost stays off the hot path.
    # The consumer drops a partition at a rebalance before faust signals the revocation, and
    # aiokafka asserts on a dropped partition's highwater; an exception in a timer crashes
    # the app. The consumer runs in its own thread, so a partition held at the check may be
    # gone at the call: skip both.
    assigned = app.consumer.assignment()
    for partition, held in list(partitions.held.items()):
        tp = TP(events, partition)
        if tp not in assigned:
            continue
        try:
            highwater = app.consumer.highwater(tp)
        except AssertionError:
            continue
        if highwater is not None:
            lag = max(highwater - held.applied, 0)
            metrics.consumer_lag.labels(group, tp.topic, str(partition)).set(lag)
    open_by_county: dict[str, int] = {}
    for held in list(partitions.held.values()):
        for case in held.book.state.cases.values():
            if not case.is_finished:
                county = case.county_code or "unknown"
                open_by_county[county] = open_by_county.get(county, 0) + 1
    for county, count in open_by_county.items():
        metrics.open_cases.labels(county).set(count)


class BatchCounts:
    """The correlation agent's counters, counted per record and added to the metrics once per
    batch (a labelled ``inc`` per record costs more than the record's own work)."""

    def __init__(self, metrics: StreamMetrics) -> None:
        self.metrics = metrics
        self._counts: dict[str, int] = {}
        self._labelled: dict[tuple[str, str, str], int] = {}

    def record(self, kind: str) -> None:
        """One record of the log of ``kind`` (event, action, tick) was taken."""
        self._counts[kind] = self._counts.get(kind, 0) + 1

    def change(self, change: Change) -> None:
        """One new case version went out: count it, and an opening or an overdue escalation."""
        case = change.case
        self._counts["versions"] = self._counts.get("versions", 0) + 1
        # A case a dispatcher split out is a case opened too.
        label = change.change
        if label in {"opened", "repeat_opened"} or label.startswith("split_from:"):
            key = ("opened", case.county_code or "unknown", case.platform.value)
            self._labelled[key] = self._labelled.get(key, 0) + 1
        elif label == "status:escalated" and case.history[-1].actor == OVERDUE_ACTOR:
            key = ("breach", case.county_code or "unknown", "")
            self._labelled[key] = self._labelled.get(key, 0) + 1

    def flush(self) -> None:
        """Add the batch's counts to the metrics; called by the agent after each batch."""
        m = self.metrics
        for kind, n in self._counts.items():
            if kind == "versions":
                m.case_versions_out.inc(n)
            else:
                m.records_in.labels("correlate", kind).inc(n)
        for (what, county, platform), n in self._labelled.items():
            if what == "opened":
                m.cases_opened.labels(county, platform).inc(n)
            else:
                m.sla_breaches.labels(county).inc(n)
        self._counts.clear()
        self._labelled.clear()
