"""Per-execution interpreter state and the small records step executors exchange.

Everything here runs inside the workflow sandbox and is deterministic: the FDL event counter
that provides ``$context.step.eventId`` advances in the (deterministic) order in which the
workflow's coroutines record events, so a replay sees the same numbers.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from temporalio import workflow
from temporalio.exceptions import is_cancelled_exception

from translator import ir, plainjson, rules
from translator.rules import HISTORY_BUDGET
from worker.workflow import data, errors, patches, recorder
from worker.workflow.callback_book import CallbackBook
from worker.workflow.pacing import Pacing
from worker.workflow.parking import ListState, Parked
from worker.workflow.records import JSONObject, ListResult
from worker.workflow.sizes import Sizer

DETAILS_LIMIT = 20
"""At most this many running step paths are listed in the workflow's current details."""


class ListRunner(Protocol):
    """Runs a nested step list (``worker.workflow.steps.sequence.run_steps``)."""

    def __call__(
        self,
        rt: Runtime,
        steps: Sequence[ir.Step],
        list_input: JSONObject,
        prefix: str,
        *,
        resume: ListState | None = None,
    ) -> Awaitable[ListResult]: ...


def cancelling(exc: BaseException) -> bool:
    """Whether ``exc`` is this coroutine's own cancellation arriving through an activity or a
    child (the execution was stopped, or a sibling failed): it must propagate as a
    cancellation, not become an FDL error that ``catch`` could handle."""
    task = asyncio.current_task()
    return is_cancelled_exception(exc) and task is not None and task.cancelling() > 0


