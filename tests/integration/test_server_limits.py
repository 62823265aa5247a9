"""When Temporal itself ends an execution (it outgrew one of the server's limits), the FDL
status and error say so: ``Failed`` with ``FnF.RuntimeError`` and the limit in plain words,
never ``Stopped`` (which reads as if somebody had stopped it).

The server here is one of its own, started with a history limit of 300 events, and the
execution is given a history budget above that, so the interpreter does not continue as new
in time (as an execution of an earlier release would not).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import helpers
import pytest
from temporalio.client import Client

from worker.contract.converter import DATA_CONVERTER
from worker.contract.run import FlowRun, workflow_id
from worker.local.devserver import DevServer
from worker.service.executions import describe_execution
from worker.service.runs import wait_for_outcome

LOOP = """
version: v1
type: flow
steps:
  - {type: pass, name: init, outputMappings: [{target: n, source: 0}]}
  - {type: task, name: count, resourceArn: "acs:fc:::services/demo/functions/count"}
  - type: choice
    name: again
    choices: [{condition: $.n < 1000, goto: count}]
"""


@pytest.fixture(scope="module")
def small_server() -> Iterator[DevServer]:
    limits = ("--dynamic-config-value", "limit.historyCount.error=300")
    with DevServer(ui_port=None, extra_flags=limits) as server:
        yield server


async def test_an_execution_temporal_ended_at_its_history_limit_failed_and_says_why(
    small_server: DevServer, task_queue: str
) -> None:
    client = await Client.connect(small_server.address, data_converter=DATA_CONVERTER)
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="loop",
        execution_name=name,
        definition=helpers.compile_flow(LOOP).to_json(),
        input={},
        history_budget=100_000,
    )
    count = {"demo/count": {"handler": "handlers.record:count"}}
    async with helpers.running_worker(client, task_queue, helpers.config(count)):
        handle = await client.start_workflow(
            "loop", run, id=workflow_id("loop", name), task_queue=task_queue
        )
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.error) == ("Failed", "FnF.RuntimeError")
    assert ended.cause == (
        "Temporal ended the execution: its history passed Temporal's limit of events "
        "(51,200 unless the server says otherwise) (Workflow history count exceeds limit.)"
    )
    described = await describe_execution(client, "loop", name)
    assert (described.status, described.error, described.cause) == (
        "Failed",
        ended.error,
        ended.cause,
    )
