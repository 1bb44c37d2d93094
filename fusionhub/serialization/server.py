"""The embedded registry over HTTP, speaking the read side of Confluent's REST API.

With it, tools that know only a Confluent registry (confluent-kafka's AvroDeserializer and
AvroSerializer, Kafka Connect) can read the hub's topics and publish to its raw topics.
Registering a schema answers with the existing id when the schema is already in ``schemas/``, and
so does looking one up (``POST /subjects/{subject}``, what serializers call with
``auto.register.schemas=false``); new schemas are added by committing them there, so the server
refuses others with 409. Subjects given as aliases (``<raw topic>-value``) answer as the record
subject they stand for.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from fusionhub.serialization.registry import EmbeddedSchemaRegistry, SchemaRegistryError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_JSON = "application/vnd.schemaregistry.v1+json"


def _answer(body: object, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type=_JSON)


def _error(status: int, code: int, message: str) -> web.Response:
    return _answer({"error_code": code, "message": message}, status)


def _token_ok(header: str, token: str) -> bool:
    if header.startswith("Bearer "):
        return hmac.compare_digest(header[7:], token)
    if header.startswith("Basic "):
        try:
            _, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password, token)
    return False


def registry_app(registry: EmbeddedSchemaRegistry, token: str) -> web.Application:
    """An aiohttp app serving ``registry``; every request must carry ``token``
    (``Authorization: Bearer TOKEN`` or Basic auth with TOKEN as the password).

    Called by ``fusionhub registry serve``. Raises ValueError for an empty token: like every
    service of the hub, the registry asks who is calling.
    """
    if not token:
        raise ValueError("the registry server needs a token (FUSIONHUB_REGISTRY__SERVE_TOKEN)")

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not _token_ok(request.headers.get("Authorization", ""), token):
            return _error(401, 40101, "missing or wrong token")
        return await handler(request)

    async def schema_by_id(request: web.Request) -> web.Response:
        try:
            schema = registry.by_id(int(request.match_info["id"]))
        except (SchemaRegistryError, ValueError):
            return _error(404, 40403, "Schema not found")
        return _answer({"schema": json.dumps(schema)})

    async def subjects(_: web.Request) -> web.Response:
        return _answer(registry.subjects())

    async def versions(request: web.Request) -> web.Response:
        try:
            found = registry.versions(request.match_info["subject"])
        except SchemaRegistryError:
            return _error(404, 40401, "Subject not found")
        return _answer([r.version for r in found])

    async def version(request: web.Request) -> web.Response:
        subject, wanted = request.match_info["subject"], request.match_info["version"]
        try:
            found = registry.versions(subject)
        except SchemaRegistryError:
            return _error(404, 40401, "Subject not found")
        match = (
            found[-1:]
            if wanted in ("latest", "-1")
            else [r for r in found if str(r.version) == wanted]
        )
        if not match:
            return _error(404, 40402, "Version not found")
        reg = match[0]
        return _answer(
            {
                "subject": subject,
                "version": reg.version,
                "id": reg.schema_id,
                "schema": json.dumps(reg.schema),
            }
        )

    async def register(request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        schema = await _posted_schema(request)
        if schema is None:
            return _error(422, 42201, "Invalid schema")
        reg = registry.find(subject, schema)
        if reg is None:
            return _error(
                409, 409, "not in the embedded registry: add it to schemas/ and its manifest"
            )
        return _answer({"id": reg.schema_id})

    async def lookup(request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        schema = await _posted_schema(request)
        if schema is None:
            return _error(422, 42201, "Invalid schema")
        if subject not in registry.subjects():
            return _error(404, 40401, "Subject not found")
        reg = registry.find(subject, schema)
        if reg is None:
            return _error(404, 40403, "Schema not found")
        return _answer(
            {
                "subject": subject,
                "version": reg.version,
                "id": reg.schema_id,
                "schema": json.dumps(reg.schema),
            }
        )

    app = web.Application(middlewares=[auth])
    app.router.add_get("/schemas/ids/{id}", schema_by_id)
    app.router.add_get("/subjects", subjects)
    app.router.add_get("/subjects/{subject}/versions", versions)
    app.router.add_get("/subjects/{subject}/versions/{version}", version)
    app.router.add_post("/subjects/{subject}/versions", register)
    app.router.add_post("/subjects/{subject}", lookup)
    return app


async def _posted_schema(request: web.Request) -> dict[str, object] | None:
    """The Avro schema in a register or lookup body, or None when there is none."""
    try:
        schema = json.loads((await request.json())["schema"])
    except (ValueError, KeyError, TypeError):
        return None
    return schema if isinstance(schema, dict) else None
