"""The run state of a flow graph: what happened to each step of one execution.

The types :func:`worker.console.fold.fold` fills from an execution's FDL events: a *visit* is
one entry into a step at one concrete path (a step in a ``goto`` loop has a visit per round,
a step of a foreach body one per iteration); a node's state sums up its visits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

State = Literal[
    "not_reached",
    "running",
    "waiting",
    "succeeded",
    "retried",
    "failed",
    "caught",
    "cancelled",
    "skipped",
]

STATE_LABELS: dict[str, str] = {
    "not_reached": "not reached",
    "running": "running",
    "waiting": "waiting for a callback",
    "succeeded": "succeeded",
    "retried": "succeeded after retries",
    "failed": "failed",
    "caught": "failed, caught",
    "cancelled": "cancelled",
    "skipped": "skipped by a choice",
}
"""Each state in words (legends, tooltips, the terminal tree)."""


class FdlEvent(Protocol):
    """One FDL history event, as :class:`worker.contract.history.Event` has it."""

    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def step(self) -> str: ...
    @property
    def time(self) -> str: ...
    @property
    def schedule_id(self) -> int: ...
    @property
    def detail(self) -> str: ...


@dataclass(slots=True, kw_only=True)
class Attempt:
    """One attempt of a task: a ``TaskScheduled`` and what answered it."""

    number: int
    scheduled: str
    detail: str = "{}"
    ended: str | None = None
    outcome: Literal["running", "succeeded", "failed", "timed_out"] = "running"
    result: str = "{}"
    started: str = "{}"
    submitted: str = "{}"

    @property
    def error(self) -> dict[str, Any]:
        """``{"error", "cause"}`` of a failed attempt, else ``{}``."""
        return parse_detail(self.result) if self.outcome in ("failed", "timed_out") else {}


@dataclass(slots=True, kw_only=True)
class Visit:
    """One entry into a step at one concrete path."""

    path: str
    iterations: tuple[int, ...]
    first_event: int
    last_event: int = 0
    explicit: bool = False
    entered: str = ""
    exited: str | None = None
    entered_detail: str = "{}"
    exited_detail: str = "{}"
    failure: str = ""
    option: str | None = None
    timer: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    state: State = "running"

    @property
    def input(self) -> Any:
        """The step's input (``StepEntered``; a task's mapped input when only that is known)."""
        detail = parse_detail(self.entered_detail)
        if "input" not in detail and self.attempts:
            detail = parse_detail(self.attempts[0].detail)
        return detail.get("input")

    @property
    def output(self) -> Any:
        """The step's output (``StepExited``; the task's result when only that is known)."""
        return parse_detail(self.exited_detail).get("output")

    @property
    def error(self) -> dict[str, Any]:
        """``{"error", "cause"}`` of a failed step, or of its last failed attempt."""
        if self.failure:
            return parse_detail(self.failure)
        return self.attempts[-1].error if self.attempts else {}

    @property
    def retries(self) -> int:
        """How often the task was retried in this visit."""
        return max(0, len(self.attempts) - 1)

    @property
    def parent_prefix(self) -> str:
        """The path prefix of the list this visit's step is in (``fan[2]/``)."""
        return self.path.rpartition("/")[0] + "/" if "/" in self.path else ""


@dataclass(slots=True, kw_only=True)
class NodeRun:
    """What happened to one node: its state and every visit, oldest first."""

    state: State = "not_reached"
    visits: list[Visit] = field(default_factory=list)
    inferred: bool = False


@dataclass(slots=True, kw_only=True)
class RunState:
    """The run state of a whole graph.

    Attributes:
        status: the execution status (``Running``, ``Succeeded``, ``Failed``, ...).
        nodes: per node id.
        options: per choice option id: ``taken`` or ``skipped`` (absent: not known).
        ended: the time of the closing ``Execution*`` event.
        closing: that event's detail (output, or error and cause).
        unknown_paths: recorded step paths the graph has no node for.
    """

    status: str
    nodes: dict[str, NodeRun]
    options: dict[str, str] = field(default_factory=dict)
    started: str = ""
    ended: str = ""
    closing: str = "{}"
    unknown_paths: list[str] = field(default_factory=list)

    def by_parent(self) -> dict[str, list[Visit]]:
        """Every visit by the prefix of the list it ran in, in event order."""
        lists: dict[str, list[Visit]] = {}
        for visit in sorted(
            (v for run in self.nodes.values() for v in run.visits), key=lambda v: v.first_event
        ):
            lists.setdefault(visit.parent_prefix, []).append(visit)
        return lists


def parse_detail(text: str) -> dict[str, Any]:
    """An event detail as a dict (``{}`` for anything else)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedEvent:
    """An FDL event read back from the JSON of ``fdl execution history --json``."""

    id: int
    type: str
    step: str
    time: str
    schedule_id: int
    detail: str


def events_from_json(document: dict[str, Any]) -> list[SavedEvent]:
    """The events of a saved history (``{"Events": [{"EventId", "Type", ...}]}``), in order."""
    return [
        SavedEvent(
            id=int(event["EventId"]),
            type=str(event["Type"]),
            step=str(event.get("StepName", "")),
            time=str(event["Time"]),
            schedule_id=int(event.get("ScheduleEventId", 0)),
            detail=json.dumps(
                event.get("EventDetail", {}), ensure_ascii=False, separators=(",", ":")
            ),
        )
        for event in document.get("Events", [])
    ]
