"""Executors of the concurrent steps, ``parallel`` (reference 6.5) and ``foreach`` (6.6).

Branches and iterations are coroutines of the workflow. The first one to fail cancels the
others (their activities and timers are cancelled with them) and its error is the step's
error. Results always come back in declaration / collection order, never completion order.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from temporalio import workflow

from translator import ir, rules
from worker.workflow import data, errors
from worker.workflow.records import ListResult, Outcome, StepCall
from worker.workflow.steps.runtime import Runtime

T = TypeVar("T")


async def parallel(rt: Runtime, step: ir.ParallelStep, call: StepCall) -> Outcome:
    """Run every branch at once; ``$local`` is the list of branch locals in branch order."""
    jobs = [
        functools.partial(rt.run_list, branch.steps, call.input, f"{call.path}[{number}]/")
        for number, branch in enumerate(step.branches)
    ]
    results = await run_all(jobs, limit=len(jobs))
    return Outcome(local=[result.local for result in results])


async def foreach(rt: Runtime, step: ir.ForeachStep, call: StepCall) -> Outcome:
    """Run the steps once per collection element, at most ``max_concurrency`` at a time.

    Raises:
        FlowError: ``FnF.RuntimeError`` when the collection is missing or not an array.
    """
    where = f"{call.path}: iterationMapping.collection"
    collection = data.read(step.collection, data.own_scope(call.input, call.context), where)
    if not isinstance(collection, list):
        raise errors.runtime_error(
            f"{where}: {step.collection.text} must be an array, got {type(collection).__name__}"
        )
    jobs = [
        functools.partial(_iteration, rt, step, call, position, element)
        for position, element in enumerate(collection)
    ]
    limit = max(1, min(step.max_concurrency, rules.MAX_FOREACH_CONCURRENCY))
    results = await run_all(jobs, limit=limit)
    return Outcome(local=[result.local for result in results])


async def _iteration(
    rt: Runtime, step: ir.ForeachStep, call: StepCall, position: int, element: object
) -> ListResult:
    # The item (and index) keys win over same-named keys of the foreach input (reference 6.6).
    extra: dict[str, object] = {step.item: element}
    if step.index is not None:
        extra[step.index] = position
    return await rt.run_list(step.steps, data.merge(call.input, extra), f"{call.path}[{position}]/")


async def run_all(jobs: Sequence[Callable[[], Awaitable[T]]], *, limit: int) -> list[T]:
    """Run ``jobs`` with at most ``limit`` in flight, starting them in list order.

    Returns:
        The results in list order.

    Raises:
        Exception: the first failure; the jobs still running are cancelled (and awaited)
            before it is raised, and no further jobs start.
    """
    results: dict[int, T] = {}
    pending = iter(range(len(jobs)))

    async def lane() -> None:
        # A worklist instead of one task per job: big collections do not create thousands
        # of waiting coroutines, and jobs start strictly in collection order.
        for position in pending:
            results[position] = await jobs[position]()

    lanes = [asyncio.create_task(lane()) for _ in range(min(limit, len(jobs)))]
    if not lanes:
        return []
    try:
        await workflow.wait(lanes, return_when=asyncio.FIRST_EXCEPTION)
        failure = _first_failure(lanes)
    finally:
        for other in lanes:
            other.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)
    if failure is not None:
        raise failure
    return [results[position] for position in range(len(jobs))]


def _first_failure(lanes: Sequence[asyncio.Task[None]]) -> BaseException | None:
    # Lanes are checked in creation order (never a set's order), so the chosen error is the
    # same on every replay even when two lanes failed in the same workflow task.
    for lane in lanes:
        if lane.done() and not lane.cancelled() and lane.exception() is not None:
            return lane.exception()
    return None
