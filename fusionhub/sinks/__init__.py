"""Case sinks and the loop that feeds them from Kafka.

``CaseSink`` (``contract``) is the interface: write a batch, flush, close, and
``RetriableSinkError`` for "not now". ``SqlCaseStore`` (SQLite, PostgreSQL) and
``JsonLinesCaseSink`` implement it; ``SinkLoop`` feeds any of them from Kafka, at least once.
``CaseQueries`` reads the SQL store for the read API, ``migrate`` brings a database up to date.
"""

from fusionhub.sinks.contract import CaseSink, RetriableSinkError, SinkBatch
from fusionhub.sinks.database import migrate, open_engine
from fusionhub.sinks.jsonl import JsonLinesCaseSink
from fusionhub.sinks.loop import SinkLoop, SinkLoopOptions
from fusionhub.sinks.queries import CaseFilter, CaseQueries, CorrectionFilter
from fusionhub.sinks.store import SqlCaseStore

__all__ = [
    "CaseFilter",
    "CaseQueries",
    "CaseSink",
    "CorrectionFilter",
    "JsonLinesCaseSink",
    "RetriableSinkError",
    "SinkBatch",
    "SinkLoop",
    "SinkLoopOptions",
    "SqlCaseStore",
    "migrate",
    "open_engine",
]
