"""The activities the workflows call: their names and their single-dataclass inputs and results.

Workflow code schedules activities by these names with these payloads; the worker process
registers implementations of the same names (:mod:`worker.activities`). Keeping both halves
here means a workflow never imports the code that does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

INVOKE_FUNCTION = "fdl.invoke_function"
"""One attempt of a task step calling an FC function."""
SEND_MESSAGE = "fdl.send_message"
"""One message a task sends to an MNS queue or topic."""
RESOLVE_FLOW = "fdl.resolve_flow"
"""A registered flow's current (or a given) version."""
STOP_DETAILS = "fdl.stop_details"
"""How a stopped execution was stopped (its close event's details)."""
MINT_TASK_SECRET = "fdl.mint_task_secret"
"""A fresh random secret for one task token (a local activity, so the value is recorded)."""
LOAD_DEFINITION = "fdl.load_definition"
"""A definition snapshot (``worker.contract.snapshots``) by its hash (a local activity)."""
YIELD = "fdl.yield"
"""A local activity that returns at once: a durable yield point of a long workflow activation."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InvokeFunction:
    """Input of ``fdl.invoke_function``: one attempt of a task step calling an FC function.

    Attributes:
        binding: the ``service/function`` key of the project config.
        qualifier: the version or alias the ARN named, if any.
        region: the ARN's region (may be empty).
        account: the ARN's account id (may be empty).
        input: the step's mapped input: the function's event.
        step_path: the step path, e.g. ``fanOut[2]/notify`` (for messages and logs).
        timeout_seconds: the task's ``timeoutSeconds``, if set.
    """

    kind: Literal["invoke_function"] = "invoke_function"
    binding: str
    qualifier: str | None = None
    region: str = ""
    account: str = ""
    input: dict[str, Any]
    step_path: str
    timeout_seconds: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionResult:
    """Result of ``fdl.invoke_function``: the function's return value, as JSON.

    The workflow decides what becomes ``$local`` (an object, or a string holding one).
    """

    kind: Literal["function_result"] = "function_result"
    value: Any
    local: list[str] | None = None
    """The functions the worker that ran this call binds with ``local: true``: from then on the
    run calls them as local activities (None: a worker of a release before that)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessage:
    """Input of ``fdl.send_message``.

    Attributes:
        target: ``queue`` or ``topic``.
        name: the queue or topic name from the ARN.
        body: the message body (``serviceParams.MessageBody`` as text).
        priority: queue messages: 1 (most urgent) to 16.
        delay_seconds: queue messages: seconds before it can be received.
        tag: topic messages: ``MessageTag``.
        step_path: the step path, for messages.
    """

    kind: Literal["send_message"] = "send_message"
    target: Literal["queue", "topic"]
    name: str
    body: str
    priority: int | None = None
    delay_seconds: int | None = None
    tag: str | None = None
    step_path: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSent:
    """Result of ``fdl.send_message``: the task's ``$local`` for ``requestResponse``.

    Attributes:
        message_id: ``MessageId`` (the first copy's for a local topic).
        body_md5: ``MessageBodyMD5``.
        request_id: ``RequestId``.
    """

    kind: Literal["message_sent"] = "message_sent"
    message_id: str
    body_md5: str
    request_id: str

    def as_local(self) -> dict[str, Any]:
        """The MNS response fields, as a task's ``$local``."""
        return {
            "MessageId": self.message_id,
            "MessageBodyMD5": self.body_md5,
            "RequestId": self.request_id,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolveFlow:
    """Input of ``fdl.resolve_flow``: a flow name and optionally a version."""

    kind: Literal["resolve_flow"] = "resolve_flow"
    flow_name: str
    version: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedFlow:
    """Result of ``fdl.resolve_flow``: the compiled definition, its content hash, and the task
    queue the flow's executions run on ("" when the flow recorded none)."""

    kind: Literal["resolved_flow"] = "resolved_flow"
    flow_name: str
    version: str
    definition: dict[str, Any]
    task_queue: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoppedExecution:
    """Input of ``fdl.stop_details``: the workflow id of a stopped execution."""

    kind: Literal["stopped_execution"] = "stopped_execution"
    workflow_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StopReason:
    """Result of ``fdl.stop_details``: the stop's FDL error name and cause (may be empty)."""

    kind: Literal["stop_reason"] = "stop_reason"
    error: str = ""
    cause: str = ""
