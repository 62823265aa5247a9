"""FDL cron against Temporal itself: the translated spec fires exactly when the preview says.

For every case a disabled schedule is created the way ``fdl schedule create`` creates it
(``worker.schedules.create_schedule``, for a registered flow; its action would start work on a
task queue nobody polls, but a paused schedule never acts), and the next 20 times Temporal's own
schedule engine matches (``ListScheduleMatchingTimes``) are compared with ``next_fire_times``
(croniter). ``describe`` shows at most 10 upcoming times, from now: those are compared too.
Cases cover every example of reference 10, names, steps, the day-of-month/day-of-week rule,
and daylight-saving changes in both directions.

Temporal (server 1.32) departs from "skip the missing time, repeat the doubled one" on fall-back
days in zones at or east of UTC, and on 30-minute changes: Go's ``time.Date`` resolves a doubled
local time to its second instant there, while Temporal's calendar walk assumes the first. Those
cases pin the exact instants Temporal leaves out or adds (``TEMPORAL_DST_DIFFERENCES``), so a
change on either side fails here instead of passing unnoticed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.workflowservice.v1 import ListScheduleMatchingTimesRequest
from temporalio.client import Client

from translator import compile_text
from translator.cron import next_fire_times, parse_cron
from worker.local.devserver import DevServer
from worker.service.flows import create_flow, delete_flow, new_version
from worker.service.schedules import (
    create_schedule,
    delete_schedule,
    describe_schedule,
    schedule_id,
)

pytestmark = pytest.mark.integration

AFTER = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    """One expression, the instant to look after, and how many fire times to compare.

    ``missing`` and ``extra`` (UTC, ``YYYY-MM-DDTHH:MM:SS``) are where Temporal is known to differ
    from the preview: times it does not fire, and times it fires that the schedule does not name.
    """

    text: str
    after: datetime = AFTER
    n: int = 20
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


CASES = {
    # the examples of reference 10
    "ref: daily 04:00": Case("0 0 4 * * *"),
    "ref: weekdays 04:30": Case("0 30 4 ? * MON-FRI"),
    "ref: every 5 min 04-06 weekdays": Case("0 0/5 4-6 ? * MON-FRI"),
    "ref: minute list": Case("0 26,29,33 * * * *"),
    "ref: Jan-Apr, across the year end": Case("0 0 4 ? JAN,FEB,MAR,APR *", at("2026-04-20T00:00Z")),
    "ref: CRON_TZ Shanghai": Case("CRON_TZ=Asia/Shanghai 0 0 12 * * *"),
    "ref: @every 5m": Case("@every 5m"),
    "ref: @every 90m": Case("@every 90m"),
    # names, steps, lists, seconds
    "lower-case days": Case("0 0 9 ? * mon-fri"),
    "step over range": Case("0 10-40/10 * * * *"),
    "list of ranges": Case("0 0-3,20-22,50 * * * *"),
    "a/n = a-max/n": Case("0 5/15 * * * *"),
    "seconds 30, hours */6": Case("30 0 */6 * * *"),
    "odd days": Case("0 0 0 */2 * ?"),
    "quarterly": Case("0 0 0 1 */3 *"),
    "day step": Case("0 0 12 ? * 1-5/2"),
    "largest values": Case("59 59 23 31 12 *"),
    # day-of-week numbers and the day rule
    "Sunday is 0": Case("0 0 12 ? * 0"),
    "Saturday is 6": Case("0 0 12 ? * 6"),
    "weekend names": Case("0 0 12 ? * SUN,SAT"),
    "1st or 15th or Monday": Case("0 0 12 1,15 * MON"),
    "13th or Friday": Case("0 0 9 13 * FRI"),
    "all days and Monday = Monday": Case("0 0 0 1-31 * MON"),
    "31st skips short months": Case("0 0 0 31 * *"),
    # Temporal computes calendar times up to 2100 only: 18 leap days from 2028 to 2096
    "Feb 29": Case("0 0 0 29 2 *", n=18),
    # daylight saving
    "New York 02:30, spring forward": Case("CRON_TZ=America/New_York 0 30 2 * * *"),
    "New York 01:30, fall back": Case(
        "CRON_TZ=America/New_York 0 30 1 * * *", at("2026-10-25T00:00Z")
    ),
    "New York quarter hours, gap": Case(
        "CRON_TZ=America/New_York 0 */15 * * * *", at("2026-03-08T01:00-05:00")
    ),
    "New York hourly, fall back": Case(
        "CRON_TZ=America/New_York 0 0 * * * *", at("2026-10-31T20:00-04:00")
    ),
    "Berlin 02:30, spring forward": Case(
        "CRON_TZ=Europe/Berlin 0 30 2 * * *", at("2026-03-20T00:00Z")
    ),
    "Berlin 01-03 every 20 min, spring": Case(
        "CRON_TZ=Europe/Berlin 0 0/20 1-3 * * *", at("2026-03-28T12:00Z")
    ),
    "Sydney 02:30, spring forward": Case(
        "CRON_TZ=Australia/Sydney 0 30 2 * * *", at("2026-09-30T00:00Z")
    ),
    "Santiago midnight gap": Case("CRON_TZ=America/Santiago 0 0 0 * * *", at("2026-08-28T00:00Z")),
    "Santiago 23:30 repeat": Case(
        "CRON_TZ=America/Santiago 0 30 23 * * *", at("2026-03-28T00:00Z")
    ),
    "Kathmandu +05:45 weekdays": Case("CRON_TZ=Asia/Kathmandu 0 0 0 ? * MON-FRI"),
    # intervals are epoch-aligned whatever the zone
    "@every 7m in Kolkata": Case("CRON_TZ=Asia/Kolkata @every 7m"),
    "@every 1m": Case("@every 1m"),
    "@every 1440m": Case("@every 1440m", at("2026-03-01T13:17:05Z")),
}

# Fall back east of UTC: the first 02:30 (or 01:30) is not fired; Temporal reaches the first copy
# of a doubled hour only from the hour before, and after a time in the second copy it adds an
# hour, dropping later times (Berlin 02:40-03:20) or firing outside the schedule (Lord Howe 02:40).
# A 30-minute gap keeps the hour, so Temporal fires 30 minutes late instead of skipping.
TEMPORAL_DST_DIFFERENCES = {
    "Berlin 02:30, fall back": Case(
        "CRON_TZ=Europe/Berlin 0 30 2 * * *",
        at("2026-10-15T00:00Z"),
        missing=("2026-10-25T00:30:00",),  # 02:30 CEST
    ),
    "London 01:30, fall back": Case(
        "CRON_TZ=Europe/London 0 30 1 * * *",
        at("2026-10-20T00:00Z"),
        missing=("2026-10-25T00:30:00",),  # 01:30 BST
    ),
    "Sydney 02:30, fall back": Case(
        "CRON_TZ=Australia/Sydney 0 30 2 * * *",
        at("2026-03-30T00:00Z"),
        missing=("2026-04-04T15:30:00",),  # 02:30 AEDT
    ),
    "Berlin 01-03 every 20 min, fall back": Case(
        "CRON_TZ=Europe/Berlin 0 0/20 1-3 * * *",
        at("2026-10-24T12:00Z"),
        # 02:20 and 02:40 CEST; 02:00, 02:40, 03:00 and 03:20 CET
        missing=tuple(
            f"2026-10-25T{t}:00" for t in ("00:20", "00:40", "01:00", "01:40", "02:00", "02:20")
        ),
    ),
    "Lord Howe 30-min gap": Case(
        "CRON_TZ=Australia/Lord_Howe 0 15 2 * * *",
        at("2026-09-25T00:00Z"),
        extra=("2026-10-03T15:45:00",),  # 02:45 +11:00, for the 02:15 that does not exist
    ),
    "Lord Howe 30-min fall back": Case(
        "CRON_TZ=Australia/Lord_Howe 0 0/10 1 * * *",
        at("2026-04-03T12:00Z"),
        # 01:30, 01:40, 01:50 +11:00; 01:40, 01:50 +10:30
        missing=tuple(f"2026-04-04T{t}:00" for t in ("14:30", "14:40", "14:50", "15:10", "15:20")),
        extra=("2026-04-04T16:10:00",),  # 02:40 +10:30, outside the schedule's hour
    ),
}
ALL_CASES = CASES | TEMPORAL_DST_DIFFERENCES


@dataclass(frozen=True)
class Schedules:
    """The client, the flow the cases belong to, and the schedule name of every case."""

    client: Client
    flow: str
    names: dict[str, str]

    def id(self, case: str) -> str:
        return schedule_id(self.flow, self.names[case])


NOTHING = "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: nothing\n"


@pytest.fixture(scope="module")
async def schedules(dev_server: DevServer) -> AsyncIterator[Schedules]:
    """All cases as disabled schedules of one flow, created concurrently, deleted at the end."""
    client = await Client.connect(dev_server.address, namespace=dev_server.namespace)
    flow = f"cron-{uuid.uuid4().hex[:8]}"
    definition = compile_text(NOTHING).to_json()
    await create_flow(client, flow, new_version(definition, NOTHING), task_queue="cron-unused")
    names = {case: f"case-{i}" for i, case in enumerate(ALL_CASES)}
    await asyncio.gather(
        *(
            create_schedule(
                client, flow, names[case], cron=c.text, enabled=False, task_queue="cron-unused"
            )
            for case, c in ALL_CASES.items()
        )
    )
    try:
        yield Schedules(client, flow, names)
    finally:
        await asyncio.gather(*(delete_schedule(client, flow, name) for name in names.values()))
        await delete_flow(client, flow)


async def matching_times(
    client: Client, schedule_id: str, start: datetime, end: datetime
) -> list[datetime]:
    """The times Temporal's schedule engine matches in (start, end]."""
    request = ListScheduleMatchingTimesRequest(
        namespace=client.namespace,
        schedule_id=schedule_id,
        start_time=_timestamp(start),
        end_time=_timestamp(end),
    )
    response = await client.workflow_service.list_schedule_matching_times(request)
    return [t.ToDatetime(UTC) for t in response.start_time]


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def _compare(schedules: Schedules, name: str) -> tuple[list[str], list[str]]:
    """Temporal's times and the preview's, as UTC strings, over the same window.

    The window ends one second after the last previewed time, so any extra, missing or shifted
    Temporal time shows up as a difference.
    """
    case = ALL_CASES[name]
    preview = [
        t.astimezone(UTC) for t in next_fire_times(parse_cron(case.text), case.after, case.n)
    ]
    end = preview[-1] + timedelta(seconds=1)
    actual = await matching_times(schedules.client, schedules.id(name), case.after, end)
    return [_utc(t) for t in actual], [_utc(t) for t in preview]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize("name", CASES)
