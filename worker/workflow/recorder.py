"""The interpreter's FDL history recorder: the events of one execution, in workflow memory.

The interpreter records FDL-style events as steps run and answers the ``fdl.history`` query
with them, a page at a time. Recording adds no Temporal history event: a ``pass`` or
``choice`` step still costs nothing on the server. A query on a closed execution replays it on
a worker, which rebuilds the same events deterministically.

Memory stays bounded: every event's detail is stored as compact JSON text (a snapshot, so
later changes of a step's local cannot alter it), cut to the original's one-event limit, and
once an execution has recorded :data:`EXECUTION_BUDGET` characters of details, further events
keep their type and step but not their detail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import workflow

from translator import rules
from worker.contract.history import (
    HISTORY_QUERY,
    PAGE_CHARACTERS,
    STEP_TRAIL_MEMO,
    TRAIL_CHARACTERS,
    Event,
    HistoryPage,
    HistoryRequest,
    StepTrail,
    compact,
    timestamp,
    truncated,
)
from worker.workflow.errors import FlowError
from worker.workflow.sizes import Sizer

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OMITTED = '{"omitted":"detail budget of this execution exhausted"}'

EXECUTION_BUDGET = 16 * 1024 * 1024
"""Characters of details one execution keeps in memory; later events keep no detail."""


class Recorder:
    """The FDL events of one execution, kept in workflow memory.

    Args:
        clock: the time of an event (``workflow.now`` in a workflow).
        budget: characters of details kept before details are dropped.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        budget: int = EXECUTION_BUDGET,
        first_id: int = 1,
        sizer: Sizer | None = None,
    ) -> None:
        self._clock = clock
        self._last_moment: datetime | None = None
        self._last_time = ""
        self._sizer = sizer
        self._offset = first_id - 1
        self._budget = budget
        self._used = 0
        self._omitted = False
        self.events: list[Event] = []
        self._scheduled: dict[str, int] = {}  # step path -> its latest TaskScheduled id

    @property
    def next_id(self) -> int:
        """The id the next recorded event gets (``$context.step.eventId`` of a step entering)."""
        return self._offset + len(self.events) + 1

    def record(
        self, type: str, step: str = "", detail: dict[str, Any] | None = None, schedule_id: int = 0
    ) -> int:
        """Add an event; returns its id."""
        text = self._text(detail)
        if self._used + len(text) > self._budget:
            self._omitted = True
            text = OMITTED
        self._used += len(text)
        moment = self._clock()
        if moment != self._last_moment:  # many events share one workflow time
            self._last_moment, self._last_time = moment, timestamp(moment)
        event = Event(
            id=self.next_id,
            type=type,
            step=step,
            time=self._last_time,
            schedule_id=schedule_id,
            detail=text,
        )
        self.events.append(event)
        return event.id

    def _text(self, detail: dict[str, Any] | None) -> str:
        # Never more work than the text kept: nothing once the budget is spent, the start of
        # the text for a detail over the one-event limit (the step of a foreach iteration has
        # the whole collection in its input).
        if not detail:
            return "{}"
        if self._used >= self._budget:
            return OMITTED
        if self._sizer is not None:
            try:
                size = self._sizer.size(detail)
            except (TypeError, ValueError):  # not JSON: compact() shows it with str()
                size = 0
            if size > rules.EVENT_DETAIL_LIMIT:
                return truncated(size, self._sizer.start(detail, rules.EVENT_DETAIL_LIMIT // 2))
        return compact(detail)

    def page(self, request: HistoryRequest) -> HistoryPage:
        """The events after ``request.after``, at most ``request.limit`` or about a megabyte."""
        chosen: list[Event] = []
        size = 0
        limit = max(1, min(request.limit, rules.HISTORY_PAGE_EVENTS))
        for event in self.events[max(0, request.after) :]:
            if len(chosen) >= limit or (chosen and size + len(event.detail) > PAGE_CHARACTERS):
                break
            chosen.append(event)
            size += len(event.detail)
        return HistoryPage(events=chosen, last_id=len(self.events), omitted_details=self._omitted)

    # The events of a step and of a task, in the order the original records them.

    def step_entered(self, path: str, step_input: dict[str, Any] | None) -> int:
        return self.record("StepEntered", path, {"input": step_input})

    def step_exited(self, path: str, entered: int, output: dict[str, Any]) -> None:
        self.record("StepExited", path, {"output": output}, entered)

    def step_failed(self, path: str, entered: int, error: str, cause: str) -> None:
        self.record("StepFailed", path, {"error": error, "cause": cause}, entered)
        self.record("StepExited", path, {}, entered)

    def task_scheduled(self, path: str, detail: dict[str, Any]) -> int:
        self._scheduled[path] = self.record("TaskScheduled", path, detail)
        return self._scheduled[path]

    def task_started(self, path: str, scheduled: int, detail: dict[str, Any]) -> None:
        self.record("TaskStarted", path, detail, scheduled)

    def task_submitted(self, path: str, detail: dict[str, Any]) -> None:
        """``TaskSubmitted``: a waiting task's work was handed over (a message sent)."""
        self.record("TaskSubmitted", path, detail, self._scheduled.get(path, 0))

    def task_succeeded(self, path: str, scheduled: int, output: dict[str, Any]) -> None:
        self.record("TaskSucceeded", path, {"output": output}, scheduled)

    def task_failed(
        self, path: str, scheduled: int, error: str, cause: str, timed_out: bool
    ) -> None:
        kind = "TaskTimedOut" if timed_out else "TaskFailed"
        self.record(kind, path, {"error": error, "cause": cause}, scheduled)

    def task_error(self, path: str, scheduled: int, err: FlowError) -> None:
        """``TaskFailed``, or ``TaskTimedOut`` for ``FnF.TaskTimeout``: the attempt's error."""
        timed_out = err.error == rules.TASK_TIMEOUT
        self.task_failed(path, scheduled, err.error, err.cause, timed_out)


def loop_clock(loop: asyncio.AbstractEventLoop) -> Callable[[], datetime]:
    """Workflow time as a datetime, made again only when the time has moved."""
    last: list[Any] = [None, None]

    def now() -> datetime:
        seconds = loop.time()
        if seconds != last[0]:
            last[0], last[1] = seconds, EPOCH + timedelta(seconds=seconds)
        moment: datetime = last[1]
        return moment

    return now


class Trail:
    """The steps of one run that leave no Temporal event, for its memo (``StepTrail``).

    ``pass``, ``choice``, ``succeed`` and ``fail`` steps run in workflow memory: only the
    ``fdl.history`` query knows them, and it needs a worker. The run writes their paths (and
    each choice's option) into its memo once, when it ends: one memo upsert per run, so a
    history derived from Temporal's alone still shows them. At most
    :data:`TRAIL_CHARACTERS` characters of paths are kept; later steps are counted.
    """

    def __init__(self, budget: int = TRAIL_CHARACTERS) -> None:
        self._budget = budget
        self._used = 0
        self.steps: list[list[str]] = []
        self.omitted = 0

    def add(self, path: str, what: str) -> None:
        """Note that the step at ``path`` ended: ``ran``, ``failed`` or ``option K``."""
        size = len(path) + len(what) + 8  # the JSON of one entry
        if self._used + size > self._budget:
            self.omitted += 1
            return
        self._used += size
        self.steps.append([path, what])

    def memo(self) -> dict[str, Any] | None:
        """The memo update of this run's trail, or ``None`` when it is empty."""
        if not self.steps and not self.omitted:
            return None
        return {STEP_TRAIL_MEMO: StepTrail(steps=self.steps, omitted=self.omitted).to_memo()}


def install(recorder: Recorder) -> None:
    """Answer the ``fdl.history`` query of the current workflow from ``recorder``."""
    workflow.set_query_handler(HISTORY_QUERY, recorder.page)


def workflow_recorder(
    execution_input: dict[str, Any], first_id: int = 1, sizer: Sizer | None = None
) -> Recorder:
    """A recorder on workflow time, serving the query, with ``ExecutionStarted`` recorded.

    A run continued from an earlier one (``first_id`` > 1) numbers on from where that run
    stopped and records no second ``ExecutionStarted``; it holds only its own events.
    """
    # The workflow's event loop keeps workflow time; reading it there costs less than
    # workflow.now() for every event.
    recorder = Recorder(loop_clock(asyncio.get_running_loop()), first_id=first_id, sizer=sizer)
    install(recorder)
    if first_id == 1:
        recorder.record("ExecutionStarted", "", {"input": execution_input})
    return recorder
