"""The executions the console is shown with: the examples, run as users run them.

Shared by the browser tests, the README screenshot script and the recorder of the console's
golden fixtures. Each example gets a worker of its own (its own ``fdl.yaml``) on its own
task queue; flows are registered through :class:`~worker.service.client.FdlClient`, so the console
lists them with their versions and sources.

- ``oss``: seed 002, the OSS restore application: ``mainRestoreFlow`` loops (``goto``)
  over bucket pages and calls the ``restoreFlow`` subflow (foreach, wait, a polling loop);
- ``polling``: seed 003: wait 10 s, poll, loop back once (``{"delay": 12}``);
- ``orders``: foreach with a retry, parallel, a choice (``examples/orders/input.json``);
- ``declined``: the same flow, the charge fails and ``catch`` takes over;
- ``failed``: the same flow, one item has no price: a foreach iteration fails the execution.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client

from translator import compile_file
from worker.config import load_config
from worker.process import build_worker
from worker.service.client import FdlClient
from worker.service.errors import FlowAlreadyExists

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    key: str
    example: str
    flow: str
    file: str
    execution: str
    input: dict[str, Any]


def orders_input() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / "orders" / "input.json").read_text())
    return document


def oss_input(bucket: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / "oss-restore" / "input.json").read_text())
    document.update(endpoint=str(bucket), pollInterval=0.5, maxKeys=2)
    return document


def scenarios(bucket: Path, suffix: str = "") -> list[Scenario]:
    """Every scenario; ``suffix`` makes flow names unique on a shared server."""
    return [
        Scenario(
            key="oss",
            example="oss-restore",
            flow=f"mainRestoreFlow{suffix}",
            file="main.yaml",
            execution="restore-demo",
            input=oss_input(bucket),
        ),
        Scenario(
            key="polling",
            example="polling",
            flow=f"polling{suffix}",
            file="flow.yaml",
            execution="two-polls",
            input={"delay": 12},
        ),
        Scenario(
            key="orders",
            example="orders",
            flow=f"orders{suffix}",
            file="flow.yaml",
            execution="big-order",
            input=orders_input(),
        ),
        Scenario(
            key="declined",
            example="orders",
            flow=f"orders{suffix}",
            file="flow.yaml",
            execution="declined",
            input={"items": [{"name": "tv", "price": 900}]},
        ),
        Scenario(
            key="failed",
            example="orders",
            flow=f"orders{suffix}",
            file="flow.yaml",
            execution="no-price",
            input={"items": [{"name": "book", "price": 12}, {"name": "gift"}]},
        ),
    ]


def create_bucket(path: Path) -> Path:
    """A small simulated bucket: two pages with archived objects, then one without."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("oss_example", EXAMPLES / "oss-restore/oss.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.create_bucket(str(path), "archive-bucket", 3, standard=2, polls=2)
    return path


def task_queue(prefix: str, example: str) -> str:
    return f"{prefix}-{example}"


@asynccontextmanager
async def workers(client: Client, prefix: str) -> AsyncIterator[None]:
    """One worker per example, each on its own task queue, for the block."""
    async with AsyncExitStack() as stack:
        for example in ("oss-restore", "polling", "orders"):
            config = load_config(EXAMPLES / example / "fdl.yaml")
            worker = build_worker(client, task_queue=task_queue(prefix, example), config=config)
            await stack.enter_async_context(worker)
        yield


async def register(client: Client, prefix: str, chosen: list[Scenario]) -> None:
    """Register the scenarios' flows (and the OSS subflow); existing ones are kept."""
    files = {(s.flow, s.example, s.file) for s in chosen}
    if any(s.key == "oss" for s in chosen):
        files.add(("restoreFlow", "oss-restore", "restore.yaml"))
    for flow, example, file in sorted(files):
        fdl = FdlClient(client, task_queue=task_queue(prefix, example))
        definition = compile_file(EXAMPLES / example / file, resolve_refs=True)
        source = (EXAMPLES / example / file).read_text()
        with suppress(FlowAlreadyExists):
            await fdl.create_flow(flow, definition, source=source)


async def start(client: Client, prefix: str, scenario: Scenario) -> None:
    """Start a scenario's execution (a running one of that name is left as it is)."""
    fdl = FdlClient(client, task_queue=task_queue(prefix, scenario.example))
    await fdl.start_execution(scenario.flow, name=scenario.execution, input=scenario.input)


async def wait(client: Client, scenario: Scenario, seconds: float = 120) -> str:
    """Wait for a scenario's execution to end; returns its status."""
    fdl = FdlClient(client)
    info = await fdl.describe_execution(scenario.flow, scenario.execution, wait_seconds=seconds)
    return info.status


@contextmanager
def worker_processes(address: str, prefix: str) -> Iterator[None]:
    """One ``fdl worker`` process per example (fresh handler modules), for the block."""
    fdl = str(Path(sys.executable).parent / "fdl")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env["TEMPORAL_ADDRESS"] = address
    started: list[subprocess.Popen[str]] = []
    try:
        for example in ("oss-restore", "polling", "orders"):
            process = subprocess.Popen(
                [
                    fdl,
                    "worker",
                    "--task-queue",
                    task_queue(prefix, example),
                    "--config",
                    "fdl.yaml",
                ],
                cwd=EXAMPLES / example,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            started.append(process)
            assert process.stderr is not None
            line = process.stderr.readline()
            while line and "worker ready" not in line:
                line = process.stderr.readline()
            assert "worker ready" in line, f"the {example} worker did not start"
            # Keep reading its log, so a full pipe never blocks the worker.
            threading.Thread(target=process.stderr.read, daemon=True).start()
        yield
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
