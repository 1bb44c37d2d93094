"""Who a token belongs to and what it reaches: the province, a county or township command
centre, or a department.

Pure: the rule is a function of a case's county, township and department, so the JSON API, the
live feed, the exports and the actions all apply the same one (``Centre.sees``), and the SQL
side states it once too (``fusionhub.api.reads.reach_conditions``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

CentreKind = Literal["province", "county", "township", "department"]
PROVINCE_KEY = "province"
# What a department may do to a case dispatched to it: report on it, and report it solved.
DEPARTMENT_ACTIONS = frozenset({"progress", "resolve"})


@dataclass(frozen=True)
class Centre:
    """A command platform (or department) a token signs in as. ``key`` names it in settings
    and logs; ``name`` is what people read (诸暨市社会治理中心) and what its actions are signed
    with in the case history."""

    key: str
    name: str
    county: str | None = None
    township: str | None = None
    department: str | None = None

    @property
    def kind(self) -> CentreKind:
        """province, county, township or department: how far the token reaches."""
        if self.department is not None:
            return "department"
        if self.township is not None:
            return "township"
        return "county" if self.county is not None else "province"

    def sees(self, county: str | None, township: str | None, department: str | None) -> bool:
        """Whether a case with these codes (and dispatched to ``department``) is in reach.

        Called for every case the API answers with, every live change and every action.
        """
        if self.department is not None:
            return department == self.department and self.county in (None, county)
        if self.township is not None:
            return township == self.township
        return self.county is None or county == self.county

    def sees_case(self, case: Mapping[str, Any]) -> bool:
        """``sees`` for a case as the store or the case topic gives it."""
        return self.sees(case.get("county_code"), case.get("township_code"), case.get("department"))

    def may(self, action: str) -> bool:
        """Whether this centre may give ``action`` at all (departments report progress and
        resolution only; command centres do everything)."""
        return self.department is None or action in DEPARTMENT_ACTIONS

    def describe(self) -> dict[str, Any]:
        """The centre as ``GET /v1/whoami`` answers it (never the token)."""
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "county_code": self.county,
            "township_code": self.township,
            "department": self.department,
        }


PROVINCE = Centre(PROVINCE_KEY, "省级 (全部)")


class CentreDirectory:
    """Tokens to centres. Built once at start-up from settings; read by every request.

    ``find`` compares the given token with every configured one in constant time each, so the
    answer time says nothing about which token was nearly right.
    """

    def __init__(self, entries: Iterable[tuple[str, Centre]]) -> None:
        self._entries = [(token.encode(), centre) for token, centre in entries if token]
        if not self._entries:
            raise ValueError("the read API needs a token (set FUSIONHUB_API__TOKEN)")

    def find(self, token: str) -> Centre | None:
        """The centre ``token`` belongs to, or None for a missing or unknown token."""
        given = token.encode()
        found = None
        for known, centre in self._entries:
            if hmac.compare_digest(given, known) and found is None:
                found = centre
        return found if token else None

    def centres(self) -> list[Centre]:
        """Every configured centre, for the documentation of a running hub and the tests."""
        return [centre for _, centre in self._entries]
