"""Executor of the ``task`` step: FC function calls with FDL ``retry`` and ``catch``.

Each attempt is one ``fdl.invoke_function`` activity (Temporal retries are off: maximum one
attempt). FDL retry is a loop here with durable timers between attempts: the first policy
whose ``errors`` match decides, each policy counts its own retries, and the wait before retry
*k* is ``min(intervalSeconds * multiplier^(k-1), maxIntervalSeconds)`` (reference 7.3). Catch
(7.4) is applied by the sequence through :func:`caught`, so it also covers errors of the
task's own input and output mappings.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, TimeoutError, TimeoutType

from translator import ir, rules
from translator.expr import Scope
from worker.workflow import data, errors
from worker.workflow.records import JSONObject, Outcome, StepCall
from worker.workflow.steps import message, subflow, waiting
from worker.workflow.steps.runtime import Runtime, cancelling

with workflow.unsafe.imports_passed_through():
    from worker.contract.activities import INVOKE_FUNCTION, FunctionResult, InvokeFunction

DEFAULT_TASK_TIMEOUT = timedelta(minutes=10)
"""Start-to-close timeout of one attempt when the task sets no ``timeoutSeconds``."""

WORKER_LOST_AFTER = timedelta(seconds=10)
"""Heartbeat timeout of an invocation: a worker silent this long is taken for dead."""
WORKER_LOST_RERUNS = 5
"""How often one attempt is run again on another worker before it counts as timed out."""

_ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


class NotSupportedError(errors.FlowError):
    """A task this engine cannot run yet; never retried nor caught, so the flow fails loudly."""

    def __init__(self, cause: str) -> None:
        super().__init__(rules.RUNTIME_ERROR, cause)


async def execute(rt: Runtime, step: ir.TaskStep, call: StepCall) -> Outcome:
    """Run the task, retrying per its ``retry`` policies; ``$local`` is the function result
    (or, for a task calling a flow, what :mod:`~worker.steps.subflow` reports)."""
    attempt = _attempts(rt, step, call)
    counters = [0] * len(step.retry)
    number = 0
    while True:
        number += 1
        try:
            return Outcome(local=await attempt(number))
        except errors.FlowError as err:
            delay = retry_delay(step.retry, counters, err.error)
            if delay is None:
                raise
            workflow.logger.info("%s failed with %s; retrying in %gs", call.path, err.error, delay)
            if delay > 0:
                await workflow.sleep(delay, summary=f"{call.path}: retry after {err.error}")


def _attempts(
    rt: Runtime, step: ir.TaskStep, call: StepCall
) -> Callable[[int], Awaitable[JSONObject]]:
    """The coroutine function running attempt ``number`` of the task."""
    if isinstance(step.resource, ir.FlowResource):
        if step.pattern == "waitForCallback":
            return functools.partial(subflow.wait_attempt, rt, step, call)
        return functools.partial(subflow.attempt, rt, step, call)
    if isinstance(step.resource, ir.QueueResource | ir.TopicResource):
        send = functools.partial(message.send_attempt, rt, step, call)
        return functools.partial(_recorded, rt, step, call, step.resource.arn, send)
    resource = _function(step, call.path)
    if step.pattern == "waitForCallback":
        return functools.partial(_wait_attempt, rt, step, resource, call)
    scope = data.own_scope(call.input, call.context)
    for param in step.service_params:
        # Read for their errors only: a local function binding has no invocation options.
        data.read(param.source, scope, f"{call.path}: serviceParams.{param.name}")
    return functools.partial(_attempt, rt, step, resource, call)


def _function(step: ir.TaskStep, path: str) -> ir.FunctionResource:
    resource = step.resource
    if not isinstance(resource, ir.FunctionResource):
        if isinstance(resource, ir.ActionResource):
            what = f"action {resource.product}:{resource.api}"
        else:
            what = resource.arn
        raise NotSupportedError(f"{path}: tasks calling {what} are not supported yet")
    return resource


async def _wait_attempt(
    rt: Runtime, step: ir.TaskStep, resource: ir.FunctionResource, call: StepCall, number: int
) -> JSONObject:
    """A function task with ``waitForCallback``: invoke with the token, wait for the report."""

    async def invoke(own_input: JSONObject) -> None:
        try:
            await _invoke(step, resource, dataclasses.replace(call, input=own_input))
        except errors.FlowError as err:
            # The function's return value is discarded (reference 8.2): any value will do.
            if err.error != rules.INVALID_LOCAL:
                raise

    async def wait(_: int) -> JSONObject:
        return await waiting.wait_attempt(rt, step, call, invoke)

    return await _recorded(rt, step, call, resource.arn, wait, number)


async def _recorded(
    rt: Runtime,
    step: ir.TaskStep,
    call: StepCall,
    arn: str,
    run: Callable[[int], Awaitable[JSONObject]],
    number: int,
) -> JSONObject:
    """Attempt ``number`` of ``run`` between TaskScheduled and TaskSucceeded/Failed events."""
    scheduled = rt.history.task_scheduled(
        call.path, {"resourceArn": arn, "pattern": step.pattern, "attempt": number}
    )
    try:
        local = await run(number)
    except errors.FlowError as err:
        timed_out = err.error == rules.TASK_TIMEOUT
        rt.history.task_failed(call.path, scheduled, err.error, err.cause, timed_out)
        raise
    rt.history.task_succeeded(call.path, scheduled, local)
    return local


async def _attempt(
    rt: Runtime, step: ir.TaskStep, resource: ir.FunctionResource, call: StepCall, number: int
) -> JSONObject:
    scheduled = rt.history.task_scheduled(
        call.path, {"resourceArn": resource.arn, "pattern": step.pattern, "attempt": number}
    )
    try:
        local = await _invoke(step, resource, call)
    except errors.FlowError as err:
        timed_out = err.error == rules.TASK_TIMEOUT
        rt.history.task_failed(call.path, scheduled, err.error, err.cause, timed_out)
        raise
    rt.history.task_succeeded(call.path, scheduled, local)
    return local


async def _invoke(step: ir.TaskStep, resource: ir.FunctionResource, call: StepCall) -> JSONObject:
    request = InvokeFunction(
        binding=resource.binding_name,
        qualifier=resource.qualifier,
        region=resource.region,
        account=resource.account,
        input=call.input,
        step_path=call.path,
        timeout_seconds=step.timeout_seconds,
    )
    timeout = DEFAULT_TASK_TIMEOUT
    if step.timeout_seconds is not None:
        timeout = timedelta(seconds=step.timeout_seconds)
    for lost in range(WORKER_LOST_RERUNS + 1):
        try:
            result = await workflow.execute_activity(
                INVOKE_FUNCTION,
                request,
                result_type=FunctionResult,
                start_to_close_timeout=timeout,
                heartbeat_timeout=WORKER_LOST_AFTER,
                retry_policy=_ONE_ATTEMPT,
                summary=call.path,
            )
            return data.as_local(result.value, call.path)
        except ActivityError as exc:
            if cancelling(exc):
                raise
            if not _worker_lost(exc) or lost == WORKER_LOST_RERUNS:
                raise errors.from_activity_error(exc, step_path=call.path) from None
            workflow.logger.info("%s: the worker running it was lost; running it again", call.path)
    raise AssertionError("unreachable")


def _worker_lost(exc: ActivityError) -> bool:
    # A running invocation heartbeats every second, so a missed heartbeat means its worker
    # died (or hung), not that the function failed: that is not an FDL attempt.
    cause = exc.cause
    return isinstance(cause, TimeoutError) and cause.type == TimeoutType.HEARTBEAT


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
