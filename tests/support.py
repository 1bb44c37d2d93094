"""Helpers shared by integration tests: real HTTP servers in threads, topic readers."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web
from kafka import KafkaConsumer, TopicPartition


def new_user_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment as a new user would have it: ``home`` as HOME, no
    ``FUSIONHUB_`` or ``XDG_`` variables, no active virtualenv; then ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FUSIONHUB_", "XDG_")) and k != "VIRTUAL_ENV"
    }
    env.update({"HOME": str(home), **extra})
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(app: web.Application) -> Iterator[str]:
    """Run an aiohttp app on a free loopback port in a thread; yields its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    port = free_port()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def read_topic(bootstrap: str, topic: str, expect: int, timeout_s: float = 30.0) -> list[bytes]:
    """Every value on ``topic`` from the beginning, waiting until ``expect`` arrived or timeout.

    Reads past ``expect`` for a short grace period so that extra (duplicate) records show up.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=500
    )
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + timeout_s
        parts: list[TopicPartition] = []
        while not parts and time.monotonic() < deadline:
            ids = consumer.partitions_for_topic(topic) or set()
            parts = [TopicPartition(topic, p) for p in sorted(ids)]
            if not parts:
                time.sleep(0.2)
        if not parts:
            return values
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        grace_until: float | None = None
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=300)
            values.extend(r.value for recs in batch.values() for r in recs)
            if len(values) >= expect and grace_until is None:
                grace_until = time.monotonic() + 1.0
            if grace_until is not None and time.monotonic() > grace_until:
                break
    finally:
        consumer.close()
    return values
