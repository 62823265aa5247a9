"""Callback latency: from a task report to the next step starting, against a plain signal.

Both run in this one process against one embedded dev server (the fast flags of DESIGN.md):

- fdl: a flow whose MNS task waits for a callback, followed by a function task that notes
  when it starts; the report goes through ``worker.callbacks.report_task_succeeded``
  (describe, signal, decision query). Measured: report call -> next step's function starts.
- baseline: a hand-written workflow that waits for a signal, then runs the same activity.
  Measured: ``handle.signal`` call -> the activity starts.

Printed: both medians and their ratio, and the local queue's send + receive + delete
messages per second through the SQLite store (one thread).

Usage:  .venv/bin/python bench/callback_bench.py [--executions 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

FLOW = """
version: v1
type: flow
steps:
  - type: task
    name: wait
    resourceArn: acs:mns:::/queues/bench/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
  - type: task
    name: next
    resourceArn: acs:fc:::services/bench/functions/started
"""
STARTED: dict[str, float] = {}


def started(event: bytes, context: Any) -> dict[str, Any]:
    """The next step: note when it started (keyed by the execution's token)."""
    import __main__  # the binding imports this file again as a module: use the script's dict

    __main__.STARTED[json.loads(event)["task_token"]] = time.perf_counter()
    return {}


@activity.defn(name="bench.started")
async def baseline_started(key: str) -> None:
    STARTED[key] = time.perf_counter()


@workflow.defn(name="bench-signal")
class SignalBaseline:
    def __init__(self) -> None:
        self.reported = False

    @workflow.signal
    def report(self) -> None:
        self.reported = True

    @workflow.run
    async def run(self, key: str) -> None:
        await workflow.wait_condition(lambda: self.reported)
        await workflow.execute_activity(
            "bench.started", key, start_to_close_timeout=timedelta(seconds=10)
        )


async def fdl_round(client: Client, queue_db: Path, task_queue: str) -> float:
    from translator.compile import compile_text
    from worker.contract.run import FlowRun, workflow_id
    from worker.local.mnsqueue import QueueStore
    from worker.service.reports import report_task_succeeded

    flow = compile_text(FLOW, filename="bench.yaml")
    execution = uuid.uuid4().hex[:10]
    handle = await client.start_workflow(
        "benchflow",
        FlowRun(
            flow_name="benchflow", execution_name=execution, definition=flow.to_json(), input={}
        ),
        id=workflow_id("benchflow", execution),
        task_queue=task_queue,
    )
    with QueueStore(queue_db) as store:
        message = await asyncio.to_thread(store.receive, "bench", 10)
        assert message is not None
        store.delete("bench", message.receipt_handle)
    token = json.loads(message.body)["task_token"]
    began = time.perf_counter()
    await report_task_succeeded(client, token, {"task_token": token})
    await handle.result()
    return STARTED.pop(token) - began


async def baseline_round(client: Client, task_queue: str) -> float:
    key = uuid.uuid4().hex
    handle = await client.start_workflow(SignalBaseline.run, key, id=key, task_queue=task_queue)
    await asyncio.sleep(0.05)  # let it reach its wait, as the fdl task has when reported
    began = time.perf_counter()
    await handle.signal(SignalBaseline.report)
    await handle.result()
    return STARTED.pop(key) - began


def queue_rate(path: Path, messages: int) -> float:
    from worker.local.mnsqueue import QueueStore

    with QueueStore(path) as store:
        began = time.perf_counter()
        for number in range(messages):
            store.send("rate", f"m{number}")
            received = store.receive("rate", 0)
            assert received is not None
            store.delete("rate", received.receipt_handle)
        return messages / (time.perf_counter() - began)


async def connect(address: str) -> Client:
    for _ in range(50):  # the frontend may still be warming up
        try:
            return await Client.connect(address)
        except RuntimeError:
            await asyncio.sleep(0.2)
    return await Client.connect(address)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executions", type=int, default=50)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    from worker.config import ProjectConfig
    from worker.local.devserver import DevServer
    from worker.process import build_worker

    with tempfile.TemporaryDirectory() as folder, DevServer(ui_port=None) as server:
        queue_db = Path(folder) / "queue.db"
        config = ProjectConfig.from_mapping(
            {
                "queues": {"db": str(queue_db)},
                "functions": {"bench/started": {"handler": "callback_bench:started"}},
            },
            base_dir=Path(__file__).resolve().parent,
        )
        client = await connect(server.address)
        fdl_times, base_times = [], []
        async with (
            build_worker(client, task_queue="bench", config=config),
            Worker(
                client,
                task_queue="bench-base",
                workflows=[SignalBaseline],
                activities=[baseline_started],
            ),
        ):
            for _ in range(args.executions):  # interleaved, so drift hits both alike
                fdl_times.append(await fdl_round(client, queue_db, "bench"))
                base_times.append(await baseline_round(client, "bench-base"))
        fdl_ms = statistics.median(fdl_times) * 1000
        base_ms = statistics.median(base_times) * 1000
        print(
            f"report -> next step started, median: fdl {fdl_ms:.1f} ms, "
            f"plain signal {base_ms:.1f} ms, ratio {fdl_ms / base_ms:.2f}"
        )
        rate = queue_rate(Path(folder) / "rate.db", args.messages)
        print(f"local queue send+receive+delete: {rate:.0f} messages/s (SQLite store, 1 thread)")


if __name__ == "__main__":
    asyncio.run(main())
