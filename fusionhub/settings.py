"""One typed settings object, read once at start-up and passed down.

Every value can be set through the environment with the prefix ``FUSIONHUB_``; nested groups use a
double underscore, e.g. ``FUSIONHUB_BROKER__PORT=19092``. Nothing below the command line reads the
environment itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK = "127.0.0.1"


def _home_dir(kind: str) -> Path:
    base = {"cache": ".cache", "data": ".local/share"}[kind]
    return Path.home() / base / "fusionhub"


class BrokerSettings(BaseModel):
    """The local single-node Kafka broker run by ``fusionhub broker``."""

    host: str = LOOPBACK
    port: int = 9092
    controller_port: int = 9093
    kafka_version: str = "4.0.2"
    log4j_version: str = "2.24.3"
    data_dir: Path = Field(default_factory=lambda: _home_dir("data") / "broker")
    cache_dir: Path = Field(default_factory=lambda: _home_dir("cache"))
    heap: str = "768m"
    start_timeout_s: float = 90.0


class RegistrySettings(BaseModel):
    """Where Avro schema ids come from: the embedded manifest or a Confluent-compatible registry."""

    kind: Literal["embedded", "confluent"] = "embedded"
    url: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    serve_host: str = LOOPBACK
    serve_port: int = 8081
    serve_token: SecretStr | None = None


class StreamSettings(BaseModel):
    """The Faust worker."""

    app_id: str = "fusionhub"
    store: str = "memory://"
    topic_partitions: int = 4
    web_host: str = LOOPBACK
    web_port: int = 6066
    data_dir: Path = Field(default_factory=lambda: _home_dir("data") / "streams")
    # Ticks carry wall-clock time into the event log for live overdue checks.
    tick_interval_s: float = 60.0
    gauge_interval_s: float = 5.0
    case_topic_partitions: int = 1
    # The correlator takes up to ``batch_max`` records at a time, waiting at most
    # ``batch_within_s`` for them: Faust waits that long for a batch that is not full even when
    # records are queued, so it is short; the size bounds the work per round-trip. A batch's
    # outputs are acknowledged before its offsets can be committed.
    batch_max: int = Field(default=500, ge=1)
    batch_within_s: float = Field(default=0.005, gt=0)
    # Bytes fetched per partition per request. Faust's 1 MiB default held a bare agent to ~5k
    # records/s here; 16 MiB gave ~17k/s (fewer fetch round-trips), at up to that much memory
    # per assigned partition.
    fetch_bytes_per_partition: int = Field(default=16 * 1024 * 1024, ge=65_536)
    # Faust fetches no further than its committed position allows, so a slow commit interval
    # shows as latency (p50 34 ms at 0.2 s, 1.1 s at 1 s, measured by bench correlate).
    commit_interval_s: float = 0.2
    policy_file: Path | None = None
    # The latest state of every case in a changelog-backed Faust table (memory or RocksDB
    # store). Off by default: correctness comes from replaying the log, and with faust-streaming
    # 0.15.3 a worker restoring this table after a SIGKILL was seen to stop fetching.
    case_table: bool = False
    # How soon a dead worker's partitions move to the others.
    session_timeout_s: float = 15.0


class IngestSettings(BaseModel):
    """The HTTP ingest API and the file ingest command."""

    host: str = LOOPBACK
    port: int = 8080
    # One token per source (``{"grid": "...", "hotline": "..."}``); ``token`` stands in for any
    # source without its own, which suits a developer machine.
    tokens: dict[str, SecretStr] = Field(default_factory=dict)
    token: SecretStr | None = None
    max_body_bytes: int = 1_048_576
    max_item_bytes: int = 65_536
    cameras_csv: Path | None = None
    # Produce tuning: batching pays on this broker, per-event round-trips do not.
    linger_ms: int = 5
    batch_bytes: int = 262_144
    # Processes converting file input (``fusionhub ingest``); 0 means one per core, 1 none.
    workers: int = Field(default=0, ge=0)

    def token_for(self, source: str) -> str | None:
        """The token a request for ``source`` must carry, or None when none is configured."""
        chosen = self.tokens.get(source) or self.token
        return chosen.get_secret_value() if chosen else None


class DatabaseSettings(BaseModel):
    """The case store. SQLite by default (a file, nothing to run); PostgreSQL through a URL such
    as ``postgresql+psycopg://user:password@127.0.0.1:5432/fusionhub``."""

    url: str | None = None
    batch_size: int = 500
    batch_wait_ms: int = 200
    retry_initial_s: float = 0.5
    retry_max_s: float = 15.0

    def resolved_url(self, data_dir: Path) -> str:
        """The URL to connect to: the configured one, or a SQLite file under ``data_dir``."""
        return self.url or f"sqlite:///{data_dir / 'fusionhub.db'}"


class ApiSettings(BaseModel):
    """The command-centre read API."""

    host: str = LOOPBACK
    port: int = 8090
    token: SecretStr | None = None
    max_limit: int = 500


class MetricsSettings(BaseModel):
    """Where the sink exposes /metrics. The worker serves its /metrics on the Faust web port
    (``streams.web_port``); the ingest and read APIs serve theirs on their own ports."""

    host: str = LOOPBACK
    sink_port: int = 9465


class SecretSettings(BaseModel):
    """Keys that must never live in the repository. ``fusionhub keys init`` writes fresh ones to
    an untracked ``.env`` for a developer machine; production sets them in the environment."""

    pii_key: SecretStr | None = None
    sealing_key: SecretStr | None = None

    def require_pii_key(self) -> bytes:
        """The HMAC key for personal-data tokens; raises ``ValueError`` naming the setting."""
        if self.pii_key is None or len(self.pii_key.get_secret_value()) < 16:
            raise ValueError(
                "set FUSIONHUB_SECRETS__PII_KEY (16+ characters; see `fusionhub keys init`)"
            )
        return self.pii_key.get_secret_value().encode()

    def require_sealing_key(self) -> bytes:
        """The Fernet key sealing dead-letter originals; raises ``ValueError`` if unset."""
        if self.sealing_key is None:
            raise ValueError("set FUSIONHUB_SECRETS__SEALING_KEY (see `fusionhub keys init`)")
        return self.sealing_key.get_secret_value().encode()


class Settings(BaseSettings):
    """Everything fusionhub can be told. Built once by the command line, then passed down."""

    model_config = SettingsConfigDict(
        env_prefix="FUSIONHUB_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    bootstrap_servers: str | None = None
    topic_prefix: str = "fusionhub"
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    registry: RegistrySettings = Field(default_factory=RegistrySettings)
    streams: StreamSettings = Field(default_factory=StreamSettings)
    secrets: SecretSettings = Field(default_factory=SecretSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    data_dir: Path = Field(default_factory=lambda: _home_dir("data"))

    @property
    def kafka_bootstrap(self) -> str:
        """The bootstrap address clients use: explicit, or the local broker's listener."""
        return self.bootstrap_servers or f"{self.broker.host}:{self.broker.port}"
