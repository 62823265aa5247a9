"""Task steps calling registered flows (``acs:fnf:::flow/NAME``) run them as child executions.

Every test registers its flows in the real registry under fresh names, runs the parent on its
own worker and checks what the child received and returned, through the child's own handle.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import helpers
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from worker.contract.run import FLOW_NAME_KEY, workflow_id
from worker.service.executions import stop_execution
from worker.service.flows import create_flow, new_version
from worker.service.reports import report_task_succeeded

BASIC = {
    "demo/echo": {"handler": "handlers.basic:echo"},
    "demo/book": {"handler": "handlers.basic:book_flight"},
    "demo/slow": {"handler": "handlers.slow:sleeper"},
}

CHILD = """
version: v1
type: flow
steps:
  - type: task
    name: work
    resourceArn: acs:fc:::services/demo/functions/echo
    outputMappings:
      - target: doubled
        source: $local.n
      - target: seen
        source: $input
"""

FAILING_CHILD = """
version: v1
type: flow
steps:
  - type: fail
    name: refuse
    error: AuditUnknown
    cause: the audit could not decide
"""


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def register(client: Client, task_queue: str, name: str, text: str) -> None:
    flow = helpers.compile_flow(text)
    await create_flow(client, name, new_version(flow.to_json(), text), task_queue=task_queue)


SLOW_CHILD_WITH_TIMEOUT = """
version: v1
type: flow
timeoutSeconds: 1
steps:
  - type: wait
    name: linger
    duration: 30
"""
LINGERING_CHILD = """
version: v1
type: flow
steps:
  - type: wait
    name: linger
    duration: 60
"""
CALL_EVENT = 4
"""``$context.step.eventId`` of callChild in :func:`parent`: the id of its StepEntered event,
after ExecutionStarted and init's StepEntered and StepExited."""


def parent(child: str, pattern: str, extra: str = "") -> str:
    return f"""
version: v1
type: flow
steps:
  - type: pass
    name: init
    outputMappings:
      - target: n
        source: 21
  - type: task
    name: callChild
    resourceArn: acs:fnf:::flow/{child}
    pattern: {pattern}
{extra}"""


async def run_parent(
    client: Client, task_queue: str, text: str, flow_input: dict[str, Any] | None = None
) -> tuple[Any, str]:
    """Run a parent flow; returns its output (or failure) and its execution name."""
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, text, flow_input or {"id": 7})
        try:
            result = await handle.result()
        except WorkflowFailureError as exc:
            result = exc.cause
    return result, handle.id.split(":", 1)[1]


async def test_sync_child_output_is_the_task_local(client: Client, task_queue: str) -> None:
    child = unique("child")
    await register(client, task_queue, child, CHILD)
    extra = """    outputMappings:
      - target: fromChild
        source: $local
"""
    out, execution = await run_parent(client, task_queue, parent(child, "sync", extra))
    # Default child input: the step's input = parent input + parent local.
    assert out["fromChild"] == {"doubled": 21, "seen": {"id": 7, "n": 21}}
    name = f"{execution}-callChild-{CALL_EVENT}-1"
    description = await client.get_workflow_handle(workflow_id(child, name)).describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    assert description.workflow_type == child
    assert description.task_queue == task_queue
    assert description.typed_search_attributes.get(FLOW_NAME_KEY) == child
    assert description.parent_id == workflow_id("testflow", execution)


async def test_service_params_input_and_execution_name(client: Client, task_queue: str) -> None:
    child = unique("child")
    await register(client, task_queue, child, CHILD)
    extra = """    inputMappings:
      - target: payload
        source:
          n: 5
      - target: childName
        source: named-child-run
    serviceParams:
      Input: $.payload
      ExecutionName: $.childName
"""
    out, _ = await run_parent(client, task_queue, parent(child, "sync", extra))
    assert out["doubled"] == 5
    assert out["seen"] == {"n": 5}
    result = await client.get_workflow_handle(workflow_id(child, "named-child-run")).result()
    assert result == {"doubled": 5, "seen": {"n": 5}}


