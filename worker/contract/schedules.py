"""A schedule's action: the input and result of the ``fdl.schedule`` trigger workflow.

A Temporal schedule starts the trigger workflow (:mod:`worker.workflow.trigger`) with the FDL
schedule as input; the trigger starts one execution per fire time, named and fed as reference
section 10 says (:func:`execution_name`, :func:`trigger_input`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

TRIGGER_WORKFLOW = "fdl.schedule"
"""Workflow type of the schedule action (the Web UI's Schedules page shows it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledStart:
    """The input of the trigger workflow: the FDL schedule, as its action carries it.

    The whole FDL schedule lives in the action, so an update changes the cron text, payload
    and description together with the spec.

    Attributes:
        flow_name: the flow the schedule starts.
        schedule_name: the FDL schedule name (``triggerName`` in the execution input).
        cron: the FDL cron expression as written.
        payload: the JSON object passed as ``payload`` in the execution input.
        description: the schedule's description.
        task_queue: the task queue its executions run on, when the schedule was created
            with one named ("": the flow's registered queue at each fire).
    """

    kind: Literal["scheduled_start"] = "scheduled_start"
    flow_name: str
    schedule_name: str
    cron: str
    payload: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    task_queue: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledRun:
    """The result of the trigger workflow.

    Attributes:
        execution_name: the FDL execution of this fire time.
        started: False when the fire time already had an execution (nothing was started).
        output: the execution output, when this trigger started it and it succeeded.
    """

    kind: Literal["scheduled_run"] = "scheduled_run"
    execution_name: str
    started: bool
    output: dict[str, Any] | None = None


def execution_name(schedule_name: str, fire_time: datetime) -> str:
    """The execution name of one fire: ``<schedule>-<unix seconds>`` (reference 10)."""
    return f"{schedule_name}-{int(fire_time.timestamp())}"


def trigger_input(start: ScheduledStart, fire_time: datetime) -> dict[str, Any]:
    """The execution input of one fire (reference 10): ``triggerTime`` (RFC 3339 UTC),
    ``triggerName`` (the schedule name) and ``payload``."""
    return {
        "triggerTime": fire_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "triggerName": start.schedule_name,
        "payload": start.payload,
    }
