"""The HTTP ingest API: one endpoint per source, a token per source, answers per item.

``POST /v1/ingest/{source}`` (one path per registered source) with a JSON object or array, or
one XML alarm (video). Answers:

* 202 when at least one item was accepted, counted as a duplicate or as device health; the body
  lists every item's outcome and the accepted event refs. 202 means the broker acknowledged.
* 400 when every item was rejected, with field-level errors (each also dead-lettered).
* 401 without the source's token, 404 for an unknown source, 413 above the size limit,
  503 when the broker did not acknowledge (nothing was accepted; send again).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from fusionhub.connectors.errors import FieldError, Reason, Rejection
from fusionhub.core.events import Source
from fusionhub.ingest.pipeline import ACCEPTED, REJECTED, IngestPipeline, PreparedBatch
from fusionhub.ingest.publisher import KafkaPublisher, PublishError

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TokenLookup = Callable[[str], str | None]


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else ""


def _too_large(source: Source, size: int, limit: int, head: bytes) -> Rejection:
    error = FieldError("$", f"payload is {size} bytes, at most {limit}", Reason.TOO_LARGE)
    return Rejection(source, None, "parse", Reason.TOO_LARGE.value, [error], head)


class IngestService:
    """Binds the pipeline and the publisher to HTTP. One instance per ingest process."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        publisher: KafkaPublisher,
        registry: CollectorRegistry,
        token_for: TokenLookup,
        max_body_bytes: int,
    ) -> None:
        self.pipeline = pipeline
        self.publisher = publisher
        self.registry = registry
        self.token_for = token_for
        self.max_body_bytes = max_body_bytes

    def app(self) -> web.Application:
        """The aiohttp application; callers run it on loopback unless told otherwise."""
        app = web.Application(client_max_size=self.max_body_bytes + 1)
        app.router.add_post("/v1/ingest/{source}", self.ingest)
        app.router.add_get("/metrics", self.metrics)
        app.router.add_get("/healthz", self.health)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, _: web.Application) -> None:
        self.publisher.close()

    async def ingest(self, request: web.Request) -> web.Response:
        """Handle one payload for one source; see the module docstring for the answers."""
        source = self._source(request.match_info["source"])
        if source is None:
            return web.json_response({"error": "unknown source"}, status=404)
        expected = self.token_for(source.value)
        if not expected or not hmac.compare_digest(_bearer(request), expected):
            return web.json_response({"error": "missing or wrong token"}, status=401)
        payload, size = await self._read_limited(request)
        if size > self.max_body_bytes:
            rejection = _too_large(source, size, self.max_body_bytes, payload)
            prepared = self.pipeline.reject_whole(source, rejection, size)
            status = 413
        else:
            prepared = self.pipeline.prepare(source, payload, request.headers.get("Content-Type"))
            status = 202 if prepared.report.count(REJECTED) < prepared.report.received else 400
        try:
            await self.publisher.publish(prepared.records)
        except PublishError as exc:
            self.pipeline.seen.forget(prepared.new_refs)
            log.warning("publish failed: %s", exc)
            return web.json_response({"error": "broker unavailable, send again"}, status=503)
        self.pipeline.seen.confirm(prepared.new_refs)
        return web.json_response(self._answer(prepared), status=status)

    def _source(self, name: str) -> Source | None:
        """The registered source of a path, or None (any other name is not found)."""
        try:
            source = Source.of(name)
        except ValueError:
            return None
        return source if source in self.pipeline.connectors else None

    async def metrics(self, _: web.Request) -> web.Response:
        """Prometheus exposition of this process's registry."""
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _read_limited(self, request: web.Request) -> tuple[bytes, int]:
        declared = request.content_length
        if declared is not None and declared > self.max_body_bytes:
            # Keep a head of the payload for the dead letter; do not buffer the rest.
            return await request.content.read(min(declared, 4096)), declared
        # ``read(n)`` gives what has arrived so far, up to n bytes, not n bytes: a body that
        # comes in several pieces is read piece by piece until its end (or one byte past the
        # limit, which makes it too large).
        limit = self.max_body_bytes + 1
        body = bytearray()
        while len(body) < limit:
            piece = await request.content.read(limit - len(body))
            if not piece:
                break
            body += piece
        return bytes(body), len(body)

    @staticmethod
    def _answer(prepared: PreparedBatch) -> dict[str, object]:
        report = prepared.report
        refs = [i.event_ref for i in report.items if i.status == ACCEPTED]
        return report.summary() | {
            "event_refs": refs,
            "items": [i.as_json() for i in report.items],
        }
