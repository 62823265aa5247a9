"""Looking up a flow's current registered version from workflow code.

An execution started without a definition (``FlowRun(definition=None)``) resolves its flow
as it starts. Workflows that start executions themselves (a subflow task, a schedule fire)
resolve first instead, so the execution they start carries its definition and version, and
the flow's ``timeoutSeconds`` becomes the Temporal execution timeout: the execution ends
``TimedOut`` exactly as one started from the CLI does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from translator.rules import STEP_DATA_LIMIT
from worker.contract.activities import RESOLVE_FLOW, ResolvedFlow, ResolveFlow
from worker.contract.run import FlowRun
from worker.workflow import errors, patches
from worker.workflow.records import ResolvedStart

RESOLVE_RETRY = RetryPolicy(maximum_attempts=5, non_retryable_error_types=["FlowNotExists"])
"""A registry read is retried a few times; a missing flow is final."""


async def resolve_flow(flow_name: str) -> ResolvedFlow:
    """The current registered version of ``flow_name`` (activity ``fdl.resolve_flow``).

    Raises:
        FlowError: ``FlowNotExists`` when no such flow is registered.
    """
    try:
        resolved: ResolvedFlow = await workflow.execute_activity(
            RESOLVE_FLOW,
            ResolveFlow(flow_name=flow_name),
            result_type=ResolvedFlow,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RESOLVE_RETRY,
            summary=f"resolve flow {flow_name}",
        )
    except ActivityError as exc:
        raise errors.from_activity_error(exc, step_path=f"resolve flow {flow_name}") from None
    return resolved


async def resolved_start(
    flow_name: str,
    execution_name: str,
    flow_input: dict[str, Any],
    *,
    step_data_limit: int = STEP_DATA_LIMIT,
) -> ResolvedStart:
    """Resolve ``flow_name`` and build the start of one execution of its current version.

    Raises:
        FlowError: ``FlowNotExists`` when no such flow is registered.
    """
    resolved = await resolve_flow(flow_name)
    timeout = resolved.definition.get("timeout_seconds")
    run = FlowRun(
        flow_name=flow_name,
        execution_name=execution_name,
        definition=resolved.definition,
        input=flow_input,
        version=resolved.version,
        step_data_limit=step_data_limit,
    )
    return ResolvedStart(
        run, timedelta(seconds=timeout) if timeout else None, task_queue=resolved.task_queue
    )


def start_queue(resolved: ResolvedStart, named: str = "") -> str | None:
    """The task queue to start a resolved execution on: ``named`` (a schedule's own queue),
    else the flow's registered queue, else ``None`` (the starting workflow's queue).

    Executions recorded before flows had queues started every child on the starter's queue;
    they keep doing so on replay (:data:`~worker.workflow.patches.FLOW_TASK_QUEUE`).
    """
    if not workflow.patched(patches.FLOW_TASK_QUEUE):
        return None
    return named or resolved.task_queue or None
