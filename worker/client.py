"""Client side of an FDL execution: connect to Temporal, start a flow, wait for its result.

Used by the CLI and importable by programs. Connection settings follow the ``temporal``
CLI: ``TEMPORAL_ADDRESS`` (default ``127.0.0.1:7233``) and ``TEMPORAL_NAMESPACE``
(default ``default``).
"""

from __future__ import annotations

import os
import re
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
from worker.api import DEFAULT_TASK_QUEUE, FLOW_NAME_KEY, FlowRun, workflow_id

DEFAULT_ADDRESS = "127.0.0.1:7233"
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")
"""Flow and execution names, as the original service allows them (reference section 12)."""


class ExecutionAlreadyExists(Exception):
    """An execution with this name has already finished; names are not reused."""


class FlowFailed(Exception):
    """The execution ended without success; ``error`` is the FDL error name."""

    def __init__(self, error: str, cause: str, status: str = "Failed") -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        self.status = status


def temporal_address() -> str:
    return os.environ.get("TEMPORAL_ADDRESS") or DEFAULT_ADDRESS


def temporal_namespace() -> str:
    return os.environ.get("TEMPORAL_NAMESPACE") or "default"


async def connect(address: str | None = None, namespace: str | None = None) -> Client:
    """Connect to Temporal at ``address`` (default: ``TEMPORAL_ADDRESS`` or 127.0.0.1:7233)."""
    return await Client.connect(
        address or temporal_address(), namespace=namespace or temporal_namespace()
    )


def check_name(kind: str, name: str) -> str:
    """Return ``name`` if it is a legal flow or execution name, else raise ``ValueError``."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"invalid {kind} name {name!r}: use letters, digits, '_' and '-', "
            "starting with a letter or '_', at most 128 characters"
        )
    return name


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
) -> StartedExecution:
    """Start an execution; a running execution of the same name is returned as it is.

    Raises:
        ExecutionAlreadyExists: an execution with this name has finished.
        ValueError: the flow or execution name is not legal.
    """
    check_name("flow", flow_name)
    name = check_name("execution", execution_name) if execution_name else str(uuid.uuid4())
    run = FlowRun(
        flow_name=flow_name, execution_name=name, definition=definition.to_json(), input=input
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
