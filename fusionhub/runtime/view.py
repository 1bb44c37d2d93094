"""The demo's live terminal view: cases forming per township and status, newest fused cases."""

from __future__ import annotations

from typing import Any

import httpx
from rich.console import Group
from rich.table import Table
from rich.text import Text

from fusionhub.runtime.feed import FeedProgress

STATUSES = ("new", "dispatched", "in_progress", "resolved", "closed", "escalated", "reopened")


class CaseView:
    """Reads the read API and renders what a command centre would watch."""

    def __init__(self, api_url: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=api_url,
            timeout=5,
            trust_env=False,
            headers={"Authorization": f"Bearer {token}"},
        )

    def render(self, progress: FeedProgress, total: int) -> Group:
        """One frame: feed progress, township counts, newest cases with several sources."""
        try:
            stats = self.client.get("/v1/stats/townships").json()
            cases = self.client.get("/v1/cases", params={"sort": "updated", "limit": 40}).json()
        except (httpx.HTTPError, ValueError):
            return Group(Text("waiting for the read API…"))
        header = Text(
            f"fed {progress.sent}/{total} reports through the ingest API"
            f"   answers {progress.answered}   cases {stats.get('total', 0)}",
            style="bold",
        )
        return Group(header, self._townships(stats), self._fused(cases.get("items", [])))

    def _townships(self, stats: dict[str, Any]) -> Table:
        table = Table(title="cases per township and status", expand=True)
        table.add_column("township")
        for status in STATUSES[:6]:
            table.add_column(status, justify="right")
        rows = sorted(stats.get("townships", []), key=lambda t: -t["total"])[:10]
        for t in rows:
            name = f"{t.get('county_name') or ''}{t.get('township_name') or t['township_code']}"
            table.add_row(name, *(str(t["by_status"].get(s, 0)) for s in STATUSES[:6]))
        return table

    def _fused(self, items: list[dict[str, Any]]) -> Table:
        table = Table(title="newest cases reported by more than one source", expand=True)
        for col in ("case", "township", "category", "priority", "status", "sources", "reports"):
            table.add_column(col)
        fused = [c for c in items if len(c.get("sources", [])) > 1][:8]
        for c in fused:
            table.add_row(
                c["case_id"],
                c.get("township_name") or c.get("township_code") or "",
                c["category"],
                str(c["priority"]),
                c["status"],
                "+".join(c["sources"]),
                str(c.get("report_count", "")),
            )
        return table

    def close(self) -> None:
        self.client.close()
