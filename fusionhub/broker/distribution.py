"""Obtain Apache Kafka's broker jars from Maven Central with ``mvn``, into a cache outside the repo.

The Maven artifact ``org.apache.kafka:kafka_2.13`` carries the broker and its dependencies but no
logging backend, so Log4j2 (core plus the SLF4J 1.x binding Kafka 4.0 logs through) is added.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fusionhub.paths import ensure_dir

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.fusionhub.local</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{log4j}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version>
    </dependency>
  </dependencies>
</project>
"""


class DistributionError(RuntimeError):
    """The broker jars could not be obtained (no Java, no Maven, or Maven failed)."""


@dataclass(frozen=True)
class KafkaDistribution:
    """A folder of jars that together run ``kafka.Kafka``."""

    home: Path

    @property
    def libs(self) -> Path:
        return self.home / "libs"

    @property
    def classpath(self) -> str:
        return str(self.libs / "*")

    @property
    def complete(self) -> bool:
        return (self.home / ".complete").exists()


def ensure_distribution(
    cache_dir: Path, kafka_version: str, log4j_version: str
) -> KafkaDistribution:
    """Return the cached distribution, fetching it with Maven on first use.

    Called by the broker launcher before formatting or starting. Raises ``DistributionError`` with
    Maven's own output when the jars cannot be had, so the caller can show why.
    """
    dist = KafkaDistribution(cache_dir / f"kafka-{kafka_version}")
    if dist.complete:
        return dist
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise DistributionError(
                f"'{tool}' is not on PATH: the local broker needs Java 17+ and Maven"
            )
    ensure_dir(dist.home, "FUSIONHUB_BROKER__CACHE_DIR")
    pom = dist.home / "pom.xml"
    pom.write_text(_POM.format(kafka=kafka_version, log4j=log4j_version), encoding="utf-8")
    cmd = [
        "mvn",
        "-q",
        "-B",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={dist.libs}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DistributionError(
            f"mvn failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    if not any(dist.libs.glob(f"kafka_2.13-{kafka_version}.jar")):
        raise DistributionError(f"mvn ran but kafka_2.13-{kafka_version}.jar is not in {dist.libs}")
    (dist.home / ".complete").write_text(kafka_version, encoding="utf-8")
    return dist
