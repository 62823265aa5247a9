"""Executions as the original API sees them: start, describe (long-poll), list, stop.

An execution is the interpreter workflow ``<flow>:<execution>``. What the original API
reports about it is read from Temporal: status and times from ``describe``, the input from
the run's first event, the output or error from its close event, the version from the memo.
Stopping terminates the workflow (see :func:`stop_execution` for why).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.service import RPCError, RPCStatusCode

from translator import ir, rules
from translator.rules import check_name
from worker.contract.outcome import Outcome, StopDetails
from worker.contract.run import (
    DEFAULT_TASK_QUEUE,
    FLOW_NAME_KEY,
    VERSION_MEMO,
    FlowRun,
    workflow_id,
)
from worker.service import flows, outcome
from worker.service.errors import (
    ExecutionAlreadyCompleted,
    ExecutionNotExists,
    FlowNotExists,
    InvalidArgument,
)
from worker.service.runs import start_flow
from worker.service.versions import FLOW_VERSION_MEMO, QUALIFIER_MEMO, resolve_qualifier


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
        definition: the FDL text of the version it runs (``describe`` only; empty when the
            registry no longer holds that version).
        qualifier: the version number or alias it was started with ("" for the current).
        flow_version: the published version it runs ("" when started unqualified).
        trace: the handler's own frames, when a handler's exception failed it.
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
    definition: str = ""
    qualifier: str = ""
    flow_version: str = ""
    trace: str = ""

    def to_json(self) -> dict[str, Any]:
        """The wire form, with the original API's field names and types (``Input`` and
        ``Output`` are JSON text); ``Error`` and ``Cause`` are the names StopExecution and the
        history use, ``Version`` is the content hash of the definition it runs, ``Qualifier``
        and ``FlowVersion`` what it was started with, ``StackTrace`` the handler's own frames
        when a handler's exception failed it (fdl's own). Fields that do not apply are left
        out."""
        data = {
            "Name": self.name,
            "FlowName": self.flow_name,
            "FlowDefinition": self.definition,
            "Input": _json_text(self.input),
            "Output": _json_text(self.output),
            "Status": self.status,
            "StartedTime": self.started,
            "StoppedTime": self.stopped,
            "Error": self.error,
            "Cause": self.cause,
            "StackTrace": self.trace,
            "Version": self.version,
            "Qualifier": self.qualifier,
            "FlowVersion": self.flow_version,
        }
        return {key: value for key, value in data.items() if value not in (None, "")}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionPage:
    """One page of a flow's executions (``ListExecutions``).

    Attributes:
        executions: the executions, newest first.
        next_token: opaque text that asks for the next page; empty on the last page.
    """

    executions: list[ExecutionInfo] = field(default_factory=list)
    next_token: str = ""


def _json_text(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


async def start_execution(
    client: Client,
    flow_name: str,
    *,
    execution_name: str | None = None,
    input: dict[str, Any] | None = None,
    task_queue: str | None = None,
    qualifier: str = "",
) -> ExecutionInfo:
    """Start the flow's current version, or the one ``qualifier`` names (``StartExecution``).

    The execution carries that version's definition, so updating the flow later does not
    change it. A running execution of the same name is returned as it is. A qualifier is a
    published version number or an alias (its weighted choice is made once, here, and kept
    in the execution's memo with the qualifier). It runs on ``task_queue`` when one is named,
    else on the queue the flow was registered with (the workers of its project), else on
    ``fdl``.

    Raises:
        FlowNotExists: no flow of this name is registered (or no such version or alias).
        ExecutionAlreadyExists: an execution of this name has finished.
    """
    qualified = await resolve_qualifier(client, flow_name, qualifier)
    flow = qualified.flow
    started = await start_flow(
        client,
        flow_name=flow_name,
        definition=ir.Flow.from_json(flow.definition),
        input=input or {},
        execution_name=execution_name,
        task_queue=task_queue or flow.task_queue or DEFAULT_TASK_QUEUE,
        version=flow.version,
        memo=qualified.memo,
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
    description = await describe(handle, flow_name, execution_name)
    if description.status == WorkflowExecutionStatus.RUNNING and wait_seconds != 0:
        with contextlib.suppress(TimeoutError, WorkflowFailureError):
            await asyncio.wait_for(handle.result(), wait_seconds)
        description = await describe(handle, flow_name, execution_name)
    info = await _info(client, description, flow_name, execution_name)
    return replace(info, definition=await _source(client, flow_name, info.version))


async def list_executions(
    client: Client, flow_name: str, *, status: str | None = None, limit: int = 60
) -> list[ExecutionInfo]:
    """The flow's executions, newest first, optionally of one status (``ListExecutions``).

    Executions of flows that were deleted, or run with ``fdl run``, are listed too.
    """
    check_name("flow", flow_name)
    query = f"{FLOW_NAME_KEY.name} = '{flow_name}' AND ExecutionStatus != 'ContinuedAsNew'"
    if status:
        query += f" AND {outcome.STATUS_QUERIES[outcome.status_name(status)]}"
    listed = [execution async for execution in client.list_workflows(query, limit=limit)]
    return list(await asyncio.gather(*(_listed(client, flow_name, wf) for wf in listed)))


async def _listed(client: Client, flow_name: str, execution: WorkflowExecution) -> ExecutionInfo:
    """A listed execution; an ended one with its error and cause (read from its close event)."""
    ended = Outcome(status=outcome.status_of(execution.status))
    if ended.ended:
        run = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        ended = await outcome.of_run(client, run)
    memo = await _memo(execution)
    return ExecutionInfo(
        flow_name=flow_name,
        name=execution.id.removeprefix(f"{flow_name}:"),
        status=ended.status,
        started=_time(execution.start_time) or "",
        stopped=_time(execution.close_time),
        version=memo["version"],
        qualifier=memo["qualifier"],
        flow_version=memo["flow_version"],
        error=ended.error,
        cause=ended.cause,
    )


async def _memo(execution: WorkflowExecution) -> dict[str, str]:
    """The version, qualifier and published version an execution's memo records."""
    return {
        "version": str(await execution.memo_value(VERSION_MEMO, "")),
        "qualifier": str(await execution.memo_value(QUALIFIER_MEMO, "")),
        "flow_version": str(await execution.memo_value(FLOW_VERSION_MEMO, "")),
    }


NAME_PREFIX = re.compile(r"[A-Za-z0-9_-]{0,128}")


async def list_executions_page(
    client: Client,
    flow_name: str,
    *,
    status: str | None = None,
    limit: int = 60,
    next_token: str = "",
    name_prefix: str = "",
    started_after: datetime | None = None,
    started_before: datetime | None = None,
    metadata_only: bool = False,
    qualifier: str = "",
) -> ExecutionPage:
    """One page of the flow's executions, newest first (``ListExecutions`` with its filters).

    Args:
        status: only this status (see :func:`worker.service.outcome.status_name`).
        limit: at most this many on the page.
        next_token: the previous page's ``next_token``.
        name_prefix: only executions whose name starts with this.
        started_after, started_before: only executions started in this range (inclusive).
        metadata_only: leave out each execution's input and output (fewer reads).
        qualifier: only executions started with this qualifier (filtered within the page,
            so a page may hold fewer than ``limit``).

    Raises:
        InvalidArgument: a bad status, prefix or token.
    """
    check_name("flow", flow_name)
    if not NAME_PREFIX.fullmatch(name_prefix):
        raise InvalidArgument(f"invalid execution name prefix {name_prefix!r}")
    query = f"{FLOW_NAME_KEY.name} = '{flow_name}' AND ExecutionStatus != 'ContinuedAsNew'"
    if status:
        query += f" AND {outcome.STATUS_QUERIES[outcome.status_name(status)]}"
    if name_prefix:
        query += f" AND WorkflowId STARTS_WITH '{workflow_id(flow_name, name_prefix)}'"
    for bound, moment in ((">=", started_after), ("<=", started_before)):
        if moment is not None:
            query += f" AND StartTime {bound} '{_time(moment)}'"
    listing = client.list_workflows(query, page_size=limit, next_page_token=_page_token(next_token))
    try:
        await listing.fetch_next_page()
    except RPCError as exc:
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise InvalidArgument(f"invalid list request: {exc.message}") from None
        raise
    found = list(listing.current_page or ())[:limit]
    infos = await asyncio.gather(*(_paged(client, flow_name, e, metadata_only) for e in found))
    token = listing.next_page_token
    return ExecutionPage(
        executions=[i for i in infos if not qualifier or i.qualifier == qualifier],
        next_token=base64.urlsafe_b64encode(token).decode("ascii") if token else "",
    )


async def _paged(
    client: Client, flow_name: str, execution: WorkflowExecution, metadata_only: bool
) -> ExecutionInfo:
    if metadata_only:
        return await _listed(client, flow_name, execution)
    return await _info(client, execution, flow_name, execution.id.removeprefix(f"{flow_name}:"))


def _page_token(text: str) -> bytes | None:
    if not text:
        return None
    try:
        return base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidArgument(
            f"invalid NextToken {text!r}: pass the value of a previous page"
        ) from None


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
    if len(error) > rules.MAX_ERROR_LENGTH or len(cause) > rules.MAX_CAUSE_LENGTH:
        raise InvalidArgument(
            f"the error is at most {rules.MAX_ERROR_LENGTH} characters, "
            f"the cause at most {rules.MAX_CAUSE_LENGTH}"
        )
    handle = _handle(client, flow_name, execution_name)
    description = await describe(handle, flow_name, execution_name)
    if description.status != WorkflowExecutionStatus.RUNNING:
        raise _completed(flow_name, execution_name)
    reason = ": ".join(part for part in (error or rules.EXECUTION_STOPPED, cause) if part)
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


async def describe(
    handle: WorkflowHandle[Any, Any], flow_name: str, execution_name: str
) -> WorkflowExecutionDescription:
    """Temporal's description of an execution.

    Raises:
        ExecutionNotExists: no such execution.
    """
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


async def _source(client: Client, flow_name: str, version: str) -> str:
    """The FDL text of a flow version, or "" when the registry does not hold it."""
    if not version:
        return ""
    try:
        return (await flows.get_flow(client, flow_name, version)).source
    except FlowNotExists:
        return ""


async def _info(
    client: Client, description: WorkflowExecution, flow_name: str, name: str
) -> ExecutionInfo:
    run = client.get_workflow_handle(description.id, run_id=description.run_id)
    ended = Outcome(status=outcome.status_of(description.status))
    if ended.ended:
        ended = await outcome.of_run(client, run)
    memo = await _memo(description)
    return ExecutionInfo(
        flow_name=flow_name,
        name=name,
        status=ended.status,
        started=_time(description.start_time) or "",
        stopped=_time(description.close_time),
        version=memo["version"],
        qualifier=memo["qualifier"],
        flow_version=memo["flow_version"],
        input=await _input(client, run),
        output=ended.output,
        error=ended.error,
        cause=ended.cause,
        trace=ended.trace,
    )


async def _input(client: Client, run: WorkflowHandle[Any, Any]) -> dict[str, Any] | None:
    async for event in run.fetch_history_events(page_size=1):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        try:
            [flow_run] = await client.data_converter.decode(payloads, [FlowRun])
        except Exception:  # not started by fdl: no FDL input to show
            return None
        return flow_run.input if isinstance(flow_run, FlowRun) else None
    return None


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
