"""Executors of the concurrent steps, ``parallel`` (reference 6.5) and ``foreach`` (6.6).

Branches and iterations are coroutines of the workflow. The first one to fail cancels the
others (their activities and timers are cancelled with them) and its error is the step's
error. Results always come back in declaration / collection order, never completion order.

When the run parks (continues as new), a lane stops taking new branches or iterations, the
ones running stop at their next step boundary, and the step parks with the results so far and
the states of the running lists; the next run picks up from there.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import overload

from temporalio import workflow

from translator import ir, rules
from worker.workflow import data, errors
from worker.workflow.parking import ForeachState, ListState, ParallelState, Parked, StepState
from worker.workflow.records import JSONObject, ListResult, Outcome, StepCall
from worker.workflow.steps.runtime import Runtime

Job = tuple[int, Callable[[], Awaitable[ListResult]]]
"""A branch or iteration: its position and the coroutine function running its list."""


async def parallel(
    rt: Runtime, step: ir.ParallelStep, call: StepCall, resume: StepState | None = None
) -> Outcome:
    """Run every branch at once; ``$local`` is the list of branch locals in branch order."""
    state = resume if isinstance(resume, ParallelState) else ParallelState()
    jobs: list[Job] = [
        (
            number,
            functools.partial(
                rt.run_list,
                branch.steps,
                call.input,
                f"{call.path}[{number}]/",
                state.running.get(number),
            ),
        )
        for number, branch in enumerate(step.branches)
        if number not in state.done
    ]
    lanes = await run_lanes(rt, jobs, limit=len(jobs))
    done = {**state.done, **lanes.locals()}
    if lanes.stopped:
        raise Parked(ParallelState(done=done, running=lanes.running(state.running)))
    return Outcome(local=[done[number] for number in range(len(step.branches))])


async def foreach(
    rt: Runtime, step: ir.ForeachStep, call: StepCall, resume: StepState | None = None
) -> Outcome:
    """Run the steps once per collection element, at most ``max_concurrency`` at a time.

    Raises:
        FlowError: ``FnF.RuntimeError`` when the collection is missing or not an array.
    """
    collection = read_collection(step, call)
    state = resume if isinstance(resume, ForeachState) else ForeachState()
    jobs = Iterations(rt, step, call, collection, state)
    limit = max(1, min(step.max_concurrency, rules.MAX_FOREACH_CONCURRENCY))
    lanes = await run_lanes(rt, jobs, limit=limit)
    done = {**state.done, **lanes.locals()}
    if lanes.stopped:
        fresh = lanes.untaken.first_fresh(state.running)
        raise Parked(
            ForeachState(
                done=done,
                running=lanes.running(state.running),
                next=len(collection) if fresh is None else fresh,
            )
        )
    return Outcome(local=[done[position] for position in range(len(collection))])


def read_collection(step: ir.ForeachStep, call: StepCall) -> list[object]:
    """The foreach's collection (an array).

    Raises:
        FlowError: ``FnF.RuntimeError`` when the collection is missing or not an array.
    """
    where = f"{call.path}: iterationMapping.collection"
    collection = data.read(step.collection, data.own_scope(call.input, call.context), where)
    if not isinstance(collection, list):
        raise errors.runtime_error(
            f"{where}: {step.collection.text} must be an array, got {type(collection).__name__}"
        )
    return collection


async def _iteration(
    rt: Runtime,
    step: ir.ForeachStep,
    call: StepCall,
    position: int,
    element: object,
    resume: ListState | None,
) -> ListResult:
    # The item (and index) keys win over same-named keys of the foreach input (reference 6.6).
    extra: dict[str, object] = {step.item: element}
    if step.index is not None:
        extra[step.index] = position
    iteration_input = data.merge(call.input, extra)
    return await rt.run_list(step.steps, iteration_input, f"{call.path}[{position}]/", resume)


class Iterations(Sequence[Job]):
    """A foreach's iterations as jobs, made when a lane takes them (a collection of 100,000
    items makes no 100,000 jobs up front): the parked ones first, then the rest in order."""

    def __init__(
        self,
        rt: Runtime,
        step: ir.ForeachStep,
        call: StepCall,
        collection: list[object],
        state: ForeachState,
    ) -> None:
        self._make = functools.partial(_iteration, rt, step, call)
        self._collection = collection
        self._parked = sorted(state.running.items())
        self._first = state.next

    def __len__(self) -> int:
        return len(self._parked) + len(self._collection) - self._first

    @overload
    def __getitem__(self, index: int) -> Job: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Job]: ...

    def __getitem__(self, index: int | slice) -> Job | Sequence[Job]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < len(self._parked):
            position, lane = self._parked[index]
        else:
            position, lane = self._first + index - len(self._parked), None
        element = self._collection[position]
        return position, functools.partial(self._make, position, element, lane)


class _Rest:
    """The jobs from ``cursor`` on, read only for the positions they are at."""

    def __init__(self, jobs: Sequence[Job], cursor: int) -> None:
        self._jobs = jobs
        self._cursor = cursor

    def __bool__(self) -> bool:
        return self._cursor < len(self._jobs)

    def first_fresh(self, parked_before: dict[int, ListState]) -> int | None:
        """The first untaken position that had not started before (jobs are in order)."""
        for i in range(self._cursor, len(self._jobs)):
            position = self._jobs[i][0]
            if position not in parked_before:
                return position
        return None


class Lanes:
    """What :func:`run_lanes` got done: finished lists, parked lists, jobs never taken."""

    # A plain class, not a dataclass: this module is imported again for every workflow run
    # (the sandbox), and making a dataclass costs more than the rest of the module together
    # (0.3 ms a run, bench/sandbox_bench.py).
    __slots__ = ("done", "parked", "untaken")

    def __init__(
        self, done: dict[int, ListResult], parked: dict[int, ListState], untaken: _Rest
    ) -> None:
        self.done = done
        self.parked = parked
        self.untaken = untaken

    @property
    def stopped(self) -> bool:
        """Whether the run parked before every job finished."""
        return bool(self.parked or self.untaken)

    def locals(self) -> dict[int, JSONObject]:
        """The locals of the finished lists, by position."""
        return {position: result.local for position, result in self.done.items()}

    def running(self, before: dict[int, ListState]) -> dict[int, ListState]:
        """The states of the lists that are not done: parked now, or parked before and
        never taken up in this run."""
        kept = {position: lane for position, lane in before.items() if self._untaken(position)}
        return {**kept, **self.parked}

    def _untaken(self, position: int) -> bool:
        return position not in self.done and position not in self.parked


async def run_lanes(rt: Runtime, jobs: Sequence[Job], *, limit: int) -> Lanes:
    """Run ``jobs`` with at most ``limit`` in flight, starting them in list order.

    A job whose list parks counts as parked; once the run is parking no further job starts.

    Raises:
        Exception: the first failure; the jobs still running are cancelled (and awaited)
            before it is raised, and no further jobs start.
    """
    done: dict[int, ListResult] = {}
    parked: dict[int, ListState] = {}
    cursor = 0

    async def lane() -> None:
        # A worklist instead of one task per job: big collections do not create thousands
        # of waiting coroutines, and jobs start strictly in collection order.
        nonlocal cursor
        while cursor < len(jobs) and not rt.pacing.parking:
            position, job = jobs[cursor]
            cursor += 1
            try:
                done[position] = await job()
            except Parked as stopped:
                parked[position] = stopped.state

    lanes = [asyncio.create_task(lane()) for _ in range(min(limit, len(jobs)))]
    if lanes:
        try:
            await workflow.wait(lanes, return_when=asyncio.FIRST_EXCEPTION)
        except GeneratorExit:  # the workflow is being evicted: nothing may be awaited now
            raise
        except BaseException:  # the step is cancelled: so are its lanes, awaited
            await _stop(lanes)
            raise
        failure = _first_failure(lanes)
        await _stop(lanes)
        if failure is not None:
            raise failure
    return Lanes(done=done, parked=parked, untaken=_Rest(jobs, cursor))


async def _stop(lanes: Sequence[asyncio.Task[None]]) -> None:
    """Cancel the lanes still running and wait until every lane has ended."""
    for lane in lanes:
        lane.cancel()
    await asyncio.gather(*lanes, return_exceptions=True)


def _first_failure(lanes: Sequence[asyncio.Task[None]]) -> BaseException | None:
    # Lanes are checked in creation order (never a set's order), so the chosen error is the
    # same on every replay even when two lanes failed in the same workflow task.
    for lane in lanes:
        if lane.done() and not lane.cancelled() and lane.exception() is not None:
            return lane.exception()
    return None
