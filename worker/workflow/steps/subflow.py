"""Task steps that call a flow (``acs:fnf:::flow/NAME``, reference 8.5): child executions.

One attempt starts a child execution of the registered flow ``NAME`` as a Temporal child
workflow: workflow type ``NAME`` (the interpreter), id ``NAME:<execution>``, the task queue
``NAME`` was registered with (the parent's for flows that recorded none), the ``FdlFlow``
search attribute. The parent first resolves the flow's current
registered version (one ``fdl.resolve_flow`` activity) and starts the child with that
definition and version, and with the flow's ``timeoutSeconds`` as its execution timeout, so
the child ends ``TimedOut`` as any execution does.

- ``serviceParams.Input`` is the child's input (``$`` = the step's mapped input, which is
  also the default); ``serviceParams.ExecutionName`` names the child. Without it the name is
  ``<parent execution>-<step name>-<eventId>-<attempt>``: deterministic, so a replay starts
  the same child, and different for every entry of the step and every retry.
- ``requestResponse`` continues once the child has started; ``$local`` is what the original
  StartExecution answers: ``{"FlowName", "Name", "Status": "Running", "StartedTime"}``. The
  child outlives the parent (parent close policy ABANDON).
- ``sync`` waits for the child; ``$local`` is its output. A failed child fails the step with
  the child's error name and cause, so the parent's ``retry`` and ``catch`` see them; a child
  that timed out is ``FnF.TaskTimeout``; a child stopped with an error and cause
  (``fdl execution stop --error E --cause C``) fails the step with them (read from the
  child's history by the ``fdl.stop_details`` activity), one stopped without is
  ``FnF.ExecutionStopped``. Cancelling or stopping the parent cancels the child.
- ``timeoutSeconds`` bounds each attempt (start and, for ``sync``, the wait); when it expires
  the child is cancelled and the step fails with ``FnF.TaskTimeout``.
- A child name already used by a finished execution fails with
  ``fnf.ExecutionAlreadyExists`` (the name the original's StartExecution error is caught by).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import (
    RetryPolicy,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import (
    ApplicationError,
    ChildWorkflowError,
    TerminatedError,
    WorkflowAlreadyStartedError,
)
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

from translator import ir, rules
from worker.contract import outcome
from worker.contract.activities import STOP_DETAILS, StoppedExecution, StopReason
from worker.contract.history import timestamp
from worker.contract.run import FLOW_NAME_KEY, PARENT_STEP_MEMO, VERSION_MEMO, workflow_id
from worker.workflow import data, errors
from worker.workflow.records import JSONObject, StepCall
from worker.workflow.resolve import resolved_start, start_queue
from worker.workflow.steps import waiting
from worker.workflow.steps.runtime import Runtime, cancelling

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

T = TypeVar("T")


async def wait_attempt(rt: Runtime, step: ir.TaskStep, call: StepCall, number: int) -> JSONObject:
    """Attempt ``number`` of a ``waitForCallback`` task calling a flow (reference 8.5).

    The child is started with this attempt's token mapped into its input (``inputMappings``
    reading ``$context.task.token``), then the step waits for a report with that token, from
    the child or anyone else; the reported output is ``$local``. The child is an execution of
    its own: it keeps running after the report (parent close policy ABANDON).
    """
    resource = step.resource
    assert isinstance(resource, ir.FlowResource)  # the task executor dispatches on it
    scheduled = 0

    async def start_child(own_input: JSONObject) -> None:
        nonlocal scheduled
        child_call = StepCall(
            path=call.path,
            input=own_input,
            context=call.context,
            parent_input=call.parent_input,
            parent_local=call.parent_local,
        )
        child_input, name = child_params(rt, step, child_call, number)
        detail = {"resourceArn": resource.arn, "pattern": step.pattern, "attempt": number}
        scheduled = rt.history.task_scheduled(call.path, {**detail, "executionName": name})
        rt.check_payload(child_input, call.path, "the child's input")
        async with rt.work(parkable=False):
            await _start(resource.flow, name, child_input, call.path, keep=True)
        rt.history.task_started(call.path, scheduled, {"flowName": resource.flow, "name": name})

    try:
        local = await waiting.wait_attempt(rt, step, call, start_child)
    except errors.FlowError as err:
        if scheduled:
            rt.history.task_error(call.path, scheduled, err)
        raise
    rt.history.task_succeeded(call.path, scheduled, local)
    return local


async def attempt(rt: Runtime, step: ir.TaskStep, call: StepCall, number: int) -> JSONObject:
    """Run attempt ``number`` (1, 2, ...) of a task calling a flow; returns its ``$local``.

    Raises:
        FlowError: the child could not start, failed, was stopped or timed out, or the
            step's serviceParams are not usable.
    """
    resource = step.resource
    assert isinstance(resource, ir.FlowResource)  # the task executor dispatches on it
    child_input, name = child_params(rt, step, call, number)
    async with rt.work():
        scheduled = rt.history.task_scheduled(
            call.path,
            {
                "resourceArn": resource.arn,
                "pattern": step.pattern,
                "attempt": number,
                "executionName": name,
            },
        )
        try:
            rt.check_payload(child_input, call.path, "the child's input")
            local = await _within(
                step, call, _run(rt, step, resource, call, child_input, name, scheduled)
            )
        except errors.FlowError as err:
            rt.history.task_error(call.path, scheduled, err)
            raise
    rt.history.task_succeeded(call.path, scheduled, local)
    return local


async def _run(
    rt: Runtime,
    step: ir.TaskStep,
    resource: ir.FlowResource,
    call: StepCall,
    child_input: JSONObject,
    name: str,
    scheduled: int,
) -> JSONObject:
    sync = step.pattern == "sync"
    handle = await _start(resource.flow, name, child_input, call.path, keep=not sync)
    started = timestamp(workflow.now())
    rt.history.task_started(call.path, scheduled, {"flowName": resource.flow, "name": name})
    if not sync:
        return {
            "FlowName": resource.flow,
            "Name": name,
            "Status": "Running",
            "StartedTime": started,
        }
    try:
        result = await handle
    except ChildWorkflowError as exc:
        if cancelling(exc):
            raise
        if isinstance(exc.cause, TerminatedError):
            raise await stopped_child(resource.flow, name) from None
        raise child_failure(exc, resource.flow, name) from None
    return data.as_local(result, call.path)


async def stopped_child(flow: str, name: str) -> errors.FlowError:
    """The error of a child stopped by ``fdl execution stop``: the error and cause it was
    stopped with (so the parent's ``catch`` can match them), else ``FnF.ExecutionStopped``."""
    reason = await workflow.execute_activity(
        STOP_DETAILS,
        StoppedExecution(workflow_id=workflow_id(flow, name)),
        result_type=StopReason,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=RetryPolicy(maximum_attempts=5),
        summary=f"how {flow}:{name} was stopped",
    )
    cause = reason.cause or f"child execution {name!r} of flow {flow!r} was stopped"
    return errors.FlowError(reason.error or rules.EXECUTION_STOPPED, cause)


async def _start(
    flow: str, name: str, child_input: JSONObject, path: str, *, keep: bool
) -> ChildWorkflowHandle[Any, Any]:
    start = await resolved_start(flow, name, child_input)
    try:
        return await workflow.start_child_workflow(
            flow,
            start.run,
            id=workflow_id(flow, name),
            execution_timeout=start.execution_timeout,
            task_queue=start_queue(start) or workflow.info().task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            # requestResponse children outlive the parent; sync children are cancelled with it.
            parent_close_policy=ParentClosePolicy.ABANDON
            if keep
            else ParentClosePolicy.REQUEST_CANCEL,
            search_attributes=TypedSearchAttributes([SearchAttributePair(FLOW_NAME_KEY, flow)]),
            static_summary=f"FDL flow {flow}, execution {name}, started by {path}",
            memo={PARENT_STEP_MEMO: path, VERSION_MEMO: start.run.version},
        )
    except WorkflowAlreadyStartedError:
        raise errors.FlowError(
            rules.EXECUTION_ALREADY_EXISTS,
            f"{path}: execution {name!r} of flow {flow!r} already exists",
        ) from None


async def _within(step: ir.TaskStep, call: StepCall, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``, bounded by the task's ``timeoutSeconds`` (the child is cancelled then)."""
    if step.timeout_seconds is None:
        return await work
    task = asyncio.create_task(work)
    done, _ = await workflow.wait([task], timeout=step.timeout_seconds)
    if done:
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    raise errors.FlowError(
        rules.TASK_TIMEOUT, f"task {call.path} timed out after {step.timeout_seconds:g} seconds"
    )


def child_params(
    rt: Runtime, step: ir.TaskStep, call: StepCall, number: int
) -> tuple[JSONObject, str]:
    """The child's input and execution name from ``serviceParams`` (or their defaults).

    Raises:
        FlowError: ``FnF.RuntimeError`` for a missing path, an input that is not an object
            or a name that is not a legal execution name.
    """
    scope = data.own_scope(call.input, call.context)
    params = {
        param.name: data.read(param.source, scope, f"{call.path}: serviceParams.{param.name}")
        for param in step.service_params
    }
    child_input = params.get("Input", call.input)
    if not isinstance(child_input, dict):
        raise errors.runtime_error(
            f"{call.path}: serviceParams.Input must be a JSON object, got "
            f"{type(child_input).__name__}"
        )
    name = params.get("ExecutionName")
    if name in (None, ""):
        step_entry = call.context["step"]["eventId"]
        return child_input, default_name(rt.execution_name, step.name, step_entry, number)
    if not isinstance(name, str) or not rules.NAME_PATTERN.fullmatch(name):
        raise errors.runtime_error(
            f"{call.path}: serviceParams.ExecutionName {name!r} is not a legal execution name "
            "(letters, digits, '_' and '-', starting with a letter or '_', at most 128)"
        )
    return child_input, name


def default_name(parent: str, step_name: str, step_entry: int, number: int) -> str:
    """``<parent>-<step>-<eventId>-<attempt>``, made a legal execution name.

    Characters other than letters, digits, ``_`` and ``-`` become ``_``; a name that would
    be too long keeps its start and ends with a hash of the whole, so it stays unique.
    """
    name = _UNSAFE.sub("_", f"{parent}-{step_name}-{step_entry}-{number}")
    if not name[0].isalpha() and name[0] != "_":
        name = "_" + name
    if len(name) <= rules.NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return f"{name[: rules.NAME_LIMIT - len(digest) - 1]}-{digest}"


def child_failure(exc: ChildWorkflowError, flow: str, name: str) -> errors.FlowError:
    """The FDL error of a ``sync`` task whose child did not succeed (how the child ended, in
    the words every other view uses: :mod:`worker.contract.outcome`)."""
    ended = outcome.from_failure(exc.cause)
    child = f"child execution {name!r} of flow {flow!r}"
    if ended.status == "TimedOut":
        return errors.FlowError(rules.TASK_TIMEOUT, f"{child} timed out")
    if ended.status == "Stopped":
        return errors.FlowError(ended.error, f"{child} was stopped: {ended.cause}")
    if isinstance(exc.cause, ApplicationError):
        return errors.FlowError(ended.error, ended.cause, origin=errors.user_failure(exc.cause))
    return errors.FlowError(ended.error, f"{child} failed: {exc.cause or exc}")
