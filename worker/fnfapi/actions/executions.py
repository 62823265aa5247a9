"""Execution actions: StartExecution, StartSyncExecution, DescribeExecution, ListExecutions,
StopExecution, GetExecutionHistory."""

from __future__ import annotations

import uuid
from typing import Any

from worker.fnfapi.actions.base import DEFAULT_LIMIT, Context, action, page
from worker.fnfapi.errors import invalid
from worker.fnfapi.params import Params
from worker.service.outcome import status_name

MAX_WAIT_SECONDS = 60
"""``DescribeExecution``'s ``WaitTimeSeconds`` at most (the original's limit)."""


def _start_options(params: Params) -> dict[str, Any]:
    if params.optional("CallbackFnFTaskToken"):
        raise invalid(
            "CallbackFnFTaskToken is not supported: start the child flow from a task with "
            "pattern waitForCallback instead (its token is in the child's input)"
        )
    options: dict[str, Any] = {"input": params.json_object("Input")}
    qualifier = params.optional("Qualifier")
    if qualifier:
        options["qualifier"] = qualifier
    return options


@action("StartExecution")
async def start_execution(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    name = params.name("ExecutionName", "execution", required=False) or None
    info = await ctx.fdl.start_execution(flow, name=name, **_start_options(params))
    return info.to_json()


@action("StartSyncExecution")
async def start_sync_execution(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    given = params.name("ExecutionName", "execution", required=False)
    # Names of synchronous executions need not be unique: each run gets a fresh suffix.
    suffix = uuid.uuid4().hex
    name = f"{given[: 127 - len(suffix)]}-{suffix}" if given else None
    started = await ctx.fdl.start_execution(flow, name=name, **_start_options(params))
    info = await ctx.fdl.describe_execution(flow, started.name, wait_seconds=ctx.sync_timeout)
    return info.to_json()


@action("DescribeExecution")
async def describe_execution(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    name = params.required("ExecutionName")
    wait = params.integer("WaitTimeSeconds", 0, 0, MAX_WAIT_SECONDS)
    return (await ctx.fdl.describe_execution(flow, name, wait_seconds=wait)).to_json()


@action("ListExecutions")
async def list_executions(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    if params.optional("MapRunName"):
        raise invalid("MapRunName is not supported: this engine has no distributed map runs")
    status = params.optional("Status")
    found = await ctx.fdl.list_executions_page(
        flow,
        status=status_name(status) if status else None,
        limit=params.integer("Limit", DEFAULT_LIMIT, 1, 100),
        next_token=params.optional("NextToken"),
        name_prefix=params.optional("ExecutionNamePrefix"),
        started_after=params.time("StartedTimeBegin"),
        started_before=params.time("StartedTimeEnd"),
        metadata_only=bool(params.boolean("MetadataOnly")),
        qualifier=params.optional("Qualifier"),
    )
    return page([info.to_json() for info in found.executions], "Executions", found.next_token)


@action("StopExecution")
async def stop_execution(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    name = params.required("ExecutionName")
    error = params.optional("Error", max_length=128)
    cause = params.optional("Cause", max_length=4096)
    info = await ctx.fdl.stop_execution(flow, name, error=error, cause=cause)
    return {**info.to_json(), "RoleArn": ""}


@action("GetExecutionHistory")
async def get_execution_history(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    name = params.required("ExecutionName")
    limit = params.integer("Limit", DEFAULT_LIMIT, 1, 1000)
    after = params.integer("NextToken", 1, 1, 2**62)
    history = await ctx.fdl.execution_history(flow, name)
    events = [event for event in history.events if event.id >= after]
    next_token = str(events[limit].id) if len(events) > limit else ""
    return page([event.to_json() for event in events[:limit]], "Events", next_token)
