"""The flow registry, stored in Temporal alone: create, update, read, list and delete flows.

Each registered flow is one ``fdl.FlowDefinition`` workflow (see
:mod:`worker.contract.registry`). Writes are a start (create) or a signal (update), reads
fold the workflow's own history, so none of them needs a worker, and every client of the
cluster sees the same registry::

    flow = await get_flow(client, "orders")            # current version
    flow.version, flow.definition                      # content hash, IR JSON

Workers resolve flows through the ``fdl.resolve_flow`` activity (:func:`resolve_flow`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from temporalio.api.enums.v1 import EventType, PendingWorkflowTaskState
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from translator.plainjson import payload_size
from translator.rules import PAYLOAD_LIMIT, check_name
from worker.contract.registry import (
    HASH_LENGTH,
    HISTORY_LIMIT,
    PUBLISH_SIGNAL,
    SIGNAL_PAYLOADS,
    DefinitionState,
    FlowVersion,
    content_hash,
    fold,
    fold_signal,
)
from worker.contract.run import (
    DEFAULT_TASK_QUEUE,
    DEFINITION_WORKFLOW,
    REGISTRY_DIVISION,
    REGISTRY_DIVISION_KEY,
    definition_workflow_id,
)
from worker.service.errors import (
    FlowAlreadyExists,
    FlowNotExists,
    FlowVersionNotExists,
    InvalidArgument,
)

LIST_QUERIES = (
    f"WorkflowType = '{DEFINITION_WORKFLOW}' AND ExecutionStatus = 'Running' "
    f"AND {REGISTRY_DIVISION_KEY.name} = '{REGISTRY_DIVISION}'",
    # Entries created before the registry had a division of its own (release 0.1.0).
    f"WorkflowType = '{DEFINITION_WORKFLOW}' AND ExecutionStatus = 'Running'",
)
"""Visibility queries of the registry's running entries."""
SIGNAL_FLUSH_WAIT = 2.0
"""Seconds a registry read waits for a running workflow task to write its held signals."""
CLOSE_EVENTS = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionInfo:
    """One version in a flow's list of versions."""

    version: str
    created: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisteredFlow:
    """A registered flow at one version (the current one unless asked otherwise).

    Attributes:
        name: the flow name.
        version: the content hash of ``definition``.
        definition: the compiled flow (IR JSON).
        source: the FDL text it was compiled from.
        description: the flow's description.
        created: when the flow was created (RFC 3339 UTC).
        modified: when its current version was written.
        current: whether ``version`` is the current version.
        versions: the kept revisions, oldest first (a republished one appears again).
        flow_version: the published version number when described by one, else "".
        task_queue: the task queue its executions run on ("" when registered by a release
            that did not record one).
    """

    name: str
    version: str
    definition: dict[str, Any]
    source: str
    description: str
    created: str
    modified: str
    current: bool
    versions: tuple[VersionInfo, ...]
    flow_version: str = ""
    task_queue: str = ""

    @property
    def id(self) -> str:
        """A UUID naming this flow (a re-created flow of the same name gets another)."""
        return str(uuid.uuid5(FLOW_ID_NAMESPACE, f"{self.name}/{self.created}"))

    def to_json(self) -> dict[str, Any]:
        """The wire form: the original API's Flow fields, plus ``Version`` (the content hash
        of this definition), ``Current``, ``Versions`` (the kept ones, oldest first) and, when
        described by a published version number, ``FlowVersion``; ``TaskQueue``, where its
        executions run (fdl's own)."""
        return (
            {
                "Name": self.name,
                "Id": self.id,
                "Type": "FDL",
                "Definition": self.source,
                "Description": self.description,
                "RoleArn": "",
                "ExecutionMode": "Standard",
                "ExternalStorageLocation": "",
                "ResourceGroupId": "",
                "Environment": {"Variables": []},
                "CreatedTime": self.created,
                "LastModifiedTime": self.modified,
                "Version": self.version,
                "Current": self.current,
                "Versions": [
                    {"Version": v.version, "CreatedTime": v.created} for v in self.versions
                ],
            }
            | ({"FlowVersion": self.flow_version} if self.flow_version else {})
            | ({"TaskQueue": self.task_queue} if self.task_queue else {})
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowPage:
    """One page of registered flows, by name (``ListFlows``).

    Attributes:
        flows: the flows at their current versions.
        next_token: the name of the first flow of the next page; empty on the last page.
    """

    flows: list[RegisteredFlow]
    next_token: str = ""


FLOW_ID_NAMESPACE = uuid.UUID("6f1d3c52-5a8e-4f0b-9d2e-2b7c1e4a9f30")
"""Namespace of the flow ids derived from a flow's name and creation time."""


def now() -> str:
    """The current time as the original API writes it: RFC 3339 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_version(
    definition: dict[str, Any], source: str, description: str = "", task_queue: str = ""
) -> FlowVersion:
    """A version record of ``definition`` (IR JSON), named by its content hash, published by
    a project whose work runs on ``task_queue``."""
    return FlowVersion(
        version=content_hash(definition),
        definition=definition,
        source=source,
        description=description,
        created=now(),
        task_queue=task_queue,
    )


def fits_the_registry(version: FlowVersion) -> None:
    """Refuse a version the registry cannot store: it travels in one Temporal payload.

    (Executions of any size start from ``fdl run`` and ``start_flow``, which store a large
    definition as a snapshot; the registry keeps each version whole.)

    Raises:
        InvalidArgument: the definition and its source are over the payload limit.
    """
    size = payload_size(version.definition) + payload_size(version.source)
    if size > PAYLOAD_LIMIT:
        raise InvalidArgument(
            f"the compiled definition and its source take {size} bytes, over the "
            f"{PAYLOAD_LIMIT} bytes one registered version may take"
        )


async def create_flow(
    client: Client,
    name: str,
    version: FlowVersion,
    *,
    task_queue: str = DEFAULT_TASK_QUEUE,
    history_limit: int = HISTORY_LIMIT,
) -> RegisteredFlow:
    """Register a new flow with its first version.

    Args:
        client: a connected client.
        name: the flow name.
        version: the first version (see :func:`new_version`).
        task_queue: the queue the flow's executions run on (recorded with the flow unless
            ``version`` names one) and where workers run the definition workflow.
        history_limit: events after which the definition workflow continues as new.

    Raises:
        FlowAlreadyExists: a flow of this name is registered.
        ValueError: the name is not legal.
    """
    check_name("flow", name)
    queue = version.task_queue or task_queue
    fits_the_registry(version)
    state = DefinitionState(
        name=name,
        created=version.created,
        description=version.description,
        versions=(replace(version, task_queue=queue),),
        history_limit=history_limit,
        task_queue=queue,
    )
    try:
        await client.start_workflow(
            DEFINITION_WORKFLOW,
            state,
            id=definition_workflow_id(name),
            task_queue=task_queue,
            # A running entry is the flow; a closed one is a deleted flow, free to create again.
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            static_summary=f"FDL flow definition {name}, executions on task queue {queue}",
            # Out of the namespace's default listing (the Web UI's executions list): these
            # are the registry, not executions.
            search_attributes=TypedSearchAttributes(
                [SearchAttributePair(REGISTRY_DIVISION_KEY, REGISTRY_DIVISION)]
            ),
        )
    except WorkflowAlreadyStartedError:
        raise FlowAlreadyExists(f"flow {name!r} already exists") from None
    return registered(state)


async def update_flow(
    client: Client, name: str, version: FlowVersion
) -> tuple[RegisteredFlow, bool]:
    """Publish a new version of a registered flow.

    Returns:
        The flow after the update, and whether anything changed: a definition equal to the
        current version (and no new description) is not stored again.

    Raises:
        FlowNotExists: no flow of this name is registered.
    """
    fits_the_registry(version)
    state = await read_state(client, name)
    after = fold(state, version)
    if after == state:
        return registered(state), False
    try:
        await handle_of(client, name).signal(PUBLISH_SIGNAL, version)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise FlowNotExists(f"flow {name!r} does not exist") from None
        raise
    return registered(after), True


async def get_flow(client: Client, name: str, version: str | None = None) -> RegisteredFlow:
    """A registered flow at its current version, or at ``version`` (a content hash).

    Raises:
        FlowNotExists: no flow of this name is registered, or it has no such version.
    """
    return registered(await read_state(client, name), version)


async def delete_flow(client: Client, name: str) -> None:
    """Delete a flow: its registry entry ends (the workflow is terminated).

    Running executions keep running the definition they started with; new executions of
    the flow fail with ``FlowNotExists``. A flow of the same name may be created again.

    Raises:
        FlowNotExists: no flow of this name is registered.
    """
    check_name("flow", name)
    try:
        await handle_of(client, name).terminate(reason="flow deleted")
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise FlowNotExists(f"flow {name!r} does not exist") from None
        raise


async def list_flows(client: Client, *, limit: int | None = None) -> list[RegisteredFlow]:
    """Every registered flow at its current version, sorted by name."""
    names = await flow_names(client, limit)
    found = await asyncio.gather(*(_get_or_none(client, name) for name in names))
    return sorted((flow for flow in found if flow), key=lambda flow: flow.name)


async def list_flows_page(client: Client, *, limit: int, start: str = "") -> FlowPage:
    """At most ``limit`` flows by name, from the flow named ``start`` (or the next name) on."""
    names = sorted(name for name in await flow_names(client, None) if name >= start)
    found = await asyncio.gather(*(_get_or_none(client, name) for name in names[:limit]))
    return FlowPage(
        flows=[flow for flow in found if flow],
        next_token=names[limit] if len(names) > limit else "",
    )


async def flow_names(client: Client, limit: int | None) -> list[str]:
    """Names of registered flows, from visibility (at most ``limit``)."""
    prefix = definition_workflow_id("")
    names: dict[str, None] = {}
    for query in LIST_QUERIES:
        for workflow_id in await _running_entries(client, query):
            names.setdefault(workflow_id.removeprefix(prefix))
            if limit is not None and len(names) >= limit:
                return list(names)
    return list(names)


async def _running_entries(client: Client, query: str) -> list[str]:
    """Workflow ids of the running registry entries a query finds.

    Some visibility stores cannot filter on type and status together; then the query falls
    back to its division alone and the rest is filtered here.
    """
    try:
        return [wf.id async for wf in client.list_workflows(query)]
    except RPCError as exc:
        if exc.status != RPCStatusCode.INVALID_ARGUMENT:
            raise
    division = f"{REGISTRY_DIVISION_KEY.name} = '{REGISTRY_DIVISION}'"
    loose = division if division in query else None
    return [
        wf.id
        async for wf in client.list_workflows(loose)
        if wf.workflow_type == DEFINITION_WORKFLOW and wf.close_time is None
    ]


async def _get_or_none(client: Client, name: str) -> RegisteredFlow | None:
    try:
        return await get_flow(client, name)
    except FlowNotExists:  # deleted between the listing and the read
        return None


async def read_state(client: Client, name: str) -> DefinitionState:
    """Fold the history of a flow's current definition run into its entry.

    Raises:
        FlowNotExists: no entry, or the entry has ended (the flow was deleted).
    """
    check_name("flow", name)
    handle = handle_of(client, name)
    for _ in range(3):  # the run may continue as new while we read: read the new one
        try:
            await _signals_written(handle)
            events = [event async for event in handle.fetch_history_events()]
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise FlowNotExists(f"flow {name!r} does not exist") from None
            raise
        if (
            events
            and events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        ):
            continue
        if not events or events[-1].event_type in CLOSE_EVENTS:
            raise FlowNotExists(f"flow {name!r} does not exist")
        return await _fold_events(client, events)
    raise FlowNotExists(f"flow {name!r} could not be read: it keeps continuing as new")


async def _signals_written(handle: WorkflowHandle[Any, Any]) -> None:
    """Wait (briefly) until no workflow task of the entry is running.

    While a worker runs a workflow task, the server holds signals that arrive back and
    writes them to the history only when the task completes: a reader right after an update
    would otherwise miss the version it was just told was stored (seen in the conformance
    test). A read therefore waits for such a task, at most :data:`SIGNAL_FLUSH_WAIT`.
    """
    deadline = time.monotonic() + SIGNAL_FLUSH_WAIT
    while time.monotonic() < deadline:
        pending = (await handle.describe()).raw_description.pending_workflow_task
        if pending.state != PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED:
            return
        await asyncio.sleep(0.02)


async def _fold_events(client: Client, events: Sequence[HistoryEvent]) -> DefinitionState:
    converter = client.data_converter
    started = events[0].workflow_execution_started_event_attributes
    [state] = await converter.decode(started.input.payloads, [DefinitionState])
    for event in events[1:]:
        if event.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            continue
        signaled = event.workflow_execution_signaled_event_attributes
        payload_type = SIGNAL_PAYLOADS.get(signaled.signal_name)
        if payload_type is None:
            continue
        try:
            [payload] = await converter.decode(signaled.input.payloads, [payload_type])
        except Exception:  # the workflow drops undecodable signals too; so does the reader
            continue
        state = fold_signal(state, signaled.signal_name, payload)
    assert isinstance(state, DefinitionState)
    return state


def is_published_number(version: str) -> bool:
    """Whether ``version`` names a published version (1, 2, ...) rather than a revision hash."""
    return version.isdigit() and len(version) < HASH_LENGTH


def registered(state: DefinitionState, version: str | None = None) -> RegisteredFlow:
    """The flow view of an entry at ``version``: a revision hash, a published version number,
    or (default) the current revision."""
    current = state.versions[-1]
    chosen = current
    if version and is_published_number(version):
        snapshot = next((v for v in state.published if str(v.number) == version), None)
        if snapshot is None:
            raise FlowVersionNotExists(f"flow {state.name!r} has no published version {version}")
        view = registered(state, None)
        return replace(
            view,
            version=snapshot.revision.version,
            definition=snapshot.revision.definition,
            source=snapshot.revision.source,
            current=snapshot.revision.version == current.version,
            flow_version=version,
        )
    if version and version != current.version:
        matches = [v for v in state.versions if v.version == version]
        if not matches:
            raise FlowNotExists(f"flow {state.name!r} has no version {version!r}")
        chosen = matches[-1]
    return RegisteredFlow(
        name=state.name,
        version=chosen.version,
        definition=chosen.definition,
        source=chosen.source,
        description=state.description,
        created=state.created,
        modified=current.created,
        current=chosen is current,
        versions=tuple(VersionInfo(version=v.version, created=v.created) for v in state.versions),
        task_queue=state.task_queue,
    )


def handle_of(client: Client, name: str) -> WorkflowHandle[Any, Any]:
    """The handle of a flow's registry entry (its latest run)."""
    return client.get_workflow_handle(definition_workflow_id(name))
