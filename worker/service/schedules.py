"""FDL schedules (reference 10) as Temporal Schedules: create, change, look at, fire, remove.

A schedule of flow ``F`` named ``S`` is the Temporal schedule ``F/S`` (readable on the Web
UI's Schedules page, unique because flow names hold no ``/``). Its spec is the FDL cron
expression translated by :mod:`worker.schedule_spec`; its action starts the trigger workflow
(:mod:`worker.trigger`) with the FDL schedule as input, which starts one execution of the
flow's current registered version per fire time. Nothing polls: Temporal fires the schedule.

Defaults where the original service says nothing (README, "Schedules"):

- overlap ``allow-all``: every fire starts its execution even while earlier ones run, as each
  fire of the original starts an execution;
- catch-up window one minute: fires missed while Temporal was down for longer are dropped
  rather than started all at once when it comes back.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from translator.cron import CronSchedule, next_fire_times, parse_cron
from translator.rules import check_name
from worker.contract.run import DEFAULT_TASK_QUEUE, FLOW_NAME_KEY
from worker.contract.schedules import TRIGGER_WORKFLOW, ScheduledStart, execution_name
from worker.service.errors import ScheduleAlreadyExists, ScheduleNotExists, plain_json
from worker.service.flows import get_flow
from worker.service.schedule_spec import (
    DEFAULT_CATCHUP_WINDOW,
    DEFAULT_OVERLAP,
    OVERLAP_POLICIES,
    ScheduleError,
    format_duration,
    parse_overlap,
    to_schedule_spec,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleRun:
    """One recent fire: when it was due and the execution it names."""

    fire_time: datetime
    execution_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowSchedule:
    """An FDL schedule as Temporal holds it.

    Attributes:
        flow_name, schedule_name, cron, payload, enabled, description: the FDL schedule.
        schedule_id: the Temporal schedule id, ``<flow>/<schedule>``.
        overlap: the overlap policy name (a key of ``OVERLAP_POLICIES``).
        catchup_window: how late a missed fire may still start.
        task_queue: the task queue its executions run on.
        created, last_modified: when it was created and last changed.
        next_fire_times: Temporal's next fire times (at most 10).
        recent_runs: the latest fires Temporal acted on, oldest first.
    """

    flow_name: str
    schedule_name: str
    schedule_id: str
    cron: str
    payload: dict[str, Any]
    enabled: bool
    description: str
    overlap: str
    catchup_window: timedelta
    task_queue: str
    created: datetime
    last_modified: datetime | None
    next_fire_times: list[datetime]
    recent_runs: list[ScheduleRun]

    def to_json(self) -> dict[str, Any]:
        """The wire form: the original API's Schedule fields and types (``Payload`` is JSON
        text, ``Enable`` a boolean, times RFC 3339 UTC), plus ``FlowName``, ``TemporalId``
        (``<flow>/<schedule>``), ``OverlapPolicy``, ``CatchupWindow``, ``TaskQueue``,
        ``NextFireTimes`` and ``RecentRuns``."""
        created = rfc3339(self.created)
        return {
            "ScheduleName": self.schedule_name,
            "ScheduleId": str(uuid.uuid5(SCHEDULE_ID_NAMESPACE, f"{self.schedule_id}/{created}")),
            "Description": self.description,
            "Payload": json.dumps(self.payload, ensure_ascii=False),
            "CronExpression": self.cron,
            "Enable": self.enabled,
            "CreatedTime": created,
            "LastModifiedTime": rfc3339(self.last_modified or self.created),
            "FlowName": self.flow_name,
            "TemporalId": self.schedule_id,
            "OverlapPolicy": self.overlap,
            "CatchupWindow": format_duration(self.catchup_window),
            "TaskQueue": self.task_queue,
            "NextFireTimes": [rfc3339(t) for t in self.next_fire_times],
            "RecentRuns": [
                {"FireTime": rfc3339(r.fire_time), "ExecutionName": r.execution_name}
                for r in self.recent_runs
            ],
        }


SCHEDULE_ID_NAMESPACE = uuid.UUID("0b8e6a8c-31f4-4c57-9a1d-7e52c4d9b6a1")
"""Namespace of the ``ScheduleId`` UUIDs derived from a schedule's id and creation time."""


