"""Task steps calling Python FC handlers: results, errors, catch, timeouts, visibility."""

from __future__ import annotations

import json
import time
from typing import Any

import helpers
import pytest
from handlers import flaky, slow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from worker.contract.run import FLOW_NAME_KEY

BASIC = {
    "demo/echo": {"handler": "handlers.basic:echo"},
    "demo/echoText": {"handler": "handlers.basic:echo_text"},
    "demo/echoBytes": {"handler": "handlers.basic:echo_bytes"},
    "demo/asyncEcho": {"handler": "handlers.basic:async_echo"},
    "demo/notAnObject": {"handler": "handlers.basic:not_an_object"},
    "demo/book": {"handler": "handlers.basic:book_flight"},
    "demo/context": {"handler": "handlers.basic:describe_context"},
    "demo/fatal": {"handler": "handlers.flaky:fatal"},
    "demo/sleeper": {"handler": "handlers.slow:sleeper"},
}


def task_flow(function: str, extra: str = "") -> str:
    return f"""
version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:cn-hangzhou:123:services/demo/functions/{function}
{extra}"""


async def failure_of(
    client: Client, task_queue: str, flow: str, flow_input: Any = None
) -> ApplicationError:
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, flow, flow_input or {})
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


@pytest.mark.parametrize("function", ["echo", "echoText", "echoBytes", "asyncEcho"])
async def test_results_become_local(client: Client, task_queue: str, function: str) -> None:
    out = await helpers.run(
        client, task_queue, task_flow(function), {"x": 1}, helpers.config(BASIC)
    )
    expected = {"x": 1, "async": True} if function == "asyncEcho" else {"x": 1}
    assert out == expected


async def test_handler_context(client: Client, task_queue: str) -> None:
    flow = task_flow("context").replace("services/demo/", "services/demo.prod/")
    out = await helpers.run(client, task_queue, flow, {}, helpers.config(BASIC))
    assert out["function"] == {
        "name": "context",
        "handler": "handlers.basic:describe_context",
        "memory": 128,
        "timeout": 600.0,
    }
    assert out["service"] == {"name": "demo", "qualifier": "prod"}
    assert (out["region"], out["account_id"], out["event_type"]) == ("cn-hangzhou", "123", "bytes")
    assert out["request_id"] and out["has_credentials"]


async def test_non_object_result_is_invalid_local(client: Client, task_queue: str) -> None:
    failure = await failure_of(client, task_queue, task_flow("notAnObject"))
    assert failure.type == "FnF.InvalidLocal"
    assert failure.message == "call: the task result must be a JSON object, got [1, 2, 3]"


async def test_handler_exception_class_is_the_error_name(client: Client, task_queue: str) -> None:
    flow = task_flow("book", "    inputMappings:\n      - target: flight\n        source: MU5100\n")
    failure = await failure_of(client, task_queue, flow)
    assert (failure.type, failure.message) == ("BookFlightError", "no seats on MU5100")


async def test_unbound_function_is_function_not_found(client: Client, task_queue: str) -> None:
    failure = await failure_of(client, task_queue, task_flow("nobody"))
    assert failure.type == "FC.FunctionNotFound"
    assert "'demo/nobody' is not bound; add it to fdl.yaml" in failure.message


async def test_catch_with_error_mappings_then_goto(client: Client, task_queue: str) -> None:
    flaky.ATTEMPTS.clear()
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: charge
    resourceArn: acs:fc:::services/demo/functions/fatal
    inputMappings:
      - target: why
        source: card declined
    retry:
      - errors: [SomethingElse]
        maxAttempts: 5
    catch:
      - errors: [NotThis]
        goto: unreachable
      - errors: [Fatal]
        goto: notify
    errorMappings:
      - target: reason
        source: $local.cause
      - target: error
        source: $local.error
      - target: code
        source: $local.code
      - target: sentWhy
        source: $input.why
  - type: pass
    name: unreachable
    outputMappings:
      - target: unreachable
        source: true
  - type: pass
    name: notify
    outputMappings:
      - target: notified
        source: $input.reason
