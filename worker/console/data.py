"""Where the console's pages get their data: the service layer, over one Temporal client.

Flows come from the registry, executions from Temporal's visibility (one query for every
flow, filtered by flow, status and start time, a page at a time), and an execution's run
from its FDL history (the interpreter's query when a worker answers, else derived from
Temporal's history) folded over the definition the execution itself carries in its start
input, so the graph is the version it ran even after the flow changed or was deleted.

A finished execution never changes: its folded view is kept in a small cache, so the step
panel and reloads do not fetch (or replay) the history again.
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from temporalio.client import Client, WorkflowExecution
from temporalio.service import RPCError, RPCStatusCode

from translator import ir
from worker.console import graph as graphs
from worker.console.fold import fold
from worker.console.graph import FlowGraph
from worker.console.runstate import RunState
from worker.contract.run import FLOW_NAME_KEY, VERSION_MEMO, FlowRun, workflow_id
from worker.service.errors import ExecutionNotExists
from worker.service.executions import ExecutionInfo, describe_execution
from worker.service.flows import RegisteredFlow, get_flow, list_flows
from worker.service.history import ExecutionHistory, execution_history
from worker.service.outcome import STATUS_QUERIES, status_name, status_of

PAGE_SIZE = 50
"""Executions per page of the executions list."""
CACHE_SIZE = 64
"""Finished executions whose folded view is kept."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionPage:
    """One page of the executions list and the token of the next one (``""``: last page)."""

    executions: list[ExecutionInfo]
    next_token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionView:
    """Everything the execution page shows."""

    info: ExecutionInfo
    workflow_id: str
    run_id: str
    graph: FlowGraph
    run: RunState
    history: ExecutionHistory


class ConsoleData:
    """The console's reads over one Temporal client.

    Args:
        client: a connected Temporal client.
        query_timeout: seconds to wait for a worker to answer the history query.
    """

    def __init__(self, client: Client, *, query_timeout: float = 2.0) -> None:
        self.client = client
        self.query_timeout = query_timeout
        self._finished: OrderedDict[str, ExecutionView] = OrderedDict()

    async def flows(self) -> list[RegisteredFlow]:
        """Every registered flow, by name."""
        return await list_flows(self.client)

    async def flow(self, name: str, version: str | None = None) -> RegisteredFlow:
        """A flow at its current version or at ``version``.

        Raises:
            FlowNotExists: no such flow or version.
        """
        return await get_flow(self.client, name, version)

    async def executions(
        self,
        *,
        flow: str = "",
        status: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        token: str = "",
        page_size: int = PAGE_SIZE,
    ) -> ExecutionPage:
        """One page of executions of every flow (or of ``flow``), newest first.

        Raises:
            ValueError: an unknown status or a malformed page token.
        """
        query = visibility_query(flow=flow, status=status, since=since, until=until)
        listing = self.client.list_workflows(
            query, page_size=page_size, next_page_token=_decode_token(token)
        )
        await listing.fetch_next_page()
        found = [await _info(execution) for execution in listing.current_page or []]
        return ExecutionPage(executions=found, next_token=_encode_token(listing.next_page_token))

    async def execution(self, flow: str, name: str) -> ExecutionView:
        """An execution with its graph and run state.

        Raises:
            ExecutionNotExists: no such execution.
        """
        key = workflow_id(flow, name)
        if key in self._finished:
            self._finished.move_to_end(key)
            return self._finished[key]
        info = await describe_execution(self.client, flow, name)
        history = await execution_history(self.client, flow, name, query_timeout=self.query_timeout)
        definition, run_id = await self._definition(key)
        graph = graphs.build(definition)
        run = fold(graph, history.events, status=history.status)
        view = ExecutionView(
            info=info, workflow_id=key, run_id=run_id, graph=graph, run=run, history=history
        )
        if history.status != "Running":
            self._finished[key] = view
            while len(self._finished) > CACHE_SIZE:
                self._finished.popitem(last=False)
        return view

    async def _definition(self, key: str) -> tuple[ir.Flow, str]:
        """The definition an execution runs (from its latest run's start input) and run id."""
        handle = self.client.get_workflow_handle(key)
        try:
            async for event in handle.fetch_history_events(page_size=1):
                attributes = event.workflow_execution_started_event_attributes
                payloads = attributes.input.payloads
                [flow_run] = await self.client.data_converter.decode(payloads, [FlowRun])
                if not isinstance(flow_run, FlowRun) or flow_run.definition is None:
                    break
                description = await handle.describe()
                return ir.Flow.from_json(flow_run.definition), description.run_id
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise ExecutionNotExists(f"no execution {key!r}") from None
            raise
        raise ExecutionNotExists(f"execution {key!r} carries no FDL definition")


def visibility_query(
    *,
    flow: str = "",
    status: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> str:
    """The visibility query of the executions list: FDL executions only, newest first.

    Raises:
        ValueError: an unknown status.
    """
    parts = [f"{FLOW_NAME_KEY.name} IS NOT NULL", "ExecutionStatus != 'ContinuedAsNew'"]
    if flow:
        parts.append(f"{FLOW_NAME_KEY.name} = '{_quoted(flow)}'")
    if status:
        parts.append(STATUS_QUERIES[status_name(status)])
    if since is not None:
        parts.append(f"StartTime >= '{since.isoformat()}'")
    if until is not None:
        parts.append(f"StartTime <= '{until.isoformat()}'")
    return " AND ".join(parts)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


async def _info(execution: WorkflowExecution) -> ExecutionInfo:
    flow = execution.typed_search_attributes.get(FLOW_NAME_KEY) or execution.workflow_type
    return ExecutionInfo(
        flow_name=flow,
        name=execution.id.removeprefix(f"{flow}:"),
        status=status_of(execution.status),
        started=_time(execution.start_time) or "",
        stopped=_time(execution.close_time),
        version=str(await execution.memo_value(VERSION_MEMO, "")),
    )


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _encode_token(token: bytes | None) -> str:
    return base64.urlsafe_b64encode(token).decode("ascii") if token else ""


def _decode_token(token: str) -> bytes | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode("ascii"))
    except ValueError:
        raise ValueError("malformed page token") from None
