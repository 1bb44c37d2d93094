"""Decoding the correlation input log: reports, case actions and ticks share one topic.

Departments publish actions to the command topic; the worker forwards them into the event log
keyed by county, so that one partition's log holds, in one order, everything that happened to
its cases. That single order is what makes a rebuilt state equal to the state it replaces.
"""

from __future__ import annotations

from datetime import datetime

from fusionhub.core.casebook import CaseAction
from fusionhub.core.events import Event
from fusionhub.serialization import AvroCodec, DecodeError
from fusionhub.serialization.actions import action_from_record
from fusionhub.serialization.records import (
    COMMAND_SUBJECT,
    EVENT_SUBJECT,
    TICK_SUBJECT,
    event_from_record,
)

CaseInput = Event | CaseAction | datetime


def decode_input(codec: AvroCodec, data: bytes) -> CaseInput:
    """One record of the log as a core value: an Event, a CaseAction, or a tick's time.

    Raises ``DecodeError`` for anything else, which the caller dead-letters.
    """
    subject = codec.subject_of(data)
    if subject == EVENT_SUBJECT:
        return event_from_record(codec.decode(data, EVENT_SUBJECT))
    if subject == COMMAND_SUBJECT:
        return action_from_record(codec.decode(data, COMMAND_SUBJECT))
    if subject == TICK_SUBJECT:
        at: datetime = codec.decode(data, TICK_SUBJECT)["at"]
        return at
    raise DecodeError(f"{subject} records do not belong in the event log")
