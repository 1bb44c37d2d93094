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

    @property
    def kafka_bootstrap(self) -> str:
        """The bootstrap address clients use: explicit, or the local broker's listener."""
        return self.bootstrap_servers or f"{self.broker.host}:{self.broker.port}"