async def test_request_response_returns_once_started(client: Client, task_queue: str) -> None:
    child = unique("slowchild")
    slow = """
version: v1
type: flow
steps:
  - type: wait
    name: pause
    duration: 30
"""
    await register(client, task_queue, child, slow)
    out, execution = await run_parent(client, task_queue, parent(child, "requestResponse"))
    name = f"{execution}-callChild-{CALL_EVENT}-1"
    assert out["FlowName"] == child
    assert out["Name"] == name
    assert out["Status"] == "Running"
    assert out["StartedTime"].endswith("Z")
    # The parent finished while the child still waits: it was abandoned, not cancelled.
    handle = client.get_workflow_handle(workflow_id(child, name))
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    await handle.terminate("test done")


async def test_failed_child_error_reaches_the_parents_retry_and_catch(
    client: Client, task_queue: str
) -> None:
    child = unique("audit")
    await register(client, task_queue, child, FAILING_CHILD)
    extra = """    retry:
      - errors: [AuditUnknown]
        intervalSeconds: 0.01
        maxAttempts: 1
    catch:
      - errors: [AuditUnknown]
        goto: handle
    errorMappings:
      - target: why
        source: $local.error
      - target: cause
        source: $local.cause
  - type: pass
    name: skipped
    outputMappings:
      - target: skipped
        source: true
  - type: pass
    name: handle
"""
    out, execution = await run_parent(client, task_queue, parent(child, "sync", extra))
    assert out == {"n": 21, "why": "AuditUnknown", "cause": "the audit could not decide"}
    # The retry started a second child under the next attempt's name; both failed.
    for attempt in (1, 2):
        handle = client.get_workflow_handle(
            workflow_id(child, f"{execution}-callChild-{CALL_EVENT}-{attempt}")
        )
        assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED


async def test_uncaught_child_error_fails_the_parent_with_its_name(
    client: Client, task_queue: str
) -> None:
    child = unique("audit")
    await register(client, task_queue, child, FAILING_CHILD)
    failure, _ = await run_parent(client, task_queue, parent(child, "sync"))
    assert isinstance(failure, ApplicationError)
    assert (failure.type, failure.message) == ("AuditUnknown", "the audit could not decide")


async def test_unknown_flow_and_reused_name_fail_clearly(client: Client, task_queue: str) -> None:
    failure, _ = await run_parent(client, task_queue, parent(unique("nosuch"), "sync"))
    assert isinstance(failure, ApplicationError)
    assert failure.type == "FlowNotExists"

    child = unique("child")
    await register(client, task_queue, child, CHILD)
    extra = """    serviceParams:
      ExecutionName: same-name
"""
    text = parent(child, "sync", extra)
    first, _ = await run_parent(client, task_queue, text)
    assert first["doubled"] == 21
    second, _ = await run_parent(client, task_queue, text)
    assert isinstance(second, ApplicationError)
    assert second.type == "fnf.ExecutionAlreadyExists"
    assert "same-name" in second.message


async def test_timeout_cancels_the_child_and_is_task_timeout(
    client: Client, task_queue: str
) -> None:
    child = unique("slowchild")
    slow = """
version: v1
type: flow
steps:
  - type: task
    name: sleep
    resourceArn: acs:fc:::services/demo/functions/slow
"""
    await register(client, task_queue, child, slow)
    extra = """    timeoutSeconds: 1
    catch:
      - errors: [FnF.TaskTimeout]
        goto: late
  - type: pass
    name: late
    outputMappings:
      - target: late
        source: true
"""
    out, execution = await run_parent(client, task_queue, parent(child, "sync", extra))
    assert out == {"n": 21, "late": True}
    handle = client.get_workflow_handle(workflow_id(child, f"{execution}-callChild-{CALL_EVENT}-1"))
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED


