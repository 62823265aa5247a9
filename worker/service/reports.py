"""Reporting task results with a task token: ReportTaskSucceeded / ReportTaskFailed.

Worker programs call these (``fdl task succeed/fail`` too) with the token a waiting task put
in their message or event. How a report travels and what the reporter learns:

1. The token is parsed here: not a token of this engine -> :class:`InvalidArgument`. The
   output must be a plain JSON object (:mod:`translator.plainjson`) of at most
   ``PAYLOAD_LIMIT`` bytes, the error 1-128 characters, the cause at most 4096.
2. The execution the token names is described: none -> :class:`InvalidTaskToken`; it has
   ended (succeeded, failed, stopped, timed out) -> :class:`TaskAlreadyCompleted`.
3. The report goes to the execution as a Temporal signal: stored durably in its history
   even if no worker runs now.
4. A query asks the execution what it decided about this report (queries see every event
   before them, so the signal has been handled). The execution checks the token against the
   secrets it minted: the first valid report for a waiting attempt is ``accepted``; a later
   or concurrent one, or one for an attempt that timed out / failed / was superseded by a
   retry, gets :class:`TaskAlreadyCompleted`; a wrong secret gets :class:`InvalidTaskToken`;
   an output that would not fit the step data limit with the step's input (or a token of a
   task that does not wait for a report) gets :class:`InvalidArgument`, and the task keeps
   waiting for a report it can take.
5. When no worker answers the query within ``wait`` seconds, the result is ``queued``: the
   report is stored and will be decided (by the same rules, exactly once) when a worker runs.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from translator import plainjson, rules
from worker.contract.tokens import (
    INVALID_ARGUMENT,
    REPORT_SIGNAL,
    REPORT_STATUS_QUERY,
    TASK_ALREADY_COMPLETED,
    MalformedToken,
    ReportDecision,
    TaskReport,
    TaskToken,
)
from worker.service.connection import connect
from worker.service.errors import (
    InvalidArgument,
    InvalidTaskToken,
    TaskAlreadyCompleted,
    plain_json,
)

DEFAULT_WAIT = 10.0
"""How long a reporter waits for the execution's decision before answering ``queued``."""

