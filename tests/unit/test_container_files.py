"""docker-compose.yml, the Dockerfile and .dockerignore, read as Docker would read them.

No Docker engine runs here; where a compose client exists, ``docker compose config`` checks the
file too. Otherwise the parsed file is checked for what the hub needs from it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from fusionhub.settings import BrokerSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "FUSIONHUB_DB_PASSWORD": "x",
    "FUSIONHUB_SECRETS__PII_KEY": "x" * 32,
    "FUSIONHUB_SECRETS__SEALING_KEY": "x",
    "FUSIONHUB_INGEST__TOKEN": "x",
    "FUSIONHUB_API__TOKEN": "x",
    "GRAFANA_ADMIN_PASSWORD": "x",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return loaded


def compose_client() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        version = subprocess.run([*command, "version"], capture_output=True, text=True, check=False)
        if version.returncode == 0:
            return command
    return None


def test_compose_accepts_the_file_where_a_compose_client_exists(tmp_path: Path) -> None:
    command = compose_client()
    if command is None:
        # Nothing to ask here; the tests below read the file themselves.
        assert yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))["services"]
        return
    done = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path), **SECRETS},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_service_has_a_healthcheck_and_waits_for_healthy_dependencies(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"kafka", "postgres", "hub", "prometheus", "grafana"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        for needed, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, f"{name} -> {needed}"


def test_ports_are_published_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_images_are_pinned_and_kafka_runs_the_local_brokers_version(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name, service in services.items():
        if "image" in service:
            tag = service["image"].partition(":")[2]
            assert tag not in {"", "latest"}, name
    assert services["kafka"]["image"] == f"apache/kafka:{BrokerSettings().kafka_version}"


def test_kafka_keeps_its_log_in_the_volume(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    mounts = dict(volume.split(":", 1) for volume in kafka["volumes"])
    assert kafka["environment"]["KAFKA_LOG_DIRS"] == mounts["kafka-data"]
    assert "kafka-data" in compose["volumes"]


def test_grafana_gets_the_prometheus_source_and_the_dashboard(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    mounts = {}
    for volume in grafana["volumes"]:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    source = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text("utf-8"))
    assert source["datasources"][0]["url"] == "http://prometheus:9090"
    assert source["datasources"][0]["isDefault"] is True
    provider = yaml.safe_load((provisioning / "dashboards" / "fusionhub.yml").read_text("utf-8"))
    folder = provider["providers"][0]["options"]["path"]
    dashboards = {t: s for t, s in mounts.items() if t.startswith(folder + "/")}
    assert [Path(s).name for s in dashboards.values()] == ["fusionhub.json"]
    for host_path in mounts.values():
        if host_path.startswith("./"):
            assert (ROOT / host_path).exists(), host_path


def test_the_image_compiles_the_hot_path_and_installs_from_the_locks() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "scripts/build_native.py" in dockerfile
    assert "--require-hashes -r requirements-dev.lock" in dockerfile
    assert "--require-hashes -r /tmp/requirements.lock" in dockerfile
    assert "HEALTHCHECK" in dockerfile


def test_secrets_and_local_builds_stay_out_of_the_build_context() -> None:
    ignored = set((ROOT / ".dockerignore").read_text("utf-8").split())
    assert {".env", ".venv", ".git", "fusionhub/**/*.so"} <= ignored


def test_the_build_stage_copies_every_file_the_package_metadata_names() -> None:
    # The wheel is built from what the build stage copies, not from the checkout: a readme or
    # licence file that pyproject.toml names and the stage leaves behind fails the image build.
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    named = {project["readme"], *project.get("license-files", [])}
    build_stage = (ROOT / "Dockerfile").read_text("utf-8").split("\nFROM ")[1]
    copied = {
        source
        for line in build_stage.splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
    }
    assert named <= copied, named - copied
