"""The hand-written side of the benchmarks: what a Temporal user writes for the same work.

Plain activities (``async def`` functions taking and returning dicts, the work done inline)
and plain workflows calling them, with the concurrency and the continue-as-new a careful
Temporal user would add. The FDL side calls the same work through ``bench_handlers.py``.
This module imports only the SDK, so the workflow sandbox can import it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

CONCURRENCY = 100
"""Activities in flight in a fan-out: what FDL's foreach allows."""
LOOP_ITERATIONS_PER_RUN = 1500
"""A polling loop continues as new after this many iterations (about 9,000 events)."""
TASKS_PER_CHILD = 10_000
"""A fan-out of more tasks runs them in child workflows of this many (one workflow's history
holds 51,200 events, about 15,000 activities)."""

_TIMEOUT = timedelta(minutes=10)
_ONCE = RetryPolicy(maximum_attempts=1)


@activity.defn(name="hand.step")
async def step(payload: dict[str, Any]) -> dict[str, Any]:
    """Add one to ``n`` (the overhead benchmark's work)."""
    return {"n": payload["n"] + 1}


@activity.defn(name="hand.echo")
async def echo(payload: dict[str, Any]) -> dict[str, Any]:
    """Return the payload (a fan-out's trivial task)."""
    return dict(payload)


ACTIVITIES = [step, echo]


async def _call(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await workflow.execute_activity(
        name, payload, start_to_close_timeout=_TIMEOUT, retry_policy=_ONCE
    )
    return result


@workflow.defn(name="hand.sequence")
class Sequence:
    """``tasks`` calls of ``hand.step`` one after the other (the overhead benchmark)."""

    @workflow.run
    async def run(self, tasks: int) -> dict[str, Any]:
        state: dict[str, Any] = {"n": 0}
        for _ in range(tasks):
            state = await _call("hand.step", state)
        return state


@workflow.defn(name="hand.fanout")
class FanOut:
    """``hand.echo`` once per item, at most 100 in flight; children for big collections."""

    @workflow.run
    async def run(self, items: list[int]) -> dict[str, Any]:
        if len(items) > TASKS_PER_CHILD:
            values: list[Any] = []
            for start in range(0, len(items), TASKS_PER_CHILD):
                part = items[start : start + TASKS_PER_CHILD]
                result = await workflow.execute_child_workflow(FanOut.run, part)
                values += result["values"]
            return {"values": values}
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(item: int) -> Any:
            async with gate:
                return (await _call("hand.echo", {"v": item}))["v"]

        return {"values": list(await asyncio.gather(*(one(item) for item in items)))}


@workflow.defn(name="hand.passes")
class Passes:
    """What a foreach of pass steps does: one small object per item."""

    @workflow.run
    async def run(self, items: list[int]) -> dict[str, Any]:
        return {"values": [{"v": item}["v"] for item in items]}


@workflow.defn(name="hand.poll")
class Poll:
    """A polling loop: ``hand.step`` until ``n`` reaches ``until``, continuing as new."""

    @workflow.run
    async def run(self, until: int, n: int = 0) -> dict[str, Any]:
        state: dict[str, Any] = {"n": n}
        for _ in range(LOOP_ITERATIONS_PER_RUN):
            if state["n"] >= until:
                return state
            state = await _call("hand.step", state)
        workflow.continue_as_new(args=[until, state["n"]])


@workflow.defn(name="hand.branches")
class Branches:
    """``branches`` coroutines, each calling ``hand.step`` ``tasks`` times in a row."""

    @workflow.run
    async def run(self, branches: int, tasks: int) -> dict[str, Any]:
        async def branch() -> int:
            state: dict[str, Any] = {"n": 0}
            for _ in range(tasks):
                state = await _call("hand.step", state)
            return int(state["n"])

        return {"sides": list(await asyncio.gather(*(branch() for _ in range(branches))))}


WORKFLOWS = [Sequence, FanOut, Passes, Poll, Branches]
