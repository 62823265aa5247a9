"""FDL execution history: the events the original console shows, recorded by the interpreter.

The interpreter records FDL-style events in workflow memory as steps run (``StepEntered``
with the step's input, ``TaskScheduled``, ``TaskStarted``, ``TaskSucceeded`` /
``TaskFailed`` / ``TaskTimedOut``, ``StepFailed``, ``StepExited`` with its output) and answers
the ``fdl.history`` query with them, a page at a time. Recording adds no Temporal history
event: a ``pass`` or ``choice`` step still costs nothing on the server. A query on a closed
execution replays it on a worker, which rebuilds the same events deterministically.

Memory stays bounded: every event's detail is stored as compact JSON text (a snapshot, so
later changes of a step's local cannot alter it), cut to :data:`DETAIL_LIMIT` characters
(the original's one-event limit), and once an execution has recorded
:data:`EXECUTION_BUDGET` characters of details, further events keep their type and step but
not their detail.

Client side, :func:`execution_history` asks the query, adds the closing ``Execution*`` event
from Temporal, and falls back to what Temporal's own history shows
(:mod:`worker.history_derive`) when no worker answers in time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowHistoryEventFilterType,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from worker.api import ExecutionNotExists, workflow_id

HISTORY_QUERY = "fdl.history"
"""Query answered by every running or replayed execution: a :class:`HistoryPage`."""

DETAIL_LIMIT = 32 * 1024
"""Characters of one event's detail kept (the original limits one event's data to 32 KiB)."""

EXECUTION_BUDGET = 16 * 1024 * 1024
"""Characters of details one execution keeps in memory; later events keep no detail."""

PAGE_CHARACTERS = 1024 * 1024
"""A query answer stops adding events past this many characters of details."""

PAGE_EVENTS = 1000
"""At most this many events per query answer (the original's GetExecutionHistory limit)."""

PARENT_STEP_MEMO = "fdlParentStep"
"""Memo key of a child execution: the step path of the parent's task that started it."""

QUERY_TIMEOUT = 5.0
"""Seconds :func:`execution_history` waits for a worker to answer before deriving events."""


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
        """The event as the original API names its fields, with the detail parsed."""
        return {
            "EventId": self.id,
            "Type": self.type,
            "StepName": self.step,
            "Time": self.time,
            "ScheduleEventId": self.schedule_id,
            "EventDetail": json.loads(self.detail),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRequest:
    """Argument of the ``fdl.history`` query: events with an id above ``after``."""

    kind: Literal["history_request"] = "history_request"
    after: int = 0
    limit: int = PAGE_EVENTS


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


def compact(detail: dict[str, Any], limit: int = DETAIL_LIMIT) -> str:
    """``detail`` as compact JSON text, replaced by a truncation notice beyond ``limit``."""
    text = json.dumps(detail, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) <= limit:
        return text
    notice = {"truncated": True, "size": len(text), "preview": text[: limit // 2]}
    return json.dumps(notice, ensure_ascii=False, separators=(",", ":"))


class Recorder:
    """The FDL events of one execution, kept in workflow memory.

    Args:
        clock: the time of an event (``workflow.now`` in a workflow).
        budget: characters of details kept before details are dropped.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        budget: int = EXECUTION_BUDGET,
        first_id: int = 1,
    ) -> None:
        self._clock = clock
        self._offset = first_id - 1
        self._budget = budget
        self._used = 0
        self._omitted = False
        self.events: list[Event] = []
        self._scheduled: dict[str, int] = {}  # step path -> its latest TaskScheduled id

    @property
    def next_id(self) -> int:
        """The id the next recorded event gets (``$context.step.eventId`` of a step entering)."""
        return self._offset + len(self.events) + 1

    def record(
        self, type: str, step: str = "", detail: dict[str, Any] | None = None, schedule_id: int = 0
    ) -> int:
        """Add an event; returns its id."""
        text = compact(detail) if detail else "{}"
        if self._used + len(text) > self._budget:
            self._omitted = True
            text = '{"omitted":"detail budget of this execution exhausted"}'
        self._used += len(text)
        event = Event(
            id=self.next_id,
            type=type,
            step=step,
            time=timestamp(self._clock()),
            schedule_id=schedule_id,
            detail=text,
        )
        self.events.append(event)
        return event.id

    def page(self, request: HistoryRequest) -> HistoryPage:
        """The events after ``request.after``, at most ``request.limit`` or about a megabyte."""
        chosen: list[Event] = []
        size = 0
        limit = max(1, min(request.limit, PAGE_EVENTS))
        for event in self.events[max(0, request.after) :]:
            if len(chosen) >= limit or (chosen and size + len(event.detail) > PAGE_CHARACTERS):
                break
            chosen.append(event)
            size += len(event.detail)
        return HistoryPage(events=chosen, last_id=len(self.events), omitted_details=self._omitted)

    # The events of a step and of a task, in the order the original records them.

    def step_entered(self, path: str, step_input: dict[str, Any] | None) -> int:
        return self.record("StepEntered", path, {"input": step_input})

    def step_exited(self, path: str, entered: int, output: dict[str, Any]) -> None:
        self.record("StepExited", path, {"output": output}, entered)

    def step_failed(self, path: str, entered: int, error: str, cause: str) -> None:
        self.record("StepFailed", path, {"error": error, "cause": cause}, entered)
        self.record("StepExited", path, {}, entered)

    def task_scheduled(self, path: str, detail: dict[str, Any]) -> int:
        self._scheduled[path] = self.record("TaskScheduled", path, detail)
        return self._scheduled[path]

    def task_started(self, path: str, scheduled: int, detail: dict[str, Any]) -> None:
        self.record("TaskStarted", path, detail, scheduled)

    def task_submitted(self, path: str, detail: dict[str, Any]) -> None:
        """``TaskSubmitted``: a waiting task's work was handed over (a message sent)."""
        self.record("TaskSubmitted", path, detail, self._scheduled.get(path, 0))

    def task_succeeded(self, path: str, scheduled: int, output: dict[str, Any]) -> None:
        self.record("TaskSucceeded", path, {"output": output}, scheduled)

    def task_failed(
        self, path: str, scheduled: int, error: str, cause: str, timed_out: bool
    ) -> None:
        kind = "TaskTimedOut" if timed_out else "TaskFailed"
        self.record(kind, path, {"error": error, "cause": cause}, scheduled)


def install(recorder: Recorder) -> None:
    """Answer the ``fdl.history`` query of the current workflow from ``recorder``."""
    workflow.set_query_handler(HISTORY_QUERY, recorder.page)


def workflow_recorder(execution_input: dict[str, Any], first_id: int = 1) -> Recorder:
    """A recorder on workflow time, serving the query, with ``ExecutionStarted`` recorded.

    A run continued from an earlier one (``first_id`` > 1) numbers on from where that run
    stopped and records no second ``ExecutionStarted``; it holds only its own events.
    """
    recorder = Recorder(workflow.now, first_id=first_id)
    install(recorder)
    if first_id == 1:
        recorder.record("ExecutionStarted", "", {"input": execution_input})
    return recorder


# --- client side ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionHistory:
    """The FDL history of one execution, as :func:`execution_history` found it.

    Attributes:
        flow_name: the flow.
        execution_name: the execution.
        status: ``Running``, ``Succeeded``, ``Failed``, ``Stopped`` or ``TimedOut``.
        recorded: ``True`` when the interpreter answered with its recorded events; ``False``
            when no worker answered and the events were derived from Temporal's history
            (task, child and timer events only).
        omitted_details: some event details were dropped (the execution's detail budget).
        events: the events in order.
    """

    flow_name: str
    execution_name: str
    status: str
    recorded: bool
    omitted_details: bool = False
    events: list[Event]

    def to_json(self) -> dict[str, Any]:
        """A JSON object for scripts (``fdl execution history --json``)."""
        return {
            "FlowName": self.flow_name,
            "ExecutionName": self.execution_name,
            "Status": self.status,
            "Source": "interpreter" if self.recorded else "temporal-history",
            "OmittedDetails": self.omitted_details,
            "Events": [event.to_json() for event in self.events],
        }


async def execution_history(
    client: Client, flow_name: str, execution_name: str, *, query_timeout: float = QUERY_TIMEOUT
) -> ExecutionHistory:
    """The FDL-style history of an execution (the original's GetExecutionHistory).

    Args:
        client: a connected Temporal client.
        flow_name: the flow.
        execution_name: the execution.
        query_timeout: seconds to wait for a worker to answer the ``fdl.history`` query
            before falling back to the events Temporal's own history shows.

    Raises:
        ExecutionNotExists: no execution of that name exists for the flow.
    """
    from worker.client import STATUS_NAMES
    from worker.history_derive import closing_event, derive

    handle = client.get_workflow_handle(workflow_id(flow_name, execution_name))
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ExecutionNotExists(
                f"execution {execution_name!r} of flow {flow_name!r} does not exist"
            ) from None
        raise
    status = STATUS_NAMES.get(description.status or WorkflowExecutionStatus.RUNNING, "Running")
    converter = client.data_converter.payload_converter
    try:
        page = await _recorded_runs(client, handle.id, description.run_id, query_timeout)
    except (TimeoutError, RPCError, WorkflowQueryFailedError):
        history = await handle.fetch_history()
        events = derive(history.events, converter)
        return ExecutionHistory(
            flow_name=flow_name,
            execution_name=execution_name,
            status=status,
            recorded=False,
            events=events,
        )
    events = list(page.events)
    if description.status not in (None, WorkflowExecutionStatus.RUNNING):
        async for raw in handle.fetch_history_events(
            event_filter_type=WorkflowHistoryEventFilterType.CLOSE_EVENT
        ):
            closing = closing_event(raw, converter)
            if closing is not None:
                moment = raw.event_time.ToDatetime().replace(tzinfo=UTC)
                events.append(
                    Event(
                        id=events[-1].id + 1 if events else 1,
                        type=closing[0],
                        time=timestamp(moment),
                        detail=compact(closing[1]),
                    )
                )
    return ExecutionHistory(
        flow_name=flow_name,
        execution_name=execution_name,
        status=status,
        recorded=True,
        omitted_details=page.omitted_details,
        events=events,
    )


async def _recorded_runs(
    client: Client, workflow_id: str, latest_run: str, timeout: float
) -> HistoryPage:
    """The recorded events of every run of an execution that continued as new, oldest first."""
    runs = [latest_run]
    while previous := await _continued_from(client, workflow_id, runs[-1]):
        runs.append(previous)
    events: list[Event] = []
    omitted = False
    for run in reversed(runs):
        page = await _recorded(client.get_workflow_handle(workflow_id, run_id=run), timeout)
        events.extend(page.events)
        omitted = omitted or page.omitted_details
    return HistoryPage(events=events, last_id=len(events), omitted_details=omitted)


async def _continued_from(client: Client, workflow_id: str, run_id: str) -> str:
    """The run that ``run_id`` continued as new from, or ``""`` for the first run."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    async for event in handle.fetch_history_events():
        return str(event.workflow_execution_started_event_attributes.continued_execution_run_id)
    return ""


async def _recorded(handle: WorkflowHandle[Any, Any], timeout: float) -> HistoryPage:
    """All recorded events, page by page (one page is at most about a megabyte)."""
    events: list[Event] = []
    omitted = False
    while True:
        page: HistoryPage = await handle.query(
            HISTORY_QUERY,
            HistoryRequest(after=len(events)),
            result_type=HistoryPage,
            rpc_timeout=timedelta(seconds=timeout),
        )
        events.extend(page.events)
        omitted = omitted or page.omitted_details
        if not page.events or len(events) >= page.last_id:
            return HistoryPage(events=events, last_id=len(events), omitted_details=omitted)
