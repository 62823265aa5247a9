"""FdlClient covers the whole original API: flows, executions, history and schedules.

The commands behind each method have their own tests; this one shows a program can do the
same work through the façade alone, on a real dev server with a worker.
"""

from __future__ import annotations

import uuid

from helpers import running_worker
from temporalio.client import Client

from worker.service.client import FdlClient

FLOW = """\
version: v1
type: flow
steps:
  - type: pass
    name: greet
    outputMappings:
      - target: greeting
        source: $input.name
"""


async def test_a_program_runs_a_flow_reads_its_history_and_schedules_it(
    client: Client, task_queue: str
) -> None:
    fdl = FdlClient(client, task_queue=task_queue)
    flow = f"facade-{uuid.uuid4().hex[:8]}"
    await fdl.create_flow(flow, FLOW)
    async with running_worker(client, task_queue):
        started = await fdl.start_execution(flow, name="first", input={"name": "ada"})
        done = await fdl.describe_execution(flow, started.name, wait_seconds=30)
        assert (done.status, done.output) == ("Succeeded", {"greeting": "ada"})

        events = (await fdl.execution_history(flow, "first")).events
        kinds = [(event.type, event.step) for event in events]
        assert kinds[0] == ("ExecutionStarted", "")
        assert ("StepEntered", "greet") in kinds and ("StepExited", "greet") in kinds
        assert kinds[-1] == ("ExecutionSucceeded", "")

    schedule = await fdl.create_schedule(flow, "nightly", cron="0 30 2 * * *", enabled=False)
    assert schedule.cron == "0 30 2 * * *"
    assert [s.schedule_name for s in await fdl.list_schedules(flow)] == ["nightly"]
    await fdl.update_schedule(flow, "nightly", cron="0 0 3 * * *")
    assert (await fdl.describe_schedule(flow, "nightly")).cron == "0 0 3 * * *"
    await fdl.delete_schedule(flow, "nightly")
    assert await fdl.list_schedules(flow) == []
