"""Task attempts that wait for a callback (``waitForCallback``, reference 4 and 8).

A waiting attempt mints a task token (one per attempt), evaluates the step's
``inputMappings`` again with that token as ``$context.task.token``, submits the work (sends
the message, invokes the function with the token in its event, or starts the child flow),
then waits until a report with that token arrives as a signal (decided by the execution's
:mod:`~worker.workflow.callback_book`) or ``timeoutSeconds`` passes (``FnF.TaskTimeout``; the
limit covers submit and wait). A report that arrives while the submit is still running wins:
a reporter told "accepted" can rely on its result being the step's ``$local``. A reported
failure raises the reported error name, so ``retry`` and ``catch`` see it like any other task
error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from temporalio import workflow

from translator import ir, rules
from worker.contract.activities import MINT_TASK_SECRET
from worker.contract.tokens import TaskToken
from worker.workflow import data, errors, patches
from worker.workflow.records import JSONObject, OpenTask, StepCall
from worker.workflow.steps.runtime import Runtime

Submit = Callable[[JSONObject], Coroutine[Any, Any, object]]
"""Submits an attempt's work given its input (the token is in it)."""


async def wait_attempt(
    rt: Runtime, step: ir.TaskStep, call: StepCall, submit: Submit
) -> JSONObject:
    """Mint a token, submit with it, and wait for the report; returns the reported output."""
    number, token = await mint(rt, call.path)
    context = {**call.context, "task": {"token": token}}
    own_input = data.step_input(
        step.input_mappings, call.parent_input, call.parent_local, context, call.path
    )
    book = rt.callbacks
    task = book.tasks[number]
    if rt.step_data_limit > 0:
        # What a report's output may take: the limit less the input and the least output.
        task.room = max(1, rt.step_data_limit - rt.sizer.size(own_input) - 2)
    owned = workflow.patched(patches.OWNED_CALLBACK_SUBMIT)
    submitted = asyncio.create_task(submit(own_input))
    try:
        await _report_or_timeout(step, task, submitted, workflow.time())
    except GeneratorExit:  # the workflow is being evicted: nothing may be awaited now
        raise
    except BaseException as exc:
        why = "timed out" if isinstance(exc, TimeoutError) else "was cancelled"
        book.close(number, "failed" if isinstance(exc, errors.FlowError) else why)
        if owned:
            await _end(submitted)
        if isinstance(exc, TimeoutError):  # wait_condition's (asyncio's) timeout
            raise errors.FlowError(
                rules.TASK_TIMEOUT,
                f"task {call.path} got no report within {step.timeout_seconds:g} s",
            ) from None
        raise
    if owned:
        await _end(submitted)
    report = task.report
    assert report is not None
    if not report.succeeded:
        raise errors.FlowError(report.error, report.cause)
    return data.as_local(report.output, call.path)


async def _report_or_timeout(
    step: ir.TaskStep, task: OpenTask, submitted: asyncio.Task[object], started: float
) -> None:
    """Wait for the report; a submit that fails first fails the attempt.

    Raises:
        TimeoutError: ``timeoutSeconds`` passed (it covers submit and wait).
    """
    await workflow.wait_condition(
        lambda: task.report is not None or submitted.done(), timeout=step.timeout_seconds
    )
    if task.report is None:
        submitted.result()
        left = None
        if step.timeout_seconds is not None:
            left = max(step.timeout_seconds - (workflow.time() - started), 0.001)
        await workflow.wait_condition(lambda: task.report is not None, timeout=left)


async def _end(submitted: asyncio.Task[object]) -> None:
    """Cancel the attempt's submit if it still runs, and wait until it has stopped."""
    if not submitted.done():
        submitted.cancel()
    await asyncio.gather(submitted, return_exceptions=True)


async def mint(rt: Runtime, path: str, *, waits: bool = True) -> tuple[int, str]:
    """A new token for one attempt of the task at ``path``: its number and its text.

    Args:
        waits: the attempt waits for a report with this token (``waitForCallback``);
            reports for a token of another pattern are refused.
    """
    book = rt.callbacks
    number = book.reserve()
    secret: str = await workflow.execute_local_activity(
        MINT_TASK_SECRET,
        result_type=str,
        start_to_close_timeout=timedelta(seconds=10),
        summary=f"{path}: task token",
    )
    book.open(number, secret, path, waits=waits)
    info = workflow.info()
    token = TaskToken(
        workflow_id=info.workflow_id, run_id=info.run_id, number=number, secret=secret
    )
    return number, token.encode()
