"""Attempts of task steps that call an FC function (reference 8.2).

One attempt is one ``fdl.invoke_function`` call (Temporal's own retries are off; FDL retries
in :mod:`~worker.workflow.steps.task`), recorded between ``TaskScheduled`` and
``TaskSucceeded`` / ``TaskFailed`` / ``TaskTimedOut``:

- a function bound with ``local: true`` in ``fdl.yaml`` runs as a Temporal *local activity*
  (one history event instead of the activity's three, no task queue round trip), at most
  :data:`~translator.rules.LOCAL_FUNCTION_MAX_SECONDS` per attempt, once the run has learned
  the worker's bindings from the result of its first function call (which is a regular
  activity: workflow code cannot read the worker's configuration, only recorded results);
- ``serviceParams.InvocationType: Async`` with ``requestResponse`` is fire-and-forget: the
  step continues once the call is *accepted* (scheduled in the execution's history, so it
  runs even if workers restart) with ``$local = {}``; the execution waits for its accepted
  calls before it ends or continues as new, and ignores their results;
- ``sync`` (or ``Async`` with ``sync``) waits for the function's result, which is ``$local``;
- ``waitForCallback`` invokes with the attempt's task token and waits for the report
  (:mod:`~worker.workflow.steps.waiting`); the function's return value is discarded.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType

from translator import ir, rules
from worker.workflow import data, errors, patches
from worker.workflow.records import JSONObject, StepCall
from worker.workflow.steps import waiting
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


def invocation_type(step: ir.TaskStep, call: StepCall) -> str:
    """``Sync`` or ``Async``: the task's ``serviceParams.InvocationType`` (default ``Sync``).

    Every service parameter is read, so a missing path fails the task as it always did.

    Raises:
        FlowError: ``FnF.RuntimeError`` for a missing path or an unknown invocation type.
    """
    scope = data.own_scope(call.input, call.context)
    kind = "Sync"
    for param in step.service_params:
        value = data.read(param.source, scope, f"{call.path}: serviceParams.{param.name}")
        if param.name == "InvocationType":
            if not isinstance(value, str) or value.lower() not in ("sync", "async"):
                raise errors.runtime_error(
                    f"{call.path}: serviceParams.InvocationType must be Sync or Async, "
                    f"got {value!r}"
                )
            kind = value.capitalize()
    return kind


async def attempt(
    rt: Runtime, step: ir.TaskStep, resource: ir.FunctionResource, call: StepCall, number: int
) -> JSONObject:
    """Attempt ``number`` of a ``requestResponse`` or ``sync`` task calling a function."""
    fire_and_forget = step.pattern == "requestResponse" and rt.async_invocation(
        invocation_type(step, call)
    )
    local = not fire_and_forget and resource.binding_name in rt.local_functions
    detail = {"resourceArn": resource.arn, "pattern": step.pattern, "attempt": number}
    async with rt.work(needed=not local and not fire_and_forget):
        scheduled = rt.history.task_scheduled(call.path, detail)
        try:
            if fire_and_forget:
                await start_detached(rt, request(step, resource, call), call.path)
                result: JSONObject = {}
            else:
                result = await invoke(rt, step, resource, call, local=local)
        except errors.FlowError as err:
            rt.history.task_error(call.path, scheduled, err)
            raise
    rt.history.task_succeeded(call.path, scheduled, result)
    return result


async def wait_attempt(
    rt: Runtime, step: ir.TaskStep, resource: ir.FunctionResource, call: StepCall, number: int
) -> JSONObject:
    """A function task with ``waitForCallback``: invoke with the token, wait for the report."""
    try:
        kind = invocation_type(step, call)
    except errors.FlowError:
        # Earlier releases never read a waiting task's service parameters.
        if not rt.pacing.switch(patches.ASYNC_INVOCATION):
            kind = "Sync"
        else:
            raise
    fire_and_forget = rt.async_invocation(kind)

    async def submit(own_input: JSONObject) -> None:
        submitted = dataclasses.replace(call, input=own_input)
        if fire_and_forget:
            await start_detached(rt, request(step, resource, submitted), call.path)
            return
        async with rt.work(parkable=False):
            try:
                await invoke(rt, step, resource, submitted, local=False)
            except errors.FlowError as err:
                # The function's return value is discarded (reference 8.2): any value will do.
                if err.error != rules.INVALID_LOCAL:
                    raise

    scheduled = rt.history.task_scheduled(
        call.path, {"resourceArn": resource.arn, "pattern": step.pattern, "attempt": number}
    )
    try:
        local = await waiting.wait_attempt(rt, step, call, submit)
    except errors.FlowError as err:
        rt.history.task_error(call.path, scheduled, err)
        raise
    rt.history.task_succeeded(call.path, scheduled, local)
    return local


def request(step: ir.TaskStep, resource: ir.FunctionResource, call: StepCall) -> InvokeFunction:
    """The ``fdl.invoke_function`` input of one attempt."""
    return InvokeFunction(
        binding=resource.binding_name,
        qualifier=resource.qualifier,
        region=resource.region,
        account=resource.account,
        input=call.input,
        step_path=call.path,
        timeout_seconds=step.timeout_seconds,
    )


async def invoke(
    rt: Runtime,
    step: ir.TaskStep,
    resource: ir.FunctionResource,
    call: StepCall,
    *,
    local: bool,
) -> JSONObject:
    """Call the function once and return its result as ``$local``.

    Raises:
        FlowError: the function failed, timed out, or returned something that is not a
            JSON object.
    """
    rt.check_payload(call.input, call.path, "the function's input")
    if local:
        return await _invoke_local(rt, step, request(step, resource, call), call.path)
    timeout = DEFAULT_TASK_TIMEOUT
    if step.timeout_seconds is not None:
        timeout = timedelta(seconds=step.timeout_seconds)
    for lost in range(WORKER_LOST_RERUNS + 1):
        activity_id, summary = rt.call_label(call.path)
        try:
            result = await workflow.execute_activity(
                INVOKE_FUNCTION,
                request(step, resource, call),
                result_type=FunctionResult,
                start_to_close_timeout=timeout,
                heartbeat_timeout=WORKER_LOST_AFTER,
                retry_policy=_ONE_ATTEMPT,
                activity_id=activity_id,
                summary=summary,
            )
            rt.learn_local(result.local)
            return data.as_local(result.value, call.path)
        except ActivityError as exc:
            if cancelling(exc):
                raise
            if not _worker_lost(exc) or lost == WORKER_LOST_RERUNS:
                raise errors.from_activity_error(exc, step_path=call.path) from None
            workflow.logger.info("%s: the worker running it was lost; running it again", call.path)
    raise AssertionError("unreachable")


async def _invoke_local(
    rt: Runtime, step: ir.TaskStep, invocation: InvokeFunction, path: str
) -> JSONObject:
    # A local activity runs in the worker running the workflow task and holds that task
    # open: its attempt is capped, and FDL retries (not Temporal's) run it again.
    limit = rules.LOCAL_FUNCTION_MAX_SECONDS
    seconds = min(step.timeout_seconds or limit, limit)
    activity_id, summary = rt.call_label(path)
    try:
        result: Any = await workflow.execute_local_activity(
            INVOKE_FUNCTION,
            invocation,
            result_type=FunctionResult,
            start_to_close_timeout=timedelta(seconds=seconds),
            retry_policy=_ONE_ATTEMPT,
            activity_id=activity_id,
            summary=summary,
        )
    except ActivityError as exc:
        if cancelling(exc):
            raise
        raise errors.from_activity_error(exc, step_path=path) from None
    except ApplicationError as exc:  # a local activity's failure arrives unwrapped
        raise errors.from_failure(exc, step_path=path) from None
    return data.as_local(result.value, path)


async def start_detached(rt: Runtime, invocation: InvokeFunction, path: str) -> None:
    """Start a fire-and-forget call: it is accepted once scheduled (returns then).

    The call keeps a work slot until it ends; the run waits for it before it ends or
    continues as new (:meth:`~worker.workflow.pacing.Pacing.settle`), and ignores how it
    ended (a failure is logged).
    """
    rt.check_payload(invocation.input, path, "the function's input")
    await rt.pacing.acquire(parkable=False)
    timeout = DEFAULT_TASK_TIMEOUT
    if invocation.timeout_seconds is not None:
        timeout = timedelta(seconds=invocation.timeout_seconds)
    activity_id, summary = rt.call_label(path)
    handle = workflow.start_activity(
        INVOKE_FUNCTION,
        invocation,
        result_type=FunctionResult,
        start_to_close_timeout=timeout,
        heartbeat_timeout=WORKER_LOST_AFTER,
        retry_policy=_ONE_ATTEMPT,
        activity_id=activity_id,
        summary=summary,
    )
    rt.pacing.own(asyncio.create_task(_detached(rt, handle, path)))


async def _detached(rt: Runtime, handle: asyncio.Future[FunctionResult], path: str) -> None:
    try:
        await handle
    except ActivityError as exc:
        failure = errors.from_activity_error(exc, step_path=path)
        workflow.logger.info("%s: the Async call failed with %s", path, failure)
    finally:
        rt.pacing.release()


def _worker_lost(exc: ActivityError) -> bool:
    # A running invocation heartbeats every second, so a missed heartbeat means its worker
    # died (or hung), not that the function failed: that is not an FDL attempt.
    cause = exc.cause
    return isinstance(cause, TimeoutError) and cause.type == TimeoutType.HEARTBEAT
