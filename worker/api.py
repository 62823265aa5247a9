"""The names and payloads shared by the interpreter, the worker process and its clients.

Everything a client needs to start an FDL execution on Temporal is here: the workflow
input (:class:`FlowRun`), the workflow id rule, the default task queue, the search
attribute that carries the flow name, the memo key of the flow version, and the errors of
the service API (named as the original service names them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from temporalio.common import SearchAttributeKey

DEFAULT_TASK_QUEUE = "fdl"
"""Task queue served by ``fdl worker`` unless ``--task-queue`` says otherwise."""

FLOW_NAME_KEY = SearchAttributeKey.for_keyword("FdlFlow")
"""Search attribute set on every execution: the flow name (the UI can filter on it)."""

VERSION_MEMO = "fdlVersion"
"""Memo key of every execution: the content hash of the definition it runs."""

DEFINITION_WORKFLOW = "fdl.FlowDefinition"
"""Workflow type of the registry: one long-lived workflow per registered flow."""

RESOLVE_FLOW_ACTIVITY = "fdl.resolve_flow"
"""Activity that returns a registered flow's current (or a given) version."""


def definition_workflow_id(flow_name: str) -> str:
    """The workflow id of a flow's registry entry: ``fdl/flow/<flow>``.

    Flow and execution names cannot contain ``/``, so this never collides with an
    execution's ``<flow>:<execution>``.
    """
    return f"fdl/flow/{flow_name}"


NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")
"""Flow and execution names, as the original service allows them (reference section 12)."""


def check_name(kind: str, name: str) -> str:
    """Return ``name`` if it is a legal flow or execution name, else raise ``ValueError``."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"invalid {kind} name {name!r}: use letters, digits, '_' and '-', "
            "starting with a letter or '_', at most 128 characters"
        )
    return name


def workflow_id(flow_name: str, execution_name: str) -> str:
    """The Temporal workflow id of an FDL execution: ``<flow>:<execution>``."""
    return f"{flow_name}:{execution_name}"


STEP_DATA_LIMIT = 32 * 1024
"""The default step data limit: 32 KiB, as the original service (reference 3.7 and 12)."""
STEP_DATA_LIMIT_ENV = "FDL_STEP_DATA_LIMIT"
"""Environment variable that sets the step data limit of the executions a client starts."""


HISTORY_BUDGET = 10_000
"""Temporal history events after which an execution continues as new at its next top-level
step (Temporal's own limit is 51,200; the original service's was 5,000)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumePoint:
    """Where a continued run of an execution picks up: before a top-level step.

    Attributes:
        step: the name of the top-level step to run next.
        local: the top-level list's local so far.
        flow_input: the flow's input after its ``inputMappings``.
        next_event_id: the next FDL history event id (``$context.step.eventId`` keeps growing).
        runs: how many runs of the execution came before this one.
    """

    kind: Literal["resume_point"] = "resume_point"
    step: str
    local: dict[str, Any]
    flow_input: dict[str, Any]
    next_event_id: int
    runs: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowRun:
    """The single input of the interpreter workflow.

    The workflow type is the flow name (a dynamic workflow), so the Web UI lists runs by flow.

    Attributes:
        flow_name: the FDL flow name.
        execution_name: the FDL execution name (the workflow id is ``<flow>:<execution>``).
        definition: the compiled flow, ``translator.ir.Flow.to_json()``; ``None`` makes the
            interpreter resolve the flow's current registered version at start (activity
            ``fdl.resolve_flow``) and record it in the memo.
        input: the execution input (a JSON object).
        version: the content hash of ``definition`` (empty when not known).
        step_data_limit: bytes a step's input, ``$local`` and output may total; beyond it
            the execution fails with ``FnF.DataLimitExceeded``. 0 turns the check off.
        history_budget: Temporal history events after which the execution continues as new
            at its next top-level step.
        resume: set on a continued run: where it picks up.
    """

    kind: Literal["flow_run"] = "flow_run"
    flow_name: str
    execution_name: str
    definition: dict[str, Any] | None = None
    input: dict[str, Any]
    version: str = ""
    step_data_limit: int = STEP_DATA_LIMIT
    history_budget: int = HISTORY_BUDGET
    resume: ResumePoint | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolveFlow:
    """Input of the ``fdl.resolve_flow`` activity: a flow name and optionally a version."""

    kind: Literal["resolve_flow"] = "resolve_flow"
    flow_name: str
    version: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedFlow:
    """Result of ``fdl.resolve_flow``: the compiled definition and its content hash."""

    kind: Literal["resolved_flow"] = "resolved_flow"
    flow_name: str
    version: str
    definition: dict[str, Any]


class ServiceError(Exception):
    """An error of the flow and execution API; ``code`` is the original service's error name.

    Its text starts with the code, e.g. ``FlowNotExists: flow 'orders' does not exist``.
    """

    code = "InvalidArgument"

    def __str__(self) -> str:
        return f"{self.code}: {super().__str__()}"


class FlowNotExists(ServiceError):
    """No flow of this name is registered (never created, or deleted)."""

    code = "FlowNotExists"


class FlowAlreadyExists(ServiceError):
    """A flow of this name is already registered (use update)."""

    code = "FlowAlreadyExists"


class ExecutionAlreadyExists(ServiceError):
    """An execution with this name has already finished; names are not reused."""

    code = "ExecutionAlreadyExists"


class ExecutionNotExists(ServiceError):
    """No execution of this name exists for the flow."""

    code = "ExecutionNotExists"


class ExecutionAlreadyCompleted(ServiceError):
    """The execution has already ended, so it cannot be stopped."""

    code = "ExecutionAlreadyCompleted"
