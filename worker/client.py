"""Client side of an FDL execution: connect to Temporal, start a flow, wait for its result.

Used by the CLI and importable by programs. Connection settings follow the ``temporal``
CLI: ``TEMPORAL_ADDRESS`` (default ``127.0.0.1:7233``) and ``TEMPORAL_NAMESPACE``
(default ``default``).
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
from worker import registry, registry_workflow
from worker.api import (
    DEFAULT_TASK_QUEUE,
    FLOW_NAME_KEY,
    VERSION_MEMO,
    ExecutionAlreadyExists,
    FlowRun,
    check_name,
    workflow_id,
)
from worker.registry_workflow import content_hash

__all__ = [
    "ExecutionAlreadyExists",
    "FdlClient",
    "FlowFailed",
    "StartedExecution",
    "check_name",
    "connect",
    "start_flow",
    "temporal_address",
    "temporal_namespace",
    "wait_for_result",
]

DEFAULT_ADDRESS = "127.0.0.1:7233"


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


class FdlClient:
    """The flow and execution API of the original service, over one Temporal connection.

    Every method maps to one action of the original API (see the README's table) and raises
    the service's errors (:class:`~worker.api.FlowNotExists`,
    :class:`~worker.api.ExecutionAlreadyExists`, ...; all :class:`~worker.api.ServiceError`).
    Several clients, on any machine, see the same flows and executions::

        fdl = await FdlClient.connect()                  # TEMPORAL_ADDRESS / _NAMESPACE
        await fdl.create_flow("orders", Path("orders.yaml").read_text())
        started = await fdl.start_execution("orders", input={"id": 7})
        info = await fdl.describe_execution("orders", started.name, wait_seconds=60)

    Args:
        client: a connected Temporal client.
        task_queue: the task queue of the workers that run flows.
    """

    def __init__(self, client: Client, *, task_queue: str = DEFAULT_TASK_QUEUE) -> None:
        self.temporal = client
        self.task_queue = task_queue

    @classmethod
    async def connect(
        cls,
        address: str | None = None,
        namespace: str | None = None,
        *,
        task_queue: str = DEFAULT_TASK_QUEUE,
    ) -> FdlClient:
        """Connect to Temporal (default: ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``)."""
        return cls(await connect(address, namespace), task_queue=task_queue)

    # --- flows (CreateFlow, UpdateFlow, DescribeFlow, ListFlows, DeleteFlow) ----------------

    async def create_flow(
        self,
        name: str,
        definition: str | ir.Flow,
        *,
        description: str = "",
        source: str | None = None,
        resolve_refs: bool = False,
    ) -> registry.RegisteredFlow:
        """Register a flow (CreateFlow).

        Args:
            name: the flow name.
            definition: FDL text, or a flow compiled already (then pass ``source`` too).
            description: a description of the flow.
            source: the FDL text to store with a compiled ``definition``.
            resolve_refs: resolve ``!Ref Service/Function`` tags of FDL text.

        Raises:
            FlowAlreadyExists: a flow of this name is registered.
            translator.DefinitionError: the FDL text is invalid (located problems).
        """
        version = _version_of(definition, source, description, resolve_refs)
        return await registry.create_flow(self.temporal, name, version, task_queue=self.task_queue)

    async def update_flow(
        self,
        name: str,
        definition: str | ir.Flow,
        *,
        description: str = "",
        source: str | None = None,
        resolve_refs: bool = False,
    ) -> tuple[registry.RegisteredFlow, bool]:
        """Publish a new version of a flow (UpdateFlow); running executions keep theirs.

        Returns:
            The flow and whether it changed (an identical definition is not stored again).

        Raises:
            FlowNotExists: no flow of this name is registered.
            translator.DefinitionError: the FDL text is invalid.
        """
        version = _version_of(definition, source, description, resolve_refs)
        return await registry.update_flow(self.temporal, name, version)

    async def describe_flow(self, name: str, version: str | None = None) -> registry.RegisteredFlow:
        """A flow at its current version, or at ``version`` (DescribeFlow).

        Raises:
            FlowNotExists: no such flow (or version).
        """
        return await registry.get_flow(self.temporal, name, version)

    async def list_flows(self, *, limit: int | None = None) -> list[registry.RegisteredFlow]:
        """Every registered flow, sorted by name (ListFlows)."""
        return await registry.list_flows(self.temporal, limit=limit)

    async def delete_flow(self, name: str) -> None:
        """Delete a flow (DeleteFlow); its running executions continue.

        Raises:
            FlowNotExists: no flow of this name is registered.
        """
        await registry.delete_flow(self.temporal, name)


def _version_of(
    definition: str | ir.Flow, source: str | None, description: str, resolve_refs: bool
) -> registry_workflow.FlowVersion:
    if isinstance(definition, str):
        # Imported here, not at the top: worker processes import this module and must not
        # load the YAML parser; only programs that pass FDL text need the translator's front.
        from translator.compile import compile_text

        flow = compile_text(definition, filename="<definition>", resolve_refs=resolve_refs)
        source = definition
    else:
        flow = definition
    return registry.new_version(flow.to_json(), source or "", description)
