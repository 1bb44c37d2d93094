"""What the local broker launcher is told: its group of settings (``FUSIONHUB_BROKER__*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from fusionhub.errors import LOOPBACK
from fusionhub.paths import home_dir


class BrokerSettings(BaseModel):
    """The local single-node Kafka broker run by ``fusionhub broker``."""

    host: str = LOOPBACK
    port: int = 9092
    controller_port: int = 9093
    kafka_version: str = "4.0.2"
    log4j_version: str = "2.24.3"
    data_dir: Path = Field(default_factory=lambda: home_dir("data") / "broker")
    cache_dir: Path = Field(default_factory=lambda: home_dir("cache"))
    heap: str = "768m"
    start_timeout_s: float = 90.0
