"""The step data limit (reference 3.7): input + local + output of a step over 32 KiB fails
the execution with ``FnF.DataLimitExceeded``, which no ``catch`` takes."""

from __future__ import annotations

import dataclasses
import uuid

import helpers
import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from worker.contract.run import FlowRun, workflow_id

ECHO = {"demo/echo": {"handler": "handlers.basic:echo"}}
FLOW = """
version: v1
type: flow
steps:
  - type: task
    name: echo
    resourceArn: acs:fc:::services/demo/functions/echo
    catch:
      - errors: [FnF.ALL]
        goto: rescued
  - type: succeed
    name: done
  - type: pass
    name: rescued
    outputMappings:
      - target: rescued
        source: yes
"""


async def run_with_limit(
    client: Client, task_queue: str, flow_input: dict[str, str], limit: int | None
) -> dict[str, object]:
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="limits",
        execution_name=name,
        definition=helpers.compile_flow(FLOW).to_json(),
        input=flow_input,
    )
    if limit is not None:
        run = dataclasses.replace(run, step_data_limit=limit)
    async with helpers.running_worker(client, task_queue, helpers.config(ECHO)):
        handle = await client.start_workflow(
            "limits", run, id=workflow_id("limits", name), task_queue=task_queue
        )
        result: dict[str, object] = await handle.result()
        return result


async def test_a_step_over_the_limit_fails_the_execution_past_its_catch(
    client: Client, task_queue: str
) -> None:
    blob = {"blob": "x" * 12_000}  # input, local and output each hold it: about 36 KB

    with pytest.raises(WorkflowFailureError) as failed:
        await run_with_limit(client, task_queue, blob, None)

    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "FnF.DataLimitExceeded"
    assert cause.message.startswith("echo: the step's input, local and output take 36")
    assert cause.message.endswith("over the limit of 32768 bytes")


async def test_under_the_limit_or_with_the_limit_off_the_step_runs(
    client: Client, task_queue: str
) -> None:
    small = {"blob": "x" * 9_000}
    assert await run_with_limit(client, task_queue, small, None) == small
    big = {"blob": "x" * 12_000}
    assert await run_with_limit(client, task_queue, big, 0) == big


async def test_a_foreach_whose_results_cannot_fit_fails_before_its_first_call(
    client: Client, task_queue: str
) -> None:
    # 5,000 items: the collection alone takes 23.9 KB of the foreach's input, and its $local
    # (one object per item) at least 15 KB more: over 32 KiB before any call is made.
    from handlers import record

    record.CALLS.clear()
    flow = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - type: task
        name: note
        resourceArn: acs:fc:::services/demo/functions/record
        inputMappings: [{target: item, source: $input.item}]
"""
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="limits",
        execution_name=name,
        definition=helpers.compile_flow(flow).to_json(),
        input={"items": list(range(5_000))},
    )
    config = helpers.config({"demo/record": {"handler": "handlers.record:record"}})
    async with helpers.running_worker(client, task_queue, config):
        handle = await client.start_workflow(
            "limits", run, id=workflow_id("limits", name), task_queue=task_queue
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "FnF.DataLimitExceeded"
    assert cause.message == (
        "each: the step cannot fit the step data limit of 32768 bytes: its input takes 23901 "
        "bytes and its $local of 5000 lists at least 15001; it fails before it starts"
    )
    assert record.CALLS == [], "not one call was made"
