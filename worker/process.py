"""Building a worker process: the workflows plus the activities of a project.

``fdl worker``, ``fdl dev``, ``fdl run``, the tests and the benchmarks all build their workers
here::

    config = load_config()                      # fdl.yaml bindings
    async with build_worker(client, config=config):
        ...                                     # the worker polls until the block ends

The worker owns what its activities open (the handler threads, the HTTP client, the queue
connection) and closes it when it shuts down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from worker.activities import engine
from worker.activities.functions import FunctionActivities
from worker.activities.messages import MessagingActivities
from worker.config import ProjectConfig
from worker.contract.converter import DATA_CONVERTER
from worker.contract.run import DEFAULT_TASK_QUEUE
from worker.sandbox import workflow_runner
from worker.workflow.interpreter import FlowInterpreter
from worker.workflow.registry import FlowDefinition
from worker.workflow.trigger import ScheduleTrigger

WORKFLOWS: Sequence[type] = (FlowInterpreter, FlowDefinition, ScheduleTrigger)
"""The workflows every fdl worker registers (the dynamic interpreter, the flow registry, the
schedule trigger)."""

DEFAULT_MAX_CONCURRENT_ACTIVITIES = 100
"""Temporal's default, repeated here to size the thread pool of synchronous handlers."""


class ProjectActivities:
    """The activities of a worker serving one project, and the resources they hold.

    Args:
        config: the project config (function bindings, queue backend).
        max_threads: threads for synchronous Python handlers (one per concurrent activity).
    """

    def __init__(self, config: ProjectConfig, *, max_threads: int) -> None:
        self.functions = FunctionActivities(config)
        self.messages = MessagingActivities(config)

    def all(self) -> list[Callable[..., Any]]:
        """Every activity the workflows call."""
        return [
            self.functions.invoke_function,
            self.messages.send_message,
            engine.resolve_flow,
            engine.stop_details,
            engine.mint_task_secret,
            engine.pause,
            engine.load_definition,
        ]

    async def aclose(self) -> None:
        """Close the HTTP client, the handler threads and the queue connection."""
        await self.functions.aclose()
        self.messages.close()


class FdlWorker(Worker):
    """A Temporal worker that closes its project's resources once it has shut down."""

    def __init__(self, client: Client, *, project: ProjectActivities, **kwargs: Any) -> None:
        super().__init__(client, activities=project.all(), **kwargs)
        self.project = project

    async def run(self) -> None:
        """Run until shut down, then close the activities' resources."""
        try:
            await super().run()
        finally:
            await self.project.aclose()


def with_contract_converter(client: Client) -> Client:
    """``client``, or the same connection with fdl's data converter if it has another one
    (the worker reads and writes the payloads of fdl's workflows and activities with it)."""
    if client.data_converter.payload_converter_class is DATA_CONVERTER.payload_converter_class:
        return client
    config = client.config()
    config["data_converter"] = DATA_CONVERTER
    return Client(**config)


def build_worker(
    client: Client,
    *,
    task_queue: str = DEFAULT_TASK_QUEUE,
    config: ProjectConfig,
    **worker_kwargs: Any,
) -> FdlWorker:
    """A worker running FDL executions and the function calls of ``config``.

    Args:
        client: a connected Temporal client.
        task_queue: the task queue to poll.
        config: the project config (function bindings).
        **worker_kwargs: passed to :class:`temporalio.worker.Worker` (for example
            ``max_concurrent_activities``, which also sizes the handler thread pool).
    """
    threads = worker_kwargs.get("max_concurrent_activities") or DEFAULT_MAX_CONCURRENT_ACTIVITIES
    worker_kwargs.setdefault("workflow_runner", workflow_runner())
    return FdlWorker(
        with_contract_converter(client),
        project=ProjectActivities(config, max_threads=threads),
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        **worker_kwargs,
    )
