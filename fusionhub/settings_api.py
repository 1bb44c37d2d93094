"""The groups of settings for the read API's tokens and the console, part of ``Settings``
(``fusionhub/settings.py``): ``FUSIONHUB_API__*`` and ``FUSIONHUB_CONSOLE__*``."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator

from fusionhub.errors import LOOPBACK, ConfigurationError


class CentreSettings(BaseModel):
    """One command centre (指挥中心) or department and the token it signs in with.

    Its reach follows from what is set: ``township`` alone is a township centre (its township's
    cases), ``county`` alone a county centre (its county and every township in it),
    ``department`` a department (cases dispatched to it, within ``county`` when that is set too).
    """

    name: str = Field(min_length=1)
    token: SecretStr
    county: str | None = Field(default=None, pattern=r"^\d{6}$")
    township: str | None = Field(default=None, pattern=r"^\d{9}$")
    department: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_reach(self) -> CentreSettings:
        if len(self.token.get_secret_value()) < 16:
            raise ValueError("the token must be at least 16 characters")
        if self.department is None and self.township and self.county:
            raise ValueError("give a township centre its township only, not a county too")
        if self.department is not None and self.township:
            raise ValueError("a department reaches a county at most, not a township")
        if not (self.county or self.township or self.department):
            raise ValueError("give county, township or department")
        return self


class ApiSettings(BaseModel):
    """The command-centre read API and its tokens.

    ``token`` is the province-wide token (every case, every action); ``centres`` are the scoped
    tokens of county and township command centres and departments, by a short key of their own
    (``FUSIONHUB_API__CENTRES__ZHUJI__TOKEN=...``).
    """

    host: str = LOOPBACK
    port: int = 8090
    token: SecretStr | None = None
    centres: dict[str, CentreSettings] = Field(default_factory=dict)
    max_limit: int = 500

    @model_validator(mode="after")
    def _tokens_unique(self) -> ApiSettings:
        given = [c.token.get_secret_value() for c in self.centres.values()]
        if self.token is not None:
            given.append(self.token.get_secret_value())
        if len(set(given)) != len(given):
            raise ValueError("two centres (or a centre and the province token) share a token")
        return self

    def require_token(self) -> str:
        """The province-wide bearer token, or "" when only centre tokens are configured;
        ``ConfigurationError`` when neither is."""
        if self.token is not None and self.token.get_secret_value():
            return self.token.get_secret_value()
        if self.centres:
            return ""
        raise ConfigurationError(
            "FUSIONHUB_API__TOKEN is not set (nor any FUSIONHUB_API__CENTRES): "
            "run `fusionhub keys init` to write one to ./.env"
        )


class ConsoleSettings(BaseModel):
    """The command-centre console: the web page the read API's process serves on a port of its
    own (the JSON API is served there too, so the page only talks to its own origin)."""

    enabled: bool = True
    host: str = LOOPBACK
    port: int = 8070
    # An intranet tile server, e.g. http://10.12.0.8/tiles/{z}/{x}/{y}.png; without one the map
    # shows the division boundaries on a plain background.
    tile_url: str | None = Field(
        default=None, pattern=r"^https?://[^/?#\s]+/[^\s]*\{z\}[^\s]*\{x\}[^\s]*\{y\}"
    )
    tile_attribution: str = ""
    tile_max_zoom: int = Field(default=18, ge=1, le=22)
    # Township boundaries (GeoJSON, property ``code``); without them townships are outlined by
    # the area their located reports cover.
    township_boundaries: Path | None = None
    # Open cases the page loads for its board and map at most.
    max_cases: int = Field(default=5000, ge=100)
    # How long an action waits for the worker's answer before saying it is still pending.
    action_wait_s: float = Field(default=8.0, gt=0, le=30)
    # Departments offered when dispatching (more can be typed).
    departments: list[str] = Field(
        default_factory=lambda: [
            "镇综治中心",
            "市场监管所",
            "综合行政执法队",
            "便民服务中心",
            "派出所",
            "生态环境分局",
        ]
    )
