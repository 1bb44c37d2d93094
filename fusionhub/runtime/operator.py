"""The demo's duty officer: accepts and dispatches new cases, resolves and closes some, so the
demo shows the whole lifecycle. It acts only through the public interfaces a command centre
uses: the read API to see cases, the command topic to act on them."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from fusionhub.bus.clients import KafkaClients
from fusionhub.core.casebook import CaseAction
from fusionhub.serialization import AvroCodec
from fusionhub.serialization.actions import action_to_record
from fusionhub.serialization.records import COMMAND_SUBJECT

DEPARTMENTS = {
    "综治工作": "镇综治中心",
    "市场监管": "市场监管所",
    "综合执法": "综合行政执法队",
    "便民服务": "便民服务中心",
}
EVALUATIONS = ("满意", "满意", "基本满意", "不满意")


class DutyOfficer:
    """One round per call to ``act``: a few cases move one step each."""

    def __init__(
        self,
        api: httpx.Client,
        clients: KafkaClients,
        commands_topic: str,
        codec: AvroCodec,
        seed: int,
    ) -> None:
        self.api = api
        self.commands_topic = commands_topic
        self.codec = codec
        self.rng = random.Random(seed)
        self.producer = clients.producer("duty-officer", acks="all")
        self.actions = 0

    def act(self, per_status: int = 6) -> None:
        """Take new cases on and dispatch them (escalated ones too), report progress on some
        dispatched ones, resolve some, close some resolved ones."""
        for case in self._cases("new", per_status):
            self._send(case, "accept")
            self._send(case, "dispatch", department=DEPARTMENTS.get(case["platform"], "镇政府"))
        for case in self._cases("escalated", per_status // 2):
            self._send(case, "dispatch", department=DEPARTMENTS.get(case["platform"], "镇政府"))
        for case in self._cases("dispatched", per_status):
            roll = self.rng.random()
            if roll < 0.3:
                self._send(case, "progress", note="已联系当事人，正在现场核实")
            elif roll < 0.6:
                self._send(case, "resolve", note="已现场处置完毕")
        for case in self._cases("in_progress", per_status // 2):
            if self.rng.random() < 0.5:
                self._send(case, "resolve", note="已现场处置完毕")
        for case in self._cases("resolved", per_status):
            self._send(case, "close", evaluation=self.rng.choice(EVALUATIONS))
        self.producer.flush()

    def close(self) -> None:
        self.producer.close()

    def _cases(self, status: str, limit: int) -> list[dict[str, Any]]:
        try:
            answer = self.api.get("/v1/cases", params={"status": status, "limit": limit})
            items: list[dict[str, Any]] = answer.json().get("items", [])
        except (httpx.HTTPError, ValueError):
            return []
        return items

    def _send(self, case: dict[str, Any], action: str, **fields: str) -> None:
        command = CaseAction(
            command_id=uuid.uuid4().hex,
            case_id=case["case_id"],
            action=action,
            actor=f"{case.get('township_name') or ''}值班员",
            issued_at=datetime.now(UTC),
            department=fields.get("department"),
            note=fields.get("note"),
            evaluation=fields.get("evaluation"),
            county_code=case.get("county_code"),
        )
        record = self.codec.encode(COMMAND_SUBJECT, action_to_record(command))
        key = (case.get("county_code") or "unknown").encode()
        self.producer.send(self.commands_topic, record, key=key)
        self.actions += 1
