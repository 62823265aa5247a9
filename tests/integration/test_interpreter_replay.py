"""Determinism: a history produced by the interpreter replays without non-determinism errors."""

from __future__ import annotations

import helpers
from temporalio.client import Client
from temporalio.worker import Replayer

from worker.process import WORKFLOWS
from worker.sandbox import workflow_runner

FLOW = """
version: v1
type: flow
steps:
  - type: foreach
    name: fan
    maxConcurrency: 3
    iterationMapping:
      collection: $.items
      item: item
      index: i
    steps:
      - type: choice
        name: route
        choices:
          - condition: $.i == 2
            steps:
              - type: succeed
                name: early
                outputMappings:
                  - target: early
                    source: $input.item
      - type: task
        name: echo
        resourceArn: acs:fc:::services/demo/functions/echo
        inputMappings:
          - target: item
            source: $input.item
  - type: parallel
    name: both
    branches:
      - steps:
          - type: wait
            name: tick
            duration: 0.05
          - type: succeed
            name: stopBranch
          - type: pass
            name: notRun
            outputMappings:
              - target: notRun
                source: true
      - steps:
          - type: task
            name: echo2
            resourceArn: acs:fc:::services/demo/functions/echo
    outputMappings:
      - target: branches
        source: $local
  - type: pass
    name: summary
    outputMappings:
      - target: items
        source: $input.items
"""


async def test_history_replays_deterministically(client: Client, task_queue: str) -> None:
    project = helpers.config({"demo/echo": {"handler": "handlers.basic:echo"}})
    async with helpers.running_worker(client, task_queue, project):
        handle = await helpers.start(client, task_queue, FLOW, {"items": list(range(6))})
        out = await handle.result()
    # Iteration 2 ended at its nested succeed (no task call); branch 0 at its succeed.
    assert out == {
        "branches": [{}, {"items": list(range(6))}],
        "items": list(range(6)),
    }
    history = await handle.fetch_history()
    replayer = Replayer(workflows=list(WORKFLOWS), workflow_runner=workflow_runner())
    await replayer.replay_workflow(history)
