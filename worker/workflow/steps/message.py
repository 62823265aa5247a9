"""Attempts of task steps that send a message to an MNS queue or topic (reference 8.3).

``requestResponse``: the step's ``$local`` is the send's response (``MessageId``,
``MessageBodyMD5``, ``RequestId``). ``waitForCallback``: the message carries the attempt's task
token (mapped in through ``$context.task.token``) and the step waits for a report with it
(:mod:`worker.workflow.steps.waiting`); the send is recorded as ``TaskSubmitted``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from translator import ir, plainjson, rules
from worker.contract.activities import SEND_MESSAGE, MessageSent, SendMessage
from worker.workflow import data, errors, patches
from worker.workflow.records import JSONObject, StepCall
from worker.workflow.steps import waiting
from worker.workflow.steps.runtime import Runtime

SEND_TIMEOUT = timedelta(seconds=60)
"""Start-to-close timeout of one message send."""
_ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


async def attempt(rt: Runtime, step: ir.TaskStep, call: StepCall, number: int) -> JSONObject:
    """Attempt ``number`` of a task sending to an MNS queue or topic, between its
    ``TaskScheduled`` and ``TaskSucceeded`` / ``TaskFailed`` events."""
    waits = step.pattern == "waitForCallback"
    arn = (
        step.resource.arn if isinstance(step.resource, ir.QueueResource | ir.TopicResource) else ""
    )
    async with rt.work(needed=not waits):
        scheduled = rt.history.task_scheduled(
            call.path, {"resourceArn": arn, "pattern": step.pattern, "attempt": number}
        )
        try:
            local = await send_attempt(rt, step, call)
        except errors.FlowError as err:
            rt.history.task_error(call.path, scheduled, err)
            raise
    rt.history.task_succeeded(call.path, scheduled, local)
    return local


async def send_attempt(rt: Runtime, step: ir.TaskStep, call: StepCall) -> JSONObject:
    """One attempt of a task sending to an MNS queue or topic."""
    if step.pattern == "waitForCallback":

        async def submit(own_input: JSONObject) -> None:
            async with rt.work(parkable=False):
                sent = await send(rt, step, call, own_input)
            rt.history.task_submitted(call.path, sent.as_local())

        return await waiting.wait_attempt(rt, step, call, submit)
    sent = await send(rt, step, call, call.input)
    return sent.as_local()


async def send(
    rt: Runtime, step: ir.TaskStep, call: StepCall, own_input: JSONObject
) -> MessageSent:
    """Send the step's message (``serviceParams`` over the attempt's input)."""
    request = message_for(step, own_input, call.context, call.path)
    rt.check_payload({"body": request.body}, call.path, "the message")
    bad = plainjson.problem(request.body)
    if bad is not None and rt.pacing.switch(patches.DATA_GUARDS):
        raise errors.runtime_error(f"{call.path}: the message body is not text: {bad}")
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
        priority=_integer(params, "Priority", *rules.MNS_PRIORITY, path),
        delay_seconds=_integer(params, "DelaySeconds", *rules.MNS_DELAY_SECONDS, path),
        tag=str(params["MessageTag"]) if "MessageTag" in params else None,
        step_path=path,
    )


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
