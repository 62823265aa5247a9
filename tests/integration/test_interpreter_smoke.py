"""A flow built directly as IR (as the benchmarks build theirs) runs like compiled YAML."""

from __future__ import annotations

import helpers
from temporalio.client import Client

from translator import ir


async def test_hand_built_task_flow(client: Client, task_queue: str) -> None:
    flow = ir.Flow(
        steps=(
            ir.PassStep(
                name="init",
                output_mappings=(ir.Mapping(target="retries", source=ir.Constant(value=0)),),
            ),
            ir.TaskStep(
                name="probe",
                resource=ir.FunctionResource(arn="x", service="demo", function="probe"),
            ),
        )
    )
    project = helpers.config({"demo/probe": {"handler": "handlers.basic:echo"}})
    out = await helpers.run(client, task_queue, flow, {"id": 7}, project)
    assert out == {"retries": 0, "id": 7}
