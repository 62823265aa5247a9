"""Starting one FDL execution and waiting for its end, as ``fdl run`` and the API do.

The execution carries its definition (a snapshot: updating the flow never changes it) and
records its version in the memo; its status and failure are translated into the original
service's words (:data:`STATUS_NAMES`, :class:`FlowFailed`).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import (
    ApplicationError,
    CancelledError,
    TerminatedError,
    TimeoutError,
    WorkflowAlreadyStartedError,
)

from translator import ir
from worker.api import (
    DEFAULT_TASK_QUEUE,
    FLOW_NAME_KEY,
    STEP_DATA_LIMIT,
    STEP_DATA_LIMIT_ENV,
    VERSION_MEMO,
    ExecutionAlreadyExists,
    FlowRun,
    check_name,
    workflow_id,
)
from worker.registry_workflow import content_hash


class FlowFailed(Exception):
    """The execution ended without success; ``error`` is the FDL error name."""

    def __init__(self, error: str, cause: str, status: str = "Failed") -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        self.status = status


@dataclass(frozen=True, slots=True)
class StartedExecution:
    flow_name: str
    execution_name: str
    handle: WorkflowHandle[Any, Any]


async def start_flow(
    client: Client,
    *,
    flow_name: str,
    definition: ir.Flow,
    input: dict[str, Any],
    execution_name: str | None = None,
    task_queue: str = DEFAULT_TASK_QUEUE,
    version: str | None = None,
) -> StartedExecution:
    """Start an execution; a running execution of the same name is returned as it is.

    The execution carries ``definition`` and records ``version`` (default: its content
    hash) in its memo, so it keeps running this definition whatever happens to the flow.

    Raises:
        ExecutionAlreadyExists: an execution with this name has finished.
        ValueError: the flow or execution name is not legal.
    """
    check_name("flow", flow_name)
    name = check_name("execution", execution_name) if execution_name else str(uuid.uuid4())
    document = definition.to_json()
    version = version or content_hash(document)
    run = FlowRun(
        flow_name=flow_name,
        execution_name=name,
        definition=document,
        input=input,
        version=version,
        step_data_limit=step_data_limit(),
    )
    try:
        handle: WorkflowHandle[Any, Any] = await client.start_workflow(
            flow_name,
            run,
            id=workflow_id(flow_name, name),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=TypedSearchAttributes(
                [SearchAttributePair(FLOW_NAME_KEY, flow_name)]
            ),
            memo={VERSION_MEMO: version},
            static_summary=f"FDL flow **{flow_name}**, execution `{name}`",
            execution_timeout=(
                timedelta(seconds=definition.timeout_seconds)
                if definition.timeout_seconds
                else None
            ),
        )
    except WorkflowAlreadyStartedError:
        raise ExecutionAlreadyExists(
            f"execution {name!r} of flow {flow_name!r} already exists and has finished"
        ) from None
    return StartedExecution(flow_name, name, handle)


async def wait_for_result(handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    """Wait for an execution to end and return its output.

    Raises:
        FlowFailed: the execution failed, was stopped or timed out.
    """
    try:
        result = await handle.result()
    except WorkflowFailureError as err:
        raise failure_of(err.cause) from None
    return result if isinstance(result, dict) else {}


def failure_of(cause: BaseException | None) -> FlowFailed:
    """The FDL error name and cause of a Temporal workflow failure."""
    if isinstance(cause, ApplicationError):
        return FlowFailed(cause.type or "FnF.RuntimeError", cause.message)
    if isinstance(cause, TimeoutError):
        return FlowFailed("FnF.Timeout", "the execution exceeded its timeoutSeconds", "TimedOut")
    if isinstance(cause, TerminatedError | CancelledError):
        return FlowFailed("FnF.ExecutionStopped", str(cause), "Stopped")
    return FlowFailed("FnF.RuntimeError", str(cause))


STATUS_NAMES = {
    WorkflowExecutionStatus.RUNNING: "Running",
    WorkflowExecutionStatus.COMPLETED: "Succeeded",
    WorkflowExecutionStatus.FAILED: "Failed",
    WorkflowExecutionStatus.CANCELED: "Stopped",
    WorkflowExecutionStatus.TERMINATED: "Stopped",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "Running",
    WorkflowExecutionStatus.TIMED_OUT: "TimedOut",
}
"""Temporal workflow statuses in the original service's words."""


def step_data_limit() -> int:
    """The step data limit for executions started here: ``FDL_STEP_DATA_LIMIT`` or 32 KiB.

    Raises:
        ValueError: the variable is not a whole number of bytes.
    """
    text = os.environ.get(STEP_DATA_LIMIT_ENV, "").strip()
    if not text:
        return STEP_DATA_LIMIT
    if not text.isdigit():
        raise ValueError(
            f"{STEP_DATA_LIMIT_ENV}={text!r}: give the limit in bytes (0 turns it off)"
        )
    return int(text)
