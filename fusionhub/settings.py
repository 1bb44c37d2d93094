"""One typed settings object, read once at start-up and passed down.

Every value can be set through the environment with the prefix ``FUSIONHUB_``; nested groups use a
double underscore, e.g. ``FUSIONHUB_BROKER__PORT=19092``. Nothing below the command line reads the
environment itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fusionhub.broker.options import BrokerSettings
from fusionhub.bus.options import TopicSettings
from fusionhub.errors import LOOPBACK, ConfigurationError
from fusionhub.paths import home_dir
from fusionhub.settings_api import ApiSettings, CentreSettings, ConsoleSettings
from fusionhub.streams.options import StreamSettings

__all__ = [
    "ApiSettings",
    "BrokerSettings",
    "CentreSettings",
    "ConfigurationError",
    "ConsoleSettings",
    "Settings",
    "StreamSettings",
    "TopicSettings",
]


class RegistrySettings(BaseModel):
    """Where Avro schema ids come from: the embedded manifest or a Confluent-compatible registry."""

    kind: Literal["embedded", "confluent"] = "embedded"
    url: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    # Off: the hub only looks its schemas up (POST /subjects/{subject}), for registries that
    # refuse writes from services; a schema missing there stops start-up.
    auto_register: bool = True
    serve_host: str = LOOPBACK
    serve_port: int = 8081
    serve_token: SecretStr | None = None

    def require_serve_token(self) -> str:
        """The token ``fusionhub registry serve`` asks every request for; ``ConfigurationError``
        when unset."""
        if self.serve_token is None or not self.serve_token.get_secret_value():
            raise ConfigurationError(
                "FUSIONHUB_REGISTRY__SERVE_TOKEN is not set: "
                "run `fusionhub keys init` to write one to ./.env"
            )
        return self.serve_token.get_secret_value()


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

    def require_token(self) -> None:
        """Raises ``ConfigurationError`` unless some source token is configured: the ingest API
        asks every request for one."""
        if not self.token and not self.tokens:
            raise ConfigurationError(
                "FUSIONHUB_INGEST__TOKEN (or FUSIONHUB_INGEST__TOKENS) is not set: "
                "run `fusionhub keys init` to write one to ./.env"
            )


class DatabaseSettings(BaseModel):
    """The case store. SQLite by default (a file, nothing to run); PostgreSQL through a URL such
    as ``postgresql+psycopg://user:password@127.0.0.1:5432/fusionhub``."""

    url: str | None = None

    def resolved_url(self, data_dir: Path) -> str:
        """The URL to connect to: the configured one, or a SQLite file under ``data_dir``."""
        return self.url or f"sqlite:///{data_dir / 'fusionhub.db'}"


class SinkSettings(BaseModel):
    """``fusionhub sink``: which case sink it feeds, its consumer group, batching and retries.

    ``kind`` ``sql`` is the case store the read API reads (``FUSIONHUB_DATABASE__URL``);
    ``jsonl`` appends every case state and report to ``jsonl_path`` instead. Two sinks storing
    the same cases in different places need consumer groups of their own (``group_id``).
    """

    kind: Literal["sql", "jsonl"] = "sql"
    group_id: str | None = None
    jsonl_path: Path | None = None
    batch_size: int = Field(default=500, ge=1)
    batch_wait_ms: int = Field(default=200, ge=1)
    retry_initial_s: float = Field(default=0.5, gt=0)
    retry_max_s: float = Field(default=15.0, gt=0)

    def resolved_group_id(self, app_id: str) -> str:
        """The consumer group: the configured one, or ``<streams.app_id>-sink``."""
        return self.group_id or f"{app_id}-sink"

    def resolved_jsonl_path(self, data_dir: Path) -> Path:
        """The JSON Lines file: the configured one, or ``cases.jsonl`` under ``data_dir``."""
        return self.jsonl_path or data_dir / "cases.jsonl"


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
        """The HMAC key for personal-data tokens; raises ``ConfigurationError`` naming the
        setting when it is unset or too short."""
        if self.pii_key is None:
            raise ConfigurationError(
                "FUSIONHUB_SECRETS__PII_KEY is not set: "
                "run `fusionhub keys init` to write one to ./.env"
            )
        if len(self.pii_key.get_secret_value()) < 16:
            raise ConfigurationError(
                "FUSIONHUB_SECRETS__PII_KEY is shorter than 16 characters: "
                "set a longer one, or remove it and run `fusionhub keys init`"
            )
        return self.pii_key.get_secret_value().encode()

    def require_sealing_key(self) -> bytes:
        """The Fernet key sealing dead-letter originals; raises ``ConfigurationError`` if unset."""
        if self.sealing_key is None:
            raise ConfigurationError(
                "FUSIONHUB_SECRETS__SEALING_KEY is not set: "
                "run `fusionhub keys init` to write one to ./.env"
            )
        return self.sealing_key.get_secret_value().encode()


