"""The Python client of fdl: flows and executions as the original service's API offers them.

:class:`FdlClient` is the façade programs use (the CLI's ``fdl flow`` and ``fdl execution``
commands are thin over it); ``connect``, ``start_flow`` and ``wait_for_result`` are the
lower-level pieces ``fdl run`` uses. Connection settings follow the ``temporal`` CLI:
``TEMPORAL_ADDRESS`` (default ``127.0.0.1:7233``) and ``TEMPORAL_NAMESPACE`` (default
``default``). Errors are the service's (:class:`~worker.api.ServiceError` subclasses, named
as the original API names them).
"""

from __future__ import annotations

import os
from typing import Any

from temporalio.client import Client

from translator import ir
from worker import executions, history, registry, registry_workflow, schedules
from worker.api import (
    DEFAULT_TASK_QUEUE,
    ExecutionAlreadyCompleted,
    ExecutionAlreadyExists,
    ExecutionNotExists,
    FlowAlreadyExists,
    FlowNotExists,
    ServiceError,
    check_name,
)
from worker.executions import ExecutionInfo
from worker.registry import RegisteredFlow
from worker.runs import (
    STATUS_NAMES,
    FlowFailed,
    StartedExecution,
    failure_of,
    start_flow,
    wait_for_result,
)

__all__ = [
    "STATUS_NAMES",
    "ExecutionAlreadyCompleted",
    "ExecutionAlreadyExists",
    "ExecutionInfo",
    "ExecutionNotExists",
    "FdlClient",
    "FlowAlreadyExists",
    "FlowFailed",
    "FlowNotExists",
    "RegisteredFlow",
    "ServiceError",
    "StartedExecution",
    "check_name",
    "connect",
    "failure_of",
    "start_flow",
    "temporal_address",
    "temporal_namespace",
    "wait_for_result",
]

DEFAULT_ADDRESS = "127.0.0.1:7233"


def temporal_address() -> str:
    return os.environ.get("TEMPORAL_ADDRESS") or DEFAULT_ADDRESS


def temporal_namespace() -> str:
    return os.environ.get("TEMPORAL_NAMESPACE") or "default"


