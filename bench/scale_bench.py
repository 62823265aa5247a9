"""Scale: big foreach steps, long loops and wide fan-outs, FDL against hand-written workflows.

Every scenario runs twice per round, as an FDL flow and as the hand-written Temporal workflow
doing the same work (``handwritten.py``: plain activities, the concurrency and continue-as-new
a careful Temporal user adds), each in a fresh worker process against the same embedded
server, the two in random order. Per side it prints items per second, the worker process's
CPU seconds while the execution ran (all its threads: workflow and activity work alike) and
its peak memory, the largest single history (events of one run) and how many runs
the execution took; then the FDL / hand-written ratios of wall time and worker CPU.

Scenarios (sizes are items, loop iterations, or branches x tasks):

- ``foreach-pass N``: a foreach of N items whose iteration is one ``pass`` step;
- ``foreach-tasks N``: a foreach of N items whose iteration is one trivial function task
  (the item mapped in), at most 100 at once;
- ``loop N``: a polling loop at the top of the flow: a task, then a choice going back to it;
- ``loop-in-foreach N``: the same loop as the one iteration of a foreach;
- ``loop-local N``: the loop calling a function bound with ``local: true`` (local
  activities), against the hand-written loop's regular activities;
- ``parallel BxT``: a parallel of B branches of T tasks each.

Usage:
  .venv/bin/python bench/scale_bench.py                      # every scenario of the issue
  .venv/bin/python bench/scale_bench.py foreach-tasks=10000 loop=5000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure import ratio, spread

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

DEFAULTS = [
    "foreach-pass=1000",
    "foreach-pass=10000",
    "foreach-pass=100000",
    "foreach-tasks=1000",
    "foreach-tasks=10000",
    "foreach-tasks=100000",
    "loop=50000",
    "loop-in-foreach=50000",
    "loop-local=50000",
    "parallel=50x20",
]

FOREACH_PASS = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - type: pass
        name: keep
        outputMappings: [{target: v, source: $input.item}]
    outputMappings: [{target: values, source: "$local[*].v"}]
"""
FOREACH_TASKS = """
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
LOOP_STEPS = """
      - {type: pass, name: init, outputMappings: [{target: n, source: 0}]}
      - {type: task, name: poll, resourceArn: "acs:fc:::services/bench/functions/step"}
      - type: choice
        name: more
        choices: [{condition: $.n < $.until, goto: poll}]
"""
LOOP = "version: v1\ntype: flow\nsteps:\n" + LOOP_STEPS.replace("\n      ", "\n  ")
LOOP_LOCAL = LOOP.replace("functions/step", "functions/step-local")
LOOP_IN_FOREACH = f"""
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {{collection: $.branches, item: branch}}
    steps:{LOOP_STEPS}
    outputMappings: [{{target: n, source: "$local[0].n"}}]
