"""A small blocking client of the read API, used by ``fusionhub cases``.

It never goes through an HTTP proxy: the API lives on loopback, and a proxy configured in the
environment would otherwise receive the bearer token.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any


class ApiError(Exception):
    """The API answered with an error status, or could not be reached (``status`` 0).

    ``fields`` holds the per-parameter messages of a 400.
    """

    def __init__(self, status: int, message: str, fields: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = list(fields)


class ApiClient:
    """Talks to one read API with one token. Cheap to create; one per command run."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def health(self) -> bool:
        """``GET /healthz`` (no token needed): True when the API process answers."""
        answer: dict[str, Any] = self._get("/healthz")
        return answer.get("status") == "ok"

    def list_cases(self, params: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """``GET /v1/cases`` with ``params`` as given (repeat a name for alternatives)."""
        page: dict[str, Any] = self._get("/v1/cases", params)
        return page

    def get_case(self, case_id: str) -> dict[str, Any]:
        """``GET /v1/cases/{case_id}``; raises ``ApiError`` with status 404 for unknown ids."""
        case: dict[str, Any] = self._get(f"/v1/cases/{urllib.parse.quote(case_id, safe='')}")
        return case

    def township_counts(self, county: str | None = None) -> dict[str, Any]:
        """``GET /v1/stats/townships``, optionally for one county."""
        params = [("county", county)] if county else []
        counts: dict[str, Any] = self._get("/v1/stats/townships", params)
        return counts

    def corrections(self, params: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """``GET /v1/corrections`` with ``params`` as given (county, at_from, at_to, paging)."""
        page: dict[str, Any] = self._get("/v1/corrections", params)
        return page

    def _get(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Any:
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(list(params))
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise _api_error(exc) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(0, f"cannot reach the read API at {self.base_url}: {reason}") from exc


def _api_error(exc: urllib.error.HTTPError) -> ApiError:
    try:
        body = json.loads(exc.read())
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ApiError(exc.code, str(body.get("error") or exc.reason), body.get("fields") or ())
