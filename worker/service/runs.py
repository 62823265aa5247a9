"""Starting one FDL execution and waiting for its end, as ``fdl run`` and the API do.

The execution carries its definition (a snapshot: updating the flow never changes it) and
records its version in the memo; its status and failure are translated into the original
service's words (:data:`STATUS_NAMES`, :class:`FlowFailed`).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import (
    WorkflowAlreadyStartedError,
)

from translator import ir
from translator.plainjson import utf8_size
from translator.rules import INLINE_DEFINITION_LIMIT, STEP_DATA_LIMIT, check_name
from worker.contract.outcome import Outcome
from worker.contract.registry import content_hash
from worker.contract.run import (
    DEFAULT_TASK_QUEUE,
    FLOW_NAME_KEY,
    VERSION_MEMO,
    FlowRun,
    workflow_id,
)
from worker.service import outcome
from worker.service.errors import ExecutionAlreadyExists, plain_json
from worker.service.links import execution_link
from worker.service.snapshots import keep_snapshot

STEP_DATA_LIMIT_ENV = "FDL_STEP_DATA_LIMIT"
"""Environment variable that sets the step data limit of the executions a client starts."""


class FlowFailed(Exception):
    """The execution ended without success: its status, FDL error name and cause."""

    def __init__(self, ended: Outcome) -> None:
        super().__init__(f"{ended.error}: {ended.cause}" if ended.cause else ended.error)
        self.status = ended.status
        self.error = ended.error
        self.cause = ended.cause


@dataclass(frozen=True, slots=True)
class StartedExecution:
    flow_name: str
    execution_name: str
    handle: WorkflowHandle[Any, Any]


async def start_flow(
    client: Client,
    *,
    flow_name: str,
    definition: ir.Flow,
    input: dict[str, Any],
    execution_name: str | None = None,
    task_queue: str = DEFAULT_TASK_QUEUE,
    version: str | None = None,
    memo: dict[str, str] | None = None,
) -> StartedExecution:
    """Start an execution; a running execution of the same name is returned as it is.

    The execution carries ``definition`` (a large one by reference: see
    :mod:`worker.contract.snapshots`) and records ``version`` (default: its content hash) in
    its memo, so it keeps running this definition whatever happens to the flow;
    ``memo`` adds entries (the qualifier it was started with).

    Raises:
        ExecutionAlreadyExists: an execution with this name has finished.
        InvalidArgument: the input is not plain JSON (NaN, a lone surrogate, ...).
        ValueError: the flow or execution name is not legal.
    """
    check_name("flow", flow_name)
    name = check_name("execution", execution_name) if execution_name else str(uuid.uuid4())
    plain_json(input, "input")
    document = definition.to_json()
    version = version or content_hash(document)
    reference = ""
    if utf8_size(document) > INLINE_DEFINITION_LIMIT:
        reference = await keep_snapshot(client, document)
    run = FlowRun(
        flow_name=flow_name,
        execution_name=name,
        definition=None if reference else document,
        definition_ref=reference,
        input=input,
        version=version,
        step_data_limit=step_data_limit(),
    )
    try:
        handle: WorkflowHandle[Any, Any] = await client.start_workflow(
            flow_name,
            run,
            id=workflow_id(flow_name, name),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=TypedSearchAttributes(
                [SearchAttributePair(FLOW_NAME_KEY, flow_name)]
            ),
            memo={**(memo or {}), VERSION_MEMO: version},
            static_summary=summary(flow_name, name),
            execution_timeout=(
                timedelta(seconds=definition.timeout_seconds)
                if definition.timeout_seconds
                else None
            ),
        )
    except WorkflowAlreadyStartedError:
        raise ExecutionAlreadyExists(
            f"execution {name!r} of flow {flow_name!r} already exists and has finished"
        ) from None
    return StartedExecution(flow_name, name, handle)


def summary(flow_name: str, execution_name: str) -> str:
    """The execution's summary in the Temporal Web UI, with the address of its console page
    when ``FDL_CONSOLE_URL`` says where the console is.

    Plain text: the Web UI shows summaries as they are in the timeline and the event history
    (markdown there reads as ``**orders**``); an address is a link wherever the UI renders one.
    """
    text = f"FDL flow {flow_name}, execution {execution_name}"
    link = execution_link(flow_name, execution_name)
    return f"{text} · console: {link}" if link else text


async def wait_for_outcome(client: Client, handle: WorkflowHandle[Any, Any]) -> Outcome:
    """Wait for an execution to end; how it ended, as describe and history report it."""
    with contextlib.suppress(WorkflowFailureError):
        await handle.result()
    description = await handle.describe()
    return await outcome.of_run(
        client, client.get_workflow_handle(handle.id, run_id=description.run_id)
    )


async def wait_for_result(client: Client, handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    """Wait for an execution to end and return its output.

    Raises:
        FlowFailed: the execution failed, was stopped or timed out.
    """
    ended = await wait_for_outcome(client, handle)
    if ended.status != "Succeeded":
        raise FlowFailed(ended)
    return ended.output or {}


def step_data_limit() -> int:
    """The step data limit for executions started here: ``FDL_STEP_DATA_LIMIT`` or 32 KiB.

    Raises:
        ValueError: the variable is not a whole number of bytes.
    """
    text = os.environ.get(STEP_DATA_LIMIT_ENV, "").strip()
    if not text:
        return STEP_DATA_LIMIT
    if not text.isdigit():
        raise ValueError(
            f"{STEP_DATA_LIMIT_ENV}={text!r}: give the limit in bytes (0 turns it off)"
        )
    return int(text)
