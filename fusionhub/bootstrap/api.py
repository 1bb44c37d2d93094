"""The read API and the console, built: the only place that reads ``settings.api`` and
``settings.console``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fusionhub.api.actions import ActionDesk
from fusionhub.api.centres import PROVINCE, Centre, CentreDirectory
from fusionhub.api.console_routes import ConsoleParts, ConsoleRoutes
from fusionhub.api.divisions import DivisionMap, load_township_boundaries
from fusionhub.api.labels import LANGUAGES, every_label
from fusionhub.api.live import LiveFeed
from fusionhub.api.page import ConsolePage
from fusionhub.api.reads import CaseReader, NameLookup
from fusionhub.api.service import ApiService
from fusionhub.api.serving import serve_sites
from fusionhub.api.stats import StatsReader
from fusionhub.bootstrap.hub import Hub
from fusionhub.core.casebook import actions_for
from fusionhub.core.cases import CaseStatus
from fusionhub.settings import ConfigurationError, Settings
from fusionhub.sinks.database import migrate_engine, open_engine

EVALUATIONS = ("满意", "基本满意", "不满意")


def division_names() -> NameLookup:
    """County and township names from the packaged gazetteer (loaded once per process)."""
    from fusionhub.regions import load_gazetteer

    gazetteer = load_gazetteer()

    def name_of(code: str) -> str | None:
        place = gazetteer.county(code) if len(code) == 6 else gazetteer.township(code)
        return None if place is None else place.name

    return name_of


def topics_document(hub: Hub) -> dict[str, Any]:
    """The AsyncAPI document of the topics under the configured prefix and partition counts."""
    from importlib.metadata import version

    from fusionhub.api.asyncapi import asyncapi_document

    settings = hub.settings
    return asyncapi_document(
        hub.topics,
        version=version("fusionhub"),
        bootstrap=settings.kafka_bootstrap,
        partitions=settings.streams.topic_partitions,
        case_partitions=settings.streams.case_topic_partitions,
        raw_subjects=hub.sources.raw_subjects(),
        topic_options=settings.topics,
    )


def centre_directory(settings: Settings) -> CentreDirectory:
    """The tokens of the API: the province-wide one and every configured centre's."""
    settings.api.require_token()
    entries: list[tuple[str, Centre]] = []
    if settings.api.token is not None:
        entries.append((settings.api.token.get_secret_value(), PROVINCE))
    for key, given in settings.api.centres.items():
        centre = Centre(key, given.name, given.county, given.township, given.department)
        entries.append((given.token.get_secret_value(), centre))
    return CentreDirectory(entries)


@dataclass
class BuiltApi:
    """The service and, when the console is enabled, its page (served on its own port)."""

    service: ApiService
    page: ConsolePage | None


def build_api_service(hub: Hub, migrate: bool = True, live: bool = True) -> BuiltApi:
    """The read API (and console) over the configured case store; called by ``fusionhub api``.

    With ``migrate`` the schema is brought up to date first, so the API can start before the
    sink has ever run; with ``live`` it reads the broker for the live feed and publishes
    actions. Raises ``ConfigurationError`` for a missing token or an unreadable township file,
    and ``sqlalchemy.exc.OperationalError`` when the database cannot be reached for migrating.
    """
    settings = hub.settings
    directory = centre_directory(settings)
    townships = _township_boundaries(settings)
    engine = open_engine(settings.database.resolved_url(settings.data_dir))
    try:
        if migrate:
            migrate_engine(engine)
        names = division_names()
        service = ApiService(
            CaseReader(engine, names),
            directory,
            settings.api.max_limit,
            asyncapi=topics_document(hub),
        )
        parts = ConsoleParts(
            stats=StatsReader(engine, names),
            divisions=DivisionMap(engine, names, townships),
            page_config=page_config(hub),
            action_wait_s=settings.console.action_wait_s,
        )
        if live:
            _connect(hub, parts, names)
        ConsoleRoutes(service, parts)
        page = ConsolePage(service, settings.console.tile_url) if settings.console.enabled else None
        return BuiltApi(service, page)
    except BaseException:
        engine.dispose()
        raise


def _connect(hub: Hub, parts: ConsoleParts, names: NameLookup) -> None:
    parts.live = LiveFeed(hub.clients, hub.topics, hub.codec, names)
    parts.desk = ActionDesk(hub.clients, hub.topics.commands, hub.codec)


def _township_boundaries(settings: Settings) -> dict[str, dict[str, Any]] | None:
    path = settings.console.township_boundaries
    if path is None:
        return None
    try:
        return load_township_boundaries(path)
    except ValueError as exc:
        raise ConfigurationError(f"FUSIONHUB_CONSOLE__TOWNSHIP_BOUNDARIES: {exc}") from None


def page_config(hub: Hub) -> Callable[[Centre], dict[str, Any]]:
    """What ``GET /v1/console`` tells a centre's page, apart from the feed's state."""
    from fusionhub.regions import division_lists

    console = hub.settings.console
    threshold = hub.policy.weights.threshold
    counties, townships = division_lists()
    tiles = None
    if console.tile_url:
        tiles = {
            "url": console.tile_url,
            "attribution": console.tile_attribution,
            "max_zoom": console.tile_max_zoom,
        }

    def config(centre: Centre) -> dict[str, Any]:
        county = centre.county or (centre.township[:6] if centre.township else None)
        return {
            "centre": centre.describe(),
            "labels": every_label(),
            "languages": list(LANGUAGES),
            "counties": [
                {"code": c.code, "name": c.name} for c in counties if county in (None, c.code)
            ],
            "townships": [
                {"code": t.code, "name": t.name, "county_code": t.county_code}
                for t in townships
                if centre.township in (None, t.code) and county in (None, t.county_code)
            ],
            "departments": list(console.departments),
            "evaluations": list(EVALUATIONS),
            "actions": {s.value: [a for a in actions_for(s) if centre.may(a)] for s in CaseStatus},
            "tiles": tiles,
            "match_threshold": threshold,
            "max_cases": console.max_cases,
            "source_colours": {spec.name: spec.colour for spec in hub.sources},
        }

    return config


def serve_api(hub: Hub) -> None:
    """``fusionhub api``: the read API on ``api.host:port`` and the console on
    ``console.host:port`` until Ctrl-C or SIGTERM."""
    settings = hub.settings
    built = build_api_service(hub)
    sites = [(built.service.app(), settings.api.host, settings.api.port)]
    if built.page is not None:
        console_app = built.service.app()
        built.page.register(console_app)
        sites.append((console_app, settings.console.host, settings.console.port))
    serve_sites(sites)
