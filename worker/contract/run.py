"""An FDL execution on Temporal: its workflow input, ids, task queue, search attribute and memo.

Everything a client needs to start an execution: the workflow input (:class:`FlowRun`), the
workflow id rule, the default task queue, the search attribute that carries the flow name, and
the memo keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from temporalio.common import SearchAttributeKey

from translator import rules

DEFAULT_TASK_QUEUE = "fdl"
"""Task queue served by ``fdl worker`` unless ``--task-queue`` says otherwise."""

FLOW_NAME_KEY = SearchAttributeKey.for_keyword("FdlFlow")
"""Search attribute set on every execution: the flow name (the UI can filter on it)."""

VERSION_MEMO = "fdlVersion"
"""Memo key of every execution: the content hash of the definition it runs."""

PARENT_STEP_MEMO = "fdlParentStep"
"""Memo key of a child execution: the step path of the parent's task that started it."""

DEFINITION_WORKFLOW = "fdl.FlowDefinition"
"""Workflow type of the registry: one long-lived workflow per registered flow."""


REGISTRY_DIVISION_KEY = SearchAttributeKey.for_keyword("TemporalNamespaceDivision")
"""Temporal's system attribute that keeps workflows out of the namespace's default listing
(it is how Temporal hides its own schedule workflows): the registry's workflows carry it."""
REGISTRY_DIVISION = "fdl-registry"
"""The division of the registry's ``fdl.FlowDefinition`` workflows."""


def definition_workflow_id(flow_name: str) -> str:
    """The workflow id of a flow's registry entry: ``fdl/flow/<flow>``.

    Flow and execution names cannot contain ``/``, so this never collides with an
    execution's ``<flow>:<execution>``.
    """
    return f"fdl/flow/{flow_name}"


def workflow_id(flow_name: str, execution_name: str) -> str:
    """The Temporal workflow id of an FDL execution: ``<flow>:<execution>``."""
    return f"{flow_name}:{execution_name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumePoint:
    """Where a continued run of an execution picks up: before a top-level step.

    Attributes:
        step: the name of the top-level step to run next (or running, with ``state``).
        local: the top-level list's local so far (in ``state`` when that is set).
        flow_input: the flow's input after its ``inputMappings`` (empty when
            ``flow_input_is_input``).
        next_event_id: the next FDL history event id (``$context.step.eventId`` keeps growing).
        runs: how many runs of the execution came before this one.
        state: the run parked inside a step: the state of every step list that was running,
            compressed (``worker.workflow.parking.encode``).
        flow_input_is_input: the flow's input is the execution input (no ``inputMappings``),
            which the run carries anyway.
    """

    kind: Literal["resume_point"] = "resume_point"
    step: str
    local: dict[str, Any]
    flow_input: dict[str, Any]
    next_event_id: int
    runs: int = 1
    state: str = ""
    flow_input_is_input: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowRun:
    """The single input of the interpreter workflow.

    The workflow type is the flow name (a dynamic workflow), so the Web UI lists runs by flow.

    Attributes:
        flow_name: the FDL flow name.
        execution_name: the FDL execution name (the workflow id is ``<flow>:<execution>``).
        definition: the compiled flow, ``translator.ir.Flow.to_json()``; ``None`` makes the
            interpreter load the snapshot ``definition_ref`` names, or without one resolve
            the flow's current registered version at start (activity ``fdl.resolve_flow``)
            and record it in the memo.
        input: the execution input (a JSON object).
        version: the content hash of ``definition`` (empty when not known).
        step_data_limit: bytes a step's input, ``$local`` and output may total; beyond it
            the execution fails with ``FnF.DataLimitExceeded``. 0 turns the check off.
        history_budget: Temporal history events after which the execution continues as new
            at its next top-level step.
        resume: set on a continued run: where it picks up.
        definition_ref: the content hash of a definition too large to carry, stored as a
            snapshot (``worker.contract.snapshots``); every run loads it.
    """

    # Written in this order (worker.contract.converter): the Web UI's Input pane opens on the
    # execution input, and the definition, the longest field, comes last but one.
    input: dict[str, Any]
    kind: Literal["flow_run"] = "flow_run"
    flow_name: str
    execution_name: str
    version: str = ""
    step_data_limit: int = rules.STEP_DATA_LIMIT
    history_budget: int = rules.HISTORY_BUDGET
    definition_ref: str = ""
    definition: dict[str, Any] | None = None
    resume: ResumePoint | None = None