"""


def parallel_flow(branches: int, tasks: int) -> str:
    """A parallel of ``branches`` branches, each ``tasks`` function tasks in a row."""
    steps = "".join(
        f"\n          - {{type: task, name: t{i}, "
        f'resourceArn: "acs:fc:::services/bench/functions/step"}}'
        for i in range(tasks)
    )
    init = "{type: pass, name: init, outputMappings: [{target: n, source: 0}]}"
    branch = f"\n      - steps:\n          - {init}{steps}"
    return (
        "version: v1\ntype: flow\nsteps:\n  - type: parallel\n    name: fan\n    branches:"
        + branch * branches
        + '\n    outputMappings: [{target: sides, source: "$local[*].n"}]\n'
    )


@dataclass(frozen=True)
class Work:
    """One scenario at one size: the FDL flow and input, the hand-written call, the check."""

    items: int
    flow: str
    flow_input: dict[str, Any]
    hand: str
    hand_args: list[Any]
    expected: Callable[[dict[str, Any]], bool]


def work(scenario: str, size: str) -> Work:
    """What ``scenario`` at ``size`` runs."""
    if scenario == "parallel":
        branches, tasks = (int(part) for part in size.split("x"))
        return Work(
            branches * tasks,
            parallel_flow(branches, tasks),
            {},
            "hand.branches",
            [branches, tasks],
            lambda out: out["sides"] == [tasks] * branches,
        )
    n = int(size)
    items = list(range(n))
    values: Callable[[dict[str, Any]], bool] = lambda out: out["values"] == items  # noqa: E731
    if scenario == "foreach-pass":
        return Work(n, FOREACH_PASS, {"items": items}, "hand.passes", [items], values)
    if scenario == "foreach-tasks":
        return Work(n, FOREACH_TASKS, {"items": items}, "hand.fanout", [items], values)
    reached: Callable[[dict[str, Any]], bool] = lambda out: out["n"] == n  # noqa: E731
    if scenario == "loop":
        return Work(n, LOOP, {"until": n}, "hand.poll", [n], reached)
    if scenario == "loop-local":
        return Work(n, LOOP_LOCAL, {"until": n}, "hand.poll", [n], reached)
    if scenario == "loop-in-foreach":
        flow_input = {"until": n, "branches": [0]}
        return Work(n, LOOP_IN_FOREACH, flow_input, "hand.poll", [n], reached)
    raise SystemExit(f"unknown scenario {scenario!r}")


# --- one side of one round, in a worker process of its own --------------------------------


async def child(scenario: str, size: str, side: str, address: str) -> None:
    """Run one execution with a worker in this process; print what it measured as JSON."""
    sys.path.insert(0, str(ROOT))
    import handwritten
    from temporalio.client import Client
    from temporalio.worker import Worker

    from translator import compile_text
    from worker.config import ProjectConfig
    from worker.contract.converter import DATA_CONVERTER
    from worker.contract.run import FlowRun, workflow_id
    from worker.process import build_worker
    from worker.sandbox import workflow_runner

    job = work(scenario, size)
    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    queue = f"scale-{uuid.uuid4().hex[:8]}"
    name = f"{scenario}-{uuid.uuid4().hex[:8]}"
    if side == "fdl":
        project = ProjectConfig.from_mapping(
            {
                "functions": {
                    "bench/step": {"handler": "bench_handlers:step"},
                    "bench/step-local": {"handler": "bench_handlers:step", "local": True},
                    "bench/echo": {"handler": "bench_handlers:echo"},
                }
            },
            base_dir=HERE,
        )
        definition = compile_text(job.flow, filename=f"{scenario}.yaml").to_json()
        run = FlowRun(
            flow_name="scale",
            execution_name=name,
            definition=definition,
            input=job.flow_input,
            step_data_limit=0,
        )
        worker: Worker = build_worker(client, task_queue=queue, config=project)
        start = lambda: client.start_workflow(  # noqa: E731
            "scale", run, id=workflow_id("scale", name), task_queue=queue
        )
    else:
        worker = Worker(
            client,
            task_queue=queue,
            workflows=handwritten.WORKFLOWS,
            activities=handwritten.ACTIVITIES,
            workflow_runner=workflow_runner(),
        )
        start = lambda: client.start_workflow(  # noqa: E731
            job.hand, args=job.hand_args, id=name, task_queue=queue
        )
    async with worker:
        began, cpu = time.perf_counter(), time.process_time()
        handle = await start()
        output = await handle.result()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    largest, runs = await histories(client, handle.id)
    found = {"seconds": seconds, "cpu": cpu, "largest": largest, "runs": runs}
    print(json.dumps({**found, "ok": job.expected(output)}))


async def histories(client: Any, workflow_id: str) -> tuple[int, int]:
    """The events of the largest run of the execution (or of its children), and its runs."""
    sizes: list[int] = []
    runs = 0
    for query in (f"WorkflowId = '{workflow_id}'", f"ParentWorkflowId = '{workflow_id}'"):
        async for execution in client.list_workflows(query):
            handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
            sizes.append(len((await handle.fetch_history()).events))
            runs += execution.id == workflow_id
    return max(sizes, default=0), runs


# --- the rounds -----------------------------------------------------------------------------


@dataclass
class Side:
    """What one side measured over the rounds."""

    rate: list[float]
    seconds: list[float]
    cpu: list[float]
    memory: list[float]
    largest: int = 0
    runs: int = 0
    ok: bool = True


def one_side(scenario: str, size: str, side: str, address: str, into: Side) -> None:
    """Run one side in a fresh worker process, and note its time, CPU and peak memory."""
    command = [sys.executable, __file__, "--child", scenario, size, side, address]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{scenario} {size} ({side}) failed")
    found = json.loads(output.decode().strip().splitlines()[-1])
    into.seconds.append(found["seconds"])
    into.rate.append(work(scenario, size).items / found["seconds"])
    into.cpu.append(found["cpu"])
    into.memory.append(usage.ru_maxrss / 1024)
    into.largest = max(into.largest, found["largest"])
    into.runs = found["runs"]
    into.ok = into.ok and found["ok"]


def report(scenario: str, size: str, sides: dict[str, Side]) -> None:
    fdl, hand = sides["fdl"], sides["hand"]
    print(f"\n{scenario} {size}")
    for name, side in (("FDL", fdl), ("hand-written", hand)):
        print(
            f"  {name:13} {spread(side.rate, '/s', 0):>24} items, "
            f"worker CPU {spread(side.cpu, ' s', 1)}, peak {max(side.memory):.0f} MB, "
            f"largest history {side.largest} events, {side.runs} run(s)"
            + ("" if side.ok else "  WRONG OUTPUT")
        )
    print(
        f"  FDL / hand-written: wall time {ratio(fdl.seconds, hand.seconds)}, "
        f"worker CPU {ratio(fdl.cpu, hand.cpu)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="*", default=DEFAULTS, help="scenario=size ...")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(*args.child))
        sys.stdout.flush()
        os._exit(0)  # the SDK's threads may still call in while the interpreter finalizes
    sys.path.insert(0, str(ROOT))
    from worker.local.devserver import DevServer

    # Workflow modules are imported again for every workflow run; without bytecode caches
    # (PYTHONDONTWRITEBYTECODE) each run would compile them: measure what production runs.
    for package in ("translator", "worker", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)

    with DevServer(ui_port=None) as server:
        print(f"server {server.address}; {args.rounds} round(s), sides in random order")
        for run in args.runs:
            scenario, _, size = run.partition("=")
            sides = {name: Side([], [], [], []) for name in ("fdl", "hand")}
            for _ in range(args.rounds):
                for name in random.sample(list(sides), 2):
                    one_side(scenario, size, name, server.address, sides[name])
            report(scenario, size, sides)


if __name__ == "__main__":
    main()
