"""Schedule actions: CreateSchedule, UpdateSchedule, DescribeSchedule, ListSchedules,
DeleteSchedule."""

from __future__ import annotations

from typing import Any

from worker.fnfapi.actions.base import Context, action, page, slice_page
from worker.fnfapi.params import Params

MAX_DESCRIPTION = 256


def _names(params: Params) -> tuple[str, str]:
    return params.name("FlowName", "flow"), params.name("ScheduleName", "schedule")


@action("CreateSchedule")
async def create_schedule(ctx: Context, params: Params) -> dict[str, Any]:
    flow, name = _names(params)
    schedule = await ctx.fdl.create_schedule(
        flow,
        name,
        cron=params.required("CronExpression"),
        payload=params.json_object("Payload"),
        enabled=params.boolean("Enable") is not False,
        description=params.optional("Description", max_length=MAX_DESCRIPTION),
    )
    return schedule.to_json()


@action("UpdateSchedule")
async def update_schedule(ctx: Context, params: Params) -> dict[str, Any]:
    flow, name = _names(params)
    changes: dict[str, Any] = {
        "cron": params.optional("CronExpression") or None,
        "payload": params.json_object("Payload"),
        "enabled": params.boolean("Enable"),
        "description": params.values.get("Description"),
    }
    if changes["description"] is not None:
        params.optional("Description", max_length=MAX_DESCRIPTION)
    schedule = await ctx.fdl.update_schedule(flow, name, **changes)
    return schedule.to_json()


@action("DescribeSchedule")
async def describe_schedule(ctx: Context, params: Params) -> dict[str, Any]:
    flow, name = _names(params)
    return (await ctx.fdl.describe_schedule(flow, name)).to_json()


@action("ListSchedules")
async def list_schedules(ctx: Context, params: Params) -> dict[str, Any]:
    flow = params.name("FlowName", "flow")
    found = await ctx.fdl.list_schedules(flow)
    items, next_token = slice_page(found, lambda s: s.schedule_name, params)
    return page([schedule.to_json() for schedule in items], "Schedules", next_token)


@action("DeleteSchedule")
async def delete_schedule(ctx: Context, params: Params) -> dict[str, Any]:
    flow, name = _names(params)
    await ctx.fdl.delete_schedule(flow, name)
    return {}
