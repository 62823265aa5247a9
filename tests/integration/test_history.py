"""The FDL execution history: events with each step's input and output, in order.

The interpreter records the events in workflow memory and answers the ``fdl.history``
query; with no worker running, the events Temporal's own history shows are derived instead.
"""

from __future__ import annotations

import json
from typing import Any

import helpers
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError

from worker.service.history import execution_history

BASIC = {
    "demo/echo": {"handler": "handlers.basic:echo"},
    "demo/book": {"handler": "handlers.basic:book_flight"},
}

FLOW = """
version: v1
type: flow
steps:
  - type: pass
    name: init
    outputMappings:
      - target: n
        source: 1
  - type: task
    name: probe
    resourceArn: acs:fc:::services/demo/functions/echo
    inputMappings:
      - target: n
        source: $local.n
  - type: choice
    name: decide
    choices:
      - condition: $.n == 1
        steps:
          - type: pass
            name: one
            outputMappings:
              - target: picked
                source: one
  - type: parallel
    name: both
    branches:
      - steps:
          - type: pass
            name: left
            outputMappings:
              - target: side
                source: left
      - steps:
          - type: pass
            name: right
            outputMappings:
              - target: side
                source: right
    outputMappings:
      - target: sides
        source: $local[*].side
"""


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(event["Type"], event["StepName"]) for event in events]


async def test_events_with_step_input_and_output_in_order(client: Client, task_queue: str) -> None:
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, FLOW, {"id": 7})
        await handle.result()
        execution = handle.id.split(":", 1)[1]
        history = await execution_history(client, "testflow", execution)
        temporal_events = await helpers.history_events(handle)
    document = history.to_json()
    events = document["Events"]
    assert document["Source"] == "interpreter"
    assert document["Status"] == "Succeeded"
    assert summary(events) == [
        ("ExecutionStarted", ""),
        ("StepEntered", "init"),
        ("StepExited", "init"),
        ("StepEntered", "probe"),
        ("TaskScheduled", "probe"),
        ("TaskSucceeded", "probe"),
        ("StepExited", "probe"),
        ("StepEntered", "decide"),
        ("StepEntered", "decide/one"),
        ("StepExited", "decide/one"),
        ("StepExited", "decide"),
        ("StepEntered", "both"),
        ("StepEntered", "both[0]/left"),
        ("StepExited", "both[0]/left"),
        ("StepEntered", "both[1]/right"),
        ("StepExited", "both[1]/right"),
        ("StepExited", "both"),
        ("ExecutionSucceeded", ""),
    ]
    assert [event["EventId"] for event in events] == list(range(1, len(events) + 1))
    detail = {(e["Type"], e["StepName"]): json.loads(e["EventDetail"]) for e in events}
    assert detail[("ExecutionStarted", "")] == {"input": {"id": 7}}
    assert detail[("StepEntered", "init")] == {"input": {"id": 7}}
    assert detail[("StepExited", "init")] == {"output": {"n": 1}}
    assert detail[("StepEntered", "probe")] == {"input": {"n": 1}}
    assert detail[("TaskScheduled", "probe")]["attempt"] == 1
    assert detail[("TaskSucceeded", "probe")] == {"output": {"n": 1}}
    assert detail[("StepEntered", "decide")] == {"input": {"id": 7, "n": 1}}
    assert detail[("StepExited", "decide")] == {"output": {"picked": "one"}}
    assert detail[("StepEntered", "both[1]/right")] == {"input": {"id": 7, "n": 1, "picked": "one"}}
    assert detail[("StepExited", "both")] == {"output": {"sides": ["left", "right"]}}
    assert detail[("ExecutionSucceeded", "")] == {
        "output": {"n": 1, "picked": "one", "sides": ["left", "right"]}
    }
    by_id = {event["EventId"]: event for event in events}
    succeeded = next(e for e in events if e["Type"] == "TaskSucceeded")
    assert by_id[succeeded["ScheduleEventId"]]["Type"] == "TaskScheduled"
    # Recording costs the server nothing: one activity, no timers. The only marker is the
    # patch marker of the function calls of this release (step-path activity ids).
    kinds = [event.event_type for event in temporal_events]
    assert kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) == 1
    markers = [
        event.marker_recorded_event_attributes.marker_name
        for event in temporal_events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    assert markers == ["core_patch"]
    assert EventType.EVENT_TYPE_TIMER_STARTED not in kinds


FAILING = """
version: v1
type: flow
steps:
  - type: task
    name: book
    resourceArn: acs:fc:::services/demo/functions/book
    retry:
      - errors: [BookFlightError]
        intervalSeconds: 0.01
        maxAttempts: 1
    catch:
      - errors: [BookFlightError]
        goto: apologise
    errorMappings:
      - target: reason
        source: $local.cause
  - type: pass
    name: skipped
  - type: fail
    name: apologise
    error: NoFlight
    cause: sorry
"""


async def test_failed_attempts_caught_error_and_failed_execution(
    client: Client, task_queue: str
) -> None:
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, FAILING, {"flight": "XX1"})
        execution = handle.id.split(":", 1)[1]
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        history = await execution_history(client, "testflow", execution)
    events = history.to_json()["Events"]
    assert history.status == "Failed"
    assert summary(events) == [
        ("ExecutionStarted", ""),
        ("StepEntered", "book"),
        ("TaskScheduled", "book"),
        ("TaskFailed", "book"),
        ("TaskScheduled", "book"),
        ("TaskFailed", "book"),
        ("StepExited", "book"),
        ("StepEntered", "apologise"),
        ("StepFailed", "apologise"),
        ("StepExited", "apologise"),
        ("ExecutionFailed", ""),
    ]
    assert json.loads(events[3]["EventDetail"])["error"] == "BookFlightError"
    assert json.loads(events[4]["EventDetail"])["attempt"] == 2
    assert "reason" in json.loads(events[6]["EventDetail"])["output"]
    assert json.loads(events[8]["EventDetail"]) == {"error": "NoFlight", "cause": "sorry"}
    assert json.loads(events[-1]["EventDetail"]) == {"error": "NoFlight", "cause": "sorry"}


async def test_without_a_worker_the_events_come_from_temporal(
    client: Client, task_queue: str
) -> None:
    async with helpers.running_worker(client, task_queue, helpers.config(BASIC)):
        handle = await helpers.start(client, task_queue, FLOW, {"id": 7})
        await handle.result()
    execution = handle.id.split(":", 1)[1]
    history = await execution_history(client, "testflow", execution, query_timeout=1)
    document = history.to_json()
    assert document["Source"] == "temporal-history"
    assert summary(document["Events"]) == [
        ("ExecutionStarted", ""),
        ("TaskScheduled", "probe"),
        ("TaskSucceeded", "probe"),
        ("ExecutionSucceeded", ""),
    ]
    assert json.loads(document["Events"][1]["EventDetail"])["input"] == {"n": 1}
    assert json.loads(document["Events"][2]["EventDetail"]) == {"output": {"n": 1}}
    assert json.dumps(document)  # JSON all the way down
