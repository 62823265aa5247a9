"""FDL run-time errors: the names ``retry`` and ``catch`` match, and how they cross Temporal.

Inside the interpreter an FDL error is a :class:`FlowError` (an error name and a cause). It
crosses the activity boundary as an ``ApplicationError`` whose ``type`` is the FDL error name
and whose message is the cause, and it fails the workflow the same way. Only user-visible
FDL problems become :class:`FlowError`; bugs in the engine stay ordinary exceptions so Temporal
retries the workflow task instead of failing executions with a misleading FDL error.
"""

from __future__ import annotations

from collections.abc import Iterable

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

from translator import rules
from worker.contract.outcome import ExecutionFailure, failure_summary
from worker.workflow import patches


class FlowError(Exception):
    """An FDL run-time error: what ``retry``/``catch`` match and what fails an execution.

    Attributes:
        error: the FDL error name, e.g. ``FnF.TaskTimeout`` or a function's exception class.
        cause: the human-readable reason.
        origin: the failure of the user's code behind it (a handler's exception, as the
            activity reported it, with the handler's frames as its stack trace), if any.
        where: the path of the step that failed (set by the innermost step the error
            leaves; a ``fail`` step sets its own).
    """

    def __init__(
        self, error: str, cause: str, *, where: str = "", origin: BaseException | None = None
    ) -> None:
        super().__init__(f"{error}: {cause}" if error else cause)
        self.error = error
        self.cause = cause
        self.where = where
        self.origin = origin

    def to_application_error(self) -> ApplicationError:
        """The failure that ends the workflow: type = error name, message = cause.

        A ``fail`` step may leave both empty; Temporal cannot show an empty failure, so the
        type is then ``FnF.Fail`` and the message says which step failed the execution. The
        origin, if any, becomes the failure's cause, so the execution's own failure keeps the
        handler's stack trace. (Only the failure's content changes, not the command that
        fails the workflow: no patch is needed for executions recorded without it.)
        """
        message = self.cause or f"{self.where or 'the flow'} failed without a cause"
        error = self.error or rules.FAIL
        summary = failure_summary(error, self.where, message, handler=self.origin is not None)
        failure = ExecutionFailure(message, type=error, summary=summary)
        failure.__cause__ = self.origin
        failure.__suppress_context__ = True
        return failure


class UncatchableError(FlowError):
    """An FDL error that ends the execution: neither ``retry`` nor ``catch`` applies to it."""


def runtime_error(cause: str) -> FlowError:
    """A ``FnF.RuntimeError`` with the given cause."""
    return FlowError(rules.RUNTIME_ERROR, cause)


def matches(names: Iterable[str], error: str) -> bool:
    """Whether a ``retry``/``catch`` error list matches ``error`` (exact names or ``FnF.ALL``)."""
    return any(name in (error, rules.ALL) for name in names)


def user_failure(failure: BaseException | None) -> BaseException | None:
    """The user's failure under an FDL failure: its cause, when that carries a stack trace
    (a handler's exception; the engine's own failures have no cause)."""
    origin = getattr(failure, "cause", None)
    return origin if isinstance(origin, ApplicationError) and _has_trace(origin) else None


def _has_trace(failure: ApplicationError) -> bool:
    proto = failure.failure
    return proto is not None and bool(proto.stack_trace)


def from_activity_error(exc: ActivityError, *, step_path: str) -> FlowError:
    """Turn a failed activity into the FDL error the task step reports.

    Args:
        exc: the error ``workflow.execute_activity`` raised.
        step_path: the task's step path, used in causes the engine writes itself.
    """
    return from_failure(exc.cause or exc, step_path=step_path)


def from_failure(cause: BaseException, *, step_path: str) -> FlowError:
    """The FDL error of an activity's failure (the ``cause`` of an ``ActivityError``, or what
    a local activity raises: its ``ApplicationError`` itself)."""
    if isinstance(cause, ApplicationError):
        if cause.type == rules.DATA_LIMIT_EXCEEDED and workflow.patched(patches.DATA_GUARDS):
            # The function's result cannot be carried at all: no retry or catch can help.
            return UncatchableError(rules.DATA_LIMIT_EXCEEDED, cause.message)
        return FlowError(cause.type or rules.FC_UNKNOWN, cause.message, origin=user_failure(cause))
    if isinstance(cause, TimeoutError):
        kind = cause.type.name.lower().replace("_", "-") if cause.type else "activity"
        return FlowError(rules.TASK_TIMEOUT, f"task {step_path} timed out ({kind} timeout)")
    return FlowError(rules.FC_UNKNOWN, f"task {step_path} failed: {cause}")
