"""Executor of the ``choice`` step (reference 6.4).

Conditions are evaluated in order against the choice's own input (a missing path reads as
null); the first true option, or else the ``default``, runs its steps as a nested list and
then names its ``goto``. No match and no default: the choice simply finishes. A ``succeed``
inside the option's steps ends that list and cancels the option's ``goto``.
"""

from __future__ import annotations

from translator import ir
from translator.expr import evaluate_condition
from worker.workflow import data
from worker.workflow.records import Outcome, StepCall
from worker.workflow.steps.runtime import Runtime


async def execute(rt: Runtime, step: ir.ChoiceStep, call: StepCall) -> Outcome:
    """Pick the option, run its steps, and report the branch local and the ``goto``."""
    option = pick(step, call)
    if option is None:
        return Outcome()
    result = await rt.run_list(option.steps, call.input, f"{call.path}/")
    goto = None if result.succeeded else option.goto
    return Outcome(local=result.local, goto=goto)


def pick(step: ir.ChoiceStep, call: StepCall) -> ir.ChoiceOption | None:
    """The first option whose condition holds, else the default (which may be ``None``)."""
    scope = data.own_scope(call.input, call.context)
    for option in step.choices:
        if option.condition is None or evaluate_condition(option.condition, scope):
            return option
    return step.default
