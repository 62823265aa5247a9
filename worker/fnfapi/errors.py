"""The API's errors: the original service's codes, their HTTP statuses, and the one table that
maps the service layer's errors onto them.

Every refusal the HTTP API gives is an :class:`ApiError` rendered as
``{"Code", "Message", "RequestId"}``. Service errors (``FlowNotExists``, ``TaskAlreadyCompleted``,
an invalid definition, a bad value) are translated by :func:`api_error`; anything else is an
``InternalServerError`` whose details stay in the server's log, never in the response.
"""

from __future__ import annotations

import logging

from translator import DefinitionError
from worker.service.errors import ServiceError

STATUS = {
    "ActionNotSupported": 400,
    "APIVersionNotSupported": 400,
    "EntityTooLarge": 400,
    "InvalidArgument": 400,
    "MissingRequiredParams": 400,
    "ExecutionAlreadyExists": 400,
    "ExecutionAlreadyCompleted": 400,
    "TaskAlreadyCompleted": 400,
    "SignatureNonceUsed": 400,
    "AccessDenied": 403,
    "InvalidAccessKeyID": 403,
    "RequestTimeTooSkewed": 403,
    "SignatureNotMatch": 403,
    "FlowNotExists": 404,
    "ExecutionNotExists": 404,
    "ScheduleNotExists": 404,
    "FlowVersionNotExists": 404,
    "FlowAliasNotExists": 404,
    "FlowAlreadyExists": 409,
    "ScheduleAlreadyExists": 409,
    "FlowAliasAlreadyExists": 409,
    "ConcurrentUpdateError": 409,
    "TaskInvalidState": 409,
    "ResourceThrottled": 429,
    "InternalServerError": 500,
}
"""HTTP status of every code the API answers (the original's, plus the version and alias
codes of our CloudFlow additions)."""

RENAMED = {"InvalidTaskToken": "InvalidArgument"}
"""Service codes the original API does not have, answered as the original would."""

_log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal with the original service's code; its status comes from :data:`STATUS`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status of the code (400 for a code the table does not know)."""
        return STATUS.get(self.code, 400)


def missing(name: str) -> ApiError:
    """``MissingRequiredParams`` for the parameter ``name``."""
    return ApiError("MissingRequiredParams", f"The HTTP query '{name}' must be specified.")


def invalid(message: str) -> ApiError:
    """``InvalidArgument`` with a message naming the parameter and the problem."""
    return ApiError("InvalidArgument", message)


def api_error(exc: BaseException) -> ApiError:
    """The error the API answers for ``exc`` raised while serving a request."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ServiceError):
        return ApiError(RENAMED.get(exc.code, exc.code), exc.message)
    if isinstance(exc, DefinitionError):
        return invalid("invalid Definition: " + "; ".join(str(exc).splitlines()))
    if isinstance(exc, ValueError):
        return invalid(str(exc))
    _log.error("internal error while serving a request", exc_info=exc)
    return ApiError("InternalServerError", "An internal error has occurred. Please retry.")
