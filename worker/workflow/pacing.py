"""The budgets of one run of an execution: work in flight, steps between yields, history size.

Temporal bounds one workflow run in three ways the interpreter must respect whatever the flow
nests: at most 2,000 pending activities and 2,000 pending child workflows (a workflow task
asking for more fails, forever), a workflow activation that does not yield within 2 s counts
as a deadlock (and fails, forever), and a history over 51,200 events or 50 MB ends the
workflow. :class:`Pacing` keeps one run well inside each:

- **work slots**: every activity or child workflow the interpreter starts holds one of
  :data:`~translator.rules.MAX_PENDING_WORK` slots, shared by all parallel branches and
  foreach iterations of the run, nested or not; the others wait their turn, first come first
  served;
- **yield points**: after :data:`~translator.rules.STEPS_PER_YIELD` step entries the run
  yields to Temporal (a local activity that returns at once), so a long stretch of steps that
  only compute (``pass``, ``choice``, a foreach of them) is cut into short activations;
- **parking**: once the run's history, plus what the work in flight will still add, reaches
  the history budget (or its size budget, or Temporal suggests it), the run *parks*: no new
  step starts, and the run continues as new once every step list has stopped at a step
  boundary (:mod:`worker.workflow.parking`).

Each of these changes what a run does on Temporal, so each runs only in executions recorded
with it (``workflow.patched``, asked the first time it would make a difference).
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import timedelta

from temporalio import workflow

from translator import rules
from worker.contract.activities import YIELD
from worker.workflow import patches

EVENTS_PER_WORK = 3
"""History events one activity or child still adds after it started (started, closed, and a
share of the workflow task that handles it): the room parking leaves for the work in flight."""
RESERVE_EVENTS = 200
"""Events parking leaves beyond that (at most a tenth of the budget), for the workflow tasks
of the drain itself and for what the boundaries between two checks can start."""
CHECK_EVERY = 8
"""Nested step boundaries look at the history at every 8th boundary only (reading it costs
more than a ``pass`` step); boundaries of the flow's own list look every time."""


