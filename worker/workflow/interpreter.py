"""The interpreter workflow: runs any compiled FDL flow as one Temporal workflow.

It is a dynamic workflow, so the workflow type is whatever name the client starts it with:
the flow name, which makes the Web UI list executions by flow. Its single input is a
:class:`~worker.api.FlowRun` carrying the compiled definition (a snapshot taken at start, so
editing a flow never changes running executions) and the execution input. A run without a
definition (a schedule's, for example) resolves the flow's current registered version first,
through the ``fdl.resolve_flow`` activity, and records that version in the memo.

On success the workflow returns the FDL execution output (a JSON object). On an FDL error it
fails with ``ApplicationError(cause, type=<FDL error name>, non_retryable=True)``. Any other
exception is an engine bug and, as Temporal does by default, fails only the workflow task,
which is retried after a fix is deployed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NoReturn

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from translator import ir, plainjson, rules
from translator.expr import Scope
from worker.contract.activities import LOAD_DEFINITION
from worker.contract.run import VERSION_MEMO, FlowRun, ResumePoint
from worker.contract.snapshots import LoadDefinition, Snapshot, unpack
from worker.contract.tokens import REPORT_SIGNAL, REPORT_STATUS_QUERY, ReportDecision, TaskReport
from worker.workflow import data, errors, parking, patches
from worker.workflow.callback_book import CallbackBook
from worker.workflow.parking import ListState, Parked
from worker.workflow.records import JSONObject
from worker.workflow.resolve import resolve_flow
from worker.workflow.steps.runtime import Runtime
from worker.workflow.steps.sequence import run_steps


@workflow.defn(dynamic=True)
class FlowInterpreter:
    """Runs the FDL flow of a :class:`~worker.api.FlowRun` (workflow type = flow name)."""

    def __init__(self) -> None:
        self.callbacks = CallbackBook()

    @workflow.signal(name=REPORT_SIGNAL)
    def report_task(self, report: TaskReport) -> None:
        """A task report (``fdl task succeed/fail``): checked against the minted tokens."""
        info = workflow.info()
        decision = self.callbacks.receive(
            report,
            info.workflow_id,
            info.run_id,
            guards=lambda: workflow.patched(patches.DATA_GUARDS),
        )
        if decision.status != "accepted":
            workflow.logger.info("report %s refused: %s", report.report_id, decision.message)

    @workflow.query(name=REPORT_STATUS_QUERY)
    def report_status(self, report_id: str) -> ReportDecision:
        """What became of the report with this id (``unseen`` if it never arrived)."""
        return self.callbacks.decision(report_id)

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> dict[str, Any]:
        """Run the execution and return its output.

        Raises:
            ApplicationError: the execution failed; ``type`` is the FDL error name (for
                example ``FnF.TaskTimeout`` or a fail step's ``error``), the message its cause.
        """
        flow_run = decode_run(args)
        try:
            return await run_flow(flow_run, callbacks=self.callbacks)
        except errors.FlowError as err:
            workflow.logger.info("execution failed with %s: %s", err.error, err.cause)
            # Not "from None": the failure's cause is the handler's exception, if any.
            raise err.to_application_error()  # noqa: B904


def decode_run(args: Sequence[RawValue]) -> FlowRun:
    """The :class:`FlowRun` argument of a start request.

    Raises:
        ApplicationError: ``FnF.RuntimeError`` when the start request carries anything else.
    """
    if len(args) != 1:
        raise errors.runtime_error(
            f"the workflow takes exactly one FlowRun argument, got {len(args)}"
        ).to_application_error()
    try:
        return workflow.payload_converter().from_payload(args[0].payload, FlowRun)
    except Exception as exc:  # a malformed start request, not an engine bug: fail the run
        raise ApplicationError(
            f"the workflow input is not a FlowRun: {exc}",
            type=rules.RUNTIME_ERROR,
            non_retryable=True,
        ) from None


async def run_flow(flow_run: FlowRun, callbacks: CallbackBook | None = None) -> JSONObject:
    """Run a flow: its input mappings, its steps, its output mappings (reference 3.1, 5.5).

    Raises:
        FlowError: the execution failed.
    """
    definition = flow_run.definition
    if definition is None and flow_run.definition_ref:
        definition = await load_snapshot(flow_run.definition_ref)
    elif definition is None:
        definition = await resolve_definition(flow_run.flow_name)
    try:
        flow = ir.Flow.from_json(definition)
    except (ValueError, TypeError) as exc:
        raise errors.runtime_error(f"the flow definition cannot be run: {exc}") from None
    resume = flow_run.resume
    check_input(flow_run.input, first_run=resume is None)
    rt = Runtime(
        flow_name=flow_run.flow_name,
        execution_name=flow_run.execution_name,
        execution_input=flow_run.input,
        list_runner=run_steps,
        callbacks=callbacks,
        step_data_limit=flow_run.step_data_limit,
        history_budget=flow_run.history_budget,
        first_event_id=resume.next_event_id if resume else 1,
    )
    context = rt.context()
    flow_input = flow_run.input
    if resume is not None:
        flow_input = flow_run.input if resume.flow_input_is_input else resume.flow_input
    elif flow.input_mappings is not None:
        scope = Scope(input=flow_input, local={}, context=context, dollar=flow_input)
        flow_input = data.mapped(flow.input_mappings, scope, "flow: inputMappings")
    try:
        result = await run_steps(rt, flow.steps, flow_input, "", resume=resume_state(resume))
    except Parked as parked:
        await rt.pacing.settle()
        rt.write_trail()
        continue_as_new(flow_run, definition, rt, parked.state, flow_input)
    except errors.FlowError as err:
        rt.write_trail()
        rt.show_failure(err)
        raise
    await rt.pacing.settle()
    rt.write_trail()
    output = result.local
    if flow.output_mappings is not None:
        scope = Scope(input=flow_input, local=result.local, context=context, dollar=flow_input)
        output = data.mapped(flow.output_mappings, scope, "flow: outputMappings")
    rt.check_payload(output, "flow: output", "the execution output")
    return output


def check_input(execution_input: object, *, first_run: bool) -> None:
    """Fail an execution whose input is not a plain JSON object.

    Clients refuse such input before they start anything; this catches executions started
    by other means (another SDK, the Temporal CLI). A continued run's input was checked by
    the first run.

    Raises:
        FlowError: ``FnF.RuntimeError``.
    """
    if not isinstance(execution_input, dict):
        raise errors.runtime_error("the execution input must be a JSON object")
    if not first_run:
        return
    problem = plainjson.problem(execution_input)
    if problem is not None and workflow.patched(patches.DATA_GUARDS):
        raise errors.runtime_error(f"the execution input is not plain JSON: {problem}")


def resume_state(resume: ResumePoint | None) -> ListState | None:
    """Where the flow's own step list picks up in a continued run."""
    if resume is None:
        return None
    if resume.state:
        return parking.decode(resume.state)
    return ListState(step=resume.step, local=resume.local)


def continue_as_new(
    flow_run: FlowRun,
    definition: dict[str, Any],
    rt: Runtime,
    state: ListState,
    flow_input: JSONObject,
) -> NoReturn:
    """End this run; a new run of the same execution picks up where ``state`` says.

    The definition travels along (a new run never looks the flow up again), and so do the
    FDL event counter and the number of runs so far. A run that parked between top-level
    steps carries the step and the local as earlier releases did; one that parked inside a
    step carries the whole state tree, compressed.

    Raises:
        UncatchableError: ``FnF.DataLimitExceeded`` when what the next run needs does not
            fit one Temporal payload.
    """
    runs = flow_run.resume.runs + 1 if flow_run.resume else 1
    workflow.logger.info("continuing as new at step %s (run %d)", state.step, runs + 1)
    same_input = flow_input is flow_run.input
    resume = ResumePoint(
        step=state.step,
        local=state.local if state.inside is None else {},
        flow_input={} if same_input else flow_input,
        next_event_id=rt.history.next_id,
        runs=runs,
        state=parking.encode(state) if state.inside is not None else "",
        flow_input_is_input=same_input,
    )
    carried = None if flow_run.definition_ref else definition  # a snapshot stays where it is
    run = dataclasses.replace(flow_run, definition=carried, resume=resume)
    parts = (run.input, resume.flow_input, resume.local, carried)
    size = len(resume.state) + sum(plainjson.payload_size(part) for part in parts)
    if size > rules.PAYLOAD_LIMIT and workflow.patched(patches.DATA_GUARDS):
        raise errors.UncatchableError(
            rules.DATA_LIMIT_EXCEEDED,
            f"the execution's state takes {size} bytes, over the {rules.PAYLOAD_LIMIT} bytes "
            "Temporal takes in one payload: it cannot continue in a new run",
        )
    workflow.continue_as_new(run)


async def load_snapshot(version: str) -> dict[str, Any]:
    """The definition of a run that refers to a snapshot (local activity, one event).

    Raises:
        FlowError: ``FnF.RuntimeError`` when the snapshot is gone.
    """
    try:
        snapshot: Snapshot = await workflow.execute_local_activity(
            LOAD_DEFINITION,
            LoadDefinition(version=version),
            result_type=Snapshot,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=5),
            summary=f"load definition {version}",
        )
    except (ActivityError, ApplicationError) as exc:
        cause = exc.cause if isinstance(exc, ActivityError) and exc.cause else exc
        raise errors.from_failure(cause, step_path="load definition") from None
    return unpack(snapshot.definition)


async def resolve_definition(flow_name: str) -> dict[str, Any]:
    """The current registered definition of ``flow_name``; its version goes to the memo.

    Raises:
        FlowError: ``FlowNotExists`` when no such flow is registered.
    """
    resolved = await resolve_flow(flow_name)
    workflow.upsert_memo({VERSION_MEMO: resolved.version})
    return resolved.definition
