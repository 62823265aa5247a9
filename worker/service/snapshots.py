"""Storing and reading definition snapshots (see :mod:`worker.contract.snapshots`).

A starter keeps the snapshot of a large definition with :func:`keep_snapshot` before it
starts an execution referring to it; the ``fdl.load_definition`` activity reads it back with
:func:`read_snapshot`. Both only talk to the server: no worker runs a snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from translator.rules import PAYLOAD_LIMIT
from worker.contract.registry import content_hash
from worker.contract.snapshots import (
    KEEP_DAYS,
    KEEP_MARGIN_DAYS,
    SNAPSHOT_QUEUE,
    SNAPSHOT_WORKFLOW,
    Snapshot,
    pack,
    snapshot_id,
)
from worker.service.errors import InvalidArgument


async def keep_snapshot(client: Client, definition: dict[str, Any]) -> str:
    """Make sure a snapshot of ``definition`` is stored and kept; returns its content hash.

    Raises:
        InvalidArgument: the definition is too large even compressed.
    """
    version = content_hash(definition)
    handle = client.get_workflow_handle(snapshot_id(version))
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        description = None
    if description is not None and description.status == WorkflowExecutionStatus.RUNNING:
        started = description.start_time or datetime.now(UTC)
        left = started + timedelta(days=KEEP_DAYS) - datetime.now(UTC)
        if left > timedelta(days=KEEP_MARGIN_DAYS):
            return version
    packed = pack(definition)
    if len(packed) > PAYLOAD_LIMIT:
        raise InvalidArgument(
            f"the definition takes {len(packed)} bytes even compressed, over the "
            f"{PAYLOAD_LIMIT} bytes Temporal takes in one payload"
        )
    # The same content under the same id: replacing a running snapshot loses nothing.
    await client.start_workflow(
        SNAPSHOT_WORKFLOW,
        Snapshot(version=version, definition=packed),
        id=snapshot_id(version),
        task_queue=SNAPSHOT_QUEUE,
        execution_timeout=timedelta(days=KEEP_DAYS),
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
        static_summary=f"FDL definition snapshot {version}",
    )
    return version


async def read_snapshot(client: Client, version: str) -> Snapshot | None:
    """The stored snapshot of the definition ``version``, or ``None`` when there is none."""
    handle = client.get_workflow_handle(snapshot_id(version))
    try:
        async for event in handle.fetch_history_events(page_size=1):
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            [snapshot] = await client.data_converter.decode(payloads, [Snapshot])
            return snapshot if isinstance(snapshot, Snapshot) else None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return None
