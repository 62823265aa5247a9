"""FDL schedules as Temporal schedule specs: the neutral form of ``translator.cron`` to Temporal.

The translation is structural (ranges of values), never a cron string: Temporal reads a 6-field
cron string as ending in a year, not starting with seconds. Day-of-month OR day-of-week (both
restricted, standard cron) becomes two calendars, whose union Temporal fires once per instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import (
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleRange,
    ScheduleSpec,
)

from translator.cron import DAY_OF_MONTH, DAY_OF_WEEK, CronCalendar, CronInterval, CronSchedule


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
