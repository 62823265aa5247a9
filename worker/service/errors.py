"""The service's errors, named as the original Serverless Workflow API names them.

Every operation of the service layer (flows, executions, schedules, task reports) raises a
:class:`ServiceError` subclass for a problem the caller can act on; ``code`` is the original
API's error code, so the CLI prints it, the Python client raises it and the HTTP API answers
it with the original's status (one table there).
"""

from __future__ import annotations

from typing import Any

from translator import plainjson
from worker.contract.tokens import INVALID_ARGUMENT, INVALID_TOKEN, TASK_ALREADY_COMPLETED


class ServiceError(Exception):
    """An error of the service API; ``code`` is the original service's error name.

    Its text starts with the code, e.g. ``FlowNotExists: flow 'orders' does not exist``.
    """

    code = "InvalidArgument"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidArgument(ServiceError):
    """A parameter is malformed: a name, an input that is not a JSON object, a bad token."""

    code = INVALID_ARGUMENT


class FlowNotExists(ServiceError):
    """No flow of this name is registered (never created, or deleted)."""

    code = "FlowNotExists"


class FlowAlreadyExists(ServiceError):
    """A flow of this name is already registered (use update)."""

    code = "FlowAlreadyExists"


class ExecutionAlreadyExists(ServiceError):
    """An execution with this name has already finished; names are not reused."""

    code = "ExecutionAlreadyExists"


class ExecutionNotExists(ServiceError):
    """No execution of this name exists for the flow."""

    code = "ExecutionNotExists"


class ExecutionAlreadyCompleted(ServiceError):
    """The execution has already ended, so it cannot be stopped."""

    code = "ExecutionAlreadyCompleted"


class ScheduleNotExists(ServiceError):
    """No schedule of that name exists for the flow."""

    code = "ScheduleNotExists"


class ScheduleAlreadyExists(ServiceError):
    """A schedule of that name exists for the flow already."""

    code = "ScheduleAlreadyExists"


class InvalidTaskToken(ServiceError):
    """The token is well formed but no execution issued it (forged, altered, unknown)."""

    code = INVALID_TOKEN


class TaskAlreadyCompleted(ServiceError):
    """The task attempt already ended (reported, timed out, failed, retried) or its
    execution ended; a worker should treat its job as done and delete its message."""

    code = TASK_ALREADY_COMPLETED


class FlowVersionNotExists(FlowNotExists):
    """The flow has no published version of that number."""

    code = "FlowVersionNotExists"


class FlowAliasNotExists(FlowNotExists):
    """The flow has no alias of that name."""

    code = "FlowAliasNotExists"


class FlowAliasAlreadyExists(ServiceError):
    """The flow has an alias of that name already."""

    code = "FlowAliasAlreadyExists"


class ConcurrentUpdateError(ServiceError):
    """Another writer changed the flow at the same moment; retry."""

    code = "ConcurrentUpdateError"


def plain_json(value: Any, what: str) -> None:
    """Refuse data that is not plain JSON before it enters an execution.

    Raises:
        InvalidArgument: ``value`` holds NaN, a lone surrogate, ... (see
            :mod:`translator.plainjson`); the message names ``what`` and the path.
    """
    try:
        plainjson.check(value, what)
    except plainjson.NotPlainJSON as exc:
        raise InvalidArgument(
            f"{exc} (data must be plain JSON: {plainjson.PLAIN_JSON_RULE})"
        ) from None
