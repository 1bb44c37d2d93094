"""The worker's gauges, recomputed on a timer: lag per partition, open cases per county."""

from __future__ import annotations

import faust
from faust.types import TP

from fusionhub.streams.metrics import StreamMetrics
from fusionhub.streams.partitions import Partitions


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
