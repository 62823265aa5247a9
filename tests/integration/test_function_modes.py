"""How a function task calls its function: Async invocations (reference 8.2), a task token in
every task (reference 4), and functions bound with ``local: true`` (local activities)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import helpers
import pytest
from handlers import flaky, modes
from helpers import running_worker, start
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from worker.contract.tokens import TaskToken
from worker.service.errors import InvalidArgument, TaskAlreadyCompleted
from worker.service.reports import report_task_succeeded
from worker.service.runs import wait_for_outcome

FUNCTIONS = {
    "demo/slow": {"handler": "handlers.modes:slow_note"},
    "demo/broken": {"handler": "handlers.modes:broken"},
    "demo/echo": {"handler": "handlers.basic:echo"},
    "demo/handover": {"handler": "handlers.callbacks:hand_over_token"},
    "demo/handover-return": {"handler": "handlers.modes:hand_over"},
    "demo/local-echo": {"handler": "handlers.basic:echo", "local": True},
    "demo/local-flaky": {"handler": "handlers.flaky:fail_then_succeed", "local": True},
    "demo/local-busy": {"handler": "handlers.modes:busy", "local": True},
}

ASYNC_THEN_NEXT = """
version: v1
type: flow
steps:
  - type: task
    name: fire
    resourceArn: acs:fc:::services/demo/functions/{function}
    serviceParams: {{InvocationType: Async}}
    inputMappings:
      - {{target: label, source: fired}}
      - {{target: seconds, source: 1}}
    outputMappings: [{{target: fired, source: $local}}]
  - type: task
    name: next
    resourceArn: acs:fc:::services/demo/functions/echo
    inputMappings: [{{target: after, source: $.fired}}]
"""


def kinds(events: list[Any]) -> list[tuple[str, str]]:
    """(event type, activity id) of the activity events, in order."""
    ids: dict[int, str] = {}
    found = []
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            ids[event.event_id] = event.activity_task_scheduled_event_attributes.activity_id
            found.append(("scheduled", ids[event.event_id]))
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            scheduled = event.activity_task_completed_event_attributes.scheduled_event_id
            found.append(("completed", ids[scheduled]))
    return found


async def test_async_request_response_continues_once_the_call_is_accepted(
    client: Client, task_queue: str
) -> None:
    modes.FINISHED.clear()
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, ASYNC_THEN_NEXT.format(function="slow"))
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.output) == ("Succeeded", {"fired": {}, "after": {}})
    events = await helpers.history_events(handle)
    # The next step ran while the Async call was still running; the execution then waited
    # for the call it had accepted before it succeeded.
    assert kinds(events) == [
        ("scheduled", "fire#1"),
        ("scheduled", "next#2"),
        ("completed", "next#2"),
        ("completed", "fire#1"),
    ]
    assert [finished["label"] for finished in modes.FINISHED] == ["fired"]


async def test_a_failing_async_call_does_not_fail_the_flow(client: Client, task_queue: str) -> None:
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, ASYNC_THEN_NEXT.format(function="broken"))
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.output) == ("Succeeded", {"fired": {}, "after": {}})


async def test_async_sync_waits_for_the_result(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: call
    pattern: sync
    resourceArn: acs:fc:::services/demo/functions/slow
    serviceParams: {InvocationType: Async}
    inputMappings: [{target: label, source: waited}]
"""
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, flow)
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.output) == ("Succeeded", {"noted": "waited"})


async def test_async_wait_for_callback_invokes_without_waiting_and_takes_the_report(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    flow = f"""
version: v1
type: flow
steps:
  - type: task
    name: job
    pattern: waitForCallback
    resourceArn: acs:fc:::services/demo/functions/handover
    serviceParams: {{InvocationType: Async}}
    inputMappings:
      - {{target: task_token, source: $context.task.token}}
      - {{target: token_file, source: "{token_file}"}}
"""
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, flow)
        for _ in range(100):
            if token_file.exists():
                break
            await asyncio.sleep(0.1)
        await report_task_succeeded(client, token_file.read_text(), {"reported": 1})
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.output) == ("Succeeded", {"reported": 1})


async def test_every_task_that_reads_the_token_gets_one_per_attempt(
    client: Client, task_queue: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/demo/functions/echo
    inputMappings: [{target: token, source: $context.task.token}]
"""
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, flow)
        ended = await wait_for_outcome(client, handle)
    token = TaskToken.decode(ended.output["token"])  # type: ignore[index]
    assert token.workflow_id == handle.id and token.number == 1


async def test_a_report_for_a_task_that_does_not_wait_is_refused(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    flow = f"""
version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/demo/functions/handover-return
    inputMappings:
      - {{target: task_token, source: $context.task.token}}
      - {{target: token_file, source: "{token_file}"}}
      - {{target: seconds, source: 3}}
"""
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, flow)
        for _ in range(100):
            if token_file.exists():
                break
            await asyncio.sleep(0.1)
        token = token_file.read_text()
        # While the attempt runs, the token names it but the task takes no report ...
        with pytest.raises(InvalidArgument, match="does not wait for a report"):
            await report_task_succeeded(client, token, {"x": 1})
        ended = await wait_for_outcome(client, handle)
        # ... and once it has ended, the token is spent like any other.
        with pytest.raises(TaskAlreadyCompleted):
            await report_task_succeeded(client, token, {"x": 1})
    assert (ended.status, ended.output) == ("Succeeded", {})


LOCAL = """
version: v1
type: flow
steps:
  - type: task
    name: first
    resourceArn: acs:fc:::services/demo/functions/local-echo
  - type: task
    name: flaky
    resourceArn: acs:fc:::services/demo/functions/local-flaky
    inputMappings: [{target: failures, source: 2}]
    retry:
      - errors: [Throttled]
        intervalSeconds: 0.1
        maxAttempts: 3
"""


async def test_local_functions_run_as_local_activities_with_fdl_retries(
    client: Client, task_queue: str
) -> None:
    flaky.ATTEMPTS.clear()
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, LOCAL, {"a": 1})
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.output) == ("Succeeded", {"a": 1, "attempts": 3})
    events = await helpers.history_events(handle)
    # The run learns the worker's local bindings from its first call's result (a regular
    # activity); from then on the local function runs as local activities, retried by FDL.
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == ["first#1"]
    markers = [
        json.loads(event.marker_recorded_event_attributes.details["data"].payloads[0].data)
        for event in events
        if event.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]
    assert [marker["activity_id"] for marker in markers] == ["flaky#2", "flaky#3", "flaky#4"]


async def test_a_local_function_past_its_timeout_is_a_task_timeout(
    client: Client, task_queue: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: learn
    resourceArn: acs:fc:::services/demo/functions/echo
  - type: task
    name: busy
    resourceArn: acs:fc:::services/demo/functions/local-busy
    timeoutSeconds: 1
    inputMappings: [{target: seconds, source: 3}]
"""
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, flow)
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.error) == ("Failed", "FnF.TaskTimeout")
    kinds = [event.event_type for event in await helpers.history_events(handle)]
    assert kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) == 1, "busy ran locally"
