"""Executor of the ``task`` step: FDL ``retry`` and ``catch`` around one attempt at a time.

An attempt is one call of the task's resource: a function (:mod:`.function`), a message
(:mod:`.message`) or a child flow (:mod:`.subflow`), each recording its own task events.
Temporal retries are off (maximum one attempt). FDL retry is a loop here with durable timers
between attempts: the first policy whose ``errors`` match decides, each policy counts its own
retries, and the wait before retry *k* is ``min(intervalSeconds * multiplier^(k-1),
maxIntervalSeconds)`` (reference 7.3). Catch (7.4) is applied by the sequence through
:func:`caught`, so it also covers errors of the task's own input and output mappings.

A task whose mappings or service parameters read ``$context.task.token`` gets a fresh task
token for each attempt, whatever its pattern (reference 4); ``waitForCallback`` tasks always
do. Between attempts (and while it waits for a work slot) a task can park when the run
continues as new: its retry counters and the time of its next attempt go along.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence

from temporalio import workflow

from translator import ir, rules
from translator.expr import Scope
from worker.workflow import data, errors, patches
from worker.workflow.parking import Parked, StepState, TaskState
from worker.workflow.records import JSONObject, Outcome, StepCall
from worker.workflow.steps import function, waiting
from worker.workflow.steps.runtime import Runtime

Attempt = Callable[[int], Awaitable[JSONObject]]
"""Runs attempt ``number`` (1, 2, ...) of a task."""
AttemptWith = Callable[[StepCall, int], Awaitable[JSONObject]]
"""Runs attempt ``number`` of a task with the given call (input and ``$context``)."""


class NotSupportedError(errors.FlowError):
    """A task this engine cannot run yet; never retried nor caught, so the flow fails loudly."""

    def __init__(self, cause: str) -> None:
        super().__init__(rules.RUNTIME_ERROR, cause)


async def execute(
    rt: Runtime, step: ir.TaskStep, call: StepCall, resume: StepState | None = None
) -> Outcome:
    """Run the task, retrying per its ``retry`` policies; ``$local`` is the function result
    (or, for a task calling a flow, what :mod:`~worker.steps.subflow` reports).

    Raises:
        Parked: the run parks between two attempts (or before the first one started).
    """
    attempt = _attempts(rt, step, call)
    state = resume if isinstance(resume, TaskState) else TaskState(attempts=0, counters=[])
    counters = list(state.counters) or [0] * len(step.retry)
    number, until = state.attempts, state.until
    while True:
        left = until - workflow.time()
        if left > 0 and not await rt.pacing.sleep(left, f"{call.path}: retry"):
            raise Parked(TaskState(attempts=number, counters=counters, until=until))
        if rt.pacing.parking:
            raise Parked(TaskState(attempts=number, counters=counters))
        try:
            return Outcome(local=await attempt(number + 1))
        except Parked:  # it waited for a work slot and started nothing
            raise Parked(TaskState(attempts=number, counters=counters)) from None
        except errors.FlowError as err:
            number += 1
            delay = retry_delay(step.retry, counters, err.error)
            if delay is None:
                raise
            workflow.logger.info("%s failed with %s; retrying in %gs", call.path, err.error, delay)
            until = workflow.time() + delay if delay > 0 else 0.0
            if delay > 0 and not await rt.pacing.sleep(
                delay, f"{call.path}: retry after {err.error}"
            ):
                raise Parked(TaskState(attempts=number, counters=counters, until=until)) from None
            until = 0.0


def _attempts(rt: Runtime, step: ir.TaskStep, call: StepCall) -> Attempt:
    """The coroutine function running attempt ``number`` of the task."""
    attempt = _resource_attempt(rt, step, call)
    if step.pattern == "waitForCallback" or not reads_token(step):
        return functools.partial(attempt, call)
    return functools.partial(_with_token, rt, step, call, attempt)


def _resource_attempt(rt: Runtime, step: ir.TaskStep, call: StepCall) -> AttemptWith:
    """Attempt ``number`` of the task's resource, given the attempt's call."""
    # Subflow and message executors are imported by the runs that use them: the sandbox
    # imports a run's modules again for every run (see worker/sandbox.py).
    if isinstance(step.resource, ir.FlowResource):
        from worker.workflow.steps import subflow

        if step.pattern == "waitForCallback":
            return functools.partial(subflow.wait_attempt, rt, step)
        return functools.partial(subflow.attempt, rt, step)
    if isinstance(step.resource, ir.QueueResource | ir.TopicResource):
        from worker.workflow.steps import message

        return functools.partial(message.attempt, rt, step)
    resource = _function(step, call.path)
    if step.pattern == "waitForCallback":
        return functools.partial(function.wait_attempt, rt, step, resource)
    function.invocation_type(step, call)  # its errors (a missing path) come before anything
    return functools.partial(function.attempt, rt, step, resource)


async def _with_token(
    rt: Runtime, step: ir.TaskStep, call: StepCall, attempt: AttemptWith, number: int
) -> JSONObject:
    """Attempt ``number`` with a task token of its own in ``$context.task.token``."""
    if not rt.pacing.switch(patches.TOKEN_IN_EVERY_TASK):
        return await attempt(call, number)
    token_number, token = await waiting.mint(rt, call.path, waits=False)
    context = {**call.context, "task": {"token": token}}
    own_input = data.step_input(
        step.input_mappings, call.parent_input, call.parent_local, context, call.path
    )
    try:
        return await attempt(_with(call, own_input, context), number)
    finally:
        rt.callbacks.close(token_number, "ended")


def _with(call: StepCall, own_input: JSONObject, context: JSONObject) -> StepCall:
    return StepCall(
        path=call.path,
        input=own_input,
        context=context,
        parent_input=call.parent_input,
        parent_local=call.parent_local,
    )


def reads_token(step: ir.TaskStep) -> bool:
    """Whether the task's input mappings or service parameters read ``$context.task.token``
    (directly, or through ``$context`` or ``$context.task`` as a whole)."""
    sources = [mapping.source for mapping in step.input_mappings or ()]
    sources += [param.source for param in step.service_params]
    for source in sources:
        if not isinstance(source, ir.Path) or source.root != "context":
            continue
        names = [s.name if isinstance(s, ir.Key) else None for s in source.segments[:2]]
        if names in ([], ["task"], ["task", "token"]) or None in names:
            return True
    return False


def _function(step: ir.TaskStep, path: str) -> ir.FunctionResource:
    resource = step.resource
    if not isinstance(resource, ir.FunctionResource):
        if isinstance(resource, ir.ActionResource):
            what = f"action {resource.product}:{resource.api}"
        else:
            what = resource.arn
        raise NotSupportedError(f"{path}: tasks calling {what} are not supported yet")
    return resource


def retry_delay(
    policies: Sequence[ir.RetryPolicy], counters: list[int], error: str
) -> float | None:
    """Seconds to wait before retrying after ``error``, or ``None`` when it is not retried.

    The first policy whose errors match decides; ``counters`` (one per policy, updated here)
    hold how many retries each policy has granted.
    """
    for position, policy in enumerate(policies):
        if errors.matches(policy.errors, error):
            if counters[position] >= policy.max_attempts:
                return None
            counters[position] += 1
            return backoff(policy, counters[position])
    return None


def backoff(policy: ir.RetryPolicy, retry: int) -> float:
    """The wait before retry number ``retry`` (1-based) of ``policy``."""
    try:
        wait = policy.interval_seconds * policy.multiplier ** (retry - 1)
    except OverflowError:
        return float(policy.max_interval_seconds)
    return float(min(wait, policy.max_interval_seconds))


def caught(
    step: ir.TaskStep, err: errors.FlowError, own_input: JSONObject, context: JSONObject, path: str
) -> tuple[JSONObject, Outcome]:
    """Apply the first matching ``catch`` policy to a failed task, or re-raise ``err``.

    Returns:
        The step output (its ``errorMappings`` over ``$local = {error, cause, code}`` and
        ``$input`` = the step input, else ``{}``) and the outcome jumping to the policy's goto.
    """
    policy = next((p for p in step.catch if errors.matches(p.errors, err.error)), None)
    if policy is None or isinstance(err, NotSupportedError):
        raise err
    local = {"error": err.error, "cause": err.cause, "code": err.error}
    output: JSONObject = {}
    if step.error_mappings is not None:
        scope = Scope(input=own_input, local=local, context=context, dollar=own_input)
        output = data.mapped(step.error_mappings, scope, f"{path}: errorMappings")
    workflow.logger.info("%s: caught %s, going to %s", path, err.error, policy.goto)
    return output, Outcome(local=local, goto=policy.goto)
