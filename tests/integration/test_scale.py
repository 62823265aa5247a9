"""Size is a non-event: big foreach steps, nested fan-outs and long nested loops finish whole.

Each test asserts the exact output and that no run of the execution passed the history budget
(runs continue as new, from nested positions too), never a time. Measured on two loaded cores:
the 10,000-task foreach takes about a minute, the others a few seconds to half a minute.
"""

from __future__ import annotations

import uuid
from typing import Any

import helpers
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from translator.rules import HISTORY_BUDGET
from worker.contract.run import FlowRun, workflow_id

SCALE = {
    "demo/echo": {"handler": "handlers.scale:echo"},
    "demo/bump": {"handler": "handlers.scale:bump"},
    "demo/bump-local": {"handler": "handlers.scale:bump", "local": True},
}


async def run_big(
    client: Client,
    task_queue: str,
    flow: str,
    flow_input: dict[str, Any],
    *,
    step_data_limit: int = 0,
) -> tuple[dict[str, Any], list[int]]:
    """Run ``flow`` on a fresh worker; its output and the event count of each of its runs.

    Every run is checked to have had at most ``MAX_PENDING_WORK`` activities pending at once
    (Temporal's own limit is 2,000).
    """
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="big",
        execution_name=name,
        definition=helpers.compile_flow(flow).to_json(),
        input=flow_input,
        step_data_limit=step_data_limit,
    )
    async with helpers.running_worker(client, task_queue, helpers.config(SCALE)):
        handle = await client.start_workflow(
            "big", run, id=workflow_id("big", name), task_queue=task_queue
        )
        output = await handle.result()
    runs = []
    async for execution in client.list_workflows(f"WorkflowId = '{handle.id}'"):
        history = await client.get_workflow_handle(
            handle.id, run_id=execution.run_id
        ).fetch_history()
        runs.append(len(history.events))
    return output, runs


async def test_a_foreach_of_100000_pass_steps_finishes_with_every_value(
    client: Client, task_queue: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - {type: pass, name: keep, outputMappings: [{target: v, source: $input.item}]}
    outputMappings: [{target: values, source: "$local[*].v"}]
"""
    items = list(range(100_000))
    output, runs = await run_big(client, task_queue, flow, {"items": items})
    assert output == {"values": items}
    assert max(runs) <= HISTORY_BUDGET


async def test_a_foreach_of_10000_tasks_continues_as_new_and_finishes_whole(
    client: Client, task_queue: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - type: task
        name: echo
        resourceArn: acs:fc:::services/demo/functions/echo
        inputMappings: [{target: v, source: $input.item}]
    outputMappings: [{target: values, source: "$local[*].v"}]
"""
    items = list(range(10_000))
    output, runs = await run_big(client, task_queue, flow, {"items": items})
    assert output == {"values": items}
    assert len(runs) >= 3, "about 33,000 events: the foreach went on in later runs"
    assert max(runs) <= HISTORY_BUDGET


async def test_a_foreach_of_30_foreach_steps_of_100_tasks_stays_within_the_pending_limit(
    client: Client, task_queue: str
) -> None:
    # 30 x 100 iterations at the default concurrency ask for 3,000 calls at once; Temporal
    # takes 2,000 pending activities per run, the work budget lets 500 run.
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: outer
    iterationMapping: {collection: $.rows, item: row}
    steps:
      - type: foreach
        name: inner
        iterationMapping: {collection: $.cols, item: col}
        steps:
          - type: task
            name: cell
            resourceArn: acs:fc:::services/demo/functions/echo
            inputMappings:
              - {target: row, source: $input.row}
              - {target: col, source: $input.col}
        outputMappings: [{target: cells, source: "$local[*].col"}]
    outputMappings: [{target: rows, source: "$local[*].cells"}]
"""
    rows, cols = list(range(30)), list(range(100))
    output, runs = await run_big(client, task_queue, flow, {"rows": rows, "cols": cols})
    assert output == {"rows": [cols] * 30}
    assert max(runs) <= HISTORY_BUDGET  # and run_big checked the pending activities


async def test_a_20000_step_goto_loop_in_a_foreach_branch_continues_as_new_from_inside(
    client: Client, task_queue: str
) -> None:
    # Each of the 10,000 turns is a (local) function call and a choice: 20,000 steps inside
    # the iteration of a foreach, more history than one run may hold.
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.loops, item: loop}
    steps:
      - {type: pass, name: init, outputMappings: [{target: n, source: 0}]}
      - {type: task, name: bump, resourceArn: "acs:fc:::services/demo/functions/bump-local"}
      - type: choice
        name: again
        choices: [{condition: $.n < $.until, goto: bump}]
    outputMappings: [{target: counted, source: "$local[*].n"}]
"""
    output, runs = await run_big(client, task_queue, flow, {"loops": ["a"], "until": 10_000})
    assert output == {"counted": [10_000]}
    assert len(runs) >= 2 and max(runs) <= HISTORY_BUDGET


CLOSED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
}


def peak_pending(events: list[Any]) -> int:
    """The most activities scheduled and not yet closed at any point of a history."""
    pending = peak = 0
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            pending += 1
            peak = max(peak, pending)
        elif event.event_type in CLOSED:
            pending -= 1
    return peak
