"""Reaching the read API from the command line: the client and its errors, shared by the
``fusionhub cases`` commands."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from fusionhub.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from fusionhub.api.client import ApiClient


def reachable_host(host: str) -> str:
    """A server bound to every interface is reached on loopback from the same machine."""
    try:
        unspecified = not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:  # a host name
        return host
    return "127.0.0.1" if unspecified else host


def api_client(settings: Settings, url: str | None, token: str | None) -> ApiClient:
    """A read-API client: address and token from ``settings.api`` unless given; raises
    ``ConfigurationError`` (one line, exit status 2) when there is no token."""
    from fusionhub.api.client import ApiClient

    api = settings.api
    host = reachable_host(api.host)
    token = token or (api.token.get_secret_value() if api.token else None)
    if not token:
        raise ConfigurationError(
            "FUSIONHUB_API__TOKEN is not set: pass --token, or run `fusionhub keys init`"
        )
    return ApiClient(url or f"http://{host}:{api.port}", token)


def call_api(fetch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``fetch()``'s answer; an API error becomes a ``click.ClickException`` with its messages."""
    from fusionhub.api.client import ApiError

    try:
        return fetch()
    except ApiError as exc:
        details = "".join(f"\n  {f['field']}: {f['message']}" for f in exc.fields)
        raise click.ClickException(f"{exc.message}{details}") from exc
