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
from worker.workflow.parking import ChoiceState, Parked, StepState
from worker.workflow.records import Outcome, StepCall
from worker.workflow.steps.runtime import Runtime

DEFAULT = -1
"""The option number of ``default`` in a parked choice's state."""


async def execute(
    rt: Runtime, step: ir.ChoiceStep, call: StepCall, resume: StepState | None = None
) -> Outcome:
    """Pick the option, run its steps, and report the branch local and the ``goto``."""
    if isinstance(resume, ChoiceState):
        number = resume.option
        inner = resume.inner
    else:
        number, inner = pick(step, call), None
    option = step.default if number == DEFAULT else step.choices[number]
    if option is None:
        return Outcome(option="none")
    try:
        result = await rt.run_list(option.steps, call.input, f"{call.path}/", inner)
    except Parked as parked:
        raise Parked(ChoiceState(option=number, inner=parked.state)) from None
    goto = None if result.succeeded else option.goto
    key = "default" if number == DEFAULT else str(number)
    return Outcome(local=result.local, goto=goto, option=key)


def pick(step: ir.ChoiceStep, call: StepCall) -> int:
    """The number of the first option whose condition holds, else :data:`DEFAULT`."""
    scope = data.own_scope(call.input, call.context)
    for number, option in enumerate(step.choices):
        if option.condition is None or evaluate_condition(option.condition, scope):
            return number
    return DEFAULT
