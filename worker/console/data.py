"""Where the console's pages get their data: the service layer, over one Temporal client.

Flows come from the registry, executions from Temporal's visibility (one query for every
flow, filtered by flow, status and start time, a page at a time), and an execution's run
from its FDL history (the interpreter's query when a worker answers, else derived from
Temporal's history) folded over the definition the execution itself carries in its start
input, so the graph is the version it ran even after the flow changed or was deleted.

A finished execution never changes: its folded view is kept in a small cache, so the step
panel and reloads do not fetch (or replay) the history again. A long finished execution is
first shown from Temporal's history while its recorded events load in the background (see
:meth:`ConsoleData.execution`).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
)
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

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
"""Executions per page of the executions list."""
CACHE_SIZE = 64
"""Finished executions whose folded view is kept."""
REPLAY_LIMIT = 500
"""History events of a finished execution above which its page first shows the derived
history (a worker replays the whole execution to answer the history query: about 5 s for
3,200 events on the benchmark machine, see bench/console_bench.py)."""


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
    upgrading: bool = False


class ConsoleData:
    """The console's reads over one Temporal client.

    Args:
        client: a connected Temporal client.
        query_timeout: seconds to wait for a worker to answer the history query.
        cache_size: finished executions whose view is kept.
        replay_limit: history events of a finished execution above which its first view is
            derived (see :meth:`execution`).
    """

    def __init__(
        self,
        client: Client,
        *,
        query_timeout: float = 2.0,
        cache_size: int = CACHE_SIZE,
        replay_limit: int = REPLAY_LIMIT,
    ) -> None:
        self.client = client
        self.query_timeout = query_timeout
        self.cache_size = cache_size
        self.replay_limit = replay_limit
        self._finished: OrderedDict[str, ExecutionView] = OrderedDict()
        self._interim: dict[str, ExecutionHistory] = {}
        self._loading: dict[str, asyncio.Task[None]] = {}

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

    async def execution(self, flow: str, name: str, *, complete: bool = False) -> ExecutionView:
        """An execution with its graph and run state.

        A finished execution's recorded events are read by replaying it on a worker, which
        takes seconds for thousands of history events. For such an execution (more than
        ``replay_limit`` events) the first view is derived from Temporal's history,
        while the recorded events load in the background; the view says so
        (``upgrading``), and asking again later returns the complete one.

        Args:
            complete: wait for the recorded events however long they take (the terminal).

        Raises:
            ExecutionNotExists: no such execution.
        """
        key = workflow_id(flow, name)
        if key in self._finished:
            self._finished.move_to_end(key)
            return self._finished[key]
        description = await self._describe(key)
        running = description.status == WorkflowExecutionStatus.RUNNING
        length = description.raw_description.workflow_execution_info.history_length
        interim = not (complete or running or length <= self.replay_limit)
        if interim:
            history_call = self._interim_history(key, flow, name)
        else:
            history_call = execution_history(
                self.client, flow, name, query_timeout=self.query_timeout
            )
        # Independent reads: their server calls overlap.
        info, definition, history = await asyncio.gather(
            describe_execution(self.client, flow, name), self._definition(key), history_call
        )
        upgrading = interim and self.cache_size > 0
        run_id = description.run_id
        graph = graphs.build(definition)
        view = ExecutionView(
            info=info,
            workflow_id=key,
            run_id=run_id,
            graph=graph,
            run=fold(graph, history.events, status=history.status, trail=history.trail.steps),
            history=history,
            upgrading=upgrading,
        )
        if info.status != "Running" and not upgrading:
            self._keep(key, view)
        return view

    async def _interim_history(self, key: str, flow: str, name: str) -> ExecutionHistory:
        """The derived history now; the recorded one, once loaded, replaces the view."""
        if self.cache_size <= 0:
            return await execution_history(self.client, flow, name, ask_worker=False)
        if key not in self._interim:
            self._interim[key] = await execution_history(self.client, flow, name, ask_worker=False)
        if key not in self._loading:
            task = asyncio.create_task(self._load_recorded(key, flow, name))
            self._loading[key] = task
        return self._interim[key]

    async def _load_recorded(self, key: str, flow: str, name: str) -> None:
        try:
            await self.execution(flow, name, complete=True)
        except Exception:  # the page keeps the derived view; the next visit tries again
            logger.exception("loading the recorded history of %s failed", key)
        finally:
            self._interim.pop(key, None)
            self._loading.pop(key, None)

    def _keep(self, key: str, view: ExecutionView) -> None:
        if self.cache_size <= 0:
            return
        self._finished[key] = view
        while len(self._finished) > self.cache_size:
            self._finished.popitem(last=False)

    async def _describe(self, key: str) -> WorkflowExecutionDescription:
        try:
            return await self.client.get_workflow_handle(key).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                flow, _, name = key.partition(":")
                raise ExecutionNotExists(
                    f"execution {name!r} of flow {flow!r} does not exist"
                ) from None
            raise

    async def _definition(self, key: str) -> ir.Flow:
        """The definition an execution runs (from its latest run's start input)."""
        handle = self.client.get_workflow_handle(key)
        async for event in handle.fetch_history_events(page_size=1):
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            [flow_run] = await self.client.data_converter.decode(payloads, [FlowRun])
            if isinstance(flow_run, FlowRun) and flow_run.definition is not None:
                return ir.Flow.from_json(flow_run.definition)
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
