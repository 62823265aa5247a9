"""Per-execution interpreter state and the small records step executors exchange.

Everything here runs inside the workflow sandbox and is deterministic: the FDL event counter
that provides ``$context.step.eventId`` advances in the (deterministic) order in which the
workflow's coroutines record events, so a replay sees the same numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from temporalio import workflow
from temporalio.exceptions import is_cancelled_exception

from translator import ir, rules
from translator.rules import HISTORY_BUDGET
from worker.workflow import data, errors, recorder
from worker.workflow.callback_book import CallbackBook
from worker.workflow.records import JSONObject, ListResult

DETAILS_LIMIT = 20
"""At most this many running step paths are listed in the workflow's current details."""


ListRunner = Callable[["Runtime", Sequence[ir.Step], JSONObject, str], Awaitable[ListResult]]


def cancelling(exc: BaseException) -> bool:
    """Whether ``exc`` is this coroutine's own cancellation arriving through an activity or a
    child (the execution was stopped, or a sibling failed): it must propagate as a
    cancellation, not become an FDL error that ``catch`` could handle."""
    task = asyncio.current_task()
    return is_cancelled_exception(exc) and task is not None and task.cancelling() > 0


class ContinueAsNew(Exception):
    """Raised between top-level steps: the run ends and a new run picks up at ``step``."""

    def __init__(self, step: str, local: JSONObject) -> None:
        super().__init__(f"continue as new before {step!r}")
        self.step = step
        self.local = local


class Runtime:
    """The state of one execution shared by all executors.

    Args:
        flow_name: the FDL flow name (``$context.flow.name``).
        execution_name: the FDL execution name (``$context.execution.name``).
        execution_input: the raw execution input (``$context.execution.input``).
        list_runner: runs a nested step list (``worker.steps.sequence.run_steps``).
        callbacks: the execution's task tokens (the workflow's report handlers share it).
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
        self.history_budget = history_budget
        """Temporal history events after which the run continues as new (top-level steps)."""
        self.first_event_id = first_event_id
        self.execution_name = execution_name
        self.execution_input = execution_input
        self._list_runner = list_runner
        self.history = recorder.workflow_recorder(execution_input, first_event_id)
        """The FDL events of this execution (the ``fdl.history`` query answers from it)."""
        self.callbacks = callbacks or CallbackBook()
        """The task tokens minted in this execution (reports are checked against them)."""
        self._active: dict[str, None] = {}  # insertion-ordered set of running step paths
        self._indexes: dict[int, dict[str, int]] = {}

    async def run_list(
        self, steps: Sequence[ir.Step], list_input: JSONObject, prefix: str
    ) -> ListResult:
        """Run a nested step list whose steps' paths start with ``prefix``."""
        return await self._list_runner(self, steps, list_input, prefix)

    def context(self, step_name: str = "", event_id: int = 0) -> JSONObject:
        """``$context`` for a step (or, with no arguments, for the flow's own mappings)."""
        return data.context(
            flow_name=self.flow_name,
            execution_name=self.execution_name,
            execution_input=self.execution_input,
            step_name=step_name,
            event_id=event_id,
        )

    def enter(self, step: ir.Step, path: str) -> JSONObject:
        """Mark a step running; returns its ``$context``.

        ``$context.step.eventId`` is the id the step's ``StepEntered`` event gets (reference
        9): the caller records that event before its next ``await``, so no other event can
        take the id in between.
        """
        self._active[path] = None
        self._show_details()
        return self.context(step.name, self.history.next_id)

    def continue_as_new_due(self) -> bool:
        """Whether this run's Temporal history has grown enough to continue as new.

        Deterministic: a replay sees the same history length at the same point.
        """
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self.history_budget
        )

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
        if not workflow.in_workflow():
            # An evicted workflow's coroutines are closed by the garbage collector, outside
            # the workflow's event loop; their `finally: leave()` must not call the workflow.
            return
        paths = list(self._active)
        lines = [f"- `{path}`" for path in paths[:DETAILS_LIMIT]]
        if len(paths) > DETAILS_LIMIT:
            lines.append(f"- ... and {len(paths) - DETAILS_LIMIT} more")
        title = "**Running step**" if len(paths) == 1 else f"**Running steps** ({len(paths)})"
        workflow.set_current_details("\n".join([title, *lines]) if paths else "")
