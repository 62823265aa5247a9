"""How an execution ended, read from Temporal: its status and its close event, in FDL's words.

Describe, list, history, ``fdl run`` and the Python client all learn an execution's outcome
here; the mapping itself is :mod:`worker.contract.outcome`, which a ``sync`` subflow's parent
uses inside the workflow too.
"""

from __future__ import annotations

from typing import Any

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowHistoryEventFilterType,
)
from temporalio.converter import DataConverter
from temporalio.exceptions import CancelledError

from worker.contract import outcome
from worker.contract.outcome import Outcome, Status, StopDetails

STATUS_NAMES: dict[WorkflowExecutionStatus, Status] = {
    WorkflowExecutionStatus.RUNNING: "Running",
    WorkflowExecutionStatus.COMPLETED: "Succeeded",
    WorkflowExecutionStatus.FAILED: "Failed",
    WorkflowExecutionStatus.CANCELED: "Stopped",
    WorkflowExecutionStatus.TERMINATED: "Stopped",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "Running",
    WorkflowExecutionStatus.TIMED_OUT: "TimedOut",
}
"""Temporal workflow statuses in the original service's words."""

STATUS_QUERIES: dict[Status, str] = {
    "Running": "ExecutionStatus = 'Running'",
    "Succeeded": "ExecutionStatus = 'Completed'",
    "Failed": "ExecutionStatus = 'Failed'",
    "TimedOut": "ExecutionStatus = 'TimedOut'",
    "Stopped": "(ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled')",
}
"""Visibility filters of the original status names (``ListExecutions`` ``Status``)."""

_STATUS_ALIASES: dict[str, Status] = {"aborted": "Stopped"}


def status_of(status: WorkflowExecutionStatus | None) -> Status:
    """The FDL status of a Temporal workflow status (none yet: ``Running``)."""
    return STATUS_NAMES.get(status, "Running") if status else "Running"


def status_name(text: str) -> Status:
    """A status as users type it (any case; ``Aborted`` is ``Stopped``).

    Raises:
        ValueError: not a status name.
    """
    names: dict[str, Status] = {name.lower(): name for name in STATUS_QUERIES}
    try:
        return names.get(text.lower()) or _STATUS_ALIASES[text.lower()]
    except KeyError:
        raise ValueError(
            f"unknown status {text!r}: use one of {', '.join(STATUS_QUERIES)}"
        ) from None


async def of_close_event(event: HistoryEvent, converter: DataConverter) -> Outcome | None:
    """The outcome a workflow's close event records, or ``None`` for another event."""
    if event.HasField("workflow_execution_completed_event_attributes"):
        payloads = event.workflow_execution_completed_event_attributes.result.payloads
        [output] = await converter.decode(payloads) if payloads else [{}]
        return outcome.succeeded(output)
    if event.HasField("workflow_execution_failed_event_attributes"):
        failure = event.workflow_execution_failed_event_attributes.failure
        return outcome.from_failure(await converter.decode_failure(failure))
    if event.HasField("workflow_execution_terminated_event_attributes"):
        terminated = event.workflow_execution_terminated_event_attributes
        details = await _stop_details(converter, terminated.details.payloads)
        return outcome.from_stop(details, terminated.reason, terminated.identity)
    if event.HasField("workflow_execution_timed_out_event_attributes"):
        return outcome.timed_out()
    if event.HasField("workflow_execution_canceled_event_attributes"):
        return outcome.from_failure(CancelledError(outcome.CANCELLED_CAUSE))
    return None


async def of_run(client: Client, run: WorkflowHandle[Any, Any]) -> Outcome:
    """The outcome of one run (``run`` names its run id): its close event, or ``Running``."""
    close = WorkflowHistoryEventFilterType.CLOSE_EVENT
    async for event in run.fetch_history_events(event_filter_type=close):
        found = await of_close_event(event, client.data_converter)
        if found is not None:
            return found
    return Outcome(status="Running")


async def _stop_details(converter: DataConverter, payloads: Any) -> StopDetails | None:
    if not payloads:
        return None
    try:
        [details] = await converter.decode(payloads, [StopDetails])
    except Exception:  # terminated by other tools with other details
        return None
    return details if isinstance(details, StopDetails) else None
