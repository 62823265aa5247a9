"""Executor of the ``task`` step: FC function calls with FDL ``retry`` and ``catch``.

Each attempt is one ``fdl.invoke_function`` activity (Temporal retries are off: maximum one
attempt). FDL retry is a loop here with durable timers between attempts: the first policy
whose ``errors`` match decides, each policy counts its own retries, and the wait before retry
*k* is ``min(intervalSeconds * multiplier^(k-1), maxIntervalSeconds)`` (reference 7.3). Catch
(7.4) is applied by the sequence through :func:`caught`, so it also covers errors of the
task's own input and output mappings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from translator import ir
from translator.expr import Scope
from worker import data, errors
from worker.data import JSONObject
from worker.steps.runtime import Outcome, Runtime, StepCall

with workflow.unsafe.imports_passed_through():
    from worker.activities import INVOKE_FUNCTION, FunctionResult, InvokeFunction

DEFAULT_TASK_TIMEOUT = timedelta(minutes=10)
"""Start-to-close timeout of one attempt when the task sets no ``timeoutSeconds``."""

_ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


class NotSupportedError(errors.FlowError):
    """A task this engine cannot run yet; never retried nor caught, so the flow fails loudly."""

    def __init__(self, cause: str) -> None:
        super().__init__(errors.RUNTIME_ERROR, cause)


async def execute(rt: Runtime, step: ir.TaskStep, call: StepCall) -> Outcome:
    """Run the task, retrying per its ``retry`` policies; ``$local`` is the function result."""
    resource = _function(step, call.path)
    scope = data.own_scope(call.input, call.context)
    for param in step.service_params:
        # Read for their errors only: a local function binding has no invocation options.
        data.read(param.source, scope, f"{call.path}: serviceParams.{param.name}")
    counters = [0] * len(step.retry)
    while True:
        try:
            return Outcome(local=await _attempt(step, resource, call))
        except errors.FlowError as err:
            delay = retry_delay(step.retry, counters, err.error)
            if delay is None:
                raise
            workflow.logger.info("%s failed with %s; retrying in %gs", call.path, err.error, delay)
            if delay > 0:
                await workflow.sleep(delay, summary=f"{call.path}: retry after {err.error}")


def _function(step: ir.TaskStep, path: str) -> ir.FunctionResource:
    resource = step.resource
    if not isinstance(resource, ir.FunctionResource):
        if isinstance(resource, ir.ActionResource):
            what = f"action {resource.product}:{resource.api}"
        else:
            what = resource.arn
        raise NotSupportedError(f"{path}: tasks calling {what} are not supported yet")
    if step.pattern == "waitForCallback":
        raise NotSupportedError(f"{path}: pattern waitForCallback is not supported yet")
    return resource


async def _attempt(step: ir.TaskStep, resource: ir.FunctionResource, call: StepCall) -> JSONObject:
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
    try:
        result = await workflow.execute_activity(
            INVOKE_FUNCTION,
            request,
            result_type=FunctionResult,
            start_to_close_timeout=timeout,
            retry_policy=_ONE_ATTEMPT,
            summary=call.path,
        )
    except ActivityError as exc:
        raise errors.from_activity_error(exc, step_path=call.path) from None
    return data.as_local(result.value, call.path)


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
