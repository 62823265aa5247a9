"""Data rules (reference section 3) end to end: FDL YAML on a real Temporal dev server."""

from __future__ import annotations

import helpers
import pytest
from handlers import record
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

PROBE = {"demo/probe": {"handler": "handlers.record:probe"}}


@pytest.fixture(autouse=True)
def _clear() -> None:
    record.CALLS.clear()


async def test_reference_3_8_worked_example(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: pass                 # output comes only from mappings (pass has empty $local)
    name: init
    outputMappings:
      - target: retries
        source: 0
  - type: task                 # input = flow input merged with flow local {"retries": 0}
    name: probe
    resourceArn: acs:fc:::services/demo/functions/probe
  - type: choice               # conditions read the choice's input = flow input + flow local
    name: decide
    choices:
      - condition: $.status == "done" && $.retries < 3
        goto: finish
  - type: succeed
    name: finish
"""
    out = await helpers.run(client, task_queue, flow, {"id": 7}, helpers.config(PROBE))
    assert record.CALLS == [("probe", {"id": 7, "retries": 0})]
    assert out == {"retries": 0, "status": "done"}


async def test_flow_input_and_output_mappings(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
inputMappings:
  - target: order
    source: $input.payload.order
  - target: mode
    source: fast
steps:
  - type: task
    name: probe
    resourceArn: acs:fc:::services/demo/functions/probe
outputMappings:
  - target: result
    source: $local.status
  - target: orderId
    source: $input.order.id
  - target: everything
    source: $local
"""
    start = {"payload": {"order": {"id": 42}}, "ignored": True}
    out = await helpers.run(client, task_queue, flow, start, helpers.config(PROBE))
    assert record.CALLS == [("probe", {"order": {"id": 42}, "mode": "fast"})]
    assert out == {"result": "done", "orderId": 42, "everything": {"status": "done"}}


async def test_mapping_scopes_of_a_step(client: Client, task_queue: str) -> None:
    # inputMappings read the parent's $input/$local and `$` = default child input;
    # outputMappings read the step's own input and local.
    flow = """
version: v1
type: flow
steps:
  - type: pass
    name: seed
    outputMappings:
      - target: a
        source: local-a
      - target: shared
        source: from-local
  - type: task
    name: probe
    resourceArn: acs:fc:::services/demo/functions/record
    inputMappings:
      - target: fromInput
        source: $input.shared
      - target: fromLocal
        source: $local.a
      - target: fromDollar
        source: $.shared
      - target: flowName
        source: $context.flow.name
      - target: step
        source: $context.step
    outputMappings:
      - target: echoed
        source: $local.seen.fromLocal
      - target: ownInput
        source: $input.fromInput
"""
    project = helpers.config({"demo/record": {"handler": "handlers.record:record"}})
    out = await helpers.run(client, task_queue, flow, {"shared": "from-input"}, project)
    assert record.CALLS == [
        (
            "record",
            {
                "fromInput": "from-input",
                "fromLocal": "local-a",
                "fromDollar": "from-local",
                "flowName": "testflow",
                # The id of probe's StepEntered: ExecutionStarted, then the first step's
                # StepEntered and StepExited come before it.
                "step": {"name": "probe", "eventId": 4},
            },
        )
    ]
    assert out == {
        "a": "local-a",
        "shared": "from-local",
        "echoed": "local-a",
        "ownInput": "from-input",
    }


async def test_goto_loop_and_end(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: pass
    name: init
    outputMappings:
      - target: n
        source: 0
  - type: task
    name: increment
    resourceArn: acs:fc:::services/demo/functions/count
  - type: choice
    name: again
    choices:
      - condition: $.n < 3
        goto: increment
  - type: pass
    name: stop
    end: true
    outputMappings:
      - target: stopped
        source: true
  - type: pass
    name: never
    outputMappings:
      - target: never
        source: true
"""
    project = helpers.config({"demo/count": {"handler": "handlers.record:count"}})
    out = await helpers.run(client, task_queue, flow, {}, project)
    assert [evt["n"] for _, evt in record.CALLS] == [0, 1, 2]
    assert out == {"n": 3, "stopped": True}


async def test_missing_mapping_path_fails_with_runtime_error(
    client: Client, task_queue: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: pass
    name: read
    inputMappings:
      - target: marker
        source: $local.marker
"""
    async with helpers.running_worker(client, task_queue):
        handle = await helpers.start(client, task_queue, flow, {})
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "FnF.RuntimeError"
    assert cause.message.startswith("read: inputMappings: ")
    assert "$local.marker" in cause.message


async def test_fail_step_fails_the_execution(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: pass
    name: first
  - type: fail
    name: JobFailed
    error: AuditUnknown
    cause: the audit result is unknown
  - type: pass
    name: never
"""
    async with helpers.running_worker(client, task_queue):
        handle = await helpers.start(client, task_queue, flow, {})
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.message) == ("AuditUnknown", "the audit result is unknown")
    assert cause.non_retryable
