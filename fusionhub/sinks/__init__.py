"""The SQL case store and the Kafka consumer that fills it.

``SqlCaseStore`` writes decoded case and event records idempotently, ``CaseSinkRunner`` feeds it
from Kafka, ``CaseQueries`` reads it for the read API, ``migrate`` brings a database up to date.
"""

from fusionhub.sinks.consumer import CaseSinkRunner
from fusionhub.sinks.database import migrate, open_engine
from fusionhub.sinks.queries import CaseFilter, CaseQueries, CorrectionFilter
from fusionhub.sinks.store import SqlCaseStore

__all__ = [
    "CaseFilter",
    "CaseQueries",
    "CaseSinkRunner",
    "CorrectionFilter",
    "SqlCaseStore",
    "migrate",
    "open_engine",
]
