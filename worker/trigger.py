"""The workflow a schedule starts: it starts one FDL execution per fire time, exactly once.

A Temporal schedule appends the fire time to its action's workflow id and starts that id again
when the same time fires twice (a backfill over times already run, two triggers in one second):
schedules take no id reuse policy. So the schedule starts this small workflow, which starts the
flow as a child with the id ``<flow>:<schedule>-<unix seconds>`` and ``REJECT_DUPLICATE``: a fire
time that already has an execution, running or finished, starts nothing. The trigger waits for
the execution, so the schedule's overlap policy sees it running, and ends as the execution ends.

The execution runs the flow's current registered version, resolved by this workflow just
before the start (so the flow's ``timeoutSeconds`` becomes the execution timeout), with the
input ``{"triggerTime", "triggerName", "payload"}`` (reference 10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, ChildWorkflowError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from worker.api import FLOW_NAME_KEY, VERSION_MEMO, workflow_id
from worker.resolve import resolved_start

TRIGGER_WORKFLOW = "fdl.schedule"
"""Workflow type of the schedule action (the Web UI's Schedules page shows it)."""

SCHEDULED_START_TIME = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
"""Set by Temporal on every workflow a schedule starts: the fire time (the nominal time)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledStart:
    """The input of the trigger workflow: the FDL schedule, as its action carries it.

    The whole FDL schedule lives in the action, so an update changes the cron text, payload
    and description together with the spec.

    Attributes:
        flow_name: the flow the schedule starts.
        schedule_name: the FDL schedule name (``triggerName`` in the execution input).
        cron: the FDL cron expression as written.
        payload: the JSON object passed as ``payload`` in the execution input.
        description: the schedule's description.
    """

    kind: Literal["scheduled_start"] = "scheduled_start"
    flow_name: str
    schedule_name: str
    cron: str
    payload: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledRun:
    """The result of the trigger workflow.

    Attributes:
        execution_name: the FDL execution of this fire time.
        started: False when the fire time already had an execution (nothing was started).
        output: the execution output, when this trigger started it and it succeeded.
    """

    kind: Literal["scheduled_run"] = "scheduled_run"
    execution_name: str
    started: bool
    output: dict[str, Any] | None = None


def execution_name(schedule_name: str, fire_time: datetime) -> str:
    """The execution name of one fire: ``<schedule>-<unix seconds>`` (reference 10)."""
    return f"{schedule_name}-{int(fire_time.timestamp())}"


def trigger_input(start: ScheduledStart, fire_time: datetime) -> dict[str, Any]:
    """The execution input of one fire (reference 10): ``triggerTime`` (RFC 3339 UTC),
    ``triggerName`` (the schedule name) and ``payload``."""
    return {
        "triggerTime": fire_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "triggerName": start.schedule_name,
        "payload": start.payload,
    }


@workflow.defn(name=TRIGGER_WORKFLOW)
class ScheduleTrigger:
    """Starts the FDL execution of one schedule fire and waits for it."""

    @workflow.run
    async def run(self, start: ScheduledStart) -> ScheduledRun:
        """Start the execution of this fire time unless it exists, then wait for its end.

        Raises:
            ApplicationError: the execution failed; ``type`` is its FDL error name.
        """
        fire_time = fire_time_of_this_run()
        name = execution_name(start.schedule_name, fire_time)
        resolved = await resolved_start(start.flow_name, name, trigger_input(start, fire_time))
        try:
            handle = await workflow.start_child_workflow(
                start.flow_name,
                resolved.run,
                id=workflow_id(start.flow_name, name),
                execution_timeout=resolved.execution_timeout,
                memo={VERSION_MEMO: resolved.run.version},
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(FLOW_NAME_KEY, start.flow_name)]
                ),
                static_summary=(
                    f"FDL flow **{start.flow_name}**, execution `{name}`, "
                    f"fired by schedule **{start.schedule_name}**"
                ),
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("fire time of %s already has execution %s", start.flow_name, name)
            return ScheduledRun(execution_name=name, started=False)
        try:
            output = await handle
        except ChildWorkflowError as err:
            raise _flow_error(err) from None
        return ScheduledRun(execution_name=name, started=True, output=output)


def fire_time_of_this_run() -> datetime:
    """The fire time Temporal recorded on this run (the start time when no schedule started it)."""
    scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START_TIME)
    return scheduled if scheduled is not None else workflow.now()


def _flow_error(err: ChildWorkflowError) -> ApplicationError:
    """The trigger fails as its execution did, so the Schedules page shows the failure."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return ApplicationError(cause.message, type=cause.type, non_retryable=True)
    return ApplicationError(str(cause or err), type="FnF.ExecutionStopped", non_retryable=True)
