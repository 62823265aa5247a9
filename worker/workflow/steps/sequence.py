"""The program-counter loop that runs one FDL step list, and the step dispatch.

A step list runs its steps in order; after each step its output is merged into the list's
local, then control goes to the step's ``goto`` target (a sibling), or ends the list
(``succeed``, ``end: true``), or moves to the next sibling (reference 5.1-5.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from translator import ir, rules
from worker.contract.history import TRAIL_FAILED, TRAIL_OPTION, TRAIL_RAN
from worker.workflow import data, errors, patches
from worker.workflow.parking import ListState, Parked, StepProgress, StepState
from worker.workflow.records import JSONObject, ListResult, Outcome, StepCall
from worker.workflow.steps import choice, simple, task
from worker.workflow.steps.runtime import Runtime

TRAIL_KINDS = (ir.PassStep, ir.ChoiceStep, ir.SucceedStep, ir.FailStep)
"""Steps that leave no Temporal event: the run's step trail names them (see
:class:`worker.workflow.recorder.Trail`)."""


async def run_steps(
    rt: Runtime,
    steps: Sequence[ir.Step],
    list_input: JSONObject,
    prefix: str,
    *,
    resume: ListState | None = None,
) -> ListResult:
    """Run a step list to its end.

    Args:
        rt: the execution's runtime.
        steps: the list (the flow's steps, a branch, an iteration, a choice option).
        list_input: the input of the list's parent (children see it merged with the local).
        prefix: the step path prefix of the list, e.g. ``""`` or ``"fanOut[3]/"``.
        resume: in a continued run, the state the list parked in: the step to go on at (and
            its progress, when it was running) and the local so far.

    Returns:
        The list's local (the merged outputs of the steps that ran) and whether a ``succeed``
        step ended it.

    Raises:
        Parked: the run is parking (continuing as new); the state says where this list is.
    """
    local: JSONObject = {}
    pc = 0
    progress: StepProgress | None = None
    if resume is not None:
        pc = rt.index_of(steps, resume.step, "resume")
        local = dict(resume.local)
        progress = resume.inside
    while pc < len(steps):
        step = steps[pc]
        path = prefix + step.name
        if progress is None:
            if rt.park_due(top_level=not prefix):
                raise Parked(ListState(step=step.name, local=local))
            await rt.pacing.pace()
        try:
            output, outcome = await run_step(rt, step, list_input, local, path, progress)
        except Parked as parked:
            raise Parked(ListState(step=step.name, local=local, inside=parked.state)) from None
        progress = None
        # A new local per step: values are never changed once made (see worker.workflow.sizes).
        local = {**local, **output}
        if outcome.stop:
            return ListResult(local=local, succeeded=True)
        if outcome.goto is not None:
            pc = rt.index_of(steps, outcome.goto, path)
        elif step.end:
            break
        else:
            pc += 1
    return ListResult(local=local, succeeded=False)


async def run_step(
    rt: Runtime,
    step: ir.Step,
    parent_input: JSONObject,
    parent_local: JSONObject,
    path: str,
    progress: StepProgress | None = None,
) -> tuple[JSONObject, Outcome]:
    """Enter one step: build its input, run its executor, and compute its output.

    A task step's ``catch`` covers every error of the step: its mappings as well as its
    attempts (reference 3.6: a missing path is catchable on task steps). A step resumed in a
    continued run (``progress``) was entered by the run that parked it: its input is built
    again the same way (same ``$context``), and it goes on from its state.

    Raises:
        Parked: the step stopped because the run is parking; its progress is the state.
    """
    resumed = progress.entered if progress else 0
    context = rt.enter(step, path, resumed)
    own_input: JSONObject = {}
    entered = resumed
    try:
        own_input = data.step_input(step.input_mappings, parent_input, parent_local, context, path)
        if not resumed:
            entered = rt.history.step_entered(path, own_input)
        call = StepCall(
            path=path,
            input=own_input,
            context=context,
            parent_input=parent_input,
            parent_local=parent_local,
        )
        if not resumed:
            check_room(rt, step, call)
        try:
            outcome = await execute(rt, step, call, progress.state if progress else None)
        except Parked as parked:
            raise Parked(StepProgress(entered=entered, state=parked.state)) from None
        default = {} if isinstance(step, ir.ParallelStep | ir.ForeachStep) else outcome.local
        output = data.step_output(
            step.output_mappings, own_input, outcome.local, default, context, path
        )
        data.check_step_size(
            path, own_input, outcome.local, output, rt.step_data_limit, rt.sizer.size
        )
        rt.history.step_exited(path, entered, output)
        if isinstance(step, TRAIL_KINDS):
            rt.trail.add(
                path, TRAIL_RAN if outcome.option is None else TRAIL_OPTION + outcome.option
            )
        return output, outcome
    except errors.FlowError as err:
        entered = entered or rt.history.step_entered(path, None)
        try:
            if not isinstance(step, ir.TaskStep) or isinstance(err, errors.UncatchableError):
                raise
            output, outcome = task.caught(step, err, own_input, context, path)
        except errors.FlowError as final:
            rt.history.step_failed(path, entered, final.error, final.cause)
            final.where = final.where or path
            if isinstance(step, TRAIL_KINDS):
                rt.trail.add(path, TRAIL_FAILED)
            raise
        rt.history.step_exited(path, entered, output)
        return output, outcome
    finally:
        rt.leave(path)


def check_room(rt: Runtime, step: ir.Step, call: StepCall) -> None:
    """Fail a step before it starts work when its data cannot fit the step data limit.

    Its input is known, and so is the least its ``$local`` will take (``[{},{},...]`` for a
    foreach of *n* items): a foreach whose results cannot fit fails before its first call,
    not after running them all.

    Raises:
        UncatchableError: ``FnF.DataLimitExceeded``.
    """
    limit = rt.step_data_limit
    if limit <= 0:
        return
    count: int | None = None
    if isinstance(step, ir.ForeachStep):
        from worker.workflow.steps import concurrent  # see execute()

        try:
            count = len(concurrent.read_collection(step, call))
        except errors.FlowError:
            return  # the foreach itself reports it
    elif isinstance(step, ir.ParallelStep):
        count = len(step.branches)
    least_local = data.least_local_size(count) if count is not None else 2
    input_size = rt.sizer.size(call.input)
    if input_size + least_local + 2 <= limit or not rt.pacing.switch(patches.DATA_GUARDS):
        return
    items = f" of {count} lists" if count is not None else ""
    raise errors.UncatchableError(
        rules.DATA_LIMIT_EXCEEDED,
        f"{call.path}: the step cannot fit the step data limit of {limit} bytes: its input "
        f"takes {input_size} bytes and its $local{items} at least {least_local}; it fails "
        "before it starts",
    )


async def execute(
    rt: Runtime, step: ir.Step, call: StepCall, resume: StepState | None = None
) -> Outcome:
    """Run the executor of the step's kind (from ``resume``, its parked state, if given)."""
    match step:
        case ir.TaskStep():
            return await task.execute(rt, step, call, resume)
        case ir.PassStep():
            return Outcome()
        case ir.WaitStep():
            return await simple.wait(rt, step, call, resume)
        case ir.ChoiceStep():
            return await choice.execute(rt, step, call, resume)
        case ir.ParallelStep() | ir.ForeachStep():
            # Imported by the runs that use it: the sandbox imports a run's modules again for
            # every run (worker/sandbox.py), and most flows have no parallel or foreach.
            from worker.workflow.steps import concurrent

            if isinstance(step, ir.ParallelStep):
                return await concurrent.parallel(rt, step, call, resume)
            return await concurrent.foreach(rt, step, call, resume)
        case ir.SucceedStep():
            return Outcome(stop=True)
        case ir.FailStep():
            raise simple.failure(step, call.path)
        case _:
            assert_never(step)
