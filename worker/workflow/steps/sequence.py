"""The program-counter loop that runs one FDL step list, and the step dispatch.

A step list runs its steps in order; after each step its output is merged into the list's
local, then control goes to the step's ``goto`` target (a sibling), or ends the list
(``succeed``, ``end: true``), or moves to the next sibling (reference 5.1-5.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from translator import ir
from worker.workflow import data, errors
from worker.workflow.records import JSONObject, ListResult, Outcome, StepCall
from worker.workflow.steps import choice, concurrent, simple, task
from worker.workflow.steps.runtime import ContinueAsNew, Runtime


async def run_steps(
    rt: Runtime,
    steps: Sequence[ir.Step],
    list_input: JSONObject,
    prefix: str,
    *,
    resume: tuple[str, JSONObject] | None = None,
) -> ListResult:
    """Run a step list to its end.

    Args:
        rt: the execution's runtime.
        steps: the list (the flow's steps, a branch, an iteration, a choice option).
        list_input: the input of the list's parent (children see it merged with the local).
        prefix: the step path prefix of the list, e.g. ``""`` or ``"fanOut[3]/"``.
        resume: for the flow's own list in a continued run: the step to start at and the
            local so far.

    Returns:
        The list's local (the merged outputs of the steps that ran) and whether a ``succeed``
        step ended it.

    Raises:
        ContinueAsNew: between two top-level steps, once the run's history is long enough.
    """
    local: JSONObject = {}
    pc = 0
    if resume is not None:
        pc = rt.index_of(steps, resume[0], "resume")
        local = dict(resume[1])
    ran = 0
    while pc < len(steps):
        step = steps[pc]
        if not prefix and ran and rt.continue_as_new_due():
            # Only between top-level steps: nothing runs then, so the list's position and
            # local are the whole state (a loop of steps at the top is the long-lived case).
            raise ContinueAsNew(step.name, local)
        ran += 1
        output, outcome = await run_step(rt, step, list_input, local, prefix + step.name)
        local.update(output)
        if outcome.stop:
            return ListResult(local=local, succeeded=True)
        if outcome.goto is not None:
            pc = rt.index_of(steps, outcome.goto, prefix + step.name)
        elif step.end:
            break
        else:
            pc += 1
    return ListResult(local=local, succeeded=False)


async def run_step(
    rt: Runtime, step: ir.Step, parent_input: JSONObject, parent_local: JSONObject, path: str
) -> tuple[JSONObject, Outcome]:
    """Enter one step: build its input, run its executor, and compute its output.

    A task step's ``catch`` covers every error of the step: its mappings as well as its
    attempts (reference 3.6: a missing path is catchable on task steps).
    """
    context = rt.enter(step, path)
    own_input: JSONObject = {}
    entered = 0
    try:
        own_input = data.step_input(step.input_mappings, parent_input, parent_local, context, path)
        entered = rt.history.step_entered(path, own_input)
        call = StepCall(
            path=path,
            input=own_input,
            context=context,
            parent_input=parent_input,
            parent_local=parent_local,
        )
        outcome = await execute(rt, step, call)
        default = {} if isinstance(step, ir.ParallelStep | ir.ForeachStep) else outcome.local
        output = data.step_output(
            step.output_mappings, own_input, outcome.local, default, context, path
        )
        data.check_step_size(path, own_input, outcome.local, output, rt.step_data_limit)
        rt.history.step_exited(path, entered, output)
        return output, outcome
    except errors.FlowError as err:
        entered = entered or rt.history.step_entered(path, None)
        try:
            if not isinstance(step, ir.TaskStep) or isinstance(err, errors.UncatchableError):
                raise
            output, outcome = task.caught(step, err, own_input, context, path)
        except errors.FlowError as final:
            rt.history.step_failed(path, entered, final.error, final.cause)
            raise
        rt.history.step_exited(path, entered, output)
        return output, outcome
    finally:
        rt.leave(path)


async def execute(rt: Runtime, step: ir.Step, call: StepCall) -> Outcome:
    """Run the executor of the step's kind."""
    match step:
        case ir.TaskStep():
            return await task.execute(rt, step, call)
        case ir.PassStep():
            return Outcome()
        case ir.WaitStep():
            return await simple.wait(step, call)
        case ir.ChoiceStep():
            return await choice.execute(rt, step, call)
        case ir.ParallelStep():
            return await concurrent.parallel(rt, step, call)
        case ir.ForeachStep():
            return await concurrent.foreach(rt, step, call)
        case ir.SucceedStep():
            return Outcome(stop=True)
        case ir.FailStep():
            raise simple.failure(step, call.path)
        case _:
            assert_never(step)
