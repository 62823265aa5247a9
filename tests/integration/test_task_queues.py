"""Work lands on the workers of its own project: task queues derived from the project.

Two projects on one server bind the same function name to different code. Each project's
``fdl worker`` serves its own queue (``fdl-<folder>``), flows registered from a project record
that queue, and every way of starting work (``execution start`` from anywhere, ``fdl run
--no-worker``, a subflow task of another project's flow, a schedule fire) reaches that
project's workers, so one project's worker never runs the other's tasks.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import running_worker
from temporalio.client import Client

from worker.local.devserver import DevServer
from worker.service.client import FdlClient
from worker.service.connection import TASK_QUEUE_ENV

FDL = str(Path(sys.executable).parent / "fdl")
WHOAMI = """\
version: v1
type: flow
steps:
  - type: task
    name: who
    resourceArn: acs:fc:::services/demo/functions/whoami
"""
PASS = """\
version: v1
type: flow
steps:
  - {type: pass, name: done, outputMappings: [{target: ok, source: true}]}
"""


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def project(root: Path, name: str) -> Path:
    """A project folder whose ``demo/whoami`` answers with the project's name."""
    folder = root / name
    folder.mkdir()
    (folder / "fdl.yaml").write_text("functions:\n  demo/whoami: {handler: whoami:handler}\n")
    (folder / "whoami.py").write_text(
        f"def handler(event, context):\n    return {{'project': {name!r}}}\n"
    )
    (folder / "flow.yaml").write_text(WHOAMI)
    return folder


@pytest.fixture
def env(dev_server: DevServer) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    return clean | {"TEMPORAL_ADDRESS": dev_server.address}


def fdl(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FDL, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def workers(tmp_path: Path, env: dict[str, str]) -> Iterator[dict[str, Path]]:
    """Two projects, alpha and beta, each with its ``fdl worker`` running in its folder."""
    root = tmp_path / uuid.uuid4().hex[:8]
    root.mkdir()
    folders = {name: project(root, name) for name in ("alpha", "beta")}
    started = []
    try:
        for name, folder in folders.items():
            worker = subprocess.Popen(
                [FDL, "worker"], cwd=folder, env=env, text=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            started.append(worker)
            assert worker.stderr is not None
            line = worker.stderr.readline()
            assert f"worker ready on task queue 'fdl-{name}'" in line, line
        yield folders
    finally:
        for worker in started:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)


def test_two_projects_workers_never_take_each_others_tasks(
    workers: dict[str, Path], env: dict[str, str], tmp_path: Path
) -> None:
    for name, folder in workers.items():
        flow = unique(name)
        created = fdl("flow", "create", flow, "flow.yaml", cwd=folder, env=env)
        assert created.returncode == 0, created.stderr
        assert f"task queue 'fdl-{name}'" in created.stdout
        for _ in range(3):  # from a folder of neither project: the flow knows its queue
            started = fdl("execution", "start", flow, "--wait", cwd=tmp_path, env=env)
            assert started.returncode == 0, started.stderr
            assert json.loads(started.stdout) == {"project": name}
        ran = fdl("run", str(folder / "flow.yaml"), "--no-worker", cwd=tmp_path, env=env)
        assert ran.returncode == 0, ran.stderr
        assert f"on task queue 'fdl-{name}'" in ran.stderr
        assert json.loads(ran.stdout) == {"project": name}


async def test_subflows_and_schedule_fires_run_on_their_flows_queue(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TASK_QUEUE_ENV, raising=False)
    parent_queue, child_queue, moved_queue = (unique("q") for _ in range(3))
    child, parent = unique("child"), unique("parent")
    parent_text = f"""\
version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fnf:::flow/{child}
    pattern: sync
    serviceParams: {{ExecutionName: sub}}
"""
    async with (
        running_worker(client, parent_queue),
        running_worker(client, child_queue),
        running_worker(client, moved_queue),
    ):
        await FdlClient(client, task_queue=child_queue).create_flow(child, PASS)
        await FdlClient(client, task_queue=parent_queue).create_flow(parent, parent_text)
        anywhere = FdlClient(client)  # names no queue: each flow's own applies
        started = await anywhere.start_execution(parent)
        ended = await anywhere.describe_execution(parent, started.name, wait_seconds=30)
        assert ended.status == "Succeeded", ended
        assert await queue_of(client, f"{parent}:{started.name}") == parent_queue
        assert await queue_of(client, f"{child}:sub") == child_queue

        schedule = await anywhere.create_schedule(child, "hourly", cron="0 0 * * * *")
        assert schedule.task_queue == child_queue
        await FdlClient(client, task_queue=moved_queue).update_flow(child, PASS)
        await anywhere.trigger_schedule(child, "hourly")
        fired = await wait_for_fire(anywhere, child, "hourly")
        assert await queue_of(client, f"{child}:{fired}") == moved_queue
        await anywhere.delete_schedule(child, "hourly")


async def queue_of(client: Client, workflow_id: str) -> str:
    described = await client.get_workflow_handle(workflow_id).describe()
    return str(described.raw_description.execution_config.task_queue.name)


async def wait_for_fire(fdl_client: FdlClient, flow: str, schedule: str) -> str:
    """The execution name of the schedule's first fire, once it has succeeded."""
    for _ in range(300):
        found = await fdl_client.list_executions(flow)
        fired = [e for e in found if e.name.startswith(f"{schedule}-")]
        if fired and fired[0].status != "Running":
            assert fired[0].status == "Succeeded", fired[0]
            return fired[0].name
        await asyncio.sleep(0.1)
    raise AssertionError(f"schedule {schedule} of {flow} did not fire")
