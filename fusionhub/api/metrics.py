"""Read-API metrics and the middleware that records them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiMetrics:
    """Requests by route and status, and their duration. One instance per API process."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "fusionhub_api_requests",
            "Read-API requests by route and status.",
            ["route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "fusionhub_api_request_duration_seconds",
            "Read-API request duration by route.",
            ["route"],
            registry=registry,
        )

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Count and time every request by its route pattern (not its raw path, whose case
        ids would make a label per case)."""
        started = time.perf_counter()
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.requests.labels(route, str(status)).inc()
            self.duration.labels(route).observe(time.perf_counter() - started)

    async def exposition(self, _: web.Request) -> web.Response:
        """``GET /metrics``: Prometheus text format, no token (bound to loopback)."""
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
