"""Timers: wait steps and retry backoff, on the time-skipping test server (time costs nothing)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import helpers
import pytest
from handlers import flaky
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

FLAKY = {"demo/flaky": {"handler": "handlers.flaky:fail_then_succeed"}}


async def run_skipping(env: WorkflowEnvironment, flow: str, flow_input: dict[str, Any]) -> Any:
    """Run on the time-skipping server; returns (output or failure, history events)."""
    task_queue = f"ts-{uuid.uuid4().hex[:8]}"
    async with helpers.running_worker(env.client, task_queue, helpers.config(FLAKY)):
        handle = await helpers.start(
            env.client, task_queue, flow, flow_input, search_attributes=False
        )
        try:
            result: Any = await handle.result()
        except WorkflowFailureError as exc:
            result = exc.cause
        return result, await helpers.history_events(handle)


def timer_seconds(events: list[HistoryEvent]) -> list[float]:
    return [
        event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        for event in events
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]


def times_of(events: list[HistoryEvent], kind: EventType.ValueType) -> list[datetime]:
    return [event.event_time.ToDatetime() for event in events if event.event_type == kind]


async def test_wait_duration_path_and_timestamp(time_skipping_env: WorkflowEnvironment) -> None:
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    flow = """
version: v1
type: flow
steps:
  - type: wait
    name: fixed
    duration: 10
  - type: wait
    name: fromInput
    duration: $.pause
  - type: wait
    name: none
    duration: 0
  - type: wait
    name: past
    timestamp: "2019-05-02T15:04:05Z"
  - type: wait
    name: until
    timestamp: $.when
"""
    out, events = await run_skipping(time_skipping_env, flow, {"pause": "25", "when": in_an_hour})
    assert out == {}
    fixed, from_input, until = timer_seconds(events)
    assert (fixed, from_input) == (10, 25)
    assert 3600 - 60 < until <= 3600
    started = times_of(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)[0]
    ended = times_of(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)[0]
    assert timedelta(minutes=59) < ended - started < timedelta(minutes=61)


async def test_retry_backoff_follows_the_formula(time_skipping_env: WorkflowEnvironment) -> None:
    flaky.ATTEMPTS.clear()
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/demo/functions/flaky
    retry:
      - errors: [Other]
        intervalSeconds: 100
      - errors: [Throttled, FnF.TaskTimeout]
        intervalSeconds: 2
        multiplier: 2
        maxIntervalSeconds: 10
        maxAttempts: 5
"""
    out, events = await run_skipping(time_skipping_env, flow, {"failures": 4})
    assert out == {"attempts": 5}
    assert flaky.ATTEMPTS == [{"failures": 4}] * 5  # the same input every attempt
    assert timer_seconds(events) == [2, 4, 8, 10]
    scheduled = times_of(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(scheduled)]
    assert gaps == pytest.approx([2, 4, 8, 10], abs=0.5)


async def test_exhausted_retries_fail_with_the_last_error(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    flaky.ATTEMPTS.clear()
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/demo/functions/flaky
    retry:
      - errors: [FnF.ALL]
        maxAttempts: 2
"""
    failure, events = await run_skipping(time_skipping_env, flow, {"failures": 10})
    assert isinstance(failure, ApplicationError)
    assert (failure.type, failure.message) == ("Throttled", "attempt 3 throttled")
    assert timer_seconds(events) == [1, 2]  # FDL defaults: interval 1, multiplier 2


async def test_wait_longer_than_two_days_fails(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: wait
    name: tooLong
    duration: $.pause
"""
    async with helpers.running_worker(client, task_queue):
        handle = await helpers.start(client, task_queue, flow, {"pause": 172801})
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "FnF.RuntimeError"
    assert cause.message == ("tooLong: wait of 172801 seconds exceeds the 2-day maximum (172800 s)")
