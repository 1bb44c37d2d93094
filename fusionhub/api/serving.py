"""Serving aiohttp applications on their sites until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from aiohttp import web


def serve_sites(sites: list[tuple[web.Application, str, int]]) -> None:
    """Run every (application, host, port) in one event loop until SIGINT or SIGTERM, then
    clean each up; the read API and the console share a process this way."""
    asyncio.run(_serve(sites))


async def _serve(sites: list[tuple[web.Application, str, int]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runners: list[web.AppRunner] = []
    try:
        for app, host, port in sites:
            runner = web.AppRunner(app, handle_signals=False, access_log=None)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, host, port).start()
        await stop.wait()
    finally:
        for runner in reversed(runners):
            with contextlib.suppress(Exception):
                await runner.cleanup()