_ENDED = {
    WorkflowExecutionStatus.COMPLETED: "succeeded",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "was stopped",
    WorkflowExecutionStatus.TERMINATED: "was stopped",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "continued as new",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportResult:
    """An accepted or queued report.

    Attributes:
        status: ``accepted`` (it is the task's result) or ``queued`` (stored; no worker
            answered within the wait, it is decided when one runs).
        report_id: the report's id (the execution keeps its decision under it).
        execution: the workflow id of the execution.
        step: the step path of the task, when known.
    """

    status: Literal["accepted", "queued"]
    report_id: str
    execution: str
    step: str = ""


async def report_task_succeeded(
    client: Client,
    token: str,
    output: dict[str, Any] | str,
    *,
    wait: float = DEFAULT_WAIT,
) -> ReportResult:
    """ReportTaskSucceeded: ``output`` (a JSON object, or its text) becomes the task's ``$local``.

    Raises:
        InvalidArgument, InvalidTaskToken, TaskAlreadyCompleted: see the module docstring.
    """
    value = _output_object(output)
    return await _report(client, token, True, value, "", "", wait)


async def report_task_failed(
    client: Client,
    token: str,
    error: str,
    cause: str = "",
    *,
    wait: float = DEFAULT_WAIT,
) -> ReportResult:
    """ReportTaskFailed: the task fails with ``error`` (its retry and catch apply).

    Raises:
        InvalidArgument, InvalidTaskToken, TaskAlreadyCompleted: see the module docstring.
    """
    if not isinstance(error, str) or not 1 <= len(error) <= rules.MAX_ERROR_LENGTH:
        raise InvalidArgument(f"the error must be 1-{rules.MAX_ERROR_LENGTH} characters")
    if len(cause) > rules.MAX_CAUSE_LENGTH:
        raise InvalidArgument(f"the cause must be at most {rules.MAX_CAUSE_LENGTH} characters")
    return await _report(client, token, False, None, error, cause, wait)


async def _report(
    client: Client,
    token: str,
    succeeded: bool,
    output: dict[str, Any] | None,
    error: str,
    cause: str,
    wait: float,
) -> ReportResult:
    try:
        parsed = TaskToken.decode(token)
    except MalformedToken as exc:
        raise InvalidArgument(str(exc)) from None
    handle = client.get_workflow_handle(parsed.workflow_id, run_id=parsed.run_id)
    await _check_running(handle)
    report = TaskReport(
        report_id=uuid.uuid4().hex,
        token=token.strip(),
        succeeded=succeeded,
        output=output,
        error=error,
        cause=cause,
    )
    try:
        await handle.signal(REPORT_SIGNAL, report)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:  # it ended after the check above
            raise TaskAlreadyCompleted("the execution has ended") from None
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:  # Temporal refused the report
            raise InvalidArgument(f"the report was refused: {exc.message}") from None
        raise
    decision = await _decision(handle, report.report_id, wait)
    queued = ReportResult(status="queued", report_id=report.report_id, execution=handle.id)
    if decision is None or decision.status == "unseen":
        return queued
    if decision.status == "accepted":
        return ReportResult(
            status="accepted", report_id=report.report_id, execution=handle.id, step=decision.step
        )
    if decision.error == TASK_ALREADY_COMPLETED:
        raise TaskAlreadyCompleted(decision.message)
    if decision.error == INVALID_ARGUMENT:
        raise InvalidArgument(decision.message)
    raise InvalidTaskToken(decision.message)


async def _check_running(handle: WorkflowHandle[Any, Any]) -> None:
    try:
        description = await handle.describe()
    except RPCError as exc:
        # NOT_FOUND: no such execution; INVALID_ARGUMENT: the run id part is not a run id.
        if exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise InvalidTaskToken("no execution issued this task token") from None
        raise
    ended = _ENDED.get(description.status) if description.status else None
    if ended is not None:
        raise TaskAlreadyCompleted(f"the execution {handle.id} {ended}")


async def _decision(
    handle: WorkflowHandle[Any, Any], report_id: str, wait: float
) -> ReportDecision | None:
    """The execution's decision, or ``None`` when no worker answers within ``wait`` s."""
    try:
        return await asyncio.wait_for(
            handle.query(
                REPORT_STATUS_QUERY,
                report_id,
                result_type=ReportDecision,
                rpc_timeout=timedelta(seconds=wait),
            ),
            timeout=wait + 1,
        )
    except (TimeoutError, RPCError):
        return None


def _output_object(output: dict[str, Any] | str) -> dict[str, Any]:
    value: Any = output
    if isinstance(output, str):
        try:
            value = json.loads(output)
        except ValueError:
            raise InvalidArgument("the output is not valid JSON") from None
    if not isinstance(value, dict):
        raise InvalidArgument("the output must be a JSON object")
    plain_json(value, "output")
    size = plainjson.payload_size(value)
    if size > rules.PAYLOAD_LIMIT:
        raise InvalidArgument(
            f"the output takes {size} bytes, over the {rules.PAYLOAD_LIMIT} bytes a report "
            "may carry"
        )
    return value


class TaskReporter:
    """Synchronous reporting for worker programs that are not asyncio code.

    Example::

        reporter = TaskReporter()                      # TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE
        try:
            reporter.succeed(token, {"worker1": "success"})
        except TaskAlreadyCompleted:
            pass                                       # done already: delete the message

    Args:
        address: Temporal frontend ``host:port`` (default: ``TEMPORAL_ADDRESS`` or
            127.0.0.1:7233).
        namespace: Temporal namespace (default: ``TEMPORAL_NAMESPACE`` or ``default``).
        wait: seconds to wait for the execution's decision before answering ``queued``.
    """

    def __init__(
        self,
        address: str | None = None,
        namespace: str | None = None,
        *,
        wait: float = DEFAULT_WAIT,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._wait = wait
        self._client = self._loop.run_until_complete(connect(address, namespace))

    def succeed(self, token: str, output: dict[str, Any] | str) -> ReportResult:
        """ReportTaskSucceeded (see :func:`report_task_succeeded`)."""
        return self._loop.run_until_complete(
            report_task_succeeded(self._client, token, output, wait=self._wait)
        )

    def fail(self, token: str, error: str, cause: str = "") -> ReportResult:
        """ReportTaskFailed (see :func:`report_task_failed`)."""
        return self._loop.run_until_complete(
            report_task_failed(self._client, token, error, cause, wait=self._wait)
        )

    def close(self) -> None:
        """Close the event loop."""
        self._loop.close()

    def __enter__(self) -> TaskReporter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
