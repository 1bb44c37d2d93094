"""Obtain Apache Kafka's broker jars from Maven Central with ``mvn``, into a cache outside the repo.

The Maven artifact ``org.apache.kafka:kafka_2.13`` carries the broker and its dependencies but no
logging backend, so Log4j2 (core plus the SLF4J 1.x binding Kafka 4.0 logs through) is added.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
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


# Maven's line for each file it fetched, e.g.
# "Downloaded from central: https://.../kafka-clients-4.0.2.jar (5.9 MB at 3.1 MB/s)".
_DOWNLOADED = re.compile(r"^Downloaded from [^:]+: \S+/([^/\s]+\.jar) \(([^)]*?)(?: at [^)]*)?\)")


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ensure_distribution(
    cache_dir: Path,
    kafka_version: str,
    log4j_version: str,
    progress: Callable[[str], None] = _to_stderr,
) -> KafkaDistribution:
    """Return the cached distribution, fetching it with Maven on first use.

    Called by the broker launcher before formatting or starting. The first fetch takes minutes,
    so ``progress`` hears a line when it starts, one per jar fetched and one at the end.
    Raises ``DistributionError`` with Maven's own output when the jars cannot be had, so the
    caller can show why.
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
    progress(
        f"fetching Kafka {kafka_version}'s jars from Maven Central into {dist.home} "
        "(first run only; a few minutes)"
    )
    output, returncode = _run_maven(pom, dist.libs, progress)
    if returncode != 0:
        raise DistributionError(f"mvn failed ({returncode}):\n{output}")
    if not any(dist.libs.glob(f"kafka_2.13-{kafka_version}.jar")):
        raise DistributionError(f"mvn ran but kafka_2.13-{kafka_version}.jar is not in {dist.libs}")
    (dist.home / ".complete").write_text(kafka_version, encoding="utf-8")
    progress(f"Kafka {kafka_version}: {len(list(dist.libs.glob('*.jar')))} jars in {dist.libs}")
    return dist


def _run_maven(pom: Path, libs: Path, progress: Callable[[str], None]) -> tuple[str, int]:
    """Run Maven's copy-dependencies, telling ``progress`` of each jar as it arrives; returns
    Maven's whole output (for the error) and its exit status."""
    cmd = ["mvn", "-B", "-f", str(pom), "dependency:copy-dependencies", f"-DoutputDirectory={libs}"]
    lines: list[str] = []
    fetched = 0
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as maven:
        assert maven.stdout is not None
        for line in maven.stdout:
            lines.append(line)
            jar = _DOWNLOADED.match(line.strip())
            if jar:
                fetched += 1
                progress(f"  [{fetched}] {jar.group(1)} ({jar.group(2)})")
    return "".join(lines[-200:]), maven.returncode