async def connect(address: str | None = None, namespace: str | None = None) -> Client:
    """Connect to Temporal at ``address`` (default: ``TEMPORAL_ADDRESS`` or 127.0.0.1:7233)."""
    return await Client.connect(
        address or temporal_address(), namespace=namespace or temporal_namespace()
    )


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
    ) -> RegisteredFlow:
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
    ) -> tuple[RegisteredFlow, bool]:
        """Publish a new version of a flow (UpdateFlow); running executions keep theirs.

        Returns:
            The flow and whether it changed (an identical definition is not stored again).

        Raises:
            FlowNotExists: no flow of this name is registered.
            translator.DefinitionError: the FDL text is invalid.
        """
        version = _version_of(definition, source, description, resolve_refs)
        return await registry.update_flow(self.temporal, name, version)

    async def describe_flow(self, name: str, version: str | None = None) -> RegisteredFlow:
        """A flow at its current version, or at ``version`` (DescribeFlow).

        Raises:
            FlowNotExists: no such flow (or version).
        """
        return await registry.get_flow(self.temporal, name, version)

    async def list_flows(self, *, limit: int | None = None) -> list[RegisteredFlow]:
        """Every registered flow, sorted by name (ListFlows)."""
        return await registry.list_flows(self.temporal, limit=limit)

    async def delete_flow(self, name: str) -> None:
        """Delete a flow (DeleteFlow); its running executions continue.

        Raises:
            FlowNotExists: no flow of this name is registered.
        """
        await registry.delete_flow(self.temporal, name)

    # --- executions (StartExecution, DescribeExecution, ListExecutions, StopExecution) -----

    async def start_execution(
        self,
        flow_name: str,
        *,
        name: str | None = None,
        input: dict[str, Any] | None = None,
    ) -> ExecutionInfo:
        """Start the flow's current version (StartExecution); returns at once.

        A running execution of that name is returned as it is (idempotent start); the
        execution keeps its version when the flow is updated.

        Raises:
            FlowNotExists: no flow of this name is registered.
            ExecutionAlreadyExists: an execution of this name has finished.
        """
        return await executions.start_execution(
            self.temporal,
            flow_name,
            execution_name=name,
            input=input,
            task_queue=self.task_queue,
        )

    async def describe_execution(
        self, flow_name: str, name: str, *, wait_seconds: float | None = 0
    ) -> ExecutionInfo:
        """Status, times, input, output or error and version (DescribeExecution).

        Args:
            wait_seconds: long-poll: wait up to this long for a running execution to end;
                ``None`` waits until it ends.

        Raises:
            ExecutionNotExists: no such execution.
        """
        return await executions.describe_execution(
            self.temporal, flow_name, name, wait_seconds=wait_seconds
        )

    async def list_executions(
        self, flow_name: str, *, status: str | None = None, limit: int = 60
    ) -> list[ExecutionInfo]:
        """Executions of a flow, newest first (ListExecutions).

        Args:
            status: ``Running``, ``Succeeded``, ``Failed``, ``TimedOut`` or ``Stopped``.
            limit: at most this many.
        """
        return await executions.list_executions(
            self.temporal, flow_name, status=status, limit=limit
        )

    async def stop_execution(
        self, flow_name: str, name: str, *, error: str = "", cause: str = ""
    ) -> ExecutionInfo:
        """Stop a running execution with an error and cause (StopExecution).

        Raises:
            ExecutionNotExists: no such execution.
            ExecutionAlreadyCompleted: it has already ended.
        """
        return await executions.stop_execution(
            self.temporal, flow_name, name, error=error, cause=cause
        )

    async def execution_history(
        self, flow_name: str, name: str, *, query_timeout: float = history.QUERY_TIMEOUT
    ) -> history.ExecutionHistory:
        """The FDL events of an execution in order (GetExecutionHistory).

        Raises:
            ExecutionNotExists: no such execution.
        """
        return await history.execution_history(
            self.temporal, flow_name, name, query_timeout=query_timeout
        )

    # --- schedules (CreateSchedule, UpdateSchedule, DescribeSchedule, ...) ------------------

    async def create_schedule(
        self, flow_name: str, schedule_name: str, *, cron: str, **options: Any
    ) -> schedules.FlowSchedule:
        """Start ``flow_name`` whenever ``cron`` fires (CreateSchedule).

        ``options`` are those of :func:`worker.schedules.create_schedule`: ``payload``,
        ``enabled``, ``description``, ``overlap``, ``catchup_window``; the task queue is the
        client's.
        """
        options.setdefault("task_queue", self.task_queue)
        return await schedules.create_schedule(
            self.temporal, flow_name, schedule_name, cron=cron, **options
        )

    async def update_schedule(
        self, flow_name: str, schedule_name: str, **changes: Any
    ) -> schedules.FlowSchedule:
        """Change the given settings of a schedule (UpdateSchedule; ``enabled`` = Enable)."""
        return await schedules.update_schedule(self.temporal, flow_name, schedule_name, **changes)

    async def describe_schedule(self, flow_name: str, schedule_name: str) -> schedules.FlowSchedule:
        """A schedule's settings, next fire times and recent runs (DescribeSchedule)."""
        return await schedules.describe_schedule(self.temporal, flow_name, schedule_name)

    async def list_schedules(self, flow_name: str) -> list[schedules.FlowSchedule]:
        """The schedules of a flow (ListSchedules)."""
        return await schedules.list_schedules(self.temporal, flow_name)

    async def delete_schedule(self, flow_name: str, schedule_name: str) -> None:
        """Delete a schedule; executions it started keep running (DeleteSchedule)."""
        await schedules.delete_schedule(self.temporal, flow_name, schedule_name)


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
