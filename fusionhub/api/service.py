"""The command-centre API: cases, one case's timeline and reports, township counts, the
dispatchers' corrections, and what the console adds (its settings, the live stream, actions,
exports, statistics and map outlines; ``fusionhub.api.console_routes``).

Every route but ``/healthz`` and ``/metrics`` needs ``Authorization: Bearer TOKEN`` (401
otherwise); the token decides the centre and so which cases exist for the request
(``fusionhub.api.centres``). Wrong parameters answer 400 with one message per parameter, an
unknown or unreachable case 404, a database that cannot answer 503. ``/openapi.json``
describes it all. The same routes are served on the API's port and, with the console's page,
on the console's port (``fusionhub.api.page``).

Database calls block, so they run in a small thread pool of the service's own and the event loop
stays free to accept and answer other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from aiohttp import web
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import DBAPIError

from fusionhub.api.centres import PROVINCE, Centre, CentreDirectory
from fusionhub.api.metrics import ApiMetrics
from fusionhub.api.openapi import openapi_document
from fusionhub.api.params import (
    ParamError,
    parse_case_list,
    parse_corrections,
    parse_county_only,
)
from fusionhub.api.reads import CaseReader

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")

PUBLIC_PATHS = frozenset({"/healthz", "/metrics"})
# Longer than any case id the hub makes; longer ones cannot exist and are not worth a query.
MAX_CASE_ID_CHARS = 200
CENTRE = web.RequestKey("centre", Centre)


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(body: object) -> str:
    """JSON text as the API writes it: Chinese readable, timestamps ISO 8601."""
    return json.dumps(body, ensure_ascii=False, default=_encode)


def answer(body: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response; Chinese text stays readable and timestamps become ISO 8601."""
    return web.json_response(text=to_json(body), status=status, headers=headers)


def centre_of(request: web.Request) -> Centre:
    """The centre the request's token belongs to (set by the auth middleware)."""
    centre: Centre = request.get(CENTRE, PROVINCE)
    return centre


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else ""


