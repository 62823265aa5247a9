"""Building a worker process: the interpreter workflow plus the activities of a project.

``fdl worker``, ``fdl dev``, the tests and the benchmarks all build their workers here::

    config = load_config()                      # fdl.yaml bindings
    worker = build_worker(client, config=config)
    await worker.run()

A client starts an execution with the flow name as the workflow type::

    await client.start_workflow(
        flow_name, FlowRun(...), id=workflow_id(flow_name, execution_name),
        task_queue=DEFAULT_TASK_QUEUE,
        search_attributes=TypedSearchAttributes([SearchAttributePair(FLOW_NAME_KEY, flow_name)]),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from worker.activities import FunctionActivities
from worker.api import DEFAULT_TASK_QUEUE
from worker.config import ProjectConfig
from worker.history_derive import stop_details
from worker.interpreter import FlowInterpreter
from worker.messaging import MessagingActivities
from worker.registry import resolve_flow
from worker.registry_workflow import FlowDefinition
from worker.tokens import mint_task_secret
from worker.trigger import ScheduleTrigger

WORKFLOWS: Sequence[type] = (FlowInterpreter, FlowDefinition, ScheduleTrigger)
"""The workflows every fdl worker registers (the dynamic interpreter, the flow registry, the
schedule trigger)."""

PASSTHROUGH_MODULES = ("translator", "worker")
"""Modules the sandbox shares instead of re-importing per workflow run.

The IR, the evaluators and the interpreter's own modules hold no module-level mutable state,
so sharing them is safe. Re-importing the ``worker`` package for every run cost about a third
of an FDL execution's latency and throughput (``bench/overhead_bench.py``: ratios 1.35 and
1.44 against a hand-written workflow before, about 1.0 after). The price: the sandbox no
longer intercepts non-deterministic calls made from these modules, so their workflow code
keeps to ``workflow.now()``/``workflow.random()`` by review, and the replay tests guard it."""

DEFAULT_MAX_CONCURRENT_ACTIVITIES = 100
"""Temporal's default, repeated here to size the thread pool of synchronous handlers."""


def activities_for(config: ProjectConfig, *, max_threads: int = 100) -> list[Callable[..., Any]]:
    """The activities of a worker serving ``config``'s function bindings.

    Args:
        config: the project config.
        max_threads: threads for synchronous Python handlers (one per concurrent activity).
    """
    functions = FunctionActivities(config, max_threads=max_threads)
    messages = MessagingActivities(config)
    return [
        functions.invoke_function,
        resolve_flow,
        messages.send_message,
        mint_task_secret,
        stop_details,
    ]


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandboxed runner with the translator passed through."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    return SandboxedWorkflowRunner(restrictions=restrictions)


def build_worker(
    client: Client,
    *,
    task_queue: str = DEFAULT_TASK_QUEUE,
    config: ProjectConfig,
    **worker_kwargs: Any,
) -> Worker:
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
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=activities_for(config, max_threads=threads),
        **worker_kwargs,
    )