class Pacing:
    """The budgets of one run (see the module docstring).

    Args:
        history_budget: history events the run may reach.
        size_budget: history bytes the run may reach.
        work_limit: activities and child workflows in flight at once.
    """

    def __init__(
        self,
        *,
        history_budget: int = rules.HISTORY_BUDGET,
        size_budget: int = rules.HISTORY_SIZE_BUDGET,
        work_limit: int = rules.MAX_PENDING_WORK,
    ) -> None:
        self.history_budget = history_budget
        self.size_budget = size_budget
        self.work_limit = work_limit
        self.parking = False
        """The run is parking: no step starts, step lists stop at their next boundary."""
        self.entered = 0
        """Steps entered in this run."""
        self.in_flight = 0
        """Work slots held (activities and child workflows in flight)."""
        self._waiting: deque[tuple[asyncio.Future[bool], bool]] = deque()
        self._since_yield = 0
        self._yield: asyncio.Task[None] | None = None
        self._switches: dict[str, bool] = {}
        self._boundaries = 0
        self._background: list[asyncio.Task[None]] = []
        self._sleeping: dict[asyncio.Task[object], None] = {}
        self._woken: set[asyncio.Task[object]] = set()

    def switch(self, patch: str) -> bool:
        """Whether this execution uses the behaviour of ``patch`` (asked once per run)."""
        if patch not in self._switches:
            self._switches[patch] = workflow.patched(patch)
        return self._switches[patch]

    def since(self, patch: str) -> bool:
        """Whether this run was recorded by code that has ``patch`` (one of
        :data:`~worker.workflow.patches.RELEASED_WITH_STEP_TRAIL`), asking Temporal only when
        the run cannot tell yet: a patch of that build already switched on in this run proves
        it, which spares ``patch`` its own marker and search attribute update (two events)."""
        proven = any(self._switches.get(p) for p in patches.RELEASED_WITH_STEP_TRAIL)
        return proven or self.switch(patch)

    # --- parking ----------------------------------------------------------------------------

    def park_due(self, *, top_level: bool, fdl_events: int) -> bool:
        """Whether a step list at a boundary should stop here (and the run park).

        In executions recorded with nested continue-as-new, at any boundary: once the history
        plus what the work in flight will still add reaches the budget, or its size the size
        budget, or the run's FDL events :data:`~translator.rules.FDL_EVENTS_PER_RUN`.
        Temporal's own suggestion (at about 4,000 events) is not followed: the budget is the
        documented limit. In executions of earlier releases, only at the flow's own level, as
        they did (the budget reached, or Temporal suggests it). Deterministic: a replay sees
        the same history length at the same point.
        """
        if self.parking:
            return True
        if not self.entered:
            return False  # a run parks only after it has done something
        self._boundaries += 1
        if not top_level and self._boundaries % CHECK_EVERY:
            return False  # RESERVE_EVENTS covers what a few boundaries more can start
        info = workflow.info()
        length = info.get_current_history_length()
        new_rule = self._switches.get(patches.NESTED_CONTINUE_AS_NEW)
        old_rule_due = (
            top_level
            and not new_rule
            and (info.is_continue_as_new_suggested() or length >= self.history_budget)
        )
        if old_rule_due and not self.switch(patches.NESTED_CONTINUE_AS_NEW):
            return self._start_parking()  # the rule of earlier releases
        reserve = EVENTS_PER_WORK * self.in_flight + min(RESERVE_EVENTS, self.history_budget // 10)
        due = (
            length + reserve >= self.history_budget
            or info.get_current_history_size() >= self.size_budget
            or fdl_events >= rules.FDL_EVENTS_PER_RUN
        )
        if due and self.switch(patches.NESTED_CONTINUE_AS_NEW):
            return self._start_parking()
        return False

    def _start_parking(self) -> bool:
        workflow.logger.info("history budget reached: the run parks and continues as new")
        self.parking = True
        for sleeper in list(self._sleeping):
            self._woken.add(sleeper)
            sleeper.cancel()
        waiting, self._waiting = self._waiting, deque()
        for waiter, parkable in waiting:
            if not parkable:
                self._waiting.append((waiter, parkable))  # it cannot stop: it keeps its turn
            elif not waiter.done():
                waiter.set_result(False)
        return True

    async def sleep(self, seconds: float, summary: str) -> bool:
        """Sleep on a durable timer (``workflow.sleep``); ``False`` when the run started parking
        meanwhile (the timer is cancelled then) or had started already.

        The sleep is interrupted by cancelling the sleeping task, not by waiting on a condition
        with a timeout: a cancelled lane then cancels its timer exactly when and in the order it
        did before parking existed, so histories of earlier releases replay.
        """
        if self.parking:
            return False
        task = asyncio.current_task()
        assert task is not None
        self._sleeping[task] = None
        try:
            await workflow.sleep(seconds, summary=summary)
        except asyncio.CancelledError:
            if task in self._woken and task.uncancel() == 0:
                return False  # woken by parking, and by nothing else
            raise
        finally:
            self._sleeping.pop(task, None)
            self._woken.discard(task)
        return True

    # --- work slots -------------------------------------------------------------------------

    async def acquire(self, *, parkable: bool) -> bool:
        """Take a work slot, waiting for one if all are held.

        Returns:
            ``False`` (and no slot) when ``parkable`` and the run is parking: the caller
            stops instead of starting new work.
        """
        if parkable and self.parking:
            return False
        if self.in_flight >= self.work_limit and self.switch(patches.WORK_BUDGET):
            waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._waiting.append((waiter, parkable))
            return await waiter  # a released slot is handed over with True
        self.in_flight += 1
        return True

    def release(self) -> None:
        """Give a work slot back (to the first waiter, if any)."""
        while self._waiting:
            waiter, _ = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
        self.in_flight -= 1

    # --- work that outlives its step (fire-and-forget calls) -------------------------------

    def own(self, task: asyncio.Task[None]) -> None:
        """Keep a task that outlives the step that started it (it holds a work slot)."""
        self._background.append(task)

    async def settle(self) -> None:
        """Wait until every owned task has ended (before the run ends or continues as new)."""
        while self._background:
            tasks, self._background = self._background, []
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- yield points -----------------------------------------------------------------------

    async def pace(self) -> None:
        """Count a step entry; every :data:`~translator.rules.STEPS_PER_YIELD`, yield."""
        self.entered += 1
        self._since_yield += 1
        if self._since_yield < rules.STEPS_PER_YIELD and self._yield is None:
            return
        if not self.switch(patches.YIELD_POINTS):
            return
        if self._yield is None:
            self._yield = asyncio.create_task(self._pause())
        # Shielded: a lane cancelled while it waits must not cancel everyone's yield.
        await asyncio.shield(self._yield)

    async def _pause(self) -> None:
        try:
            await workflow.execute_local_activity(
                YIELD, start_to_close_timeout=timedelta(seconds=10), summary="yield"
            )
        finally:
            self._since_yield = 0
            self._yield = None
