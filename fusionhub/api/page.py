"""The console's web page and its assets, served on the console's port with strict headers.

The page is static (``fusionhub/api/web``): it holds no data and no token, so it is served
without one; everything it shows comes from the JSON API with the token the officer typed in,
kept in the tab's memory and sent as an ``Authorization`` header. The Content-Security-Policy
allows scripts, styles and connections to this origin only (images also from the configured
tile server), no inline script or style, and no framing.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from fusionhub.api.service import ApiService

WEB_ROOT = Path(__file__).parent / "web"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".md": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def content_security_policy(tile_url: str | None) -> str:
    """The page's policy; a tile server's origin is added to where images may come from."""
    images = "'self' data: blob:"
    if tile_url:
        parts = urlsplit(tile_url)
        # Leaflet's {s} subdomains (a.tiles…, b.tiles…) become a CSP wildcard host.
        images += f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


class ConsolePage:
    """Serves ``/`` (the page) and ``/console/...`` (its scripts, styles and libraries) on the
    console's app, and sets the security headers on every answer of that app."""

    def __init__(self, service: ApiService, tile_url: str | None, root: Path = WEB_ROOT) -> None:
        self.root = root.resolve()
        self.headers = {
            "Content-Security-Policy": content_security_policy(tile_url),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        }
        service.public_paths.add("/")
        service.public_prefixes += ("/console/",)

    def register(self, app: web.Application) -> None:
        """Add the page's routes and headers to the console's app (not the JSON API's)."""
        app.router.add_get("/", self.index)
        app.router.add_get("/console/{path:.+}", self.asset)
        app.on_response_prepare.append(self._secure)

    async def index(self, _: web.Request) -> web.Response:
        """``GET /``: the page."""
        body = (self.root / "index.html").read_bytes()
        headers = {"Content-Type": _TYPES[".html"], "Cache-Control": "no-store"}
        return web.Response(body=body, headers=headers)

    async def asset(self, request: web.Request) -> web.Response:
        """``GET /console/PATH``: a file under the page's folder, nothing outside it."""
        wanted = (self.root / request.match_info["path"]).resolve()
        if not wanted.is_relative_to(self.root) or not wanted.is_file():
            raise web.HTTPNotFound()
        kind = _TYPES.get(wanted.suffix) or mimetypes.guess_type(wanted.name)[0]
        headers = {
            "Content-Type": kind or "application/octet-stream",
            # Short: a new release's page must not run with last release's scripts for long.
            "Cache-Control": "max-age=300",
        }
        return web.Response(body=wanted.read_bytes(), headers=headers)

    async def _secure(self, _: web.Request, response: web.StreamResponse) -> None:
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
