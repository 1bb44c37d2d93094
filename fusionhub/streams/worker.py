"""Running a Faust app as a worker process, and the topics a correlation worker needs."""

from __future__ import annotations

import faust

from fusionhub.bus.topics import TopicNames


def worker_topics(topics: TopicNames) -> list[str]:
    """The topics a worker reads and writes that must exist with the configured partitions
    (its state topic, ``topics.state(app_id)``, besides)."""
    return [
        topics.events,
        topics.commands,
        topics.dead_letter,
        topics.device_health,
        topics.cases_all,
    ]


def run_app(app: faust.App, loglevel: str = "info", event_loop: str = "uvloop") -> None:
    """Run ``app`` as a Faust worker until SIGTERM or SIGINT; the bench's floor agent too.

    ``event_loop`` is ``uvloop`` (mode's loop backend) or ``asyncio``: uvloop's callbacks,
    futures and sockets cost less, and a Faust worker makes several of each per record.
    """
    if event_loop == "uvloop":
        import mode.loop

        mode.loop.use("uvloop")
    worker = faust.Worker(app, loglevel=loglevel, redirect_stdouts=False)
    # Faust's terminal spinner, kept at WARNING and above, sets the root logger to DEBUG so it
    # can spin on every record: every library debug call then builds a log record (about 6% of
    # the worker's time, measured with py-spy). A service has no terminal to spin on.
    worker.spinner = None
    worker.execute_from_commandline()
