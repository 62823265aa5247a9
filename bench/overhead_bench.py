"""Overhead of the FDL interpreter against the same work written by hand for Temporal.

One worker process (started by this script) serves both sides against one embedded dev
server (the fast flags of DESIGN.md): the FDL interpreter with the project's function layer,
and hand-written workflows calling plain activities the way a Temporal user writes them
(``handwritten.py``: ``async def`` activities doing the work inline). Two shapes:

- ``sequence``: a 10-step flow (5 function tasks, 3 pass, 2 choice) against a workflow
  calling the activity 5 times in a row, many executions with a fixed number in flight;
- ``fanout``: a foreach of 100 function tasks against a workflow running 100 activities at
  most 100 at once.

Rounds run the two sides one after the other in a random order per round, so drift and
noise hit both alike. Per side it prints min / median / max over the rounds of: the median
latency of an execution, executions per second, and the worker process's CPU per execution
(all its threads; read from /proc between rounds, so the client's work is not in it). Then
the ratios of the medians, FDL / hand-written (for throughput, hand-written / FDL), and the
history events of one execution of each.

Usage:  .venv/bin/python bench/overhead_bench.py [--rounds 6] [--executions 60] [--in-flight 10]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from measure import cpu_seconds, ratio, spread

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TASKS = 5
SEQUENCE = """
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
FANOUT_ITEMS = 100
FANOUT = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - type: task
        name: echo
        resourceArn: acs:fc:::services/bench/functions/echo
        inputMappings: [{target: v, source: $input.item}]
    outputMappings: [{target: values, source: "$local[*].v"}]
"""
BINDINGS = {
    "bench/step": {"handler": "bench_handlers:step"},
    "bench/echo": {"handler": "bench_handlers:echo"},
}


# --- the worker process ---------------------------------------------------------------------


async def serve(address: str, queue: str) -> None:
    """The worker: the fdl workflows and activities, the hand-written ones beside them."""
    sys.path.insert(0, str(ROOT))
    import handwritten
    from temporalio.client import Client
    from temporalio.worker import Worker

    from worker.config import ProjectConfig
    from worker.contract.converter import DATA_CONVERTER
    from worker.process import WORKFLOWS, ProjectActivities
    from worker.sandbox import workflow_runner

    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    project = ProjectConfig.from_mapping({"functions": BINDINGS}, base_dir=HERE)
    activities = ProjectActivities(project, max_threads=100)
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[*WORKFLOWS, *handwritten.WORKFLOWS],
        activities=[*activities.all(), *handwritten.ACTIVITIES],
        workflow_runner=workflow_runner(),
    )
    async with worker:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


# --- the rounds -----------------------------------------------------------------------------


@dataclass
class Side:
    """One side's measurements, one entry per round."""

    latency: list[float] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


async def batch(
    count: int, in_flight: int, one: Callable[[], Awaitable[Any]]
) -> tuple[float, float]:
    """Run ``count`` executions, ``in_flight`` at a time: median latency and wall seconds."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(in_flight)

    async def timed() -> None:
        async with gate:
            began = time.perf_counter()
            await one()
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(timed() for _ in range(count)))
    return statistics.median(latencies), time.perf_counter() - began


async def compare(
    name: str,
    sides: dict[str, Callable[[], Awaitable[Any]]],
    worker_pid: int,
    args: argparse.Namespace,
    count: int,
) -> dict[str, Side]:
    results = {side: Side() for side in sides}
    for one in sides.values():  # warm up both paths
        await batch(min(count, 10), args.in_flight, one)
    for _ in range(args.rounds):
        for side in random.sample(list(sides), len(sides)):
            cpu = cpu_seconds(worker_pid)
            latency, wall = await batch(count, args.in_flight, sides[side])
            results[side].latency.append(latency * 1000)
            results[side].rate.append(count / wall)
            results[side].cpu.append((cpu_seconds(worker_pid) - cpu) / count * 1000)
    fdl, hand = results["fdl"], results["hand"]
    print(
        f"\n{name}: {args.rounds} rounds of {count} executions a side, {args.in_flight} in flight"
    )
    for label, side in (("FDL", fdl), ("hand-written", hand)):
        print(
            f"  {label:13} latency {spread(side.latency, ' ms', 1)}, "
            f"{spread(side.rate, '/s', 1)} executions, "
            f"worker CPU {spread(side.cpu, ' ms', 1)} per execution"
        )
    print(
        f"  ratios: latency FDL / hand-written {ratio(fdl.latency, hand.latency)}, "
        f"throughput hand-written / FDL {ratio(hand.rate, fdl.rate)}, "
        f"worker CPU FDL / hand-written {ratio(fdl.cpu, hand.cpu)}  (target <= 1.15)"
    )
    return results


async def bench(address: str, queue: str, worker_pid: int, args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from temporalio.client import Client

    from translator import compile_text
    from worker.contract.converter import DATA_CONVERTER
    from worker.service.runs import start_flow

    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    sequence = compile_text(SEQUENCE, filename="sequence.yaml")
    fanout = compile_text(FANOUT, filename="fanout.yaml")
    items = list(range(FANOUT_ITEMS))

    async def fdl(flow: Any, flow_input: dict[str, Any]) -> Any:
        name = "sequence" if flow is sequence else "fanout"
        started = await start_flow(
            client, flow_name=name, definition=flow, input=flow_input, task_queue=queue
        )
        return await started.handle.result()

    async def hand(workflow: str, *arguments: Any) -> Any:
        name = f"hand-{uuid.uuid4()}"
        return await client.execute_workflow(workflow, args=arguments, id=name, task_queue=queue)

    shapes = {
        "sequence": (
            {"fdl": lambda: fdl(sequence, {"n": 0}), "hand": lambda: hand("hand.sequence", TASKS)},
            args.executions,
        ),
        "fanout": (
            {
                "fdl": lambda: fdl(fanout, {"items": items}),
                "hand": lambda: hand("hand.fanout", items),
            },
            max(2, args.executions // 10),
        ),
    }
    for shape, (sides, count) in shapes.items():
        if args.only in (None, shape):
            await compare(shape, sides, worker_pid, args, count)
    await history_sizes(client)


async def history_sizes(client: Any) -> None:
    """Events in the newest execution of each kind."""
    print()
    for label, query in (
        ("FDL 10-step flow", "WorkflowType='sequence'"),
        ("hand-written 5 calls", "WorkflowType='hand.sequence'"),
    ):
        async for execution in client.list_workflows(query, limit=1):
            history = await client.get_workflow_handle(execution.id).fetch_history()
            print(f"history events, {label}: {len(history.events)}")
            break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--executions", type=int, default=60)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--only", choices=["sequence", "fanout"], help="one shape only")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(serve(*args.worker))
        os._exit(0)  # the SDK's threads may still call in while the interpreter finalizes
    sys.path.insert(0, str(ROOT))
    from worker.local.devserver import DevServer

    # Workflow modules are imported again for every workflow run; without bytecode caches
    # (PYTHONDONTWRITEBYTECODE) each run would compile them: measure what production runs.
    for package in ("translator", "worker", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)

    queue = f"overhead-{uuid.uuid4().hex[:8]}"
    with DevServer(ui_port=None) as server:
        command = [sys.executable, __file__, "--worker", server.address, queue]
        worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
        assert worker.stdout is not None and worker.stdin is not None
        if worker.stdout.readline().strip() != b"ready":
            raise SystemExit("the worker process did not start")
        try:
            asyncio.run(bench(server.address, queue, worker.pid, args))
        finally:
            worker.stdin.close()
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
