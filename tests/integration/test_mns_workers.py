"""Seed 000 end to end: the unchanged flow, the local queue served over HTTP, and the example
worker program (``examples/mns-workers/mns_worker.py``, aliyun-mns-sdk + fdl's reporter) running
as separate processes, as users run them.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers import running_worker, start
from temporalio.client import Client, WorkflowHandle

from translator.compile import compile_file
from worker.config import ProjectConfig
from worker.local.devserver import DevServer
from worker.local.mnsqueue import QueueServer, QueueSettings, QueueStore, serve_queue
from worker.service.history import execution_history

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mns-workers"
WORKERS = {"payload": {"workers": ["worker1", "worker2", "worker3"]}}


@contextmanager
def local_queue(tmp_path: Path, visibility_timeout: int = 30) -> Iterator[QueueServer]:
    with QueueStore(tmp_path / "queue.db") as store:
        store.create_queue("workers", QueueSettings(visibility_timeout=visibility_timeout))
        with serve_queue(store) as server:
            yield server


@contextmanager
def worker_processes(
    count: int, server: QueueServer, dev_server: DevServer, **env: str
) -> Iterator[list[subprocess.Popen[str]]]:
    environment = {
        **os.environ,
        "MNS_ENDPOINT": server.url,
        "WAIT_SECONDS": "1",
        "TEMPORAL_ADDRESS": dev_server.address,
        "TEMPORAL_NAMESPACE": dev_server.namespace,
        "PYTHONPATH": str(ROOT),
        **env,
    }
    processes = [
        subprocess.Popen(
            [sys.executable, str(EXAMPLE / "mns_worker.py")],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


def seed_project(tmp_path: Path) -> ProjectConfig:
    return ProjectConfig.from_mapping(
        {"queues": {"db": str(tmp_path / "queue.db")}}, base_dir=tmp_path
    )


async def start_seed(client: Client, task_queue: str) -> WorkflowHandle[Any, Any]:
    flow = compile_file(EXAMPLE / "flow.yaml")
    return await start(client, task_queue, flow, WORKERS, flow_name="demo-schedule-workers")


async def reports_of(client: Client, handle: WorkflowHandle[Any, Any]) -> list[dict[str, str]]:
    """The outputs reported to the execution's tasks (TaskSucceeded events), sorted."""
    flow_name, _, execution = handle.id.partition(":")
    history = await execution_history(client, flow_name, execution)
    reports = [
        json.loads(event.detail)["output"]
        for event in history.events
        if event.type == "TaskSucceeded"
    ]
    return sorted(reports, key=str)


EVERY_WORKER = [{"worker1": "success"}, {"worker2": "success"}, {"worker3": "success"}]


async def test_three_example_workers_finish_the_seed_flow(
    client: Client, task_queue: str, tmp_path: Path, dev_server: DevServer
) -> None:
    with local_queue(tmp_path) as server, worker_processes(3, server, dev_server):
        async with running_worker(client, task_queue, seed_project(tmp_path)):
            handle = await start_seed(client, task_queue)
            output = await handle.result()
            reports = await reports_of(client, handle)
    # foreach's own output is {} (reference 3.1); its $local aggregates the reports in order.
    assert output == {}
    assert reports == EVERY_WORKER
    with QueueStore(tmp_path / "queue.db") as store:
        assert store.attributes("workers").active_messages == 0  # every message deleted


async def test_a_crashed_workers_message_reappears_and_another_worker_finishes_it(
    client: Client, task_queue: str, tmp_path: Path, dev_server: DevServer
) -> None:
    with local_queue(tmp_path, visibility_timeout=2) as server:
        async with running_worker(client, task_queue, seed_project(tmp_path)):
            handle = await start_seed(client, task_queue)
            with worker_processes(1, server, dev_server, FAIL_AFTER_RECEIVE="1") as crashing:
                code = await asyncio.to_thread(crashing[0].wait, 30)
                crash_log = crashing[0].stdout.read() if crashing[0].stdout else ""
            assert code == 1 and "crashing while working" in crash_log
            with worker_processes(2, server, dev_server) as healthy:
                output = await handle.result()
                reports = await reports_of(client, handle)
    logs = "".join(p.stdout.read() if p.stdout else "" for p in healthy)  # they were killed
    assert output == {}
    assert reports == EVERY_WORKER  # the crashed one's message too, each exactly once
    assert logs.count("Report worker:") == 3
    with QueueStore(tmp_path / "queue.db") as store:
        assert store.attributes("workers").active_messages == 0
