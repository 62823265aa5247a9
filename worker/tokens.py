"""Task tokens of ``waitForCallback`` tasks, and the interpreter's book of open callbacks.

A token names one attempt of one task step: ``base64("v1#<workflow id>#<run id>#<n>#<secret>")``
(the shape the reference recommends: self-locating, opaque to users). ``n`` counts the tokens
minted in the execution; ``secret`` is 128 random bits from the worker's CSPRNG, minted by the
``fdl.mint_task_secret`` local activity so the value is recorded in the history and replays
identically. ``workflow.random()`` is not used for it: that generator is deterministic by
design (a Mersenne Twister seeded per run), so its outputs can be predicted.

:class:`CallbackBook` lives in the workflow. It keeps, for every token minted, its secret and
state, and decides each report: the right secret for an open attempt completes it (exactly
once: the first report wins), a wrong secret or an unknown number is refused as forged, and a
report for an attempt that already ended (reported, timed out, failed) or for a stale attempt
is refused as ``TaskAlreadyCompleted``. Decisions are kept by report id for the query that
tells a reporter what happened to its report.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from temporalio import activity

TOKEN_VERSION = "v1"
MINT_SECRET_ACTIVITY = "fdl.mint_task_secret"
"""Local activity returning a fresh random secret (hex) for one task token."""
REPORT_SIGNAL = "fdl.report_task"
"""Signal carrying a :class:`TaskReport` to the execution named by the token."""
REPORT_STATUS_QUERY = "fdl.report_status"
"""Query answering a :class:`ReportDecision` for a report id."""

TASK_ALREADY_COMPLETED = "TaskAlreadyCompleted"
INVALID_ARGUMENT = "InvalidArgument"
INVALID_TOKEN = "InvalidTaskToken"

_SECRET = re.compile(r"^[0-9a-f]{32}$")


@activity.defn(name=MINT_SECRET_ACTIVITY)
async def mint_task_secret() -> str:
    """128 random bits, hex: the secret part of one task token (a local activity)."""
    return secrets.token_hex(16)


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
        if not workflow_id or not run_id or not number.isdigit() or not _SECRET.match(secret):
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


@dataclass(slots=True)
class OpenTask:
    """One minted token in the workflow: its secret, its step, and how it ended."""

    secret: str
    step: str
    state: Literal["waiting", "reported", "ended"] = "waiting"
    ended_because: str = ""
    report: TaskReport | None = None


@dataclass(slots=True)
class CallbackBook:
    """The tokens of one execution and the decisions on reports (workflow state)."""

    tasks: dict[int, OpenTask] = field(default_factory=dict)
    decisions: dict[str, ReportDecision] = field(default_factory=dict)
    minted: int = 0

    def reserve(self) -> int:
        """The number of the next token (taken before its secret is minted)."""
        self.minted += 1
        return self.minted

    def open(self, number: int, secret: str, step: str) -> OpenTask:
        """Record a freshly minted token; reports for it are accepted from now on."""
        task = self.tasks[number] = OpenTask(secret=secret, step=step)
        return task

    def close(self, number: int, because: str) -> None:
        """The attempt ended without a report (timeout, failure, cancellation)."""
        task = self.tasks[number]
        if task.state == "waiting":
            task.state, task.ended_because = "ended", because

    def receive(self, report: TaskReport, workflow_id: str, run_id: str) -> ReportDecision:
        """Decide a report; an accepted one is stored on its task, which stops waiting."""
        decision = self._decide(report, workflow_id, run_id)
        self.decisions[report.report_id] = decision
        return decision

    def decision(self, report_id: str) -> ReportDecision:
        """The decision on a report, or ``unseen``."""
        return self.decisions.get(report_id) or ReportDecision(status="unseen")

    def _decide(self, report: TaskReport, workflow_id: str, run_id: str) -> ReportDecision:
        try:
            token = TaskToken.decode(report.token)
        except MalformedToken as exc:
            return ReportDecision(status="rejected", error=INVALID_TOKEN, message=str(exc))
        task = self.tasks.get(token.number)
        if (
            token.workflow_id != workflow_id
            or token.run_id != run_id
            or task is None
            or not hmac.compare_digest(task.secret, token.secret)
        ):
            return ReportDecision(
                status="rejected",
                error=INVALID_TOKEN,
                message="the task token was not issued by this execution (forged or altered)",
            )
        if task.state != "waiting":
            why = "was already reported" if task.state == "reported" else task.ended_because
            return ReportDecision(
                status="rejected",
                error=TASK_ALREADY_COMPLETED,
                message=f"the task attempt of step {task.step} {why}",
                step=task.step,
            )
        task.state, task.report = "reported", report
        return ReportDecision(status="accepted", step=task.step)
