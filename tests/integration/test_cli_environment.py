"""The connection settings act the same for every command group.

``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``FDL_DEV_PORT`` and ``FDL_TASK_QUEUE`` are read
by one module (``worker.service.connection``); here every command group that talks to Temporal
is run under each of them: ``fdl flow``, ``fdl execution``, ``fdl schedule``, ``fdl task``,
``fdl run`` and ``fdl worker``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers import running_worker
from temporalio.client import Client
from typer.testing import CliRunner, Result

from cli.app import app
from worker.contract.tokens import TaskToken
from worker.local.devserver import DevServer, free_port

FDL = str(Path(sys.executable).parent / "fdl")
FLOW_TEXT = """\
version: v1
type: flow
steps:
  - {type: pass, name: hello, outputMappings: [{target: said, source: hello}]}
"""
TOKEN = TaskToken(workflow_id="nobody:none", run_id="r", number=1, secret="0" * 32).encode()


def commands(flow_file: Path, flow: str) -> dict[str, list[str]]:
    """One command of every group that talks to Temporal (``fdl worker`` runs separately)."""
    return {
        "flow": ["flow", "list"],
        "execution": ["execution", "list", flow],
        "schedule": ["schedule", "list", flow],
        "task": ["task", "succeed", TOKEN, "--wait", "1"],
        "run": ["run", str(flow_file), "--name", flow, "--no-worker"],
    }


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    return env | settings


async def fdl_cli(args: list[str], env: dict[str, str]) -> Result:
    runner = CliRunner(env={**dict.fromkeys(os.environ), **env})
    return await asyncio.to_thread(runner.invoke, app, args)


def worker_says(env: dict[str, str], seconds: float = 30) -> str:
    """What ``fdl worker`` prints on stderr before it is ready or gives up (then stopped)."""
    process = subprocess.Popen(
        [FDL, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + seconds
    lines = []
    try:
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            lines.append(line)
            if "worker ready" in line or "error" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=30)
    return "".join(lines)


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    path = tmp_path / "flow.yaml"
    path.write_text(FLOW_TEXT)
    return path


async def test_an_unreachable_address_is_one_line_for_every_command(flow_file: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = clean_env(TEMPORAL_ADDRESS=address)
    expected = f"no Temporal server answers at {address}: start one with `fdl dev`"
    for group, args in commands(flow_file, "envflow").items():
        result = await fdl_cli(args, env)
        assert result.exit_code == 1, group
        assert result.stderr.strip().startswith(f"error: {expected}"), (group, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (group, result.stderr)
    assert expected in await asyncio.to_thread(worker_says, env)


async def test_a_missing_namespace_is_one_line_for_every_command(
    flow_file: Path, dev_server: DevServer
) -> None:
    env = clean_env(TEMPORAL_ADDRESS=dev_server.address, TEMPORAL_NAMESPACE="nowhere")
    expected = f"namespace 'nowhere' does not exist on {dev_server.address}"
    for group, args in commands(flow_file, "envflow").items():
        result = await fdl_cli(args, env)
        assert result.exit_code == 1, group
        assert result.stderr.strip().startswith(f"error: {expected}"), (group, result.stderr)
    assert expected in await asyncio.to_thread(worker_says, env)


async def test_fdl_dev_port_names_the_server_of_every_command(
    flow_file: Path, dev_server: DevServer, client: Client, task_queue: str
) -> None:
    env = clean_env(FDL_DEV_PORT=str(dev_server.port), FDL_TASK_QUEUE=task_queue)
    async with running_worker(client, task_queue):
        for group, args in commands(flow_file, "envflow").items():
            result = await fdl_cli(args, env)
            if group == "task":  # it reached the server, which knows no such execution
                assert "InvalidTaskToken" in result.stderr, result.stderr
            else:
                assert result.exit_code == 0, (group, result.output)
    assert f"worker ready on task queue {task_queue!r}" in await asyncio.to_thread(worker_says, env)
    dev = await fdl_cli(["dev", "--queue-port", "-1"], env)
    assert dev.exit_code == 1 and f"port {dev_server.port} is in use" in dev.stderr


async def test_fdl_task_queue_routes_the_work_of_every_command(
    flow_file: Path, dev_server: DevServer, client: Client
) -> None:
    queue = f"env-{uuid.uuid4().hex[:8]}"
    flow = f"envq{uuid.uuid4().hex[:6]}"
    env = clean_env(TEMPORAL_ADDRESS=dev_server.address, FDL_TASK_QUEUE=queue)
    async with running_worker(client, queue):
        created = await fdl_cli(["flow", "create", flow, str(flow_file)], env)
        assert created.exit_code == 0, created.output
        started = await fdl_cli(["execution", "start", flow, "--wait"], env)
        assert started.exit_code == 0 and '"said": "hello"' in started.stdout, started.output
        ran = await fdl_cli(["run", str(flow_file), "--name", flow, "--no-worker"], env)
        assert ran.exit_code == 0 and '"said": "hello"' in ran.stdout, ran.output
        scheduled = await fdl_cli(
            ["schedule", "create", flow, "nightly", "--cron", "0 0 3 * * *", "--json"], env
        )
        assert scheduled.exit_code == 0, scheduled.output
        assert f'"TaskQueue": "{queue}"' in scheduled.stdout
    registry = await client.get_workflow_handle(f"fdl/flow/{flow}").describe()
    assert registry.raw_description.execution_config.task_queue.name == queue
    assert f"worker ready on task queue {queue!r}" in await asyncio.to_thread(worker_says, env)
