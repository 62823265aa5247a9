"""FDL execution history events: what the interpreter records and the ``fdl.history`` query.

An event is what the original console's step panel shows: ``StepEntered`` with the step's
input, ``TaskScheduled``, ``TaskStarted``, ``TaskSucceeded`` / ``TaskFailed`` /
``TaskTimedOut``, ``StepFailed``, ``StepExited`` with its output, and the ``Execution*``
events. The interpreter records them (:mod:`worker.workflow.recorder`); clients read them
through the query (:mod:`worker.service.history`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from translator import rules

HISTORY_QUERY = "fdl.history"
"""Query answered by every running or replayed execution: a :class:`HistoryPage`."""

PAGE_CHARACTERS = 1024 * 1024
"""A query answer stops adding events past this many characters of details."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One FDL history event.

    Attributes:
        id: 1, 2, ... in the order the interpreter recorded them.
        type: the original's event type, e.g. ``StepEntered`` or ``TaskSucceeded``.
        step: the step path (``fanOut[2]/notify``); empty for execution events.
        time: workflow time, RFC 3339 UTC with milliseconds.
        schedule_id: the event this one answers: the ``TaskScheduled`` of a task event,
            the ``StepEntered`` of a ``StepFailed``/``StepExited``; 0 otherwise.
        detail: the event detail as JSON text (an object), e.g. ``{"input": {...}}``.
    """

    kind: Literal["fdl_event"] = "fdl_event"
    id: int
    type: str
    step: str = ""
    time: str
    schedule_id: int = 0
    detail: str = "{}"

    def to_json(self) -> dict[str, Any]:
        """The wire form: the original API's fields and types (``EventDetail`` is JSON text)."""
        return {
            "EventId": self.id,
            "Type": self.type,
            "StepName": self.step,
            "Time": self.time,
            "ScheduleEventId": self.schedule_id,
            "EventDetail": self.detail,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRequest:
    """Argument of the ``fdl.history`` query: events with an id above ``after``."""

    kind: Literal["history_request"] = "history_request"
    after: int = 0
    limit: int = rules.HISTORY_PAGE_EVENTS


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryPage:
    """Answer of the ``fdl.history`` query.

    Attributes:
        events: the events after the requested id, in order.
        last_id: how many events the run has recorded so far (the newest one's position).
        omitted_details: whether the execution ran out of detail budget at some point.
    """

    kind: Literal["history_page"] = "history_page"
    events: list[Event] = field(default_factory=list)
    last_id: int = 0
    omitted_details: bool = False


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, as the original API writes times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def compact(detail: dict[str, Any], limit: int = rules.EVENT_DETAIL_LIMIT) -> str:
    """``detail`` as compact JSON text, replaced by a truncation notice beyond ``limit``."""
    text = json.dumps(detail, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) <= limit:
        return text
    return truncated(len(text), text[: limit // 2])


def truncated(size: int, preview: str) -> str:
    """The notice that stands for a detail of ``size`` bytes over the one-event limit: its size
    and the start of its text (``preview``, at most half the limit)."""
    notice = {"truncated": True, "size": size, "preview": preview}
    return json.dumps(notice, ensure_ascii=False, separators=(",", ":"))


STEP_TRAIL_MEMO = "fdlStepTrail"
"""Memo key of a run's *step trail*: the steps that leave no Temporal event (``pass``,
``choice``, ``succeed``, ``fail``), written once when the run ends, so a history read without
a worker still knows they ran and which option each choice took."""

TRAIL_CHARACTERS = 8 * 1024
"""Characters of step paths one run's trail holds (Temporal limits a workflow's whole memo);
the steps past it are only counted."""

TRAIL_RAN = "ran"
TRAIL_FAILED = "failed"
TRAIL_OPTION = "option "
"""A trail entry is ``[path, what]``: ``ran``, ``failed`` (a ``fail`` step), or ``option K``
(a choice took option ``K``: ``0``, ``1``, ..., ``default``, or ``none`` when no option held
and there is no default)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepTrail:
    """One run's step trail, as its memo holds it (:data:`STEP_TRAIL_MEMO`).

    Attributes:
        steps: ``[path, what]`` in the order the steps ended.
        omitted: steps that ended after the trail was full.
    """

    steps: list[list[str]] = field(default_factory=list)
    omitted: int = 0

    @staticmethod
    def from_memo(value: Any) -> StepTrail:
        """The trail a memo value holds (anything malformed reads as an empty trail)."""
        if not isinstance(value, dict):
            return StepTrail()
        steps = [
            [str(entry[0]), str(entry[1])]
            for entry in value.get("steps", ())
            if isinstance(entry, list) and len(entry) == 2
        ]
        omitted = value.get("omitted", 0)
        return StepTrail(steps=steps, omitted=omitted if isinstance(omitted, int) else 0)

    def to_memo(self) -> dict[str, Any]:
        """The memo value."""
        return {"steps": self.steps, "omitted": self.omitted}