class Runtime:
    """The state of one execution shared by all executors.

    Args:
        flow_name: the FDL flow name (``$context.flow.name``).
        execution_name: the FDL execution name (``$context.execution.name``).
        execution_input: the raw execution input (``$context.execution.input``).
        list_runner: runs a nested step list (``worker.steps.sequence.run_steps``).
        callbacks: the execution's task tokens (the workflow's report handlers share it).
        step_data_limit: bytes a step's input, local and output may total (0: no limit).
        history_budget: Temporal history events a run may reach before it continues as new.
        first_event_id: the id of the next FDL event (above 1 in a continued run).
    """

    def __init__(
        self,
        *,
        flow_name: str,
        execution_name: str,
        execution_input: JSONObject,
        list_runner: ListRunner,
        callbacks: CallbackBook | None = None,
        step_data_limit: int = rules.STEP_DATA_LIMIT,
        history_budget: int = HISTORY_BUDGET,
        first_event_id: int = 1,
    ) -> None:
        self.flow_name = flow_name
        self.step_data_limit = step_data_limit
        """Bytes one step's input, local and output may total (0: unlimited)."""
        self.pacing = Pacing(history_budget=history_budget)
        """The run's budgets: work in flight, yield points, history (continue-as-new)."""
        self.sizer = Sizer()
        """Sizes of step data, remembered per value."""
        self.first_event_id = first_event_id
        self.execution_name = execution_name
        self.execution_input = execution_input
        self._list_runner = list_runner
        self.history = recorder.workflow_recorder(execution_input, first_event_id, self.sizer)
        """The FDL events of this execution (the ``fdl.history`` query answers from it)."""
        self.trail = recorder.Trail()
        """The steps of this run that leave no Temporal event (written to the memo at its
        end, see :meth:`write_trail`)."""
        self.callbacks = callbacks or CallbackBook()
        """The task tokens minted in this execution (reports are checked against them)."""
        self.local_functions: frozenset[str] = frozenset()
        """The functions to call as local activities, as the worker's answers said (see
        :meth:`learn_local`); empty until the run's first function call returns."""
        self._active: dict[str, None] = {}  # insertion-ordered set of running step paths
        self._details = ""
        self._details_due = False
        self._failed = False
        self._calls = 0
        self._indexes: dict[int, dict[str, int]] = {}

    @asynccontextmanager
    async def work(self, *, needed: bool = True, parkable: bool = True) -> AsyncIterator[None]:
        """Hold a work slot while the block starts and awaits one activity or child.

        Raises:
            Parked: (``parkable`` only) the run started parking before a slot was free;
                nothing was started, so the caller can stop where it is.
        """
        if not needed:
            yield
            return
        if not await self.pacing.acquire(parkable=parkable):
            raise Parked(None)
        try:
            yield
        finally:
            self.pacing.release()

    def write_trail(self) -> None:
        """Write this run's step trail into the memo (the run is ending: done, failed, or
        continuing as new). One memo upsert, only when the run ran such steps."""
        update = self.trail.memo()
        if update is not None and self.pacing.since(patches.STEP_TRAIL):
            workflow.upsert_memo(update)

    def learn_local(self, local: list[str] | None) -> None:
        """Note which functions the worker binds with ``local: true`` (from a call's result).

        The worker's configuration reaches the workflow only through recorded results, so a
        replay takes the same decisions: a run's first calls are regular activities, and
        once one has returned, the functions bound as local run as local activities.
        """
        if local is not None and self.pacing.switch(patches.FUNCTION_CALLS):
            self.local_functions = frozenset(local)

    def call_label(self, path: str) -> tuple[str | None, str | None]:
        """How a function call shows its step path in the Web UI: its activity id and summary.

        In executions recorded with ``patches.FUNCTION_CALLS`` the id is ``<path>#<n>``
        (unique in the run) and there is no summary; before, the summary held the path (one
        more payload per call).
        """
        if not self.pacing.switch(patches.FUNCTION_CALLS):
            return None, path
        self._calls += 1
        return f"{path}#{self._calls}", None

    def async_invocation(self, invocation_type: str) -> bool:
        """Whether a function call with this ``InvocationType`` is fire-and-forget here."""
        return invocation_type == "Async" and self.pacing.switch(patches.ASYNC_INVOCATION)

    def check_payload(self, value: JSONObject, path: str, what: str) -> None:
        """Fail the step before ``value`` goes to Temporal in a payload it would refuse.

        Raises:
            UncatchableError: ``FnF.DataLimitExceeded`` when ``value`` is over
                :data:`~translator.rules.PAYLOAD_LIMIT` (no ``catch`` takes it).
        """
        # A payload escapes non-ASCII text, up to 6 bytes for each UTF-8 byte: only values
        # that could be over the limit are serialized again.
        if self.sizer.size(value) * 6 <= rules.PAYLOAD_LIMIT:
            return
        size = plainjson.payload_size(value)
        if size > rules.PAYLOAD_LIMIT and self.pacing.switch(patches.DATA_GUARDS):
            raise errors.UncatchableError(
                rules.DATA_LIMIT_EXCEEDED,
                f"{path}: {what} takes {size} bytes, over the {rules.PAYLOAD_LIMIT} bytes "
                "Temporal takes in one payload",
            )

    async def run_list(
        self,
        steps: Sequence[ir.Step],
        list_input: JSONObject,
        prefix: str,
        resume: ListState | None = None,
    ) -> ListResult:
        """Run a nested step list whose steps' paths start with ``prefix`` (from ``resume``,
        the state it parked in, in a continued run)."""
        return await self._list_runner(self, steps, list_input, prefix, resume=resume)

    def context(self, step_name: str = "", event_id: int = 0) -> JSONObject:
        """``$context`` for a step (or, with no arguments, for the flow's own mappings)."""
        return data.context(
            flow_name=self.flow_name,
            execution_name=self.execution_name,
            execution_input=self.execution_input,
            step_name=step_name,
            event_id=event_id,
        )

    def enter(self, step: ir.Step, path: str, entered: int = 0) -> JSONObject:
        """Mark a step running; returns its ``$context``.

        ``$context.step.eventId`` is the id the step's ``StepEntered`` event gets (reference
        9): the caller records that event before its next ``await``, so no other event can
        take the id in between. A step resumed in a continued run passes the id its
        ``StepEntered`` got in the run that parked it.
        """
        self._active[path] = None
        self._show_details()
        return self.context(step.name, entered or self.history.next_id)

    def park_due(self, top_level: bool) -> bool:
        """Whether a step list at a boundary stops here because the run is parking."""
        return self.pacing.park_due(top_level=top_level, fdl_events=len(self.history.events))

    def leave(self, path: str) -> None:
        """Record that the step at ``path`` is no longer running."""
        self._active.pop(path, None)
        self._show_details()

    def index_of(self, steps: Sequence[ir.Step], target: str, where: str) -> int:
        """The position of the sibling named ``target`` in ``steps`` (a ``goto`` jump).

        Raises:
            FlowError: ``FnF.RuntimeError`` if no sibling has that name (the compiler checks
                this, so it only happens with hand-made IR).
        """
        index = self._indexes.get(id(steps))
        if index is None:
            index = {step.name: position for position, step in enumerate(steps)}
            self._indexes[id(steps)] = index
        if target not in index:
            raise errors.runtime_error(f"{where}: goto target {target!r} is not a sibling step")
        return index[target]

    def _show_details(self) -> None:
        # Written once per pass of the event loop, not at every step: a lane running pass
        # steps enters and leaves hundreds of them before it waits for anything.
        if self._details_due:
            return
        try:
            asyncio.get_running_loop().call_soon(self._write_details)
        except RuntimeError:
            # An evicted workflow's coroutines are closed by the garbage collector, outside
            # the workflow's event loop; their `finally: leave()` must not call the workflow.
            return
        self._details_due = True

    def show_failure(self, err: errors.FlowError) -> None:
        """Name the FDL error and the failing step in the current details (the Web UI shows
        them on the execution's page: the run is ending failed)."""
        self._failed = True
        step = f" at step `{err.where}`" if err.where else ""
        workflow.set_current_details(f"**Failed** with `{err.error or rules.FAIL}`{step}")

    def _write_details(self) -> None:
        self._details_due = False
        if self._failed:
            return  # the failure stays shown
        # Only the first few paths are read: a foreach keeps hundreds of steps running.
        count = len(self._active)
        shown = itertools.islice(self._active, DETAILS_LIMIT)
        lines = [f"- `{path}`" for path in shown]
        if count > DETAILS_LIMIT:
            lines.append(f"- ... and {count - DETAILS_LIMIT} more")
        title = "**Running step**" if count == 1 else f"**Running steps** ({count})"
        details = "\n".join([title, *lines]) if count else ""
        if details != self._details and workflow.in_workflow():
            # (not in the workflow: the run ended or was evicted before this pass ran)
            workflow.set_current_details(details)
            self._details = details
