"""An execution's FDL history, as the original's GetExecutionHistory returns it.

:func:`execution_history` asks the execution's ``fdl.history`` query (the interpreter's own
record of every step), adds the closing ``Execution*`` event from Temporal, and falls back to
what Temporal's own history shows (:mod:`worker.service.derive`) when no worker answers in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowHistoryEventFilterType,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError

from worker.contract.history import (
    HISTORY_QUERY,
    Event,
    HistoryPage,
    HistoryRequest,
    StepTrail,
    compact,
    timestamp,
)
from worker.contract.outcome import Outcome
from worker.contract.run import workflow_id
from worker.service import outcome
from worker.service.derive import derive_runs, runs_trail
from worker.service.executions import describe

QUERY_TIMEOUT = 5.0
"""Seconds :func:`execution_history` waits for a worker to answer before deriving events."""


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
        trail: when derived, the steps without Temporal events (``pass``, ``choice``,
            ``succeed``, ``fail``) that the latest run wrote into its memo as it ended.
    """

    flow_name: str
    execution_name: str
    status: str
    recorded: bool
    omitted_details: bool = False
    events: list[Event]
    trail: StepTrail = field(default_factory=StepTrail)

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
    client: Client,
    flow_name: str,
    execution_name: str,
    *,
    query_timeout: float = QUERY_TIMEOUT,
    ask_worker: bool = True,
) -> ExecutionHistory:
    """The FDL-style history of an execution (the original's GetExecutionHistory).

    Args:
        client: a connected Temporal client.
        flow_name: the flow.
        execution_name: the execution.
        query_timeout: seconds to wait for a worker to answer the ``fdl.history`` query
            before falling back to the events Temporal's own history shows.
        ask_worker: ``False`` derives the events from Temporal's history without asking:
            as fast as fetching the history, however long it is (a worker answers the query
            of a finished execution by replaying it).

    Raises:
        ExecutionNotExists: no execution of that name exists for the flow.
    """
    handle = client.get_workflow_handle(workflow_id(flow_name, execution_name))
    description = await describe(handle, flow_name, execution_name)
    run = client.get_workflow_handle(handle.id, run_id=description.run_id)
    ended = await outcome.of_run(client, run)
    try:
        if not ask_worker:
            raise TimeoutError
        page = await _recorded_runs(client, handle.id, description.run_id, query_timeout)
    except (TimeoutError, RPCError, WorkflowQueryFailedError):
        runs = await _run_histories(client, handle.id, description.run_id)
        converter = client.data_converter.payload_converter
        page = HistoryPage(events=derive_runs(runs, converter))
        trail = runs_trail(runs, converter)
        recorded = False
    else:
        recorded, trail = True, StepTrail()
    events = list(page.events)
    closing = await _closing_event(client, run, ended, events[-1].id + 1 if events else 1)
    if closing is not None:
        events.append(closing)
    return ExecutionHistory(
        flow_name=flow_name,
        execution_name=execution_name,
        status=ended.status,
        recorded=recorded,
        omitted_details=page.omitted_details,
        events=events,
        trail=trail,
    )


CLOSING_TYPES = {
    "Succeeded": "ExecutionSucceeded",
    "Failed": "ExecutionFailed",
    "TimedOut": "ExecutionTimedOut",
    "Stopped": "ExecutionStopped",
}
"""The original's closing history event of each ended status."""


async def _closing_event(
    client: Client, run: WorkflowHandle[Any, Any], ended: Outcome, next_id: int
) -> Event | None:
    """The ``Execution*`` event of an ended run, with the outcome every other view reports."""
    if not ended.ended:
        return None
    detail: dict[str, Any] = {"error": ended.error, "cause": ended.cause}
    if ended.status == "Succeeded":
        detail = {"output": ended.output}
    moment = datetime.now(UTC)
    close = WorkflowHistoryEventFilterType.CLOSE_EVENT
    async for raw in run.fetch_history_events(event_filter_type=close):
        moment = raw.event_time.ToDatetime().replace(tzinfo=UTC)
    return Event(
        id=next_id,
        type=CLOSING_TYPES[ended.status],
        time=timestamp(moment),
        detail=compact(detail),
    )


async def _run_histories(
    client: Client, workflow_id: str, latest_run: str
) -> list[list[HistoryEvent]]:
    """The Temporal histories of every run of an execution, oldest first (each run's first
    event names the run it continued from)."""
    histories: list[list[HistoryEvent]] = []
    run = latest_run
    while run:
        history = await client.get_workflow_handle(workflow_id, run_id=run).fetch_history()
        events = list(history.events)
        histories.append(events)
        started = events[0].workflow_execution_started_event_attributes if events else None
        run = started.continued_execution_run_id if started else ""
    histories.reverse()
    return histories


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
    async for event in handle.fetch_history_events(page_size=1):
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
