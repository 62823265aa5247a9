"""The Python client of fdl: flows, executions, schedules and history, as the original API has them.

:class:`FdlClient` is the façade programs use; the CLI, the HTTP API and the web console are thin
shells over it and the service modules it calls. It connects as every part of fdl does
(:mod:`worker.service.connection`: ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``,
``FDL_TASK_QUEUE``). Errors are the service's (:class:`~worker.service.errors.ServiceError`
subclasses, named as the original API names them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.client import Client

from translator import ir
from translator.compile import compile_text
from worker.contract.registry import FlowAlias, FlowVersion, PublishedVersion
from worker.service import connection, executions, flows, history, reports, schedules, versions
from worker.service.executions import ExecutionInfo
from worker.service.flows import RegisteredFlow


class FdlClient:
    """The flow and execution API of the original service, over one Temporal connection.

    Every method maps to one action of the original API (see the README's table) and raises
    the service's errors (``FlowNotExists``, ``ExecutionAlreadyExists``, ...: every one a
    :class:`~worker.service.errors.ServiceError`).
    Several clients, on any machine, see the same flows and executions::

        fdl = await FdlClient.connect()                  # TEMPORAL_ADDRESS / _NAMESPACE
        await fdl.create_flow("orders", Path("orders.yaml").read_text())
        started = await fdl.start_execution("orders", input={"id": 7})
        info = await fdl.describe_execution("orders", started.name, wait_seconds=60)

    Args:
        client: a connected Temporal client.
        task_queue: the task queue of the project: flows it creates or updates record it,
            and their executions run there. Default: ``FDL_TASK_QUEUE``, else ``fdl``.
            Named here or in ``FDL_TASK_QUEUE``, it also overrides the queue a flow recorded
            when this client starts executions or creates schedules.
    """

    def __init__(self, client: Client, *, task_queue: str | None = None) -> None:
        self.temporal = client
        self.task_queue = connection.task_queue(task_queue)
        self.explicit_task_queue = connection.explicit_task_queue(task_queue)

    @classmethod
    async def connect(
        cls,
        address: str | None = None,
        namespace: str | None = None,
        *,
        task_queue: str | None = None,
    ) -> FdlClient:
        """Connect to Temporal (default: ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``,
        ``FDL_TASK_QUEUE``).

        Raises:
            ServerUnreachable: no server answers at the address.
        """
        return cls(await connection.connect(address, namespace), task_queue=task_queue)

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
        """Register a flow (CreateFlow); its executions run on this client's task queue.

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
        version = _version_of(definition, source, description, resolve_refs, self.task_queue)
        return await flows.create_flow(self.temporal, name, version, task_queue=self.task_queue)

    async def update_flow(
        self,
        name: str,
        definition: str | ir.Flow | None,
        *,
        description: str = "",
        source: str | None = None,
        resolve_refs: bool = False,
    ) -> tuple[RegisteredFlow, bool]:
        """Publish a new version of a flow (UpdateFlow); running executions keep theirs.

        The flow's executions run on this client's task queue from now on (a change of the
        description alone keeps the queue).

        Args:
            definition: FDL text, a compiled flow, or ``None`` to keep the current definition
                (and change only the description).

        Returns:
            The flow and whether it changed (an identical definition is not stored again).

        Raises:
            FlowNotExists: no flow of this name is registered.
            translator.DefinitionError: the FDL text is invalid.
        """
        if definition is None:
            current = await flows.get_flow(self.temporal, name)
            version = flows.new_version(current.definition, current.source, description)
            return await flows.update_flow(self.temporal, name, version)
        version = _version_of(definition, source, description, resolve_refs, self.task_queue)
        return await flows.update_flow(self.temporal, name, version)

    async def describe_flow(self, name: str, version: str | None = None) -> RegisteredFlow:
        """A flow at its current version, or at ``version`` (DescribeFlow).

        Raises:
            FlowNotExists: no such flow (or version).
        """
        return await flows.get_flow(self.temporal, name, version)

    async def list_flows(self, *, limit: int | None = None) -> list[RegisteredFlow]:
        """Every registered flow, sorted by name (ListFlows)."""
        return await flows.list_flows(self.temporal, limit=limit)

    async def list_flows_page(self, *, limit: int = 60, start: str = "") -> flows.FlowPage:
        """One page of flows by name, from ``start`` on (ListFlows with NextToken)."""
        return await flows.list_flows_page(self.temporal, limit=limit, start=start)

    async def delete_flow(self, name: str) -> None:
        """Delete a flow (DeleteFlow); its running executions continue.

        Raises:
            FlowNotExists: no flow of this name is registered.
        """
        await flows.delete_flow(self.temporal, name)

    # --- versions and aliases (PublishFlowVersion, ..., DeleteFlowAlias) -------------------

    async def publish_flow_version(self, name: str, *, description: str = "") -> PublishedVersion:
        """Snapshot the flow's current revision as its next version number (PublishFlowVersion).

        Raises:
            FlowNotExists: no such flow.
            ConcurrentUpdateError: another publish took the number at the same moment.
        """
        return await versions.publish_version(self.temporal, name, description)

    async def list_flow_versions(self, name: str) -> list[PublishedVersion]:
        """The flow's published versions, newest first (ListFlowVersions)."""
        return await versions.list_versions(self.temporal, name)

    async def delete_flow_version(self, name: str, version: str) -> None:
        """Delete a published version no alias routes to (DeleteFlowVersion)."""
        await versions.delete_version(self.temporal, name, version)

    async def create_flow_alias(
        self, name: str, alias: str, routes: list[tuple[str, int]], *, description: str = ""
    ) -> FlowAlias:
        """An alias routing to one or two versions, ``(version, weight)``, weights totalling
        100 (CreateFlowAlias)."""
        return await versions.set_alias(
            self.temporal, name, alias, routes, description=description, create=True
        )

    async def update_flow_alias(
        self,
        name: str,
        alias: str,
        routes: list[tuple[str, int]] | None = None,
        *,
        description: str | None = None,
    ) -> FlowAlias:
        """Change an alias's routes or description; ``None`` keeps them (UpdateFlowAlias)."""
        return await versions.set_alias(
            self.temporal, name, alias, routes, description=description, create=False
        )

    async def describe_flow_alias(self, name: str, alias: str) -> FlowAlias:
        """An alias of the flow (DescribeFlowAlias)."""
        return await versions.describe_alias(self.temporal, name, alias)

    async def list_flow_aliases(self, name: str) -> list[FlowAlias]:
        """The flow's aliases, by name (ListFlowAliases)."""
        return await versions.list_aliases(self.temporal, name)

    async def delete_flow_alias(self, name: str, alias: str) -> None:
        """Delete an alias (DeleteFlowAlias)."""
        await versions.delete_alias(self.temporal, name, alias)

    # --- executions (StartExecution, DescribeExecution, ListExecutions, StopExecution) -----

    async def start_execution(
        self,
        flow_name: str,
        *,
        name: str | None = None,
        input: dict[str, Any] | None = None,
        qualifier: str = "",
    ) -> ExecutionInfo:
        """Start the flow's current version (StartExecution); returns at once.

        A running execution of that name is returned as it is (idempotent start); the
        execution keeps its version when the flow is updated. It runs on the queue the flow
        was registered with, unless this client names one explicitly.

        Args:
            qualifier: a published version number or an alias to run instead of the current
                revision (an alias's weighted choice is made once, at start).

        Raises:
            FlowNotExists: no flow of this name is registered (or no such version or alias).
            ExecutionAlreadyExists: an execution of this name has finished.
        """
        return await executions.start_execution(
            self.temporal,
            flow_name,
            execution_name=name,
            input=input,
            task_queue=self.explicit_task_queue,
            qualifier=qualifier,
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

    async def list_executions_page(
        self, flow_name: str, **filters: Any
    ) -> executions.ExecutionPage:
        """One page of a flow's executions with the original's filters (ListExecutions).

        ``filters`` are those of :func:`worker.executions.list_executions_page`: ``status``,
        ``limit``, ``next_token``, ``name_prefix``, ``started_after``, ``started_before``,
        ``metadata_only``.
        """
        return await executions.list_executions_page(self.temporal, flow_name, **filters)

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

        ``options`` are those of :func:`worker.service.schedules.create_schedule`:
        ``payload``, ``enabled``, ``description``, ``overlap``, ``catchup_window``; its
        executions run on the flow's registered queue unless this client names one.
        """
        options.setdefault("task_queue", self.explicit_task_queue)
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

    async def set_schedule_enabled(
        self, flow_name: str, schedule_name: str, enabled: bool
    ) -> schedules.FlowSchedule:
        """Resume or pause a schedule (UpdateSchedule's ``Enable``)."""
        return await schedules.set_enabled(self.temporal, flow_name, schedule_name, enabled)

    async def trigger_schedule(self, flow_name: str, schedule_name: str) -> None:
        """Fire a schedule once now."""
        await schedules.trigger_schedule(self.temporal, flow_name, schedule_name)

    async def backfill_schedule(
        self, flow_name: str, schedule_name: str, start: datetime, end: datetime
    ) -> None:
        """Fire every time a schedule names from ``start`` to ``end``, now."""
        await schedules.backfill_schedule(self.temporal, flow_name, schedule_name, start, end)

    async def upcoming_fires(
        self, flow_name: str, schedule_name: str, n: int, after: datetime | None = None
    ) -> tuple[schedules.FlowSchedule, list[datetime]]:
        """A schedule and its next ``n`` fire times after ``after`` (default now)."""
        return await schedules.upcoming(self.temporal, flow_name, schedule_name, n, after)

    # --- task reports (ReportTaskSucceeded, ReportTaskFailed) -------------------------------

    async def report_task_succeeded(
        self, token: str, output: dict[str, Any] | str, *, wait: float = reports.DEFAULT_WAIT
    ) -> reports.ReportResult:
        """A waiting task's result (ReportTaskSucceeded); see :mod:`worker.service.reports`.

        Raises:
            InvalidArgument, InvalidTaskToken, TaskAlreadyCompleted: the report is refused.
        """
        return await reports.report_task_succeeded(self.temporal, token, output, wait=wait)

    async def report_task_failed(
        self, token: str, error: str, cause: str = "", *, wait: float = reports.DEFAULT_WAIT
    ) -> reports.ReportResult:
        """A waiting task's failure (ReportTaskFailed); its retry and catch apply.

        Raises:
            InvalidArgument, InvalidTaskToken, TaskAlreadyCompleted: the report is refused.
        """
        return await reports.report_task_failed(self.temporal, token, error, cause, wait=wait)


def _version_of(
    definition: str | ir.Flow,
    source: str | None,
    description: str,
    resolve_refs: bool,
    task_queue: str,
) -> FlowVersion:
    if isinstance(definition, str):
        flow = compile_text(definition, filename="<definition>", resolve_refs=resolve_refs)
        source = definition
    else:
        flow = definition
    return flows.new_version(flow.to_json(), source or "", description, task_queue)
