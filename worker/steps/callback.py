"""Attempts of task steps that send MNS messages or wait for a callback (``waitForCallback``).

A waiting attempt mints a task token (reference section 4: one per attempt), evaluates the
step's ``inputMappings`` again with that token as ``$context.task.token``, submits the work
(sends the message, or invokes the function with the token in its event), then waits until a
report with that token arrives as a signal (see :mod:`worker.tokens`) or ``timeoutSeconds``
passes (``FnF.TaskTimeout``; the limit covers submit and wait). A report that arrives while
the submit is still running wins: a reporter told "accepted" can rely on its result being
the step's ``$local``. A reported failure raises the reported error name, so ``retry`` and
``catch`` see it like any other task error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from translator import ir
from worker import data, errors
from worker.data import JSONObject
from worker.steps.runtime import Runtime, StepCall
from worker.tokens import MINT_SECRET_ACTIVITY, TaskToken

with workflow.unsafe.imports_passed_through():
    from worker.messaging import SEND_MESSAGE, MessageSent, SendMessage

SEND_TIMEOUT = timedelta(seconds=60)
"""Start-to-close timeout of one message send."""
_ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)

Submit = Callable[[JSONObject], Awaitable[object]]
"""Submits an attempt's work given its input (the token is in it)."""


async def send_attempt(rt: Runtime, step: ir.TaskStep, call: StepCall, number: int) -> JSONObject:
    """One attempt of a task sending to an MNS queue or topic."""
    if step.pattern == "waitForCallback":

        async def submit(own_input: JSONObject) -> None:
            sent = await send(step, call, own_input)
            rt.history.task_submitted(call.path, sent.as_local())

        return await wait_attempt(rt, step, call, submit)
    sent = await send(step, call, call.input)
    return sent.as_local()


async def send(step: ir.TaskStep, call: StepCall, own_input: JSONObject) -> MessageSent:
    """Send the step's message (``serviceParams`` over the attempt's input)."""
    request = message_for(step, own_input, call.context, call.path)
    try:
        sent: MessageSent = await workflow.execute_activity(
            SEND_MESSAGE,
            request,
            result_type=MessageSent,
            start_to_close_timeout=SEND_TIMEOUT,
            retry_policy=_ONE_ATTEMPT,
            summary=f"{call.path}: send to {request.target} {request.name}",
        )
    except ActivityError as exc:
        raise errors.from_activity_error(exc, step_path=call.path) from None
    return sent


def message_for(
    step: ir.TaskStep, own_input: JSONObject, context: JSONObject, path: str
) -> SendMessage:
    """The message a task sends: ``MessageBody`` (default: the whole input) and options."""
    scope = data.own_scope(own_input, context)
    params = {
        param.name: data.read(param.source, scope, f"{path}: serviceParams.{param.name}")
        for param in step.service_params
    }
    body = params.get("MessageBody", own_input)
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    resource = step.resource
    is_topic = isinstance(resource, ir.TopicResource)
    name = resource.topic if isinstance(resource, ir.TopicResource) else _queue(resource)
    return SendMessage(
        target="topic" if is_topic else "queue",
        name=name,
        body=text,
        priority=_integer(params, "Priority", 1, 16, path),
        delay_seconds=_integer(params, "DelaySeconds", 0, 604800, path),
        tag=str(params["MessageTag"]) if "MessageTag" in params else None,
        step_path=path,
    )


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
    started = workflow.time()
    submitted = asyncio.ensure_future(submit(own_input))
    try:
        await workflow.wait_condition(
            lambda: task.report is not None or submitted.done(), timeout=step.timeout_seconds
        )
        if task.report is None:
            submitted.result()  # a failed submit fails the attempt
            left = None
            if step.timeout_seconds is not None:
                left = max(step.timeout_seconds - (workflow.time() - started), 0.001)
            await workflow.wait_condition(lambda: task.report is not None, timeout=left)
    except TimeoutError:  # wait_condition's (asyncio's) timeout
        book.close(number, "timed out")
        raise errors.FlowError(
            errors.TASK_TIMEOUT,
            f"task {call.path} got no report within {step.timeout_seconds:g} s",
        ) from None
    except BaseException as exc:
        book.close(number, "failed" if isinstance(exc, errors.FlowError) else "was cancelled")
        raise
    report = task.report
    assert report is not None
    if not report.succeeded:
        raise errors.FlowError(report.error, report.cause)
    return data.as_local(report.output, call.path)


async def mint(rt: Runtime, path: str) -> tuple[int, str]:
    """A new token for one attempt of the task at ``path``: its number and its text."""
    book = rt.callbacks
    number = book.reserve()
    secret: str = await workflow.execute_local_activity(
        MINT_SECRET_ACTIVITY,
        result_type=str,
        start_to_close_timeout=timedelta(seconds=10),
        summary=f"{path}: task token",
    )
    book.open(number, secret, path)
    info = workflow.info()
    token = TaskToken(
        workflow_id=info.workflow_id, run_id=info.run_id, number=number, secret=secret
    )
    return number, token.encode()


def _queue(resource: ir.Resource) -> str:
    if not isinstance(resource, ir.QueueResource):
        raise errors.runtime_error(f"not a queue or topic: {resource}")
    return resource.queue


def _integer(params: dict[str, Any], name: str, low: int, high: int, path: str) -> int | None:
    if name not in params:
        return None
    value = params[name]
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise errors.runtime_error(
            f"{path}: serviceParams.{name} must be an integer from {low} to {high}, got {value!r}"
        )
    return value
