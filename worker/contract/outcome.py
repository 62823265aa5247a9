"""How an execution ended, in FDL's words: the one mapping from Temporal's outcome.

Temporal ends a workflow completed, failed, timed out, cancelled or terminated; FDL reports an
execution ``Succeeded``, ``Failed``, ``TimedOut`` or ``Stopped`` with an error name and a
cause. Every place that tells a user how an execution ended (describe, list, history,
``fdl run``, the Python client, a ``sync`` subflow's parent) goes through :func:`from_failure`
and :func:`from_stop`, so they all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from temporalio.exceptions import (
    ApplicationError,
    CancelledError,
    FailureError,
    TerminatedError,
    TimeoutError,
)

from translator import rules

Status = Literal["Running", "Succeeded", "Failed", "TimedOut", "Stopped"]
"""The original service's execution statuses."""

TIMED_OUT_CAUSE = "the execution exceeded its timeoutSeconds"
CANCELLED_CAUSE = "the execution was cancelled"


class ExecutionFailure(ApplicationError):
    """The failure that ends a failed execution: ``type`` the FDL error, message the cause.

    ``summary`` names the error and the step that failed in words; it is written where the
    Temporal Web UI shows a failure's stack trace (:mod:`worker.contract.converter`), instead
    of the interpreter's own Python frames. The handler's frames, if any, stay on the
    failure's cause.
    """

    def __init__(self, message: str, *, type: str, summary: str) -> None:
        super().__init__(message, type=type, non_retryable=True)
        self.summary = summary


def failure_summary(error: str, step: str, cause: str, *, handler: bool) -> str:
    """The text of :attr:`ExecutionFailure.summary` (plain text: the UI shows it as is)."""
    lines = [f"FDL error: {error}", f"failing step: {step or '(the flow itself)'}"]
    lines.append(f"cause: {cause}" if cause else "cause: (none)")
    if handler:
        lines.append("the handler's stack trace is on this failure's cause")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class StopDetails:
    """Details of the terminate request that stops an execution: its FDL error and cause.

    ``fdl execution stop`` (StopExecution) terminates the workflow with these as the
    request's details; :func:`from_stop` reads them back.
    """

    kind: Literal["stop"] = "stop"
    error: str = ""
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How an execution ended (or that it has not).

    Attributes:
        status: ``Running``, ``Succeeded``, ``Failed``, ``TimedOut`` or ``Stopped``.
        error: the FDL error name of an execution that did not succeed.
        cause: the reason, for people.
        output: the output of a succeeded execution.
        trace: when a handler's exception failed it, the handler's own frames
            (``File "...", line N, in f`` lines, most recent call last).
    """

    status: Status
    error: str = ""
    cause: str = ""
    output: dict[str, Any] | None = None
    trace: str = ""

    @property
    def ended(self) -> bool:
        """Whether the execution has ended."""
        return self.status != "Running"

    def to_json(self) -> dict[str, Any]:
        """``Status`` and ``Output``, or ``Error`` and ``Cause`` (the original API's names)."""
        if self.status == "Succeeded":
            return {"Status": self.status, "Output": self.output}
        if self.status == "Running":
            return {"Status": self.status}
        ended = {"Status": self.status, "Error": self.error, "Cause": self.cause}
        return ended | ({"StackTrace": self.trace} if self.trace else {})


def succeeded(output: Any) -> Outcome:
    """A succeeded execution with its output (anything but an object reads as ``{}``)."""
    return Outcome(status="Succeeded", output=output if isinstance(output, dict) else {})


def timed_out() -> Outcome:
    """An execution that ran past its flow's ``timeoutSeconds``."""
    return Outcome(status="TimedOut", error=rules.TIMEOUT, cause=TIMED_OUT_CAUSE)


SERVER_IDENTITY = "history-service"
"""The identity Temporal's history service terminates a workflow with when the workflow
outgrew one of its limits (history events or size, a payload, the state, one write)."""

SERVER_REASONS = {
    "Workflow history count exceeds limit.": "its history passed Temporal's limit of events "
    "(51,200 unless the server says otherwise)",
    "Workflow history size exceeds limit.": "its history passed Temporal's size limit "
    "(50 MB unless the server says otherwise)",
    "Workflow mutable state size exceeds limit.": "its state passed Temporal's size limit",
    "Transaction size exceeds limit.": "one of its steps wrote more than Temporal takes at "
    "once (4 MB)",
}
"""The reasons Temporal ends a workflow with, in plain words."""


def from_stop(details: StopDetails | None, reason: str, identity: str = "") -> Outcome:
    """A terminated execution: stopped with the error and cause of its stop request.

    A terminate without fdl's details (another tool) keeps its reason as the cause and
    ``FnF.ExecutionStopped`` as the error. Temporal itself ending a workflow that outgrew
    one of its limits is no stop: the execution ``Failed`` with ``FnF.RuntimeError`` and a
    cause saying which limit.
    """
    if details is None and (identity == SERVER_IDENTITY or reason in SERVER_REASONS):
        said = SERVER_REASONS.get(reason, reason or "a limit of the server")
        return Outcome(
            status="Failed",
            error=rules.RUNTIME_ERROR,
            cause=f"Temporal ended the execution: {said} ({reason})",
        )
    details = details or StopDetails()
    return Outcome(
        status="Stopped",
        error=details.error or rules.EXECUTION_STOPPED,
        cause=details.cause or reason,
    )


def handler_trace(failure: BaseException) -> str:
    """The handler's frames a failure keeps: the stack trace of its cause, the exception of
    the user's code that the activity reported (the engine's own failures have no cause)."""
    origin = failure.__cause__
    proto = origin.failure if isinstance(origin, FailureError) else None
    if proto is None:
        return ""
    return "\n".join(line for line in proto.stack_trace.splitlines() if line.strip())


def from_failure(failure: BaseException | None) -> Outcome:
    """The outcome a Temporal workflow failure stands for (the ``cause`` of a
    ``WorkflowFailureError`` or ``ChildWorkflowError``).

    A terminated workflow's failure carries only the terminate reason; callers that can
    read the close event use :func:`from_stop` with its details instead.
    """
    if isinstance(failure, ApplicationError):
        return Outcome(
            status="Failed",
            error=failure.type or rules.RUNTIME_ERROR,
            cause=failure.message,
            trace=handler_trace(failure),
        )
    if isinstance(failure, TimeoutError):
        return timed_out()
    if isinstance(failure, TerminatedError):
        return from_stop(None, failure.message)
    if isinstance(failure, CancelledError):
        return Outcome(status="Stopped", error=rules.EXECUTION_STOPPED, cause=CANCELLED_CAUSE)
    return Outcome(status="Failed", error=rules.RUNTIME_ERROR, cause=str(failure or ""))
