"""Executors of the atomic steps without integrations: ``wait`` and ``fail``.

(``pass`` and ``succeed`` need no executor of their own: their effect is entirely the
sequence's output and stop rules.)
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from temporalio import workflow

from translator import ir, rules
from worker.workflow import data, errors
from worker.workflow.parking import Parked, StepState, WaitState
from worker.workflow.records import Outcome, StepCall
from worker.workflow.steps.runtime import Runtime


async def wait(
    rt: Runtime, step: ir.WaitStep, call: StepCall, resume: StepState | None = None
) -> Outcome:
    """Sleep for ``duration`` seconds or until ``timestamp`` on a durable timer.

    When the run parks meanwhile, the wait parks with the time it waits until, and the next
    run sleeps the rest.

    Raises:
        FlowError: ``FnF.RuntimeError`` for a missing path, a value that is not a duration or
            an RFC 3339 timestamp with a time zone, or a wait longer than 2 days.
    """
    if isinstance(resume, WaitState):
        seconds = resume.until - workflow.time()
    else:
        seconds = wait_seconds(step, call)
    if seconds > 0:
        until = workflow.time() + seconds
        if not await rt.pacing.sleep(seconds, call.path):
            raise Parked(WaitState(until=until))
    return Outcome()


def wait_seconds(step: ir.WaitStep, call: StepCall) -> float:
    """The seconds a wait step waits (negative for a timestamp in the past).

    Raises:
        FlowError: see :func:`wait`.
    """
    scope = data.own_scope(call.input, call.context)
    if step.duration is not None:
        value = data.read(step.duration, scope, f"{call.path}: duration")
        seconds = duration_seconds(value, call.path)
    elif step.timestamp is not None:
        value = data.read(step.timestamp, scope, f"{call.path}: timestamp")
        seconds = (parse_timestamp(value, call.path) - workflow.now()).total_seconds()
    else:
        raise errors.runtime_error(f"{call.path}: a wait step needs a duration or a timestamp")
    if seconds > rules.MAX_WAIT_SECONDS:
        raise errors.runtime_error(
            f"{call.path}: wait of {seconds:g} seconds exceeds the 2-day maximum "
            f"({rules.MAX_WAIT_SECONDS:g} s)"
        )
    return seconds


def duration_seconds(value: Any, path: str) -> float:
    """A wait duration: a non-negative number, or a string holding one."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise errors.runtime_error(
            f"{path}: duration must be a non-negative number of seconds, got {value!r}"
        )
    return number


def parse_timestamp(value: Any, path: str) -> datetime:
    """An RFC 3339 timestamp with a time zone (``Z`` or an offset)."""
    moment: datetime | None = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise errors.runtime_error(
            f"{path}: timestamp must be RFC 3339 with a time zone "
            f"(e.g. 2019-05-02T15:04:05Z), got {value!r}"
        )
    return moment


def failure(step: ir.FailStep, path: str) -> errors.FlowError:
    """The error a ``fail`` step raises: its ``error`` name and ``cause`` (empty if unset)."""
    return errors.FlowError(step.error, step.cause, where=path)
