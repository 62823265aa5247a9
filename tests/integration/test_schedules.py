"""Schedules on the real dev server: a fire starts the current version of a registered flow
with ``{"triggerTime", "triggerName", "payload"}``; a fire time runs at most once; pause stops
fires; delete removes the schedule.

Most fires here are manual (``trigger``, ``backfill``), so no test waits for a clock, except
one: ``@every 1m`` is left to fire by itself once, beside a paused twin that must not.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from helpers import compile_flow, running_worker
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.worker import Worker

from translator.compile import compile_file
from worker.contract.run import FLOW_NAME_KEY, VERSION_MEMO, FlowRun
from worker.contract.schedules import ScheduledRun
from worker.service.errors import ScheduleNotExists
from worker.service.flows import create_flow, new_version, update_flow
from worker.service.schedules import (
    backfill_schedule,
    create_schedule,
    delete_schedule,
    describe_schedule,
    list_schedules,
    set_enabled,
    trigger_schedule,
)

pytestmark = pytest.mark.integration

T = TypeVar("T")
SEED_000 = Path(__file__).resolve().parents[1] / "fixtures" / "flows" / "schedule-workers.yaml"
PAYLOAD = {"workers": ["worker1", "worker2", "worker3"]}

ECHO = """
version: v1
type: flow
steps:
  - type: pass
    name: echo
    outputMappings:
      - target: version
        source: {version}
      - target: triggerTime
        source: $input.triggerTime
      - target: triggerName
        source: $input.triggerName
      - target: payload
        source: $input.payload
"""


def echo(version: str) -> dict[str, Any]:
    return compile_flow(ECHO.format(version=version)).to_json()


@pytest.fixture
async def worker(client: Client, task_queue: str) -> AsyncIterator[Worker]:
    async with running_worker(client, task_queue) as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 15) -> T:
    """The first non-empty result of ``probe`` (visibility and workers lag a little)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.1)


async def executions(client: Client, flow: str) -> list[Any]:
    """The executions of ``flow`` (runs carrying its FdlFlow attribute), oldest first."""
    found = [wf async for wf in client.list_workflows(f"{FLOW_NAME_KEY.name} = '{flow}'")]
    return sorted(found, key=lambda wf: wf.start_time)


async def start_input(client: Client, handle: WorkflowHandle[Any, Any]) -> FlowRun:
    """The FlowRun an execution was started with (its first history event)."""
    async for event in handle.fetch_history_events():
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        [run] = await client.data_converter.decode(payloads, [FlowRun])
        assert isinstance(run, FlowRun)
        return run
    raise AssertionError("no history")


async def test_a_fire_runs_the_current_version_with_the_trigger_input(
    client: Client, task_queue: str, worker: Worker
) -> None:
    flow, name = unique("echo"), "every-day"
    await create_flow(client, flow, new_version(echo("'v1'"), "v1"), task_queue=task_queue)
    current, _ = await update_flow(client, flow, new_version(echo("'v2'"), "v2"))
    await create_schedule(
        client, flow, name, cron="0 0 4 * * *", payload={"n": 1}, task_queue=task_queue
    )
    before = datetime.now(UTC).replace(microsecond=0)
    await trigger_schedule(client, flow, name)

    [run] = await eventually(lambda: executions(client, flow))
    handle = client.get_workflow_handle(run.id)
    output = await handle.result()
    fire = datetime.fromisoformat(output["triggerTime"])
    assert before <= fire <= datetime.now(UTC)
    assert output == {
        "version": "v2",
        "triggerTime": fire.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "triggerName": name,
        "payload": {"n": 1},
    }
    assert run.id == f"{flow}:{name}-{int(fire.timestamp())}"
    assert (await (await handle.describe()).memo())[VERSION_MEMO] == current.version
    described = await describe_schedule(client, flow, name)
    assert [r.execution_name for r in described.recent_runs] == [run.id.split(":", 1)[1]]
    await delete_schedule(client, flow, name)


