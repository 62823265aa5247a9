"""Flow actions: CreateFlow, UpdateFlow, DescribeFlow, ListFlows, DeleteFlow."""

from __future__ import annotations

from typing import Any

from worker.fnfapi.actions.base import DEFAULT_LIMIT, Context, action, page
from worker.fnfapi.errors import invalid
from worker.fnfapi.params import Params

MAX_DESCRIPTION = 256
EXECUTION_MODES = ("Standard", "Express", "")


def _check_common(params: Params) -> None:
    """Parameters we accept but do not act on must still be well formed."""
    kind = params.optional("Type", "FDL")
    if kind not in ("FDL", ""):
        raise invalid(f"Type must be FDL, got {kind!r}")
    if params.optional("ExecutionMode") not in EXECUTION_MODES:
        raise invalid("ExecutionMode must be Standard or Express")
    if params.optional("Environment").strip():
        environment = params.json_value("Environment", params.optional("Environment"))
        if not isinstance(environment, dict):
            raise invalid('Environment must be a JSON object such as {"Variables": [...]}')


@action("CreateFlow")
async def create_flow(ctx: Context, params: Params) -> dict[str, Any]:
    name = params.name("Name", "flow")
    definition = params.required("Definition")
    params.required("Type")
    _check_common(params)
    description = params.optional("Description", max_length=MAX_DESCRIPTION)
    flow = await ctx.fdl.create_flow(name, definition, description=description)
    return flow.to_json()


@action("UpdateFlow")
async def update_flow(ctx: Context, params: Params) -> dict[str, Any]:
    name = params.name("Name", "flow")
    _check_common(params)
    description = params.optional("Description", max_length=MAX_DESCRIPTION)
    definition = params.optional("Definition") or None
    flow, _ = await ctx.fdl.update_flow(name, definition, description=description)
    return flow.to_json()


@action("DescribeFlow")
async def describe_flow(ctx: Context, params: Params) -> dict[str, Any]:
    name = params.name("Name", "flow")
    version = params.optional("FlowVersion") or None
    return (await ctx.fdl.describe_flow(name, version)).to_json()


@action("ListFlows")
async def list_flows(ctx: Context, params: Params) -> dict[str, Any]:
    limit = params.integer("Limit", DEFAULT_LIMIT, 1, 1000)
    found = await ctx.fdl.list_flows_page(limit=limit, start=params.optional("NextToken"))
    return page([flow.to_json() for flow in found.flows], "Flows", found.next_token)


@action("DeleteFlow")
async def delete_flow(ctx: Context, params: Params) -> dict[str, Any]:
    await ctx.fdl.delete_flow(params.name("Name", "flow"))
    return {}
