"""Executions as the original API sees them: start, describe (long-poll), list, stop.

An execution is the interpreter workflow ``<flow>:<execution>``. What the original API
reports about it is read from Temporal: status and times from ``describe``, the input from
the run's first event, the output or error from its close event, the version from the memo.
Stopping terminates the workflow (see :func:`stop_execution` for why).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowHistoryEventFilterType,
)
from temporalio.service import RPCError, RPCStatusCode

from translator import ir
from worker import registry
from worker.api import (
    DEFAULT_TASK_QUEUE,
    FLOW_NAME_KEY,
    VERSION_MEMO,
    ExecutionAlreadyCompleted,
    ExecutionNotExists,
    FlowRun,
    check_name,
    workflow_id,
)
from worker.runs import STATUS_NAMES, failure_of, start_flow

STOPPED = "FnF.ExecutionStopped"
"""Error of an execution stopped without an error name (the engine's name for it)."""

STATUS_QUERIES = {
    "Running": "ExecutionStatus = 'Running'",
    "Succeeded": "ExecutionStatus = 'Completed'",
    "Failed": "ExecutionStatus = 'Failed'",
    "TimedOut": "ExecutionStatus = 'TimedOut'",
    "Stopped": "(ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled')",
}
"""Visibility filters of the original status names (``ListExecutions`` ``Status``)."""

STATUS_ALIASES = {"aborted": "Stopped"}


@dataclass(frozen=True, slots=True, kw_only=True)
class StopDetails:
    """Details of the terminate request that stops an execution: its FDL error and cause."""

    kind: Literal["stop"] = "stop"
    error: str = ""
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionInfo:
    """An execution as ``DescribeExecution`` reports it.

    Attributes:
        flow_name: the flow.
        name: the execution name.
        status: ``Running``, ``Succeeded``, ``Failed``, ``TimedOut`` or ``Stopped``.
        started: start time (RFC 3339 UTC).
        stopped: end time, or ``None`` while running.
        version: the content hash of the definition it runs.
        input: the execution input (``None`` in listings).
        output: the output of a succeeded execution.
        error: the FDL error name of a failed, timed-out or stopped execution.
        cause: its cause.
    """

    flow_name: str
    name: str
    status: str
    started: str
    stopped: str | None = None
    version: str = ""
    input: dict[str, Any] | None = None
    output: dict[str, Any] | None = None
    error: str = ""
    cause: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON form (fields that do not apply are left out)."""
        data = {
            "flowName": self.flow_name,
            "name": self.name,
            "status": self.status,
            "startedTime": self.started,
            "stoppedTime": self.stopped,
            "version": self.version,
            "input": self.input,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
        }
        return {key: value for key, value in data.items() if value not in (None, "")}


def status_name(text: str) -> str:
    """The original status name of ``text`` (any case; ``Aborted`` means ``Stopped``).

    Raises:
        ValueError: not a status name.
    """
    by_lower = {name.lower(): name for name in STATUS_QUERIES} | STATUS_ALIASES
    try:
        return by_lower[text.lower()]
    except KeyError:
        raise ValueError(
            f"unknown status {text!r}: use one of {', '.join(STATUS_QUERIES)}"
        ) from None


async def start_execution(
    client: Client,
    flow_name: str,
    *,
    execution_name: str | None = None,
    input: dict[str, Any] | None = None,
    task_queue: str = DEFAULT_TASK_QUEUE,
) -> ExecutionInfo:
    """Start the flow's current version (``StartExecution``).

    The execution carries that version's definition, so updating the flow later does not
    change it. A running execution of the same name is returned as it is.

    Raises:
        FlowNotExists: no flow of this name is registered.
        ExecutionAlreadyExists: an execution of this name has finished.
    """
    flow = await registry.get_flow(client, flow_name)
    started = await start_flow(
        client,
        flow_name=flow_name,
        definition=ir.Flow.from_json(flow.definition),
        input=input or {},
        execution_name=execution_name,
        task_queue=task_queue,
        version=flow.version,
    )
    return await describe_execution(client, flow_name, started.execution_name)


async def describe_execution(
    client: Client, flow_name: str, execution_name: str, *, wait_seconds: float | None = 0
) -> ExecutionInfo:
    """An execution's status, times, input, output or error (``DescribeExecution``).

    Args:
        wait_seconds: while the execution runs, wait up to this long for it to end (a long
            poll); ``None`` waits until it ends.

    Raises:
        ExecutionNotExists: no such execution.
    """
    handle = _handle(client, flow_name, execution_name)
    description = await _describe(handle, flow_name, execution_name)
    if description.status == WorkflowExecutionStatus.RUNNING and wait_seconds != 0:
        with contextlib.suppress(TimeoutError, WorkflowFailureError):
            await asyncio.wait_for(handle.result(), wait_seconds)
        description = await _describe(handle, flow_name, execution_name)
    return await _info(client, description, flow_name, execution_name)


async def list_executions(
    client: Client, flow_name: str, *, status: str | None = None, limit: int = 60
) -> list[ExecutionInfo]:
    """The flow's executions, newest first, optionally of one status (``ListExecutions``).

    Executions of flows that were deleted, or run with ``fdl run``, are listed too.
    """
    check_name("flow", flow_name)
    query = f"{FLOW_NAME_KEY.name} = '{flow_name}' AND ExecutionStatus != 'ContinuedAsNew'"
    if status:
        query += f" AND {STATUS_QUERIES[status_name(status)]}"
    found = []
    async for execution in client.list_workflows(query, limit=limit):
        found.append(
            ExecutionInfo(
                flow_name=flow_name,
                name=execution.id.removeprefix(f"{flow_name}:"),
                status=_status(execution.status),
                started=_time(execution.start_time) or "",
                stopped=_time(execution.close_time),
                version=str(await execution.memo_value(VERSION_MEMO, "")),
            )
        )
    return found


async def stop_execution(
    client: Client, flow_name: str, execution_name: str, *, error: str = "", cause: str = ""
) -> ExecutionInfo:
    """Stop a running execution (``StopExecution``); it ends ``Stopped`` with ``error``/``cause``.

    The workflow is terminated rather than cancelled: FDL has no step that reacts to a stop
    (no ``catch`` sees it), so there is nothing for workflow code to do, and terminating
    works at once even while no worker runs. The error and cause travel in the terminate
    request's details (:class:`StopDetails`) and its reason (``error: cause``).

    Raises:
        ExecutionNotExists: no such execution.
        ExecutionAlreadyCompleted: it has already ended.
        ValueError: ``error`` longer than 128 or ``cause`` longer than 4096 characters.
    """
    if len(error) > 128 or len(cause) > 4096:
        raise ValueError("the error is at most 128 characters, the cause at most 4096")
    handle = _handle(client, flow_name, execution_name)
    description = await _describe(handle, flow_name, execution_name)
    if description.status != WorkflowExecutionStatus.RUNNING:
        raise _completed(flow_name, execution_name)
    reason = ": ".join(part for part in (error or STOPPED, cause) if part)
    try:
        await handle.terminate(StopDetails(error=error, cause=cause), reason=reason)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:  # it ended meanwhile
            raise _completed(flow_name, execution_name) from None
        raise
    return await describe_execution(client, flow_name, execution_name)


def _handle(client: Client, flow_name: str, execution_name: str) -> WorkflowHandle[Any, Any]:
    # Execution names are not checked here: generated ones are UUIDs, which may start with
    # a digit (the original service's rule is for names people choose).
    check_name("flow", flow_name)
    return client.get_workflow_handle(workflow_id(flow_name, execution_name))


async def _describe(
    handle: WorkflowHandle[Any, Any], flow_name: str, execution_name: str
) -> WorkflowExecutionDescription:
    try:
        return await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ExecutionNotExists(
                f"execution {execution_name!r} of flow {flow_name!r} does not exist"
            ) from None
        raise


def _completed(flow_name: str, execution_name: str) -> ExecutionAlreadyCompleted:
    return ExecutionAlreadyCompleted(
        f"execution {execution_name!r} of flow {flow_name!r} has already ended"
    )


async def _info(
    client: Client, description: WorkflowExecutionDescription, flow_name: str, name: str
) -> ExecutionInfo:
    run = client.get_workflow_handle(description.id, run_id=description.run_id)
    status = _status(description.status)
    info: dict[str, Any] = {
        "flow_name": flow_name,
        "name": name,
        "status": status,
        "started": _time(description.start_time) or "",
        "stopped": _time(description.close_time),
        "version": str(await description.memo_value(VERSION_MEMO, "")),
        "input": await _input(client, run),
    }
    if description.status != WorkflowExecutionStatus.RUNNING:
        info |= await _outcome(client, run)
    return ExecutionInfo(**info)


async def _input(client: Client, run: WorkflowHandle[Any, Any]) -> dict[str, Any] | None:
    async for event in run.fetch_history_events(page_size=1):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        try:
            [flow_run] = await client.data_converter.decode(payloads, [FlowRun])
        except Exception:  # not started by fdl: no FDL input to show
            return None
        return flow_run.input if isinstance(flow_run, FlowRun) else None
    return None


async def _outcome(client: Client, run: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    """Output, or error and cause, from the run's close event."""
    close = WorkflowHistoryEventFilterType.CLOSE_EVENT
    async for event in run.fetch_history_events(event_filter_type=close):
        return await _outcome_of(client, event)
    return {}


async def _outcome_of(client: Client, event: HistoryEvent) -> dict[str, Any]:
    converter = client.data_converter
    if event.HasField("workflow_execution_completed_event_attributes"):
        payloads = event.workflow_execution_completed_event_attributes.result.payloads
        [output] = await converter.decode(payloads) if payloads else [{}]
        return {"output": output if isinstance(output, dict) else {}}
    if event.HasField("workflow_execution_failed_event_attributes"):
        failure = event.workflow_execution_failed_event_attributes.failure
        failed = failure_of(await converter.decode_failure(failure))
        return {"error": failed.error, "cause": failed.cause}
    if event.HasField("workflow_execution_terminated_event_attributes"):
        terminated = event.workflow_execution_terminated_event_attributes
        stop = await _stop_details(client, terminated.details.payloads)
        return {"error": stop.error or STOPPED, "cause": stop.cause or terminated.reason}
    if event.HasField("workflow_execution_timed_out_event_attributes"):
        return {"error": "FnF.Timeout", "cause": "the execution exceeded its timeoutSeconds"}
    return {"error": STOPPED, "cause": "the execution was cancelled"}


async def _stop_details(client: Client, payloads: Any) -> StopDetails:
    if not payloads:
        return StopDetails()
    try:
        [details] = await client.data_converter.decode(payloads, [StopDetails])
    except Exception:  # terminated by other tools with other details
        return StopDetails()
    return details if isinstance(details, StopDetails) else StopDetails()


def _status(status: WorkflowExecutionStatus | None) -> str:
    return STATUS_NAMES.get(status, "Running") if status else "Running"


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