async def test_seed_000_flow_starts_from_its_schedule_with_the_payload(
    client: Client, task_queue: str, worker: Worker
) -> None:
    flow, name = unique("demo-schedule-workers"), "workers-every-hour"
    definition = compile_file(SEED_000).to_json()
    registered = await create_flow(
        client, flow, new_version(definition, SEED_000.read_text()), task_queue=task_queue
    )
    await create_schedule(
        client, flow, name, cron="0 0 * * * *", payload=PAYLOAD, task_queue=task_queue
    )
    await trigger_schedule(client, flow, name)

    [run] = await eventually(lambda: executions(client, flow))
    handle = client.get_workflow_handle(run.id)
    started = await start_input(client, handle)
    # The trigger resolved the current registered version just before starting the execution.
    assert started.definition == definition
    assert started.version == registered.version
    assert started.flow_name == flow and run.workflow_type == flow
    assert started.input["triggerName"] == name
    assert started.input["payload"] == PAYLOAD
    assert run.id == f"{flow}:{started.execution_name}"

    async def version() -> str | None:
        memo = await (await handle.describe()).memo()
        return memo.get(VERSION_MEMO)

    assert await eventually(version) == registered.version
    await delete_schedule(client, flow, name)
    if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await handle.terminate("test over")  # it may wait for MNS workers the test lacks


async def test_a_fire_time_runs_once_however_often_it_fires(
    client: Client, task_queue: str, worker: Worker
) -> None:
    flow, name = unique("echo"), "minutely"
    await create_flow(client, flow, new_version(echo("'v1'"), "v1"), task_queue=task_queue)
    await create_schedule(
        client, flow, name, cron="@every 1m", enabled=False, task_queue=task_queue
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    fires = [start + timedelta(minutes=i) for i in range(3)]

    async def triggers(count: int) -> list[Any] | None:
        query = f"WorkflowType = 'fdl.schedule' AND TemporalScheduledById = '{flow}/{name}'"
        found = [wf async for wf in client.list_workflows(query)]
        done = [wf for wf in found if wf.status == WorkflowExecutionStatus.COMPLETED]
        return done if len(done) == count else None

    await backfill_schedule(client, flow, name, fires[0], fires[-1])
    await eventually(lambda: triggers(3))
    await backfill_schedule(client, flow, name, fires[0], fires[-1])  # the same fires again
    done = await eventually(lambda: triggers(6))

    results = [
        await client.get_workflow_handle(wf.id, run_id=wf.run_id, result_type=ScheduledRun).result()
        for wf in done
    ]
    started = sorted(r.execution_name for r in results if r.started)
    expected = sorted(f"{name}-{int(t.timestamp())}" for t in fires)
    assert started == expected
    assert sorted(r.execution_name for r in results if not r.started) == expected
    runs = await executions(client, flow)
    assert sorted(wf.id for wf in runs) == sorted(f"{flow}:{e}" for e in expected)
    outputs = [await client.get_workflow_handle(wf.id).result() for wf in runs]
    assert sorted(o["triggerTime"] for o in outputs) == [
        t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in fires
    ]
    await delete_schedule(client, flow, name)


async def test_every_minute_fires_by_itself_until_paused_and_delete_removes_it(
    client: Client, task_queue: str, worker: Worker
) -> None:
    """The one test that waits for the clock: at most a minute, for the next whole minute."""
    flow = unique("echo")
    await create_flow(client, flow, new_version(echo("'v1'"), "v1"), task_queue=task_queue)
    now = datetime.now(UTC)
    if now.second >= 55:  # too close to the next fire to pause in time: wait for it to pass
        await asyncio.sleep(61 - now.second)
    for name in ("live", "paused"):
        await create_schedule(
            client, flow, name, cron="@every 1m", payload={"s": name}, task_queue=task_queue
        )
    paused = await set_enabled(client, flow, "paused", False)
    assert not paused.enabled
    fire = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)

    [run] = await eventually(lambda: executions(client, flow), timeout=75)
    output = await client.get_workflow_handle(run.id).result()
    assert output["triggerName"] == "live" and output["payload"] == {"s": "live"}
    assert output["triggerTime"] == fire.strftime("%Y-%m-%dT%H:%M:%SZ")
    await asyncio.sleep(2)  # the paused twin had its chance at the same instant
    assert [wf.id for wf in await executions(client, flow)] == [run.id]
    assert (await describe_schedule(client, flow, "paused")).recent_runs == []

    listed = await eventually(lambda: _names_when(client, flow, {"live", "paused"}))
    assert listed == ["live", "paused"]
    await delete_schedule(client, flow, "live")
    with pytest.raises(ScheduleNotExists, match="no schedule named 'live'"):
        await describe_schedule(client, flow, "live")
    with pytest.raises(ScheduleNotExists):
        await delete_schedule(client, flow, "live")
    assert await eventually(lambda: _names_when(client, flow, {"paused"})) == ["paused"]
    await delete_schedule(client, flow, "paused")


async def _names_when(client: Client, flow: str, expected: set[str]) -> list[str] | None:
    names = [s.schedule_name for s in await list_schedules(client, flow)]
    return names if set(names) == expected else None