async def test_stopping_the_parent_cancels_a_sync_child(client: Client, task_queue: str) -> None:
    child = unique("slowchild")
    await register(
        client,
        task_queue,
        child,
        "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: pause\n    duration: 60\n",
    )
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, parent(child, "sync"), {})
        execution = handle.id.split(":", 1)[1]
        child_handle = client.get_workflow_handle(
            workflow_id(child, f"{execution}-callChild-{CALL_EVENT}-1")
        )
        await wait_until(lambda: _is_running(child_handle))
        await handle.cancel()
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        await wait_until(lambda: _is_closed(child_handle))
    assert (await child_handle.describe()).status == WorkflowExecutionStatus.CANCELED


async def test_wait_for_callback_child_gets_the_token_and_a_report_is_the_local(
    client: Client, task_queue: str
) -> None:
    """The child is started with the attempt's token in its input; whoever reports with it
    completes the parent's step, while the child runs on."""
    child = unique("child")
    await register(client, task_queue, child, LINGERING_CHILD)
    extra = """    inputMappings:
      - target: token
        source: $context.task.token
    timeoutSeconds: 60
    outputMappings:
      - target: verdict
        source: $local.verdict
"""
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, parent(child, "waitForCallback", extra))
        execution = handle.id.split(":", 1)[1]
        child_handle = client.get_workflow_handle(
            workflow_id(child, f"{execution}-callChild-{CALL_EVENT}-1")
        )
        await wait_until(lambda: _is_running(child_handle))
        started = await child_handle.fetch_history()
        run = started.events[0].workflow_execution_started_event_attributes.input.payloads[0]
        token = json.loads(run.data)["input"]["token"]

        result = await report_task_succeeded(client, token, {"verdict": "approved"})

        assert result.status == "accepted"
        assert await handle.result() == {"n": 21, "verdict": "approved"}
        assert await _is_running(child_handle), "the child is an execution of its own"
        await child_handle.terminate("test over")


async def test_the_parent_resolves_the_child_so_its_timeout_applies(
    client: Client, task_queue: str
) -> None:
    """The parent looks the child flow up (one activity) and starts it with its definition,
    so the child's own ``timeoutSeconds`` is its execution timeout: it ends TimedOut."""
    child = unique("child")
    await register(client, task_queue, child, SLOW_CHILD_WITH_TIMEOUT)
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, parent(child, "sync"), {})
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        events = await helpers.history_events(handle)
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == ["fdl.resolve_flow"]
    execution = handle.id.split(":", 1)[1]
    child_handle = client.get_workflow_handle(
        workflow_id(child, f"{execution}-callChild-{CALL_EVENT}-1")
    )
    description = await child_handle.describe()
    assert description.status == WorkflowExecutionStatus.TIMED_OUT


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.1)


async def _is_running(handle: Any) -> bool:
    try:
        return bool((await handle.describe()).status == WorkflowExecutionStatus.RUNNING)
    except Exception:
        return False


async def _is_closed(handle: Any) -> bool:
    return bool((await handle.describe()).status != WorkflowExecutionStatus.RUNNING)


async def test_child_stopped_with_an_error_reaches_the_parents_catch(
    client: Client, task_queue: str
) -> None:
    child = unique("waiting")
    waiting = "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: pause\n    duration: 60\n"
    await register(client, task_queue, child, waiting)
    extra = """    serviceParams:
      ExecutionName: stop-me
    catch:
      - errors: [AnyCustomError]
        goto: stopped
    errorMappings:
      - target: why
        source: $local.error
      - target: cause
        source: $local.cause
  - type: pass
    name: stopped
"""
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, parent(child, "sync", extra), {})
        child_handle = client.get_workflow_handle(workflow_id(child, "stop-me"))
        await wait_until(lambda: _is_running(child_handle))
        await stop_execution(client, child, "stop-me", error="AnyCustomError", cause="by hand")
        out = await handle.result()
    assert out == {"n": 21, "why": "AnyCustomError", "cause": "by hand"}
