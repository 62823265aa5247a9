"""The interpreter's book of task tokens: which attempts wait for a report, and the decisions.

:class:`CallbackBook` lives in the workflow. It keeps, for every token minted, its secret and
state, and decides each report: the right secret for an open attempt completes it (exactly
once: the first report wins), a wrong secret or an unknown number is refused as forged, and a
report for an attempt that already ended (reported, timed out, failed) or for a stale attempt
is refused as ``TaskAlreadyCompleted``. Decisions are kept by report id for the query that
tells a reporter what happened to its report.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from translator import plainjson, rules
from worker.contract.tokens import (
    INVALID_ARGUMENT,
    INVALID_TOKEN,
    TASK_ALREADY_COMPLETED,
    MalformedToken,
    ReportDecision,
    TaskReport,
    TaskToken,
)
from worker.workflow.records import OpenTask


class CallbackBook:
    """The tokens of one execution and the decisions on reports (workflow state)."""

    def __init__(self) -> None:
        self.tasks: dict[int, OpenTask] = {}
        self.decisions: dict[str, ReportDecision] = {}
        self.minted = 0

    def reserve(self) -> int:
        """The number of the next token (taken before its secret is minted)."""
        self.minted += 1
        return self.minted

    def open(self, number: int, secret: str, step: str, *, waits: bool = True) -> OpenTask:
        """Record a freshly minted token; reports for it are accepted from now on."""
        task = self.tasks[number] = OpenTask(secret=secret, step=step, waits=waits)
        return task

    def close(self, number: int, because: str) -> None:
        """The attempt ended without a report (timeout, failure, cancellation)."""
        task = self.tasks[number]
        if task.state == "waiting":
            task.state, task.ended_because = "ended", because

    def receive(
        self,
        report: TaskReport,
        workflow_id: str,
        run_id: str,
        guards: Callable[[], bool] = lambda: True,
    ) -> ReportDecision:
        """Decide a report; an accepted one is stored on its task, which stops waiting.

        Args:
            guards: asked (once, and only then) when a report would be refused for its
                output: whether the execution refuses such reports (earlier releases took
                them).
        """
        decision = self._decide(report, workflow_id, run_id, guards)
        self.decisions[report.report_id] = decision
        return decision

    def decision(self, report_id: str) -> ReportDecision:
        """The decision on a report, or ``unseen``."""
        return self.decisions.get(report_id) or ReportDecision(status="unseen")

    def _decide(
        self, report: TaskReport, workflow_id: str, run_id: str, guards: Callable[[], bool]
    ) -> ReportDecision:
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
        if not task.waits:
            return _refused(
                task, "the task does not wait for a report (its pattern is not waitForCallback)"
            )
        problem = _output_problem(report, task.room)
        if problem is not None and guards():
            return _refused(task, problem)
        task.state, task.report = "reported", report
        return ReportDecision(status="accepted", step=task.step)


def _refused(task: OpenTask, message: str) -> ReportDecision:
    """A report refused for what it carries: the task keeps waiting for a good one."""
    return ReportDecision(
        status="rejected", error=INVALID_ARGUMENT, message=message, step=task.step
    )


def _output_problem(report: TaskReport, room: int) -> str | None:
    """Why a report's output cannot be the task's ``$local``, or ``None``."""
    if not report.succeeded or report.output is None:
        return None
    problem = plainjson.problem(report.output)
    if problem is not None:
        return f"the output is not plain JSON: {problem}"
    size = plainjson.utf8_size(report.output)
    if room and size > room:
        return (
            f"the output takes {size} bytes; with the step's input it would exceed the "
            f"step data limit (room left: {room} bytes)"
        )
    if size > rules.PAYLOAD_LIMIT:
        return f"the output takes {size} bytes, over the limit of {rules.PAYLOAD_LIMIT} bytes"
    return None
