"""The workflow a schedule starts: it starts one FDL execution per fire time, exactly once.

A Temporal schedule appends the fire time to its action's workflow id and starts that id again
when the same time fires twice (a backfill over times already run, two triggers in one second):
schedules take no id reuse policy. So the schedule starts this small workflow, which starts the
flow as a child with the id ``<flow>:<schedule>-<unix seconds>`` and ``REJECT_DUPLICATE``: a fire
time that already has an execution, running or finished, starts nothing. The trigger waits for
the execution, so the schedule's overlap policy sees it running, and ends as the execution ends.

The execution runs the flow's current registered version, resolved by this workflow just
before the start (so the flow's ``timeoutSeconds`` becomes the execution timeout), on the task
queue the schedule names or else the one the flow was registered with, with the input
``{"triggerTime", "triggerName", "payload"}`` (reference 10).
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, ChildWorkflowError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from worker.contract import outcome
from worker.contract.run import FLOW_NAME_KEY, VERSION_MEMO, workflow_id
from worker.contract.schedules import (
    TRIGGER_WORKFLOW,
    ScheduledRun,
    ScheduledStart,
    execution_name,
    trigger_input,
)
from worker.workflow.resolve import resolved_start, start_queue

SCHEDULED_START_TIME = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
"""Set by Temporal on every workflow a schedule starts: the fire time (the nominal time)."""


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
                task_queue=start_queue(resolved, start.task_queue),
                execution_timeout=resolved.execution_timeout,
                memo={VERSION_MEMO: resolved.run.version},
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(FLOW_NAME_KEY, start.flow_name)]
                ),
                static_summary=(
                    f"FDL flow {start.flow_name}, execution {name}, "
                    f"fired by schedule {start.schedule_name}"
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
    ended = outcome.from_failure(err.cause)
    return ApplicationError(ended.cause, type=ended.error, non_retryable=True)
