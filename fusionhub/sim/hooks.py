"""The simulator hooks of the first four sources, named by their ``SOURCE`` declarations.

A hook is ``hook(generator, incident, count, earlier) -> records``: the reports its source files
about a simulated incident. ``count`` is how many the catalog's rates chose for the source (0
when the catalog names none: a source may decide for itself, from
``generator.source_rng(name)``), ``earlier`` the records the sources asked before it wrote.
The generator asks the registered sources in their ``sim_order``: cameras first, then the
12345 calls, grid workers and petitions, which may quote the calls.
"""

from __future__ import annotations

from fusionhub.sim.generator import Generator, Record
from fusionhub.sim.records import Incident


def video_reports(gen: Generator, inc: Incident, count: int, earlier: list[Record]) -> list[Record]:
    """``count`` camera alarms near the incident."""
    return [gen.camera_alarm(inc) for _ in range(count)]


def hotline_reports(
    gen: Generator, inc: Incident, count: int, earlier: list[Record]
) -> list[Record]:
    """``count`` 12345 calls, a later one sometimes from an earlier caller."""
    return gen.hotline_calls(inc, count)


def grid_reports(gen: Generator, inc: Incident, count: int, earlier: list[Record]) -> list[Record]:
    """``count`` grid workers' reports, some quoting an earlier call's order number."""
    return gen.grid_reports(inc, count, earlier)


def petition_reports(
    gen: Generator, inc: Incident, count: int, earlier: list[Record]
) -> list[Record]:
    """One petition days after the last report when the catalog chose any, quoting a call."""
    return [gen.petition_report(inc, earlier)] if count else []
