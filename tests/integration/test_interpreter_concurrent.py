"""parallel and foreach: declaration order, concurrency cap, cancellation of siblings."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import helpers
import pytest
from handlers import concurrency, slow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

FUNCTIONS = {
    "demo/measure": {"handler": "handlers.concurrency:measure"},
    "demo/sleeper": {"handler": "handlers.slow:sleeper"},
    "demo/failSoon": {"handler": "handlers.slow:fail_soon"},
    "demo/echo": {"handler": "handlers.basic:echo"},
}


async def test_parallel_locals_in_branch_order(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: parallel
    name: both
    branches:
      - steps:
          - type: task
            name: slowFirst
            resourceArn: acs:fc:::services/demo/functions/sleeper
            inputMappings:
              - target: label
                source: first
              - target: seconds
                source: 0.5
      - steps:
          - type: pass
            name: quickSecond
            outputMappings:
              - target: slept
                source: second
    outputMappings:
      - target: order
        source: $local[*].slept
      - target: branches
        source: $local
  - type: parallel
    name: defaultOutput
    branches:
      - steps:
          - type: pass
            name: ignored
            outputMappings:
              - target: ignored
                source: true
"""
    out = await helpers.run(client, task_queue, flow, {}, helpers.config(FUNCTIONS))
    assert out == {
        "order": ["first", "second"],
        "branches": [{"slept": "first"}, {"slept": "second"}],
    }


async def test_failing_branch_cancels_the_others(client: Client, task_queue: str) -> None:
    slow.STARTED.clear()
    slow.CANCELLED.clear()
    flow = """
version: v1
type: flow
steps:
  - type: parallel
    name: race
    branches:
      - steps:
          - type: task
            name: long
            resourceArn: acs:fc:::services/demo/functions/sleeper
            inputMappings:
              - target: label
                source: a
      - steps:
          - type: task
            name: broken
            resourceArn: acs:fc:::services/demo/functions/failSoon
      - steps:
          - type: wait
            name: pause
            duration: 3600
      - steps:
          - type: task
            name: longer
            resourceArn: acs:fc:::services/demo/functions/sleeper
            inputMappings:
              - target: label
                source: c
"""
    fast_heartbeats = timedelta(milliseconds=50)
    began = time.monotonic()
    async with helpers.running_worker(
        client,
        task_queue,
        helpers.config(FUNCTIONS),
        max_heartbeat_throttle_interval=fast_heartbeats,
        default_heartbeat_throttle_interval=fast_heartbeats,
    ):
        handle = await helpers.start(client, task_queue, flow, {})
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        elapsed = time.monotonic() - began
        for _ in range(100):  # the handlers learn of the cancellation from a heartbeat
            if sorted(slow.CANCELLED) == ["a", "c"]:
                break
            await asyncio.sleep(0.05)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.message) == ("BranchFailed", "branch failed on purpose")
    assert elapsed < 10  # the sleepers would take 30 s, the wait an hour
    assert sorted(slow.STARTED) == ["a", "c"]
    assert sorted(slow.CANCELLED) == ["a", "c"]
    kinds = [event.event_type for event in await helpers.history_events(handle)]
    assert kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED) == 2
    assert kinds.count(EventType.EVENT_TYPE_TIMER_CANCELED) == 1


FOREACH = """
version: v1
type: flow
steps:
  - type: foreach
    name: fan
    {limit}
    iterationMapping:
      collection: $.items
      item: item
      index: i
    steps:
      - type: task
        name: measure
        resourceArn: acs:fc:::services/demo/functions/measure
        inputMappings:
          - target: item
            source: $input.item
          - target: expect
            source: $input.expect
          - target: i
            source: $input.i
        outputMappings:
          - target: doubled
            source: $local.doubled
          - target: position
            source: $input.i
    outputMappings:
      - target: doubled
        source: $local[*].doubled
      - target: positions
        source: $local[*].position
"""


async def test_foreach_runs_at_most_100_iterations_at_once(client: Client, task_queue: str) -> None:
    concurrency.reset()
    items = list(range(250))
    out = await helpers.run(
        client,
        task_queue,
        FOREACH.format(limit=""),
        {"items": items, "expect": 100},
        helpers.config(FUNCTIONS),
        max_concurrent_activities=300,  # the worker would allow more: the cap is FDL's
    )
    assert concurrency.PEAK == 100
    assert out == {"doubled": [2 * n for n in items], "positions": items}


async def test_foreach_max_concurrency_and_index(client: Client, task_queue: str) -> None:
    concurrency.reset()
    items = [5, 6, 7, 8, 9, 10, 11]
    out = await helpers.run(
        client,
        task_queue,
        FOREACH.format(limit="maxConcurrency: 3"),
        {"items": items, "expect": 3},
        helpers.config(FUNCTIONS),
    )
    assert concurrency.PEAK == 3
    assert out == {"doubled": [2 * n for n in items], "positions": list(range(7))}


async def test_foreach_default_output_and_local(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.names
      item: name
    steps:
      - type: pass
        name: keep
        outputMappings:
          - target: got
            source: $input.name
          - target: all
            source: $input.names
  - type: foreach
    name: empty
    iterationMapping:
      collection: $.none
      item: x
    steps:
      - type: pass
        name: never
    outputMappings:
      - target: emptyLocal
        source: $local
"""
    out = await helpers.run(client, task_queue, flow, {"names": ["a", "b"], "none": []})
    assert out == {"emptyLocal": []}  # foreach's default output is {}, not its local


@pytest.mark.parametrize(
    ("flow_input", "message"),
    [
        ({}, "each: iterationMapping.collection: path '$.names' does not exist"),
        ({"names": "abc"}, "each: iterationMapping.collection: $.names must be an array, got str"),
    ],
)
async def test_foreach_collection_must_be_an_array(
    client: Client, task_queue: str, flow_input: dict[str, object], message: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.names
      item: name
    steps:
      - type: pass
        name: keep
"""
    async with helpers.running_worker(client, task_queue):
        handle = await helpers.start(client, task_queue, flow, flow_input)
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "FnF.RuntimeError"
    assert cause.message.startswith(message)
