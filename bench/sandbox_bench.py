"""What the workflow sandbox costs per workflow run: importing the workflow's modules again.

Temporal's sandbox imports a workflow's modules afresh for every run. This times that step
alone (``SandboxedWorkflowRunner.prepare_workflow``, the same instance creation a run goes
through, on one thread, no server) for the FDL interpreter and for the hand-written workflows
of ``handwritten.py`` (the baseline: one small module importing only the SDK), first with the
usual import system, then with :class:`worker.sandbox.CodeOnce`, which reads the project's
code once per process. Prints CPU milliseconds per run (min / median / max over the rounds)
and the ratios against the baseline and against the usual import system.

Usage:  .venv/bin/python bench/sandbox_bench.py [--rounds 7] [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import sys
import time
from pathlib import Path
from typing import Any

from measure import ratio, spread

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def per_run(runner: Any, definition: Any, runs: int) -> float:
    """CPU milliseconds one sandbox instance of ``definition`` takes to create."""
    began = time.process_time()
    for _ in range(runs):
        runner.prepare_workflow(definition)
    return (time.process_time() - began) / runs * 1000


async def bench(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import handwritten
    import temporalio.workflow
    from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

    from worker import sandbox
    from worker.workflow.interpreter import FlowInterpreter

    restrictions = SandboxRestrictions.default.with_passthrough_modules(
        *sandbox.PASSTHROUGH_MODULES
    )
    usual = SandboxedWorkflowRunner(restrictions=restrictions)
    workflows = {
        "FDL interpreter": temporalio.workflow._Definition.must_from_class(FlowInterpreter),
        "hand-written": temporalio.workflow._Definition.must_from_class(handwritten.Sequence),
    }
    results: dict[str, list[float]] = {}
    for label, runner in (("usual imports", usual), ("code read once", None)):
        if runner is None:
            runner = sandbox.workflow_runner()  # installs CodeOnce from here on
        for name, definition in workflows.items():
            per_run(runner, definition, 20)  # warm up
            results[f"{name}, {label}"] = [
                per_run(runner, definition, args.runs) for _ in range(args.rounds)
            ]
    print(f"sandbox instance creation, {args.rounds} rounds of {args.runs} runs, CPU per run:")
    for label, times in results.items():
        print(f"  {label:36} {spread(times, ' ms', 2)}")
    labels = ("code read once", "usual imports")
    for label in labels:
        fdl, hand = results[f"FDL interpreter, {label}"], results[f"hand-written, {label}"]
        print(f"  ratio FDL / hand-written, {label}: {ratio(fdl, hand)}")
    once, usual_imports = (results[f"FDL interpreter, {label}"] for label in labels)
    print(f"  ratio FDL code read once / usual imports: {ratio(once, usual_imports)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    for package in ("translator", "worker", "bench"):  # what an installed package has
        compileall.compile_dir(ROOT / package, quiet=1)
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
