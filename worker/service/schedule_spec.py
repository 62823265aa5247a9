"""FDL schedules as Temporal schedule specs: the neutral form of ``translator.cron`` to Temporal,
plus the overlap policies and catch-up windows a schedule may set.

The translation is structural (ranges of values), never a cron string: Temporal reads a 6-field
cron string as ending in a year, not starting with seconds. Day-of-month OR day-of-week (both
restricted, standard cron) becomes two calendars, whose union Temporal fires once per instant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import (
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    ScheduleRange,
    ScheduleSpec,
)

from translator.cron import DAY_OF_MONTH, DAY_OF_WEEK, CronCalendar, CronInterval, CronSchedule

OVERLAP_POLICIES = {
    "allow-all": ScheduleOverlapPolicy.ALLOW_ALL,
    "skip": ScheduleOverlapPolicy.SKIP,
    "buffer-one": ScheduleOverlapPolicy.BUFFER_ONE,
    "buffer-all": ScheduleOverlapPolicy.BUFFER_ALL,
    "cancel-other": ScheduleOverlapPolicy.CANCEL_OTHER,
    "terminate-other": ScheduleOverlapPolicy.TERMINATE_OTHER,
}
"""What a fire does while an execution of the same schedule still runs (Temporal's policies)."""

DEFAULT_OVERLAP = "allow-all"
DEFAULT_CATCHUP_WINDOW = timedelta(minutes=1)
MIN_CATCHUP_WINDOW = timedelta(seconds=10)
"""Temporal raises shorter catch-up windows to ten seconds; we refuse them instead."""

_DURATION = re.compile(
    r"(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?"
)


class ScheduleError(ValueError):
    """An invalid schedule request: a bad name, cron expression, policy or duration."""


def parse_overlap(name: str) -> ScheduleOverlapPolicy:
    """An overlap policy by name (``skip``, ``buffer-one``, ...; case and ``_`` ignored).

    Raises:
        ScheduleError: not a policy name.
    """
    key = name.strip().lower().replace("_", "-")
    if key not in OVERLAP_POLICIES:
        raise ScheduleError(f"overlap policy '{name}' is not one of: {', '.join(OVERLAP_POLICIES)}")
    return OVERLAP_POLICIES[key]


def parse_duration(text: str) -> timedelta:
    """A catch-up window such as ``30s``, ``10m``, ``2h``, ``1d`` or ``1h30m``.

    Raises:
        ScheduleError: not a duration, or under ten seconds.
    """
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ScheduleError(
            f"catch-up window '{text}' is not a duration such as 30s, 10m, 2h, 1d or 1h30m"
        )
    parts = {unit: int(value or 0) for unit, value in match.groupdict().items()}
    window = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    if window < MIN_CATCHUP_WINDOW:
        raise ScheduleError(f"catch-up window '{text}' is under the ten-second minimum")
    return window


def format_duration(window: timedelta) -> str:
    """``1h30m``-style text for a duration (the inverse of :func:`parse_duration`)."""
    seconds = int(window.total_seconds())
    text = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            text += f"{seconds // size}{unit}"
            seconds %= size
    return text or "0s"


def to_schedule_spec(schedule: CronSchedule) -> ScheduleSpec:
    """The Temporal spec that fires exactly when the FDL schedule does.

    Args:
        schedule: a schedule from :func:`translator.cron.parse_cron`.

    Returns:
        Calendars (or, for ``@every``, an epoch-aligned interval) in the schedule's time zone.
    """
    rule = schedule.rule
    if isinstance(rule, CronInterval):
        every = ScheduleIntervalSpec(every=timedelta(minutes=rule.minutes))
        return ScheduleSpec(intervals=[every], time_zone_name=schedule.time_zone)
    if rule.days_either:
        days = [(rule.days_of_month, DAY_OF_WEEK.all), (DAY_OF_MONTH.all, rule.days_of_week)]
    else:
        days = [(rule.days_of_month, rule.days_of_week)]
    calendars = [_calendar(rule, dom, dow, schedule.text) for dom, dow in days]
    return ScheduleSpec(calendars=calendars, time_zone_name=schedule.time_zone)


def _calendar(
    rule: CronCalendar, days_of_month: Sequence[int], days_of_week: Sequence[int], text: str
) -> ScheduleCalendarSpec:
    return ScheduleCalendarSpec(
        second=to_ranges(rule.seconds),
        minute=to_ranges(rule.minutes),
        hour=to_ranges(rule.hours),
        day_of_month=to_ranges(days_of_month),
        month=to_ranges(rule.months),
        day_of_week=to_ranges(days_of_week),  # both use 0 = Sunday
        comment=text,
    )


def to_ranges(values: Sequence[int]) -> list[ScheduleRange]:
    """Sorted distinct values as Temporal ranges: runs of three or more equally spaced values
    become one stepped range (``0,5,...,55`` -> 0-55/5), the rest stay single values.

    Args:
        values: ascending, distinct integers.

    Returns:
        Ranges that together match exactly ``values``.
    """
    ranges: list[ScheduleRange] = []
    start = 0
    while start < len(values):
        end = start + 1
        step = values[end] - values[start] if end < len(values) else 1
        while end < len(values) and values[end] - values[end - 1] == step:
            end += 1
        if end - start < 3:
            end, step = start + 1, 1
        ranges.append(ScheduleRange(start=values[start], end=values[end - 1], step=step))
        start = end
    return ranges
