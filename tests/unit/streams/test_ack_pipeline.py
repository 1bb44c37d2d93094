"""The correlator's ack pipeline: a batch is acked only once its outputs are acknowledged, batches
are acked in order, and a batch whose outputs failed is never acked."""

from __future__ import annotations

import asyncio
from typing import Any, NoReturn

import pytest

from fusionhub.streams.batches import AckPipeline

pytestmark = pytest.mark.unit


class AckLog:
    """Stands in for the Faust stream: records what was acked, in order."""

    def __init__(self) -> None:
        self.acked: list[str] = []

    async def ack(self, event: str) -> bool:
        self.acked.append(event)
        return True


class WorkerStoppedError(Exception):
    pass


def as_stream(log: AckLog) -> Any:
    return log


def batch(*events: str) -> Any:
    return list(events)


def stop() -> NoReturn:
    raise WorkerStoppedError


def test_a_batch_is_acked_only_once_its_outputs_are_acknowledged() -> None:
    async def scenario() -> list[list[str]]:
        log = AckLog()
        acks = AckPipeline(as_stream(log), stop)
        delivered: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await acks.hand_over(batch("e1", "e2"), delivered)
        await asyncio.sleep(0.01)
        before = list(log.acked)
        delivered.set_result(None)
        await acks.drain()
        return [before, log.acked]

    before, after = asyncio.run(scenario())
    assert before == []
    assert after == ["e1", "e2"]


def test_batches_are_acked_in_the_order_they_were_handed_over() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        log = AckLog()
        settled: list[str] = []
        acks = AckPipeline(as_stream(log), stop)
        loop = asyncio.get_running_loop()
        first: asyncio.Future[Any] = loop.create_future()
        second: asyncio.Future[Any] = loop.create_future()
        await acks.hand_over(batch("a"), first, lambda: settled.append("first"))
        # The second batch's outputs are acknowledged before the first's.
        second.set_result(None)
        loop.call_later(0.02, first.set_result, None)
        await acks.hand_over(batch("b"), second, lambda: settled.append("second"))
        await acks.drain()
        return log.acked, settled

    acked, settled = asyncio.run(scenario())
    assert acked == ["a", "b"]
    assert settled == ["first", "second"]


def test_a_batch_whose_outputs_failed_stops_the_worker_and_is_never_acked() -> None:
    async def scenario() -> list[str]:
        log = AckLog()
        settled: list[str] = []
        acks = AckPipeline(as_stream(log), stop)
        failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failed.set_exception(ConnectionError("broker gone"))
        await acks.hand_over(batch("x"), failed, lambda: settled.append("x"))
        with pytest.raises(WorkerStoppedError):
            await acks.drain()
        return log.acked + settled

    assert asyncio.run(scenario()) == []
