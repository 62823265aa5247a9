"""Helpers of the interpreter integration tests: build a worker, start a flow, read history.

Every test runs its own worker on its own task queue against the session's dev server (or a
time-skipping server); flows are written as real FDL YAML and compiled with ``compile_text``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker

from translator import ir
from worker.config import ProjectConfig
from worker.contract.run import FLOW_NAME_KEY, FlowRun, workflow_id
from worker.local.devserver import DevServer
from worker.process import build_worker

HERE = Path(__file__).resolve().parent
"""Handler modules are imported relative to this directory (``handlers.<module>:<fn>``)."""


def config(functions: Mapping[str, Mapping[str, Any]] | None = None) -> ProjectConfig:
    """A project config whose Python handlers live in ``tests/integration/handlers``."""
    return ProjectConfig.from_mapping({"functions": dict(functions or {})}, base_dir=HERE)


def compile_flow(text: str) -> ir.Flow:
    """Compile FDL YAML the way users write it."""
    from translator.compile import compile_text

    return compile_text(text, filename="test.yaml")


@asynccontextmanager
async def running_worker(
    client: Client, task_queue: str, project: ProjectConfig | None = None, **kwargs: Any
) -> AsyncIterator[Worker]:
    """A worker for the interpreter and the project's functions, running for the block."""
    worker = build_worker(client, task_queue=task_queue, config=project or config(), **kwargs)
    async with worker:
        yield worker


async def start(
    client: Client,
    task_queue: str,
    flow: ir.Flow | str,
    flow_input: dict[str, Any] | None = None,
    *,
    flow_name: str = "testflow",
    search_attributes: bool = True,
) -> WorkflowHandle[Any, Any]:
    """Start an execution of ``flow`` (IR or FDL YAML) with a fresh execution name."""
    if isinstance(flow, str):
        flow = compile_flow(flow)
    execution = f"e-{uuid.uuid4().hex[:10]}"
    attributes = TypedSearchAttributes([SearchAttributePair(FLOW_NAME_KEY, flow_name)])
    return await client.start_workflow(
        flow_name,
        FlowRun(
            flow_name=flow_name,
            execution_name=execution,
            definition=flow.to_json(),
            input=flow_input or {},
        ),
        id=workflow_id(flow_name, execution),
        task_queue=task_queue,
        search_attributes=attributes if search_attributes else TypedSearchAttributes.empty,
    )


async def run(
    client: Client,
    task_queue: str,
    flow: ir.Flow | str,
    flow_input: dict[str, Any] | None = None,
    project: ProjectConfig | None = None,
    **worker_kwargs: Any,
) -> Any:
    """Run ``flow`` to its end on a fresh worker and return the execution output."""
    async with running_worker(client, task_queue, project, **worker_kwargs):
        handle = await start(client, task_queue, flow, flow_input)
        return await handle.result()


async def history_events(handle: WorkflowHandle[Any, Any]) -> list[HistoryEvent]:
    """The execution's Temporal history events."""
    history = await handle.fetch_history()
    return list(history.events)


@dataclass
class BareDevServer(DevServer):
    """``temporal server start-dev`` without the project's search attribute."""

    extra_namespaces: tuple[str, ...] = ()

    def command(self) -> list[str]:
        cmd = super().command()
        at = cmd.index("--search-attribute")
        del cmd[at : at + 2]
        for namespace in self.extra_namespaces:
            cmd += ["--namespace", namespace]
        return cmd
