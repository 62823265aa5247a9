"""The choice step (reference 6.4): options in order, nested steps, goto, default, succeed."""

from __future__ import annotations

import helpers
import pytest
from handlers import record
from temporalio.client import Client

NAMED = {"demo/named": {"handler": "handlers.record:named"}}


@pytest.fixture(autouse=True)
def _clear() -> None:
    record.CALLS.clear()


async def test_nested_option_steps_output_merged_before_goto(
    client: Client, task_queue: str
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: choice
    name: route
    choices:
      - condition: $.kind == "a"
        steps:
          - type: pass
            name: markA
            outputMappings:
              - target: branch
                source: a
          - type: task
            name: callA
            resourceArn: acs:fc:::services/demo/functions/named
            inputMappings:
              - target: name
                source: $local.branch
        goto: after
      - condition: $.kind == "b"
        goto: skipped
    default:
      goto: skipped
  - type: pass
    name: skipped
    outputMappings:
      - target: skipped
        source: true
  - type: pass
    name: after
    outputMappings:
      - target: sawBranch
        source: $input.branch
"""
    out = await helpers.run(client, task_queue, flow, {"kind": "a"}, helpers.config(NAMED))
    # The option's local {branch, a} became the choice output, merged before jumping to
    # `after`, whose input (flow input + flow local) therefore has `branch`.
    assert out == {"branch": "a", "a": True, "sawBranch": "a"}
    assert record.CALLS == [("named", {"name": "a"})]


async def test_default_runs_when_nothing_matches(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: choice
    name: route
    choices:
      - condition: $.missing.deep == "x"
        goto: end
    default:
      steps:
        - type: pass
          name: fallback
          outputMappings:
            - target: took
              source: default
  - type: pass
    name: end
"""
    out = await helpers.run(client, task_queue, flow, {})
    assert out == {"took": "default"}


async def test_falls_through_without_default(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: choice
    name: CheckJobComplete
    choices:
      - condition: $.status == "success"
        goto: done
  - type: pass
    name: next
    outputMappings:
      - target: fellThrough
        source: true
  - type: pass
    name: done
    outputMappings:
      - target: done
        source: true
"""
    out = await helpers.run(client, task_queue, flow, {"status": "running"})
    assert out == {"fellThrough": True, "done": True}


async def test_nested_succeed_ends_option_and_cancels_goto(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: choice
    name: route
    choices:
      - condition: "true"
        steps:
          - type: succeed
            name: early
            outputMappings:
              - target: early
                source: true
          - type: pass
            name: notRun
            outputMappings:
              - target: notRun
                source: true
        goto: jumpedTo
  - type: pass
    name: next
    outputMappings:
      - target: next
        source: true
  - type: succeed
    name: stop
  - type: pass
    name: jumpedTo
    outputMappings:
      - target: jumpedTo
        source: true
"""
    out = await helpers.run(client, task_queue, flow, {})
    # The succeed ended only the option's list: the choice completed, its goto was not
    # taken, and the flow went on with the next sibling (then a top-level succeed).
    assert out == {"early": True, "next": True}


async def test_goto_loop_inside_an_option(client: Client, task_queue: str) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: choice
    name: outer
    choices:
      - condition: "true"
        steps:
          - type: task
            name: increment
            resourceArn: acs:fc:::services/demo/functions/count
            inputMappings:
              - target: n
                source: $.n
          - type: choice
            name: inner
            choices:
              - condition: $.n < 4
                goto: increment
"""
    project = helpers.config({"demo/count": {"handler": "handlers.record:count"}})
    out = await helpers.run(client, task_queue, flow, {"n": 0}, project)
    assert [evt["n"] for _, evt in record.CALLS] == [0, 1, 2, 3]
    assert out == {"n": 4}
