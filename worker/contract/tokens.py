"""Task tokens of ``waitForCallback`` tasks, and the reports that answer them.

A token names one attempt of one task step: ``base64("v1#<workflow id>#<run id>#<n>#<secret>")``
(the shape the reference recommends: self-locating, opaque to users). ``n`` counts the tokens
minted in the execution; ``secret`` is 128 random bits from the worker's CSPRNG, minted by the
``fdl.mint_task_secret`` local activity so the value is recorded in the history and replays
identically. ``workflow.random()`` is not used for it: that generator is deterministic by
design (a Mersenne Twister seeded per run), so its outputs can be predicted.

A report (:class:`TaskReport`) travels to the execution as the ``fdl.report_task`` signal;
the execution's callback book (:mod:`worker.workflow.callback_book`) decides it, and the
``fdl.report_status`` query tells the reporter the decision (:class:`ReportDecision`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any, Literal

TOKEN_VERSION = "v1"
REPORT_SIGNAL = "fdl.report_task"
"""Signal carrying a :class:`TaskReport` to the execution named by the token."""
REPORT_STATUS_QUERY = "fdl.report_status"
"""Query answering a :class:`ReportDecision` for a report id."""

TASK_ALREADY_COMPLETED = "TaskAlreadyCompleted"
"""The task attempt (or its execution) has already ended: the report changes nothing."""
INVALID_ARGUMENT = "InvalidArgument"
"""The report itself is malformed (not a token, an output that is not a JSON object, ...)."""
INVALID_TOKEN = "InvalidTaskToken"
"""A well-formed token that no execution issued (forged, altered, or of another run)."""

SECRET_PATTERN = re.compile(r"^[0-9a-f]{32}$")


class MalformedToken(ValueError):
    """The text is not a task token of this engine (``InvalidArgument``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskToken:
    """A decoded task token.

    Attributes:
        workflow_id: the execution's workflow id (``<flow>:<execution>``).
        run_id: the Temporal run the task belongs to.
        number: the token's sequence number within the execution (1, 2, ...).
        secret: 32 lower-case hex digits.
    """

    workflow_id: str
    run_id: str
    number: int
    secret: str

    def encode(self) -> str:
        """The opaque token string handed to users."""
        text = f"{TOKEN_VERSION}#{self.workflow_id}#{self.run_id}#{self.number}#{self.secret}"
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    @classmethod
    def decode(cls, token: str) -> TaskToken:
        """Parse a token string.

        Raises:
            MalformedToken: it is not base64 of the token shape.
        """
        if not isinstance(token, str) or not token.strip():
            raise MalformedToken("the task token is empty")
        try:
            text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise MalformedToken("the task token is not valid base64 text") from None
        version, _, rest = text.partition("#")
        parts = rest.rsplit("#", 3)
        if version != TOKEN_VERSION or len(parts) != 4:
            raise MalformedToken("the task token does not have the shape of an fdl task token")
        workflow_id, run_id, number, secret = parts
        if (
            not workflow_id
            or not run_id
            or not number.isdigit()
            or not SECRET_PATTERN.match(secret)
        ):
            raise MalformedToken("the task token does not have the shape of an fdl task token")
        return cls(workflow_id=workflow_id, run_id=run_id, number=int(number), secret=secret)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskReport:
    """A report (ReportTaskSucceeded / ReportTaskFailed), the payload of the report signal.

    Attributes:
        report_id: chosen by the reporter; the status query answers by it.
        token: the task token as given to the worker.
        output: the ``Output`` object when ``succeeded``.
        error: the ``Error`` name when not succeeded.
        cause: the ``Cause`` when not succeeded.
    """

    kind: Literal["task_report"] = "task_report"
    report_id: str
    token: str
    succeeded: bool
    output: dict[str, Any] | None = None
    error: str = ""
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportDecision:
    """What the execution did with a report.

    Attributes:
        status: ``accepted``, ``rejected``, or ``unseen`` (no report with that id arrived).
        error: for ``rejected``: ``TaskAlreadyCompleted`` or ``InvalidTaskToken``.
        message: why, for people.
        step: the step path the token belongs to (when known).
    """

    kind: Literal["report_decision"] = "report_decision"
    status: Literal["accepted", "rejected", "unseen"]
    error: str = ""
    message: str = ""
    step: str = ""
