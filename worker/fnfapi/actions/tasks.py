"""Task token actions: ReportTaskSucceeded, ReportTaskFailed; and DescribeRegions."""

from __future__ import annotations

from typing import Any

from translator.rules import MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH
from worker.fnfapi.actions.base import Context, action
from worker.fnfapi.params import Params

MAX_TOKEN = 1024
"""Longest task token accepted (tokens travel in the signed query string)."""

REPORT_EVENT_ID = 0
"""``EventId`` of an accepted report: the execution records the task's ``TaskSucceeded`` /
``TaskFailed`` event when it applies the report, after the answer, so no id is known yet."""


@action("ReportTaskSucceeded")
async def report_task_succeeded(ctx: Context, params: Params) -> dict[str, Any]:
    token = params.required("TaskToken", max_length=MAX_TOKEN)
    output = params.json_object("Output", required=True) or {}
    await ctx.fdl.report_task_succeeded(token, output, wait=ctx.report_wait)
    return {"EventId": REPORT_EVENT_ID}


@action("ReportTaskFailed")
async def report_task_failed(ctx: Context, params: Params) -> dict[str, Any]:
    token = params.required("TaskToken", max_length=MAX_TOKEN)
    error = params.required("Error", max_length=MAX_ERROR_LENGTH)
    cause = params.optional("Cause", max_length=MAX_CAUSE_LENGTH)
    await ctx.fdl.report_task_failed(token, error, cause, wait=ctx.report_wait)
    return {"EventId": REPORT_EVENT_ID}


@action("DescribeRegions")
async def describe_regions(ctx: Context, params: Params) -> dict[str, Any]:
    region = {"RegionId": "local", "RegionEndpoint": "", "LocalName": "fdl-temporal"}
    return {"Regions": {"Region": [region]}}