"""
    out = await helpers.run(client, task_queue, flow, {}, helpers.config(BASIC))
    assert len(flaky.ATTEMPTS) == 1  # the retry policy did not match Fatal
    assert out == {
        "reason": "card declined",
        "error": "Fatal",
        "code": "Fatal",
        "sentWhy": "card declined",
        "notified": "card declined",
    }


async def test_catch_all_covers_a_missing_input_path(client: Client, task_queue: str) -> None:
    flow = task_flow(
        "echo",
        """    inputMappings:
      - target: marker
        source: $local.marker
    catch:
      - errors: [FnF.ALL]
        goto: recovered
    errorMappings:
      - target: caught
        source: $local.error
      - target: input
        source: $input
  - type: pass
    name: recovered
""",
    )
    out = await helpers.run(client, task_queue, flow, {}, helpers.config(BASIC))
    assert out == {"caught": "FnF.RuntimeError", "input": {}}


async def test_catch_without_error_mappings_outputs_nothing(
    client: Client, task_queue: str
) -> None:
    flow = task_flow("book", "    catch:\n      - errors: [BookFlightError]\n        goto: after\n")
    flow += "  - type: pass\n    name: after\n"
    assert await helpers.run(client, task_queue, flow, {"keep": 1}, helpers.config(BASIC)) == {}


async def test_timeout_seconds_is_task_timeout(client: Client, task_queue: str) -> None:
    slow.STARTED.clear()
    flow = task_flow("sleeper", "    timeoutSeconds: 1\n")
    began = time.monotonic()
    failure = await failure_of(client, task_queue, flow, {"label": "t", "seconds": 30})
    assert time.monotonic() - began < 10
    assert failure.type == "FnF.TaskTimeout"
    # Two clocks race to the same deadline: the handler's own (the worker stops waiting for
    # it) and Temporal's start-to-close timeout (which also covers a lost worker).
    assert failure.message in (
        "handlers.slow:sleeper did not return within 1.0 seconds",
        "task call timed out (start-to-close timeout)",
    )
    assert slow.STARTED == ["t"]


async def test_unsupported_task_is_not_caught(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: send
    action: ocr:RecognizeIdentityCard
    catch:
      - errors: [FnF.ALL]
        goto: after
  - type: pass
    name: after
"""
    failure = await failure_of(client, task_queue, flow)
    assert failure.type == "FnF.RuntimeError"
    assert failure.message == (
        "send: tasks calling action ocr:RecognizeIdentityCard are not supported yet"
    )


async def test_summary_search_attribute_and_current_details(
    client: Client, task_queue: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: fan
    iterationMapping:
      collection: $.items
      item: item
    steps:
      - type: task
        name: work
        resourceArn: acs:fc:::services/demo/functions/echo
  - type: parallel
    name: both
    branches:
      - steps:
          - type: task
            name: left
            resourceArn: acs:fc:::services/demo/functions/echo
      - steps:
          - type: wait
            name: pause
            duration: 60
"""
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, flow, {"items": [1, 2]})
        # While both[0]/left finishes, the details may still list it; once only the timer
        # runs they must read exactly this.
        expected = "**Running steps** (2)\n- `both`\n- `both[1]/pause`"
        details = await _wait_for_details(handle, expected)
        await handle.terminate("test done")
    assert details == expected
    events = await helpers.history_events(handle)
    # A function call names its step path in its activity id (a summary would be one more
    # payload per call); the number after '#' keeps ids unique in the run.
    activity_ids = [
        event.activity_task_scheduled_event_attributes.activity_id
        for event in events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert activity_ids == ["fan[0]/work#1", "fan[1]/work#2", "both[0]/left#3"]
    timers = [
        json.loads(event.user_metadata.summary.data)
        for event in events
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]
    assert timers == ["both[1]/pause"]
    description = await handle.describe()
    assert description.workflow_type == "testflow"
    assert description.typed_search_attributes.get(FLOW_NAME_KEY) == "testflow"


async def _wait_for_details(handle: Any, expected: str) -> str:
    seen = ""
    for _ in range(200):
        metadata = await handle.query("__temporal_workflow_metadata")
        seen = str(metadata.current_details)
        if seen == expected:
            return seen
        await _sleep(0.05)
    raise AssertionError(f"the current details never read {expected!r}; last: {seen!r}")


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
