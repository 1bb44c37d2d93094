"""The JSON routes the console adds to the API: its settings, the live stream, case actions and
their outcomes, exports, the statistics view and the map's outlines. Every one answers within
the reach of the request's centre.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from fusionhub.api.actions import ActionDesk, ActionRequest, parse_action
from fusionhub.api.centres import Centre
from fusionhub.api.cursor import cursor_after
from fusionhub.api.divisions import DivisionMap
from fusionhub.api.exports import MAX_EXPORT_ROWS, csv_bytes, xlsx_bytes
from fusionhub.api.labels import LANGUAGES, Language
from fusionhub.api.live import CLOSED, RESET, LiveFeed
from fusionhub.api.params import CaseListQuery, FieldProblem, ParamError, parse_case_list
from fusionhub.api.service import ApiService, answer, centre_of, to_json
from fusionhub.api.stats import StatsReader, parse_stats
from fusionhub.core.casebook import CaseAction

log = logging.getLogger(__name__)
KEEP_ALIVE_S = 15.0
EXPORT_PAGE = 500
_EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class ConsoleParts:
    """What the console's routes work with, built from settings by ``fusionhub.bootstrap.api``.

    ``live`` and ``desk`` are None when the API runs without a broker (the tests of the read
    side); their routes then answer 503. ``page_config`` gives the static part of
    ``GET /v1/console`` for a centre.
    """

    stats: StatsReader
    divisions: DivisionMap
    page_config: Callable[[Centre], dict[str, Any]]
    live: LiveFeed | None = None
    desk: ActionDesk | None = None
    action_wait_s: float = 8.0


class ConsoleRoutes:
    """Adds the console's routes (and the live feed's start and stop) to the service's apps."""

    def __init__(self, service: ApiService, parts: ConsoleParts) -> None:
        self.service = service
        self.parts = parts
        self._started = False
        service.extensions.append(self.register)

    def register(self, app: web.Application) -> None:
        """Called by ``ApiService.app`` for every app it builds."""
        app.router.add_get("/v1/console", self.console)
        app.router.add_get("/v1/stream", self.stream)
        app.router.add_post("/v1/cases/{case_id}/actions", self.act)
        app.router.add_get("/v1/commands/{command_id}", self.command)
        app.router.add_get("/v1/exports/cases.{kind:csv|xlsx}", self.export)
        app.router.add_get("/v1/stats/report", self.report)
        app.router.add_get("/v1/map/outlines", self.outlines)
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._stop)

    async def console(self, request: web.Request) -> web.Response:
        """``GET /v1/console``: who the token is and what the page needs to show its reach."""
        centre = centre_of(request)
        config = self.parts.page_config(centre)
        config["live"] = self.parts.live is not None and self.parts.live.ready
        return answer(config)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """``GET /v1/stream``: Server-Sent Events, one ``case`` event per change in reach."""
        live = self.parts.live
        if live is None:
            return answer({"error": "the live feed is not configured"}, 503)
        subscriber = live.subscribe(centre_of(request))
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        try:
            await response.prepare(request)
            await response.write(_frame("hello", {"ready": live.ready}, retry_ms=2000))
            while True:
                try:
                    message = await asyncio.wait_for(subscriber.queue.get(), KEEP_ALIVE_S)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if message is CLOSED:
                    break
                await response.write(_frame(str(message["type"]), message.get("case", message)))
                if message is RESET:
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            live.unsubscribe(subscriber)
        return response

    async def act(self, request: web.Request) -> web.Response:
        """``POST /v1/cases/{case_id}/actions``: publish an action and wait for its outcome."""
        centre = centre_of(request)
        case_id = request.match_info["case_id"]
        try:
            body = await request.json()
        except ValueError:
            body = None
        wanted = parse_action(body)
        target = await self.service.blocking(self.service.reader.reach_of, case_id)
        if target is None:
            return answer({"error": f"no case {case_id[:200]!r}"}, 404)
        refusal = await self._refusal(centre, target, wanted)
        if refusal is not None:
            log.warning(
                "action %s on %s refused for centre %s: %s",
                wanted.action,
                case_id,
                centre.key,
                refusal,
            )
            return answer({"error": refusal}, 403)
        return await self._publish(centre, target, wanted)

    async def _refusal(
        self, centre: Centre, target: dict[str, Any], wanted: ActionRequest
    ) -> str | None:
        if not centre.sees_case(target):
            return "the case is outside this centre's reach"
        if not centre.may(wanted.action):
            return f"a department may not {wanted.action} a case"
        if wanted.into_case_id:
            into = await self.service.blocking(self.service.reader.reach_of, wanted.into_case_id)
            if into is not None and not centre.sees_case(into):
                return "the case to merge into is outside this centre's reach"
        return None

    async def _publish(
        self, centre: Centre, target: dict[str, Any], wanted: ActionRequest
    ) -> web.Response:
        desk, live = self.parts.desk, self.parts.live
        if desk is None or live is None:
            return answer({"error": "actions are not configured (no broker)"}, 503)
        action = CaseAction(
            command_id=f"console-{uuid.uuid4().hex}",
            case_id=target["case_id"],
            action=wanted.action,
            actor=centre.name,
            issued_at=datetime.now(UTC),
            department=wanted.department,
            note=wanted.note,
            evaluation=wanted.evaluation,
            county_code=target["county_code"],
            into_case_id=wanted.into_case_id,
            event_refs=wanted.event_refs,
        )
        waiting = live.outcomes.expect(action.command_id)
        try:
            await desk.publish(action, centre.key)
        except Exception as exc:
            live.outcomes.forget(action.command_id, waiting)
            log.warning("the command topic did not take %s: %s", action.command_id, exc)
            return answer({"error": "the command topic is unavailable, try again"}, 503)
        outcome = await live.outcomes.wait(action.command_id, waiting, self.parts.action_wait_s)
        status = {"applied": 200, "refused": 409}.get(outcome.outcome, 202)
        return answer(outcome.as_answer(), status)

    async def command(self, request: web.Request) -> web.Response:
        """``GET /v1/commands/{command_id}``: the outcome of an action this centre issued."""
        command_id = request.match_info["command_id"]
        desk, live, centre = self.parts.desk, self.parts.live, centre_of(request)
        issuer = desk.issued.get(command_id) if desk is not None else None
        if live is None or issuer is None or (centre.kind != "province" and issuer != centre.key):
            return answer({"error": f"no command {command_id[:200]!r} issued here"}, 404)
        return answer(live.outcomes.get(command_id).as_answer())

    async def export(self, request: web.Request) -> web.Response:
        """``GET /v1/exports/cases.{csv,xlsx}``: the filtered case list as a file."""
        kind = request.match_info["kind"]
        pairs = [(k, v) for k, v in request.query.items() if k != "lang"]
        language = request.query.get("lang", "zh-CN")
        if language not in LANGUAGES:
            raise ParamError([FieldProblem("lang", f"{language!r} is not one of zh-CN, en")])
        query = parse_case_list(pairs, self.service.max_limit)
        centre = centre_of(request)
        body, total = await self.service.blocking(self._export, query, centre, kind, language)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        headers = {
            "Content-Disposition": f'attachment; filename="cases-{stamp}.{kind}"',
            "X-Total-Count": str(total),
            "Cache-Control": "no-store",
        }
        return web.Response(body=body, headers=headers | {"Content-Type": _EXPORT_TYPES[kind]})

    def _export(
        self, query: CaseListQuery, centre: Centre, kind: str, language: Language
    ) -> tuple[bytes, int]:
        # Keyset pages of the same query, so a long export costs what its rows cost.
        page = replace(query, limit=EXPORT_PAGE, offset=0)
        items: list[dict[str, Any]] = []
        while True:
            total, found, following = self.service.reader.list_page(page, centre)
            items.extend(found)
            if following is None or len(items) >= MAX_EXPORT_ROWS:
                break
            page = replace(page, after=cursor_after(query.sort, found[-1]))
        writer = csv_bytes if kind == "csv" else xlsx_bytes
        return writer(items[:MAX_EXPORT_ROWS], language), total

    async def report(self, request: web.Request) -> web.Response:
        """``GET /v1/stats/report``: the statistics view of the centre's townships."""
        now = datetime.now(UTC)
        query = parse_stats(request.query.items(), now)
        found = await self.service.blocking(self.parts.stats.report, query, centre_of(request), now)
        return answer(found)

    async def outlines(self, request: web.Request) -> web.Response:
        """``GET /v1/map/outlines``: GeoJSON of the counties and townships in reach."""
        found = await self.service.blocking(self.parts.divisions.outlines, centre_of(request))
        return answer(found)

    async def _start(self, _: web.Application) -> None:
        if not self._started and self.parts.live is not None:
            self._started = True
            await self.parts.live.start()

    async def _stop(self, _: web.Application) -> None:
        if self._started and self.parts.live is not None:
            self._started = False
            await self.parts.live.stop()
        if self.parts.desk is not None:
            await self.parts.desk.stop()


def _frame(event: str, data: Any, retry_ms: int | None = None) -> bytes:
    """One Server-Sent Events frame; JSON never holds a raw newline, so one data line."""
    head = f"retry: {retry_ms}\n" if retry_ms is not None else ""
    return f"{head}event: {event}\ndata: {to_json(data)}\n\n".encode()
