"""Console page load for an execution of 1,000 steps, against fetching its raw Temporal history.

One process, one embedded dev server (the fast flags of DESIGN.md), one worker: a flow whose
foreach runs a function task for each of 1,000 items (1,001 steps entered, 1,000 activities)
runs to completion, then the console serves it from a thread while the worker still runs
(so its history query is answered, by replaying the closed execution):

- baseline: ``fetch_history()`` of the execution's workflow, what any Temporal client pays to
  look at the run at all;
- cold page: ``GET /executions/<flow>/<execution>`` of a console that keeps nothing between
  requests: describe, the start and close events, the derived FDL history (a finished
  execution this long is first shown from Temporal's history: reading the interpreter's
  record means a worker replays it, which the benchmark also times), fold, layout, SVG;
- warm page: the same page from a console that has loaded the interpreter's record
  (reloads, other tabs);
- state: the JSON a page polls; panel: the step panel of the foreach body (1,000 visits,
  the latest 25 shown).

Printed: the medians, their ratios to the baseline, and whether the cold page loads within
the 300 ms target.

Usage:  .venv/bin/python bench/console_bench.py [--items 1000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from temporalio.client import Client

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from translator import compile_text  # noqa: E402
from worker.config import ProjectConfig  # noqa: E402
from worker.console.app import ConsoleSettings  # noqa: E402
from worker.console.server import ConsoleServer  # noqa: E402
from worker.local.devserver import DevServer  # noqa: E402
from worker.process import build_worker  # noqa: E402
from worker.service.runs import start_flow  # noqa: E402

FLOW = """
version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
    steps:
      - type: task
        name: echo
        resourceArn: acs:fc:::services/bench/functions/echo
"""
TARGET_MS = 300.0


def echo(event: bytes, context: Any) -> dict[str, Any]:
    """The function every iteration calls."""
    return {"done": True}


async def median_ms(action: Callable[[], Awaitable[Any]], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def run_execution(client: Client, items: int) -> tuple[str, str]:
    project = ProjectConfig.from_mapping(
        {"functions": {"bench/echo": {"handler": "console_bench:echo"}}}, base_dir=HERE
    )
    started = await start_flow(
        client,
        flow_name="bench",
        definition=compile_text(FLOW),
        input={"items": list(range(items))},
        execution_name="thousand",
        task_queue="console-bench",
    )
    begun = time.perf_counter()
    async with build_worker(client, task_queue="console-bench", config=project):
        await started.handle.result()
        print(f"execution of {items + 1} steps ran in {time.perf_counter() - begun:.1f} s")
        return await measure(client, started.handle.id)


async def measure(client: Client, workflow_id: str) -> tuple[str, str]:
    handle = client.get_workflow_handle(workflow_id)
    events = len((await handle.fetch_history()).events)
    rounds = ARGS.rounds
    baseline = await median_ms(handle.fetch_history, rounds)
    flow, name = workflow_id.split(":", 1)
    page = f"/executions/{quote(flow)}/{quote(name)}"
    cold_console = ConsoleSettings(query_timeout=30, finished_cache=0)
    warm_console = ConsoleSettings(query_timeout=30)
    results: dict[str, float] = {}
    with (
        ConsoleServer(SERVER.address, "default", cold_console, port=0) as cold,
        ConsoleServer(SERVER.address, "default", warm_console, port=0) as warm,
    ):
        async with httpx.AsyncClient(timeout=60) as http:

            async def get(url: str) -> None:
                response = await http.get(url)
                response.raise_for_status()

            state = f"/api{page}/state"
            results["cold page"] = await median_ms(lambda: get(f"{cold.url}{page}"), rounds)
            results["state (cold)"] = await median_ms(lambda: get(f"{cold.url}{state}"), rounds)
            began = time.perf_counter()
            await get(f"{warm.url}{page}")  # first view: derived; the record loads behind it
            while (await http.get(f"{warm.url}{state}")).json()["upgrading"]:
                await asyncio.sleep(0.5)
            loaded = time.perf_counter() - began
            results["warm page"] = await median_ms(lambda: get(f"{warm.url}{page}"), rounds)
            panel = f"{page}/panel?node={quote('each[*]/echo')}"
            results["panel (warm)"] = await median_ms(lambda: get(f"{warm.url}{panel}"), rounds)
    print(f"raw Temporal history: {events} events, fetched in {baseline:.1f} ms (median)")
    print(f"the interpreter's record (replayed by the worker) arrived after {loaded:.1f} s")
    for what, value in results.items():
        print(f"{what:>14}: {value:7.1f} ms  = {value / baseline:5.1f} x the raw history fetch")
    verdict = "within" if results["cold page"] < TARGET_MS else "OVER"
    return verdict, f"cold page {results['cold page']:.0f} ms, target {TARGET_MS:.0f} ms"


def main() -> None:
    global ARGS, SERVER
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    ARGS = parser.parse_args()
    with DevServer(ui_port=None) as server:
        SERVER = server

        async def go() -> tuple[str, str]:
            client = await Client.connect(server.address)
            return await run_execution(client, ARGS.items)

        verdict, detail = asyncio.run(go())
    print(f"{verdict} target: {detail}")


ARGS: argparse.Namespace
SERVER: DevServer

if __name__ == "__main__":
    main()