def schedule_id(flow_name: str, schedule_name: str) -> str:
    """The Temporal schedule id of an FDL schedule: ``<flow>/<schedule>``."""
    return f"{flow_name}/{schedule_name}"


def rfc3339(moment: datetime) -> str:
    """``2019-01-01T01:01:01.001Z``: UTC with milliseconds, as the original API writes times."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_schedule_cron(text: str) -> CronSchedule:
    """Parse an FDL cron expression, as :class:`ScheduleError` naming the field and value."""
    try:
        return parse_cron(text)
    except ValueError as exc:
        raise ScheduleError(f"invalid cron expression '{text}': {exc}") from None


MAX_SCHEDULE_NAME = 128 - len("-1234567890")
"""A schedule's executions are named ``<schedule>-<unix seconds>`` (10 digits until 2286)."""


def check_names(flow_name: str, schedule_name: str) -> str:
    """The schedule id of legal flow and schedule names.

    Raises:
        ScheduleError: a name is not legal.
    """
    try:
        check_name("flow", flow_name)
        check_name("schedule", schedule_name)
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None
    if len(schedule_name) > MAX_SCHEDULE_NAME:
        raise ScheduleError(
            f"invalid schedule name {schedule_name!r}: at most {MAX_SCHEDULE_NAME} characters, "
            "so that its executions' names (<schedule>-<unix seconds>) stay within 128"
        )
    return schedule_id(flow_name, schedule_name)


def _schedule(
    start: ScheduledStart,
    *,
    enabled: bool,
    overlap: ScheduleOverlapPolicy,
    catchup_window: timedelta,
    task_queue: str,
) -> Schedule:
    cron = parse_schedule_cron(start.cron)
    action = ScheduleActionStartWorkflow(
        TRIGGER_WORKFLOW,
        start,
        id=schedule_id(start.flow_name, start.schedule_name),
        task_queue=task_queue,
        static_summary=(
            f"FDL schedule {start.schedule_name} of flow {start.flow_name}: {start.cron}"
        ),
        static_details=start.description or None,
    )
    return Schedule(
        action=action,
        spec=to_schedule_spec(cron),
        policy=SchedulePolicy(overlap=overlap, catchup_window=catchup_window),
        state=ScheduleState(paused=not enabled, note=_state_note(enabled)),
    )