Need = Literal["pii_key", "sealing_key", "ingest_token", "api_token", "registry_token"]
EVERY_NEED: tuple[Need, ...] = ("pii_key", "sealing_key", "ingest_token", "api_token")


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
    topics: TopicSettings = Field(default_factory=TopicSettings)
    secrets: SecretSettings = Field(default_factory=SecretSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    sink: SinkSettings = Field(default_factory=SinkSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    data_dir: Path = Field(default_factory=lambda: home_dir("data"))

    @model_validator(mode="after")
    def _folders_under_data_dir(self) -> Settings:
        # The broker's and Faust's folders follow ``data_dir`` unless set on their own, so one
        # setting moves everything the hub writes.
        # Copies, not assignments: a group passed in may be shared with other settings.
        if "data_dir" not in self.broker.model_fields_set:
            self.broker = self.broker.model_copy(update={"data_dir": self.data_dir / "broker"})
        if "data_dir" not in self.streams.model_fields_set:
            self.streams = self.streams.model_copy(update={"data_dir": self.data_dir / "streams"})
        return self

    @model_validator(mode="after")
    def _log_outlives_snapshots(self) -> Settings:
        # A restore replays the event log after the latest snapshot: the log must still hold
        # it, with room for a worker that was down a while.
        needed_h = 10 * self.streams.snapshot_interval_s / 3600
        if self.topics.events_retention_hours < needed_h:
            raise ValueError(
                f"topics.events_retention_hours ({self.topics.events_retention_hours}) must be "
                f"at least ten snapshot intervals ({needed_h:.1f} h)"
            )
        return self

    def require(self, *needs: Need) -> None:
        """Check the settings a command needs before it connects to anything.

        Called by each command line entry before it starts work. Raises ``ConfigurationError``
        naming the first missing setting and how to set it.
        """
        for need in needs:
            if need == "pii_key":
                self.secrets.require_pii_key()
            elif need == "sealing_key":
                self.secrets.require_sealing_key()
            elif need == "ingest_token":
                self.ingest.require_token()
            elif need == "registry_token":
                self.registry.require_serve_token()
            else:
                self.api.require_token()

    @property
    def kafka_bootstrap(self) -> str:
        """The bootstrap address clients use: explicit, or the local broker's listener."""
        return self.bootstrap_servers or f"{self.broker.host}:{self.broker.port}"


def load_settings() -> Settings:
    """Settings from the environment and ``./.env``, read once by the command line.

    A value that does not validate becomes a one-line ``ConfigurationError`` naming its
    environment variable; the value itself is shown only outside ``secrets``.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(describe_invalid(exc)) from None


def describe_invalid(exc: ValidationError) -> str:
    """One line for the first validation error, with a count of any others."""
    errors = exc.errors()
    first = errors[0]
    loc = [str(part) for part in first["loc"]]
    variable = "FUSIONHUB_" + "__".join(loc).upper()
    # Secrets and tokens are never echoed; a centre's whole entry may hold its token.
    secret = loc[:1] == ["secrets"] or any(p in ("token", "tokens", "centres") for p in loc)
    shown = "" if secret else f" (got {first.get('input')!r})"
    more = f"; and {len(errors) - 1} more" if len(errors) > 1 else ""
    message = first["msg"][0].lower() + first["msg"][1:]
    return f"{variable} is invalid: {message}{shown}{more}; fix it in the environment or ./.env"
