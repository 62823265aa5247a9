"""Third stage of the translator: rules over the whole model, after each value was checked.

Two families of rules. Step names must be unique within each step list and every ``goto``
(choice options, ``default``, ``catch``) must name a sibling in the same list (reference 5.2);
a target that exists only in another list gets a message saying where it is. Task fields must
suit the resource they call (reference 8): the ``pattern`` and the ``serviceParams`` keys and
constant values each integration accepts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from translator import ir, model, rules
from translator.source import Reporter, alternatives, describe_value

PATTERNS_BY_KIND: dict[str, tuple[ir.Pattern, ...]] = {
    "fc": ("requestResponse", "sync", "waitForCallback"),
    "mns_queue": ("requestResponse", "waitForCallback"),
    "mns_topic": ("requestResponse", "waitForCallback"),
    "fnf_flow": ("requestResponse", "sync", "waitForCallback"),
    "action": ("requestResponse",),
}
PARAMS_BY_KIND: dict[str, tuple[str, ...]] = {
    "fc": ("InvocationType", "StatefulAsyncInvocationID"),
    "mns_queue": ("MessageBody", "Priority", "DelaySeconds"),
    "mns_topic": ("MessageBody", "MessageTag", "MessageAttributes"),
    "fnf_flow": ("Input", "ExecutionName"),
}
"""The ``serviceParams`` keys each resource accepts; ``action`` tasks pass any key through."""

_INTEGER_PARAMS = {"Priority": rules.MNS_PRIORITY, "DelaySeconds": rules.MNS_DELAY_SECONDS}
_CHOICE_PARAMS = {"InvocationType": ("Sync", "Async")}
_LABELS = {
    "fc": "an FC function",
    "mns_queue": "an MNS queue",
    "mns_topic": "an MNS topic",
    "fnf_flow": "a flow",
    "action": "an action",
}


def validate_flow(flow: model.Flow, reporter: Reporter) -> None:
    """Report every name, ``goto`` and integration problem of ``flow``.

    Args:
        flow: the parsed model (fields reported by the parser may be ``None``).
        reporter: receives the problems.
    """
    if flow.steps is None:
        return
    lists = list(_step_lists(flow.steps))
    homes: dict[str, str] = {}
    for step_list in lists:
        for step in step_list.steps:
            if step.name is not None:
                homes.setdefault(step.name.value, step_list.path)
    for step_list in lists:
        _check_list(step_list, homes, reporter)


def _step_lists(root: model.StepList) -> Iterator[model.StepList]:
    """``root`` and every list nested in it, outer lists first."""
    pending = deque([root])
    while pending:
        step_list = pending.popleft()
        yield step_list
        for step in step_list.steps:
            pending.extend(model.nested_lists(step))


def _check_list(step_list: model.StepList, homes: dict[str, str], reporter: Reporter) -> None:
    names: dict[str, model.Located[str]] = {}
    for step in step_list.steps:
        if step.name is None:
            continue
        first = names.setdefault(step.name.value, step.name)
        if first is not step.name:
            message = f"duplicate step name '{step.name.value}' (first at line {first.span.line})"
            reporter.add(step.name.span, step.name.path, message)
    for step in step_list.steps:
        for goto in _gotos(step):
            if goto.value not in names:
                reporter.add(goto.span, goto.path, _goto_message(goto.value, homes))
        if isinstance(step, model.Task):
            _check_task(step, reporter)


def _gotos(step: model.Step) -> Iterator[model.Located[str]]:
    if isinstance(step, model.Choice):
        options = (*step.choices, *((step.default,) if step.default else ()))
        yield from (option.goto for option in options if option.goto is not None)
    elif isinstance(step, model.Task):
        yield from (policy.goto for policy in step.catch if policy.goto is not None)


def _goto_message(target: str, homes: dict[str, str]) -> str:
    if target in homes:
        return f"step '{target}' is not a sibling: it is in {homes[target]}"
    return f"unknown step '{target}'"


def _check_task(task: model.Task, reporter: Reporter) -> None:
    if task.resource is None:
        return
    kind = task.resource.value.kind
    label = _LABELS[kind]
    if task.pattern is not None and task.pattern.value not in PATTERNS_BY_KIND[kind]:
        allowed = alternatives(PATTERNS_BY_KIND[kind])
        message = f"pattern '{task.pattern.value}' is not supported for {label}: use {allowed}"
        reporter.add(task.pattern.span, task.pattern.path, message)
    if kind in PARAMS_BY_KIND:
        _check_params(task, PARAMS_BY_KIND[kind], label, reporter)


def _check_params(
    task: model.Task, allowed: tuple[str, ...], label: str, reporter: Reporter
) -> None:
    names = {param.name.value for param in task.service_params}
    if label == "an MNS topic" and "MessageBody" not in names:
        reporter.add(
            task.span, task.path, "a task sending to an MNS topic needs serviceParams.MessageBody"
        )
    for param in task.service_params:
        name = param.name
        if name.value not in allowed:
            expected = alternatives(allowed)
            message = f"unknown service parameter '{name.value}' for {label}: expected {expected}"
            reporter.add(name.span, name.path, message)
        elif isinstance(param.source, ir.Constant):
            problem = _param_value_problem(name.value, param.source.value)
            if problem is not None:
                reporter.add(param.value_span, name.path, problem)


def _param_value_problem(name: str, value: object) -> str | None:
    if name in _INTEGER_PARAMS:
        low, high = _INTEGER_PARAMS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"expected an integer from {low} to {high}, got {describe_value(value)}"
    if name in _CHOICE_PARAMS and value not in _CHOICE_PARAMS[name]:
        expected = alternatives(_CHOICE_PARAMS[name])
        return f"expected {expected}, got {describe_value(value)}"
    return None
