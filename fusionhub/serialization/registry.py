"""The schema-registry seam: where a schema id comes from and how an id turns back into a schema.

Two implementations, chosen by ``settings.registry.kind``:

* ``EmbeddedSchemaRegistry``: the ``schemas/`` folder and its committed ``manifest.json`` (the
  default; ids are stable because the manifest is append-only and versioned with the code);
* ``ConfluentSchemaRegistry``: any registry speaking Confluent's REST API (Confluent, Karapace,
  Apicurio's compatibility API, Redpanda).

The hub's subjects follow the record-name strategy (``fusionhub.Event``), so that one schema
serves the many per-county topics and one topic can carry several record types. Departments
publishing with Confluent's default topic-name strategy register under ``<topic>-value``; the
embedded registry takes such subjects as aliases of the record's subject (``aliases``).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

Schema = dict[str, Any]


class SchemaRegistryError(RuntimeError):
    """A schema or id is unknown, or the registry could not be reached (``status`` is the HTTP
    status a remote registry answered with, when it answered)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SchemaNotRegisteredError(SchemaRegistryError):
    """A read-only registry does not hold the schema the hub writes under a subject."""


@dataclass(frozen=True)
class RegisteredSchema:
    schema_id: int
    subject: str
    version: int
    schema: Schema


class SchemaRegistry(Protocol):
    def latest(self, subject: str) -> RegisteredSchema:
        """The newest version of ``subject``; writers use it. Raises SchemaRegistryError."""
        ...

    def by_id(self, schema_id: int) -> Schema:
        """The writer schema behind an id read from the wire; readers call it once per id."""
        ...


def canonical(schema: Schema) -> str:
    """A stable text form used to compare schemas (key order and spacing do not matter)."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def default_schemas_dir() -> Path:
    """The packaged ``schemas/`` folder: inside the wheel, or the repo's top level in a checkout."""
    packaged = resources.files("fusionhub").joinpath("_schemas")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schemas"


class EmbeddedSchemaRegistry:
    """Schemas and ids from ``schemas/manifest.json``; no network, no state.

    ``aliases`` maps extra subject names (``fusionhub.raw.grid-value``) to manifest subjects:
    every lookup by subject accepts either.
    """

    def __init__(
        self, schemas_dir: Path | None = None, aliases: Mapping[str, str] | None = None
    ) -> None:
        self.schemas_dir = schemas_dir or default_schemas_dir()
        self.aliases = dict(aliases or {})
        manifest = json.loads((self.schemas_dir / "manifest.json").read_text(encoding="utf-8"))
        self._by_id: dict[int, RegisteredSchema] = {}
        self._versions: dict[str, list[RegisteredSchema]] = {}
        for entry in manifest["schemas"]:
            schema = json.loads((self.schemas_dir / entry["file"]).read_text(encoding="utf-8"))
            reg = RegisteredSchema(entry["id"], entry["subject"], entry["version"], schema)
            if reg.schema_id in self._by_id:
                raise SchemaRegistryError(
                    f"schema id {reg.schema_id} is used twice in the manifest"
                )
            self._by_id[reg.schema_id] = reg
            self._versions.setdefault(reg.subject, []).append(reg)
        for versions in self._versions.values():
            versions.sort(key=lambda r: r.version)

    def latest(self, subject: str) -> RegisteredSchema:
        """The highest version of ``subject`` in the manifest."""
        try:
            return self._versions[self.aliases.get(subject, subject)][-1]
        except KeyError:
            raise SchemaRegistryError(f"unknown subject {subject!r}") from None

    def by_id(self, schema_id: int) -> Schema:
        """The schema registered under ``schema_id``."""
        try:
            return self._by_id[schema_id].schema
        except KeyError:
            raise SchemaRegistryError(f"unknown schema id {schema_id}") from None

    def subjects(self) -> list[str]:
        """Every subject, aliases included, sorted."""
        return sorted(set(self._versions) | set(self.aliases))

    def versions(self, subject: str) -> list[RegisteredSchema]:
        """Every version of ``subject`` (or of the subject it is an alias of), oldest first."""
        real = self.aliases.get(subject, subject)
        if real not in self._versions:
            raise SchemaRegistryError(f"unknown subject {subject!r}")
        return list(self._versions[real])

    def find(self, subject: str, schema: Schema) -> RegisteredSchema | None:
        """The registered version of ``subject`` (or of the subject it is an alias of) equal to
        ``schema``, if any."""
        text = canonical(schema)
        for reg in self._versions.get(self.aliases.get(subject, subject), []):
            if canonical(reg.schema) == text:
                return reg
        return None