def _state_note(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"


async def create_schedule(
    client: Client,
    flow_name: str,
    schedule_name: str,
    *,
    cron: str,
    payload: dict[str, Any] | None = None,
    enabled: bool = True,
    description: str = "",
    overlap: str = DEFAULT_OVERLAP,
    catchup_window: timedelta = DEFAULT_CATCHUP_WINDOW,
    task_queue: str | None = None,
) -> FlowSchedule:
    """Create a schedule that starts ``flow_name`` whenever ``cron`` fires.

    Args:
        client: a connected Temporal client.
        flow_name: a registered flow.
        schedule_name: the schedule's name, unique per flow.
        cron: an FDL cron expression (6 fields, seconds first; ``CRON_TZ=``; ``@every Nm``).
        payload: passed to every execution as ``payload`` (default ``{}``).
        enabled: False creates it paused.
        description: free text, shown by ``describe``.
        overlap: a key of :data:`OVERLAP_POLICIES`.
        catchup_window: how late a fire missed while Temporal was down may still start.
        task_queue: the task queue its executions run on; by default the queue the flow is
            registered with at each fire (the schedule's own trigger runs on the queue the
            flow has now).

    Raises:
        ScheduleError: a bad name, expression, policy or window.
        ScheduleAlreadyExists: the flow has a schedule of that name.
        FlowNotExists: no flow of that name is registered.
    """
    sid = check_names(flow_name, schedule_name)
    plain_json(payload or {}, "payload")
    start = ScheduledStart(
        flow_name=flow_name,
        schedule_name=schedule_name,
        cron=cron,
        payload=payload or {},
        description=description,
        task_queue=task_queue or "",
    )
    parse_schedule_cron(cron)
    policy = parse_overlap(overlap)
    flow = await get_flow(client, flow_name)
    schedule = _schedule(
        start,
        enabled=enabled,
        overlap=policy,
        catchup_window=catchup_window,
        task_queue=task_queue or flow.task_queue or DEFAULT_TASK_QUEUE,
    )
    try:
        handle = await client.create_schedule(
            sid,
            schedule,
            search_attributes=TypedSearchAttributes(
                [SearchAttributePair(FLOW_NAME_KEY, flow_name)]
            ),
        )
    except ScheduleAlreadyRunningError:
        raise ScheduleAlreadyExists(
            f"flow {flow_name!r} already has a schedule named {schedule_name!r}"
        ) from None
    return await _describe(client, handle, flow_name, schedule_name)


async def update_schedule(
    client: Client,
    flow_name: str,
    schedule_name: str,
    *,
    cron: str | None = None,
    payload: dict[str, Any] | None = None,
    enabled: bool | None = None,
    description: str | None = None,
    overlap: str | None = None,
    catchup_window: timedelta | None = None,
) -> FlowSchedule:
    """Change the given fields of a schedule; the others keep their values.

    Raises:
        ScheduleError: a bad expression, policy or window.
        ScheduleNotExists: no such schedule.
    """
    handle = client.get_schedule_handle(check_names(flow_name, schedule_name))
    if cron is not None:
        parse_schedule_cron(cron)
    if payload is not None:
        plain_json(payload, "payload")
    policy = parse_overlap(overlap) if overlap is not None else None

    async def change(update: ScheduleUpdateInput) -> ScheduleUpdate:
        old = update.description
        current = await _start_of(client, old)
        start = ScheduledStart(
            flow_name=flow_name,
            schedule_name=schedule_name,
            cron=current.cron if cron is None else cron,
            payload=current.payload if payload is None else payload,
            description=current.description if description is None else description,
            task_queue=current.task_queue,
        )
        action = old.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        return ScheduleUpdate(
            _schedule(
                start,
                enabled=(not old.schedule.state.paused) if enabled is None else enabled,
                overlap=policy or old.schedule.policy.overlap,
                catchup_window=catchup_window
                or old.schedule.policy.catchup_window
                or DEFAULT_CATCHUP_WINDOW,
                task_queue=action.task_queue,
            )
        )

    await _not_found_as_error(handle.update(change), flow_name, schedule_name)
    return await _describe(client, handle, flow_name, schedule_name)


async def describe_schedule(client: Client, flow_name: str, schedule_name: str) -> FlowSchedule:
    """The schedule, its next fire times and its recent runs.

    Raises:
        ScheduleNotExists: no such schedule.
    """
    handle = client.get_schedule_handle(check_names(flow_name, schedule_name))
    return await _describe(client, handle, flow_name, schedule_name)


async def list_schedules(client: Client, flow_name: str) -> list[FlowSchedule]:
    """The schedules of a flow, by name. Temporal's list is eventually consistent: a schedule
    created a moment ago may be missing for about a second."""
    check_name("flow", flow_name)
    found: list[FlowSchedule] = []
    async for listed in await client.list_schedules(f"{FLOW_NAME_KEY.name} = '{flow_name}'"):
        name = listed.id.removeprefix(f"{flow_name}/")
        try:
            found.append(await describe_schedule(client, flow_name, name))
        except ScheduleNotExists:
            continue  # deleted since it was listed
    return sorted(found, key=lambda s: s.schedule_name)


async def delete_schedule(client: Client, flow_name: str, schedule_name: str) -> None:
    """Delete a schedule; executions it started keep running.

    Raises:
        ScheduleNotExists: no such schedule.
    """
    handle = client.get_schedule_handle(check_names(flow_name, schedule_name))
    await _not_found_as_error(handle.delete(), flow_name, schedule_name)


async def set_enabled(
    client: Client, flow_name: str, schedule_name: str, enabled: bool
) -> FlowSchedule:
    """Resume (``enabled``) or pause a schedule: the original's ``Enable`` flag.

    Raises:
        ScheduleNotExists: no such schedule.
    """
    handle = client.get_schedule_handle(check_names(flow_name, schedule_name))
    note = _state_note(enabled)
    change = handle.unpause(note=note) if enabled else handle.pause(note=note)
    await _not_found_as_error(change, flow_name, schedule_name)
    return await _describe(client, handle, flow_name, schedule_name)


async def trigger_schedule(client: Client, flow_name: str, schedule_name: str) -> None:
    """Fire the schedule once now, paused or not, whatever its overlap policy.

    The execution is named ``<schedule>-<unix seconds>`` of this moment, so two triggers within
    the same second start one execution.

    Raises:
        ScheduleNotExists: no such schedule.
    """
    handle = client.get_schedule_handle(check_names(flow_name, schedule_name))
    trigger = handle.trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
    await _not_found_as_error(trigger, flow_name, schedule_name)


async def backfill_schedule(
    client: Client, flow_name: str, schedule_name: str, start: datetime, end: datetime
) -> None:
    """Fire every time the schedule names from ``start`` to ``end`` (both included), now.

    Fire times that already have an execution start nothing, so a backfill may be repeated.

    Raises:
        ScheduleError: ``end`` is before ``start``, or a time is naive.
        ScheduleNotExists: no such schedule.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ScheduleError("backfill times need a time zone (e.g. 2026-01-01T00:00:00Z)")
    if end < start:
        raise ScheduleError("backfill: --to is before --from")
    handle = client.get_schedule_handle(check_names(flow_name, schedule_name))
    backfill = ScheduleBackfill(start_at=start, end_at=end, overlap=ScheduleOverlapPolicy.ALLOW_ALL)
    await _not_found_as_error(handle.backfill(backfill), flow_name, schedule_name)


async def upcoming(
    client: Client, flow_name: str, schedule_name: str, n: int, after: datetime | None = None
) -> tuple[FlowSchedule, list[datetime]]:
    """The schedule and its next ``n`` fire times after ``after`` (default now), computed with
    croniter in the schedule's time zone (:func:`translator.cron.next_fire_times`).

    Raises:
        ScheduleNotExists: no such schedule.
    """
    schedule = await describe_schedule(client, flow_name, schedule_name)
    moment = after or datetime.now(UTC)
    return schedule, next_fire_times(parse_cron(schedule.cron), moment, n)


async def _not_found_as_error(call: Any, flow_name: str, schedule_name: str) -> Any:
    try:
        return await call
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise _not_exists(flow_name, schedule_name) from None
        raise


def _not_exists(flow_name: str, schedule_name: str) -> ScheduleNotExists:
    return ScheduleNotExists(f"flow {flow_name!r} has no schedule named {schedule_name!r}")


async def _start_of(client: Client, description: ScheduleDescription) -> ScheduledStart:
    """The FDL schedule carried by a Temporal schedule's action."""
    action = description.schedule.action
    if not (
        isinstance(action, ScheduleActionStartWorkflow) and action.workflow == TRIGGER_WORKFLOW
    ):
        raise ScheduleError(f"schedule {description.id!r} was not created by fdl")
    [start] = await client.data_converter.decode(action.args, [ScheduledStart])
    assert isinstance(start, ScheduledStart)
    return start


async def _describe(
    client: Client, handle: ScheduleHandle, flow_name: str, schedule_name: str
) -> FlowSchedule:
    description = await _not_found_as_error(handle.describe(), flow_name, schedule_name)
    start = await _start_of(client, description)
    schedule = description.schedule
    action = schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    overlap = next(k for k, v in OVERLAP_POLICIES.items() if v == schedule.policy.overlap)
    return FlowSchedule(
        flow_name=flow_name,
        schedule_name=schedule_name,
        schedule_id=handle.id,
        cron=start.cron,
        payload=start.payload,
        enabled=not schedule.state.paused,
        description=start.description,
        overlap=overlap,
        catchup_window=schedule.policy.catchup_window,
        task_queue=action.task_queue,
        created=description.info.created_at,
        last_modified=description.info.last_updated_at,
        next_fire_times=list(description.info.next_action_times),
        recent_runs=[
            ScheduleRun(
                fire_time=r.scheduled_at,
                execution_name=execution_name(schedule_name, r.scheduled_at),
            )
            for r in description.info.recent_actions
        ],
    )
