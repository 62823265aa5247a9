"""Definitions of any size start: a large one travels by reference to a stored snapshot.

Before, a 4,000-step definition (1.87 MB of IR) started and a 5,000-step one failed with
``Blob data size exceeds limit``: the definition rode in every start and continue-as-new input.
"""

from __future__ import annotations

import json

import helpers
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from translator import ir
from translator.rules import INLINE_DEFINITION_LIMIT, PAYLOAD_LIMIT
from worker.contract.registry import content_hash
from worker.contract.snapshots import snapshot_id
from worker.service.errors import InvalidArgument
from worker.service.flows import create_flow, new_version
from worker.service.runs import start_flow, wait_for_outcome

STEPS = 5_000


def big_flow(steps: int) -> ir.Flow:
    """``steps`` pass steps, each writing a few constants: about 2.3 MB of IR for 5,000."""
    lines = ["version: v1", "type: flow", "steps:"]
    for n in range(steps):
        lines += [
            "  - type: pass",
            f"    name: step{n}",
            "    outputMappings:",
            f"      - {{target: last, source: {n}}}",
            f"      - {{target: note, source: 'written by step {n} of a long generated flow'}}",
            "      - {target: more, source: 'a second constant, so the IR passes two megabytes'}",
            "      - {target: kind, source: generated}",
        ]
    return helpers.compile_flow("\n".join(lines) + "\n")


async def test_a_5000_step_definition_starts_by_reference_and_runs(
    client: Client, task_queue: str
) -> None:
    flow = big_flow(STEPS)
    document = flow.to_json()
    size = len(json.dumps(document, separators=(",", ":")))
    assert size > PAYLOAD_LIMIT > INLINE_DEFINITION_LIMIT  # it could not ride inline
    async with helpers.running_worker(client, task_queue):
        started = await start_flow(
            client, flow_name="huge", definition=flow, input={"id": 1}, task_queue=task_queue
        )
        ended = await wait_for_outcome(client, started.handle)
    assert ended.status == "Succeeded"
    assert ended.output == {
        "last": STEPS - 1,
        "note": f"written by step {STEPS - 1} of a long generated flow",
        "kind": "generated",
        "more": "a second constant, so the IR passes two megabytes",
    }
    events = await helpers.history_events(started.handle)
    first = events[0].workflow_execution_started_event_attributes.input.payloads[0]
    carried = json.loads(first.data)
    assert carried["definition"] is None
    assert carried["definition_ref"] == content_hash(document)
    assert len(first.data) < 1_000, "the start input holds the reference, not the definition"
    snapshot = await client.get_workflow_handle(snapshot_id(content_hash(document))).describe()
    assert snapshot.status is not None and snapshot.status.name == "RUNNING"
    loads = [
        e
        for e in events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]
    assert loads, "each run loads the definition (a local activity)"


async def test_a_small_definition_still_travels_inline(client: Client, task_queue: str) -> None:
    flow = big_flow(3)
    async with helpers.running_worker(client, task_queue):
        started = await start_flow(
            client, flow_name="small", definition=flow, input={}, task_queue=task_queue
        )
        assert (await wait_for_outcome(client, started.handle)).status == "Succeeded"
    events = await helpers.history_events(started.handle)
    carried = json.loads(
        events[0].workflow_execution_started_event_attributes.input.payloads[0].data
    )
    assert carried["definition"] == flow.to_json() and carried["definition_ref"] == ""


async def test_registering_a_version_over_the_payload_limit_is_a_clear_error(
    client: Client,
) -> None:
    flow = big_flow(STEPS)
    with pytest.raises(InvalidArgument, match="one registered version may take"):
        await create_flow(client, "huge-registered", new_version(flow.to_json(), "source"))
