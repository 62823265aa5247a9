"""CloudFlow's version and alias actions: PublishFlowVersion, ListFlowVersions,
DeleteFlowVersion, Create/Update/Describe/List/DeleteFlowAlias."""

from __future__ import annotations

from typing import Any

from worker.fnfapi.actions.base import Context, action, page, slice_page
from worker.fnfapi.errors import invalid
from worker.fnfapi.params import Params
from worker.service.versions import alias_json, version_json

MAX_DESCRIPTION = 256


def _routes(params: Params, *, required: bool) -> list[tuple[str, int]] | None:
    """``RoutingConfigurations``: a JSON list of ``{"Version", "Weight"}`` objects."""
    text = (
        params.required("RoutingConfigurations")
        if required
        else params.optional("RoutingConfigurations")
    )
    if not text.strip():
        return None
    value = params.json_value("RoutingConfigurations", text)
    routes = []
    for item in value if isinstance(value, list) else [None]:
        if not (isinstance(item, dict) and "Version" in item and "Weight" in item):
            raise invalid('RoutingConfigurations must be a list of {"Version", "Weight"} objects')
        try:
            routes.append((str(item["Version"]), int(item["Weight"])))
        except (TypeError, ValueError):
            raise invalid("RoutingConfigurations: each Weight must be a whole number") from None
    return routes


@action("PublishFlowVersion")
async def publish_flow_version(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    description = params.optional("Description", max_length=MAX_DESCRIPTION)
    version = await ctx.fdl.publish_flow_version(flow, description=description)
    return version_json(flow, version)


@action("ListFlowVersions")
async def list_flow_versions(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    found = await ctx.fdl.list_flow_versions(flow)
    # Newest first, so the page token is the number to continue below.
    before = params.integer("NextToken", 2**31, 1, 2**31)
    limit = params.integer("Limit", 60, 1, 1000)
    rest = [v for v in found if v.number <= before]
    next_token = str(rest[limit].number) if len(rest) > limit else ""
    items = [version_json(flow, v) for v in rest[:limit]]
    return page(items, "FlowVersions", next_token)


@action("DeleteFlowVersion")
async def delete_flow_version(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    await ctx.fdl.delete_flow_version(flow, params.required("FlowVersion"))
    return {}


@action("CreateFlowAlias")
async def create_flow_alias(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    name = params.name("Name", "alias")
    routes = _routes(params, required=True) or []
    description = params.optional("Description", max_length=MAX_DESCRIPTION)
    alias = await ctx.fdl.create_flow_alias(flow, name, routes, description=description)
    return {**alias_json(alias), "FlowName": flow}


@action("UpdateFlowAlias")
async def update_flow_alias(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    name = params.name("Name", "alias")
    description = params.values.get("Description")
    if description is not None:
        params.optional("Description", max_length=MAX_DESCRIPTION)
    routes = _routes(params, required=False)
    alias = await ctx.fdl.update_flow_alias(flow, name, routes, description=description)
    return {"Alias": alias_json(alias)}


@action("DescribeFlowAlias")
async def describe_flow_alias(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    alias = await ctx.fdl.describe_flow_alias(flow, params.name("Name", "alias"))
    return {"Alias": alias_json(alias)}


@action("ListFlowAliases")
async def list_flow_aliases(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    found = await ctx.fdl.list_flow_aliases(flow)
    items, next_token = slice_page(found, lambda a: a.name, params)
    return page([alias_json(alias) for alias in items], "Aliases", next_token)


@action("DeleteFlowAlias")
async def delete_flow_alias(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    await ctx.fdl.delete_flow_alias(flow, params.name("Name", "alias"))
    return {}