class ConfluentSchemaRegistry:
    """A client for Confluent's schema-registry REST API.

    ``latest`` registers the embedded schema of a subject (idempotent on the registry's side) so
    that the registry, not the manifest, hands out ids; with ``auto_register`` off it only looks
    the schema up, for registries that refuse writes from services. ``by_id`` fetches and caches
    writer schemas.
    """

    def __init__(
        self,
        url: str,
        local: EmbeddedSchemaRegistry,
        username: str | None = None,
        password: str | None = None,
        *,
        timeout_s: float = 10.0,
        auto_register: bool = True,
    ) -> None:
        self.url = url.rstrip("/")
        self.local = local
        self.timeout_s = timeout_s
        self.auto_register = auto_register
        self._auth: str | None = None
        if password is not None:
            token = base64.b64encode(f"{username or 'fusionhub'}:{password}".encode()).decode()
            self._auth = f"Basic {token}"
        self._latest: dict[str, RegisteredSchema] = {}
        self._schemas: dict[int, Schema] = {}

    def latest(self, subject: str) -> RegisteredSchema:
        """The registry's id for the newest local version of ``subject``: registered (or looked
        up, without ``auto_register``) on first use, then cached.

        Raises ``SchemaNotRegisteredError`` when a lookup finds no such schema under the subject,
        ``SchemaRegistryError`` when the registry refuses or cannot be reached.
        """
        if subject not in self._latest:
            local = self.local.latest(subject)
            body = {"schema": json.dumps(local.schema), "schemaType": "AVRO"}
            path = f"/subjects/{quote(subject, safe='')}"
            if self.auto_register:
                answer = self._call("POST", f"{path}/versions", body)
            else:
                answer = self._lookup(path, body, subject, local.version)
            schema_id = int(answer["id"])
            self._schemas[schema_id] = local.schema
            self._latest[subject] = RegisteredSchema(
                schema_id, subject, local.version, local.schema
            )
        return self._latest[subject]

    def prepare(self, subjects: Iterable[str]) -> None:
        """Register, or look up, every subject a process writes, so that a registry without them
        stops the process at start-up rather than at its first record. Raises as ``latest``."""
        for subject in subjects:
            self.latest(subject)

    def _lookup(self, path: str, body: dict[str, Any], subject: str, version: int) -> Any:
        try:
            return self._call("POST", path, body)
        except SchemaRegistryError as exc:
            if exc.status != 404:
                raise
            raise SchemaNotRegisteredError(
                f"{subject} v{version} (schemas/{subject}/v{version}.avsc) is not registered "
                f"under subject {subject} at {self.url}"
            ) from exc

    def by_id(self, schema_id: int) -> Schema:
        """The writer schema for ``schema_id``, fetched once and cached."""
        if schema_id not in self._schemas:
            answer = self._call("GET", f"/schemas/ids/{schema_id}", None)
            self._schemas[schema_id] = json.loads(answer["schema"])
        return self._schemas[schema_id]

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        req.add_header("Accept", "application/vnd.schemaregistry.v1+json")
        if self._auth:
            req.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                result: dict[str, Any] = json.loads(resp.read())
                return result
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read().decode(errors="replace").split())[:300]
            message = f"{method} {path}: HTTP {exc.code}: {detail}"
            raise SchemaRegistryError(message, exc.code) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SchemaRegistryError(f"{method} {path}: registry unreachable: {exc}") from exc
