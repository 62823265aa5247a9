"""The activities the engine's own workflows call: registry lookups, stop details, token secrets.

Each reads or makes one thing the workflow cannot (the registry and other executions live on
the server; randomness must be recorded), so workflow code stays deterministic.
"""

from __future__ import annotations

import secrets

from temporalio import activity
from temporalio.client import WorkflowHistoryEventFilterType
from temporalio.exceptions import ApplicationError

from translator import rules
from worker.contract.activities import (
    LOAD_DEFINITION,
    MINT_TASK_SECRET,
    RESOLVE_FLOW,
    STOP_DETAILS,
    YIELD,
    ResolvedFlow,
    ResolveFlow,
    StoppedExecution,
    StopReason,
)
from worker.contract.snapshots import LoadDefinition, Snapshot
from worker.service.errors import FlowNotExists
from worker.service.flows import get_flow
from worker.service.outcome import of_close_event
from worker.service.snapshots import read_snapshot


@activity.defn(name=RESOLVE_FLOW)
async def resolve_flow(request: ResolveFlow) -> ResolvedFlow:
    """A registered flow's definition (current version unless one is asked for).

    Raises:
        ApplicationError: ``FlowNotExists`` (not retried) when the flow is not registered.
    """
    try:
        flow = await get_flow(activity.client(), request.flow_name, request.version or None)
    except FlowNotExists as exc:
        raise ApplicationError(
            exc.message, type=rules.FLOW_NOT_EXISTS, non_retryable=True
        ) from None
    return ResolvedFlow(
        flow_name=flow.name,
        version=flow.version,
        definition=flow.definition,
        task_queue=flow.task_queue,
    )


@activity.defn(name=STOP_DETAILS)
async def stop_details(request: StoppedExecution) -> StopReason:
    """The error and cause a stopped execution was stopped with (from its close event)."""
    client = activity.client()
    handle = client.get_workflow_handle(request.workflow_id)
    async for event in handle.fetch_history_events(
        event_filter_type=WorkflowHistoryEventFilterType.CLOSE_EVENT
    ):
        found = await of_close_event(event, client.data_converter)
        if found is not None and found.status in ("Stopped", "Failed"):
            # Failed: Temporal itself ended it (a limit), which is the child's error too.
            return StopReason(error=found.error, cause=found.cause)
    return StopReason()


@activity.defn(name=MINT_TASK_SECRET)
async def mint_task_secret() -> str:
    """128 random bits, hex: the secret part of one task token (a local activity).

    ``workflow.random()`` is not used for it: that generator is deterministic by design (seeded
    per run), so its outputs can be predicted.
    """
    return secrets.token_hex(16)


@activity.defn(name=YIELD)
async def pause() -> None:
    """Nothing: the interpreter's yield point (a local activity ends the current activation)."""


@activity.defn(name=LOAD_DEFINITION)
async def load_definition(request: LoadDefinition) -> Snapshot:
    """The stored snapshot of a definition too large to carry (a local activity).

    Raises:
        ApplicationError: ``FnF.RuntimeError`` (not retried) when the snapshot is gone.
    """
    snapshot = await read_snapshot(activity.client(), request.version)
    if snapshot is None:
        raise ApplicationError(
            f"the definition snapshot {request.version} is gone (kept for a year and the "
            "namespace's retention period)",
            type=rules.RUNTIME_ERROR,
            non_retryable=True,
        )
    return snapshot
