"""Long executions continue as new between top-level steps, and nothing of their state is lost.

A goto loop at the top of a flow is the long-lived case (polling until a job is done): once a
run's Temporal history passes the budget, the next top-level step starts a new run of the same
execution carrying the list's position, its local, the flow input and the FDL event counter.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid

import helpers
from handlers import record
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from worker.contract.run import FlowRun, workflow_id
from worker.service.history import execution_history

COUNT = {"demo/count": {"handler": "handlers.record:count"}}
LOOP = """
version: v1
type: flow
inputMappings:
  - target: n
    source: $input.start
  - target: label
    source: $input.label
steps:
  - type: task
    name: count
    resourceArn: acs:fc:::services/demo/functions/count
    outputMappings:
      - target: n
        source: $local.n
      - target: lastEventId
        source: $context.step.eventId
  - type: choice
    name: more
    choices:
      - condition: $.n < 25
        goto: count
  - type: pass
    name: done
    outputMappings:
      - target: label
        source: $input.label
"""


async def test_a_long_goto_loop_continues_as_new_and_finishes_whole(
    client: Client, task_queue: str
) -> None:
    record.CALLS.clear()
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="loop",
        execution_name=name,
        definition=helpers.compile_flow(LOOP).to_json(),
        input={"start": 0, "label": "kept"},
        history_budget=60,
    )
    async with helpers.running_worker(client, task_queue, helpers.config(COUNT)):
        handle = await client.start_workflow(
            "loop", run, id=workflow_id("loop", name), task_queue=task_queue
        )
        first_run = handle.first_execution_run_id or handle.result_run_id
        output = await handle.result()
        events = (await execution_history(client, "loop", name)).events

    assert output["n"] == 25 and output["label"] == "kept"
    assert [call[1]["n"] for call in record.CALLS] == list(range(25)), "each count ran once"
    # The FDL event counter went on across runs (count and more entered 25 times each).
    assert output["lastEventId"] > 25 * 4

    first = client.get_workflow_handle(handle.id, run_id=first_run)
    first_history = [e.event_type async for e in first.fetch_history_events()]
    assert first_history[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    latest = await client.get_workflow_handle(handle.id).describe()
    assert latest.run_id != first_run

    # The FDL history spans every run, numbered on from one run to the next.
    assert [event.id for event in events] == list(range(1, len(events) + 1))
    assert events[0].type == "ExecutionStarted" and events[-1].type == "ExecutionSucceeded"
    entered = [e.step for e in events if e.type == "StepEntered"]
    assert entered.count("count") == 25 and entered.count("more") == 25

    # Without a worker, the history derived from Temporal's spans every run too, and the
    # runs' step trails name every choice and pass step that ran.
    derived = await execution_history(client, "loop", name, ask_worker=False)
    assert not derived.recorded
    assert [event.id for event in derived.events] == list(range(1, len(derived.events) + 1))
    kinds = [event.type for event in derived.events]
    assert kinds.count("ExecutionStarted") == 1 and kinds[-1] == "ExecutionSucceeded"
    assert [e.step for e in derived.events if e.type == "TaskSucceeded"] == ["count"] * 25
    assert [step for step, _ in derived.trail.steps] == ["more"] * 25 + ["done"]
    assert derived.trail.steps[-2:] == [["more", "option none"], ["done", "ran"]]


async def test_a_short_run_never_continues_as_new(client: Client, task_queue: str) -> None:
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="loop",
        execution_name=name,
        definition=helpers.compile_flow(LOOP).to_json(),
        input={"start": 22, "label": "short"},
    )
    async with helpers.running_worker(client, task_queue, helpers.config(COUNT)):
        handle = await client.start_workflow(
            "loop", dataclasses.replace(run), id=workflow_id("loop", name), task_queue=task_queue
        )
        assert (await handle.result())["n"] == 25
    history = [e.event_type async for e in handle.fetch_history_events()]
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW not in history


PARKED = """
version: v1
type: flow
steps:
  - type: parallel
    name: all
    branches:
      - steps:
          - {type: pass, name: init, outputMappings: [{target: n, source: 0}]}
          - {type: task, name: count, resourceArn: "acs:fc:::services/demo/functions/count"}
          - type: choice
            name: more
            choices: [{condition: $.n < 30, goto: count}]
      - steps:
          - {type: wait, name: nap, duration: 3}
    outputMappings: [{target: counted, source: "$local[0].n"}]
"""


async def test_a_run_parks_inside_a_parallel_and_a_sleeping_wait_sleeps_only_the_rest(
    client: Client, task_queue: str
) -> None:
    # The first branch's loop fills a small history budget while the second branch sleeps:
    # the run parks both (the wait with the time it still has to sleep) and continues as new.
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="parked",
        execution_name=name,
        definition=helpers.compile_flow(PARKED).to_json(),
        input={},
        history_budget=60,
    )
    async with helpers.running_worker(client, task_queue, helpers.config(COUNT)):
        handle = await client.start_workflow(
            "parked", run, id=workflow_id("parked", name), task_queue=task_queue
        )
        output = await handle.result()
        events = (await execution_history(client, "parked", name)).events
    assert output == {"counted": 30}
    timers = []
    runs = 0
    async for execution in client.list_workflows(f"WorkflowId = '{handle.id}'"):
        runs += 1
        history = client.get_workflow_handle(handle.id, run_id=execution.run_id)
        async for event in history.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                timeout = event.timer_started_event_attributes.start_to_fire_timeout
                timers.append(timeout.ToTimedelta().total_seconds())
    assert runs > 1
    # Each run's timer sleeps what is left (runs are listed newest first).
    timers.reverse()
    assert timers[0] == 3 and len(timers) > 1, timers
    assert all(0 < later < earlier for earlier, later in itertools.pairwise(timers)), timers
    # One FDL history across the runs: the wait entered once and exited once.
    assert [e.type for e in events if e.step == "all[1]/nap"] == ["StepEntered", "StepExited"]
    assert [event.id for event in events] == list(range(1, len(events) + 1))
