"""Building the read API from settings: the only place that reads ``settings.api``."""

from __future__ import annotations

from typing import Any

from fusionhub.api.reads import CaseReader, NameLookup
from fusionhub.api.service import ApiService
from fusionhub.settings import Settings
from fusionhub.sinks.database import migrate_engine, open_engine


def division_names() -> NameLookup:
    """County and township names from the packaged gazetteer (loaded once per process)."""
    from fusionhub.regions import load_gazetteer

    gazetteer = load_gazetteer()

    def name_of(code: str) -> str | None:
        place = gazetteer.county(code) if len(code) == 6 else gazetteer.township(code)
        return None if place is None else place.name

    return name_of


def topics_document(settings: Settings) -> dict[str, Any]:
    """The AsyncAPI document of the topics under the configured prefix and partition counts."""
    from importlib.metadata import version

    from fusionhub.api.asyncapi import asyncapi_document
    from fusionhub.streams.topics import TopicNames

    return asyncapi_document(
        TopicNames(settings.topic_prefix),
        version=version("fusionhub"),
        bootstrap=settings.kafka_bootstrap,
        partitions=settings.streams.topic_partitions,
        case_partitions=settings.streams.case_topic_partitions,
    )


def build_api_service(settings: Settings, migrate: bool = True) -> ApiService:
    """The read API over the configured case store; called by ``fusionhub api`` at start-up.

    With ``migrate`` the schema is brought up to date first, so the API can start before the
    sink has ever run. Raises ``ValueError`` when no token is configured and
    ``sqlalchemy.exc.OperationalError`` when the database cannot be reached for migrating.
    """
    api = settings.api
    token = api.token.get_secret_value() if api.token else ""
    engine = open_engine(settings.database.resolved_url(settings.data_dir))
    try:
        if migrate:
            migrate_engine(engine)
        return ApiService(
            CaseReader(engine, division_names()),
            token,
            api.max_limit,
            asyncapi=topics_document(settings),
        )
    except BaseException:
        engine.dispose()
        raise


def serve_api(settings: Settings) -> None:
    """Run the read API on ``settings.api.host:port`` until Ctrl-C or SIGTERM."""
    from aiohttp import web

    service = build_api_service(settings)
    web.run_app(service.app(), host=settings.api.host, port=settings.api.port, print=None)