async def test_temporal_fires_when_the_preview_says(schedules: Schedules, name: str) -> None:
    actual, preview = await _compare(schedules, name)
    assert actual == preview


@pytest.mark.parametrize("name", CASES)
async def test_describe_lists_the_upcoming_times_of_the_preview(
    schedules: Schedules, name: str
) -> None:
    """Temporal's upcoming times (10, from now) for the schedule as ``describe`` reports them."""
    before = datetime.now(UTC)
    described = await describe_schedule(schedules.client, schedules.flow, schedules.names[name])
    upcoming = [_utc(t) for t in described.next_fire_times]
    preview = [_utc(t) for t in next_fire_times(parse_cron(ALL_CASES[name].text), before, 11)]
    assert len(upcoming) == 10
    # a fire time may pass between reading the clock here and Temporal reading it there
    assert upcoming in (preview[:10], preview[1:])


@pytest.mark.parametrize("name", TEMPORAL_DST_DIFFERENCES)
async def test_temporal_differs_only_where_documented(schedules: Schedules, name: str) -> None:
    case = TEMPORAL_DST_DIFFERENCES[name]
    actual, preview = await _compare(schedules, name)
    assert set(case.missing) <= set(preview)
    assert actual == sorted((set(preview) - set(case.missing)) | set(case.extra))


async def test_temporal_computes_no_calendar_time_after_2100(schedules: Schedules) -> None:
    """Why "Feb 29" compares 18 times: a limit of Temporal's, not of the translation."""
    name = "Feb 29"
    preview = next_fire_times(parse_cron(CASES[name].text), AFTER, 20)
    assert preview[-2:] == [datetime(2104, 2, 29, tzinfo=UTC), datetime(2108, 2, 29, tzinfo=UTC)]
    actual = await matching_times(schedules.client, schedules.id(name), AFTER, preview[-1])
    assert actual == preview[:18]