class ApiService:
    """Binds a ``CaseReader`` (and the console's parts) to HTTP. One instance per API process;
    owns the reader's engine (disposed when the app is cleaned up) and its thread pool.

    ``centres`` is the token directory, or one token that reaches the whole province.
    """

    def __init__(
        self,
        reader: CaseReader,
        centres: CentreDirectory | str,
        max_limit: int,
        db_threads: int = 4,
        metrics: ApiMetrics | None = None,
        *,
        asyncapi: dict[str, Any] | None = None,
    ) -> None:
        self.metrics = metrics or ApiMetrics(CollectorRegistry())
        if isinstance(centres, str):
            centres = CentreDirectory([(centres, PROVINCE)])
        if max_limit < 1:
            raise ValueError("max_limit must be at least 1")
        self.reader = reader
        self.centres = centres
        self.max_limit = max_limit
        self.executor = ThreadPoolExecutor(db_threads, thread_name_prefix="api-db")
        self.document = openapi_document(max_limit)
        # The topics' AsyncAPI document: given by the composition root, which knows the prefix.
        self.asyncapi_document = asyncapi
        # Routes added by the console (``ConsoleRoutes.register``) and its start/stop hooks.
        self.extensions: list[Callable[[web.Application], None]] = []
        # Paths anyone may fetch: the console's page and its assets carry no data.
        self.public_paths = set(PUBLIC_PATHS)
        self.public_prefixes: tuple[str, ...] = ()
        self._apps = 0

    def app(self) -> web.Application:
        """The aiohttp application; callers bind it to loopback unless told otherwise. Called
        once per port: the JSON API's, and the console's (which adds its page)."""
        app = web.Application(middlewares=[self.metrics.middleware, self._errors, self._auth])
        app.router.add_get("/metrics", self.metrics.exposition)
        app.router.add_get("/v1/cases", self.list_cases)
        app.router.add_get("/v1/cases/{case_id}", self.show_case)
        app.router.add_get("/v1/stats/townships", self.township_stats)
        app.router.add_get("/v1/corrections", self.corrections)
        app.router.add_get("/openapi.json", self.openapi)
        if self.asyncapi_document is not None:
            app.router.add_get("/asyncapi.json", self.asyncapi)
        app.router.add_get("/healthz", self.health)
        for extend in self.extensions:
            extend(app)
        app.on_cleanup.append(self._close)
        self._apps += 1
        return app

    async def list_cases(self, request: web.Request) -> web.Response:
        """``GET /v1/cases``: one page of matching cases in reach, with the total and the
        cursor of the next page."""
        query = parse_case_list(request.query.items(), self.max_limit)
        total, items, following = await self.blocking(
            self.reader.list_page, query, centre_of(request)
        )
        page = {
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
            "next": following,
            "items": items,
        }
        return answer(page)

    async def show_case(self, request: web.Request) -> web.Response:
        """``GET /v1/cases/{case_id}``: the case, its history and its reports with scores;
        404 as well for a case outside the token's reach (its existence is not told)."""
        case_id = request.match_info["case_id"]
        found = None
        if len(case_id) <= MAX_CASE_ID_CHARS:
            found = await self.blocking(self.reader.case, case_id, centre_of(request))
        if found is None:
            return answer({"error": f"no case {case_id[:MAX_CASE_ID_CHARS]!r}"}, 404)
        return answer(found)

    async def township_stats(self, request: web.Request) -> web.Response:
        """``GET /v1/stats/townships``: case counts per township and status, in reach."""
        county = parse_county_only(request.query.items())
        rows = await self.blocking(self.reader.township_counts, county, centre_of(request))
        total = sum(row["total"] for row in rows)
        return answer({"county": county, "total": total, "townships": rows})

    async def corrections(self, request: web.Request) -> web.Response:
        """``GET /v1/corrections``: one page of merges and splits in reach, oldest first."""
        query = parse_corrections(request.query.items(), self.max_limit)
        total, items = await self.blocking(self.reader.corrections_page, query, centre_of(request))
        page = {"total": total, "limit": query.limit, "offset": query.offset, "items": items}
        return answer(page)

    async def openapi(self, _: web.Request) -> web.Response:
        """``GET /openapi.json``: the OpenAPI 3.1 description of this API."""
        return answer(self.document)

    async def asyncapi(self, _: web.Request) -> web.Response:
        """``GET /asyncapi.json``: the AsyncAPI 3.0 description of the hub's topics."""
        return answer(self.asyncapi_document or {})

    async def health(self, _: web.Request) -> web.Response:
        """``GET /healthz``: the process answers (says nothing about the database)."""
        return answer({"status": "ok"})

    async def blocking(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` in the service's database threads; what every route awaits."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(call, *args))

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path in self.public_paths or path.startswith(self.public_prefixes):
            return await handler(request)
        centre = self.centres.find(_bearer(request))
        if centre is not None:
            request[CENTRE] = centre
            return await handler(request)
        challenge = {"WWW-Authenticate": 'Bearer realm="fusionhub"'}
        return answer({"error": "missing or wrong token"}, 401, challenge)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ParamError as exc:
            fields = [{"field": p.field, "message": p.message} for p in exc.problems]
            return answer({"error": "invalid parameters", "fields": fields}, 400)
        except web.HTTPException as exc:
            # Unknown paths and methods answer JSON like everything else.
            allow = {k: v for k, v in exc.headers.items() if k == "Allow"}
            return answer({"error": exc.reason}, exc.status, allow)
        except DBAPIError as exc:
            log.warning("case store unavailable for %s: %s", request.path, exc)
            return answer({"error": "case store unavailable, try again"}, 503)

    async def _close(self, _: web.Application) -> None:
        # The API's and the console's apps share this service: the last one out releases it.
        self._apps -= 1
        if self._apps > 0:
            return
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.reader.close()
