from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fusionhub.bootstrap import Hub
from fusionhub.bootstrap.ingest import build_ingest_service
from fusionhub.connectors.registry import load_sources
from fusionhub.serialization import AvroCodec, EmbeddedSchemaRegistry
from fusionhub.settings import IngestSettings, Settings
from tests.conftest import EXAMPLES, settings_env
from tests.support import serve_in_thread

TOKENS = {s: secrets.token_urlsafe(16) for s in load_sources().names}


@pytest.fixture
def ingest_settings(hub_settings: Settings) -> Settings:
    """Hub settings with per-source ingest tokens and the example camera registry."""
    ingest = IngestSettings(tokens=TOKENS, cameras_csv=EXAMPLES / "cameras.csv")
    return hub_settings.model_copy(update={"ingest": ingest})


@pytest.fixture
def ingest_url(ingest_settings: Settings) -> Iterator[str]:
    """A real ingest service on a free loopback port, producing to the test broker."""
    service = build_ingest_service(Hub(ingest_settings))
    with serve_in_thread(service.app()) as url:
        yield url


@pytest.fixture
def codec() -> AvroCodec:
    return AvroCodec(EmbeddedSchemaRegistry())


def run_cli(
    settings: Settings, *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``fusionhub ARGS`` as a user would, with ``settings`` (and ``env``) in its
    environment."""
    env = {**settings_env(settings), **(env or {})}
    env["FUSIONHUB_INGEST__CAMERAS_CSV"] = str(EXAMPLES / "cameras.csv")
    return subprocess.run(
        [sys.executable, "-m", "fusionhub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def example_jsonl(tmp_path: Path, name: str) -> Path:
    """The example JSON object of ``name`` as a one-line JSONL file."""
    doc = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    out = tmp_path / f"{name}.jsonl"
    out.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
