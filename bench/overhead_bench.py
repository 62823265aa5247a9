"""Overhead of the FDL interpreter against a hand-written Temporal workflow doing the same work.

Both run in this one process against one embedded dev server (the fast flags of DESIGN.md):
a 10-step FDL flow (5 function tasks, 3 pass steps, 2 choice steps) and a hand-written
workflow that calls the same activity with the same inputs 5 times. Each runs the same
number of executions, interleaved in rounds so that drift hits both alike. Printed:

- median latency per execution, FDL / hand-written (target: within 1.15);
- throughput (executions per second with a fixed number in flight), FDL / hand-written;
- history events per step kind (target: pass and choice steps add none).

Usage:  .venv/bin/python bench/overhead_bench.py [--executions 200] [--in-flight 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from worker.contract.activities import INVOKE_FUNCTION, FunctionResult, InvokeFunction

TASKS = 5
FLOW = """
version: v1
type: flow
steps:
  - {type: task, name: t1, resourceArn: "acs:fc:::services/bench/functions/step"}
  - {type: pass, name: p1, outputMappings: [{target: seen, source: $input.n}]}
  - {type: task, name: t2, resourceArn: "acs:fc:::services/bench/functions/step"}
  - type: choice
    name: c1
    choices: [{condition: $.n > 100, goto: t5}]
  - {type: task, name: t3, resourceArn: "acs:fc:::services/bench/functions/step"}
  - {type: pass, name: p2}
  - {type: task, name: t4, resourceArn: "acs:fc:::services/bench/functions/step"}
  - type: choice
    name: c2
    choices: [{condition: $.n < 0, goto: p3}]
  - {type: task, name: t5, resourceArn: "acs:fc:::services/bench/functions/step"}
  - {type: pass, name: p3}
"""


@workflow.defn(name="HandWritten")
class HandWritten:
    """What a Temporal user would write by hand for the same five calls."""

    @workflow.run
    async def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        state = dict(payload)
        for i in range(1, TASKS + 1):
            result = await workflow.execute_activity(
                INVOKE_FUNCTION,
                InvokeFunction(binding="bench/step", input=state, step_path=f"t{i}"),
                result_type=FunctionResult,
                start_to_close_timeout=timedelta(minutes=10),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
            state.update(result.value)
        return state


async def timed_batch(
    count: int, in_flight: int, one: Callable[[], Awaitable[Any]]
) -> tuple[list[float], float]:
    """Run ``count`` executions, ``in_flight`` at a time; their latencies and the wall time."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(in_flight)

    async def timed() -> None:
        async with gate:
            start = time.perf_counter()
            await one()
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(timed() for _ in range(count)))
    return latencies, time.perf_counter() - start


async def bench(client: Client, executions: int, in_flight: int, rounds: int) -> None:
    from translator import compile_text
    from worker.config import ProjectConfig
    from worker.service.runs import start_flow

    definition = compile_text(FLOW, filename="bench.yaml")
    project = ProjectConfig.from_mapping(
        {"functions": {"bench/step": {"handler": "bench_handlers:step"}}},
        base_dir=Path(__file__).resolve().parent,
    )
    queue = f"bench-{uuid.uuid4().hex[:8]}"

    async def fdl_once() -> Any:
        started = await start_flow(
            client, flow_name="bench", definition=definition, input={"n": 0}, task_queue=queue
        )
        return await started.handle.result()

    async def hand_once() -> Any:
        return await client.execute_workflow(
            HandWritten.run, {"n": 0}, id=f"hand-{uuid.uuid4()}", task_queue=queue
        )

    async with _worker_with(client, queue, project):
        await timed_batch(20, in_flight, fdl_once)  # warm up both paths
        await timed_batch(20, in_flight, hand_once)
        results: dict[str, tuple[list[float], float]] = {"fdl": ([], 0.0), "hand": ([], 0.0)}
        per_round = executions // rounds
        for _ in range(rounds):
            for name, one in (("fdl", fdl_once), ("hand", hand_once)):
                lat, wall = await timed_batch(per_round, in_flight, one)
                results[name] = (results[name][0] + lat, results[name][1] + wall)
        await report(client, results, fdl_once, hand_once)


def _worker_with(client: Client, queue: str, project: Any) -> Any:
    """The fdl worker with the hand-written workflow registered beside the interpreter."""
    from temporalio.worker import Worker

    from worker.process import WORKFLOWS, ProjectActivities, workflow_runner

    return Worker(
        client,
        task_queue=queue,
        workflows=[*WORKFLOWS, HandWritten],
        activities=ProjectActivities(project, max_threads=100).all(),
        workflow_runner=workflow_runner(),
    )


async def report(
    client: Client,
    results: dict[str, tuple[list[float], float]],
    fdl_once: Callable[[], Awaitable[Any]],
    hand_once: Callable[[], Awaitable[Any]],
) -> None:
    (fdl_lat, fdl_wall), (hand_lat, hand_wall) = results["fdl"], results["hand"]
    fdl_median, hand_median = statistics.median(fdl_lat), statistics.median(hand_lat)
    fdl_rate, hand_rate = len(fdl_lat) / fdl_wall, len(hand_lat) / hand_wall
    fdl_events, hand_events = await history_sizes(client)
    print(f"executions: {len(fdl_lat)} FDL, {len(hand_lat)} hand-written")
    print(
        f"median latency: FDL {fdl_median * 1000:.1f} ms, hand-written {hand_median * 1000:.1f} ms"
    )
    print(f"  ratio FDL / hand-written: {fdl_median / hand_median:.3f}  (target <= 1.15)")
    print(f"throughput: FDL {fdl_rate:.1f}/s, hand-written {hand_rate:.1f}/s")
    print(f"  ratio hand-written / FDL: {hand_rate / fdl_rate:.3f}  (target <= 1.15)")
    print(f"history events: FDL {fdl_events}, hand-written {hand_events}")
    print(f"  per task step: {(hand_events - 5) / TASKS:.1f} (activity) ")
    print(f"  added by the 5 pass/choice steps: {fdl_events - hand_events}  (target 0)")


async def history_sizes(client: Client) -> tuple[int, int]:
    """Events in the newest FDL and hand-written executions."""
    sizes = []
    for query in ("WorkflowType='bench'", "WorkflowType='HandWritten'"):
        async for execution in client.list_workflows(query, limit=1):
            history = await client.get_workflow_handle(execution.id).fetch_history()
            sizes.append(len(history.events))
            break
    return sizes[0], sizes[1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executions", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    from worker.local.devserver import DevServer

    with DevServer(ui_port=None) as server:
        client = await Client.connect(server.address)
        await bench(client, args.executions, args.in_flight, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
