"""FDL schedule expressions (reference 10): parse, validate and preview, without Temporal.

``parse_cron`` turns an FDL cron string (6 fields, seconds first, optional ``CRON_TZ=`` prefix)
or ``@every Nm`` into a :class:`CronSchedule` whose fields are sorted tuples of allowed values;
``worker.schedule_spec`` turns that into a Temporal ``ScheduleSpec``. The FDL text is never
passed to Temporal, whose 6-field cron has a year, not seconds, in the last place.

Decisions (the reference leaves them open):

- Seconds take one number 0-59 ("no special characters" in the field table), so a cron
  expression fires at most once a minute and always meets the one-minute minimum.
- ``a/n`` means ``a-max/n`` (the reference example ``0/5``); ``?`` means "any" and must be the
  whole day-of-month or day-of-week field; ranges may not run backwards; ``L``, ``W``, ``#`` and
  other Quartz extensions are rejected.
- Day-of-month and day-of-week: a field that allows every day does not restrict. When both
  restrict, a day matches if either matches (standard cron, and croniter's ``day_or``).
- A day-of-month that no month of the month field has (``30`` in ``FEB``) is an error, since
  the schedule would never fire.
- Daylight saving ("may skip or repeat runs"): a local time that does not exist on the day
  clocks go forward is skipped; one that occurs twice on the day they go back fires twice.
  Temporal (server 1.32) fires exactly so west of UTC. At or east of UTC it misses the first
  copy of a doubled time and may drop or shift times in the hour after it; on 30-minute changes
  (Lord Howe) it fires a missing time 30 minutes late. ``tests/integration/test_cron_temporal.py``
  pins each such difference.
- ``@every Nm`` fires at whole multiples of N minutes since the Unix epoch (Temporal's interval
  with phase 0), whatever ``CRON_TZ`` says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

FIELD_ORDER = "seconds minutes hours day-of-month month day-of-week"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CronError(ValueError):
    """An invalid schedule expression; the message names the field and the bad value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CronCalendar:
    """The six cron fields as sorted tuples of the values they allow (day-of-week 0 = Sunday)."""

    kind: Literal["calendar"] = "calendar"
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: tuple[int, ...]
    months: tuple[int, ...]
    days_of_week: tuple[int, ...]

    @property
    def days_either(self) -> bool:
        """Whether a day matches when it is in day-of-month OR in day-of-week.

        True when both fields leave some day out; otherwise the restricting field (if any)
        alone decides.
        """
        return self.days_of_month != DAY_OF_MONTH.all and self.days_of_week != DAY_OF_WEEK.all


@dataclass(frozen=True, slots=True, kw_only=True)
class CronInterval:
    """``@every Nm``: every ``minutes`` minutes, aligned to the Unix epoch."""

    kind: Literal["interval"] = "interval"
    minutes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CronSchedule:
    """A validated FDL schedule expression.

    Attributes:
        text: the expression as the user wrote it.
        time_zone: the IANA zone of ``CRON_TZ=``, or ``"UTC"``.
        rule: the calendar fields or the interval.
    """

    text: str
    time_zone: str
    rule: CronCalendar | CronInterval


@dataclass(frozen=True, slots=True)
class _Field:
    """How one calendar field is written: its name, bounds, names and what ``?`` means."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    noun: str = ""
    question: bool = False

    @property
    def all(self) -> tuple[int, ...]:
        return tuple(range(self.low, self.high + 1))

    @property
    def expected(self) -> str:
        number = f"number {self.low}-{self.high}"
        if not self.names:
            return f"a {number}"
        return f"a {self.noun} name ({self.names[0]}-{self.names[-1]}) or {number}"

    def error(self, message: str) -> CronError:
        return CronError(f"{self.name} field: {message}")


_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

SECOND = _Field("seconds", 0, 59)
MINUTE = _Field("minutes", 0, 59)
HOUR = _Field("hours", 0, 23)
DAY_OF_MONTH = _Field("day-of-month", 1, 31, question=True)
MONTH = _Field("month", 1, 12, _MONTH_NAMES, "month")
DAY_OF_WEEK = _Field("day-of-week", 0, 6, _DAY_NAMES, "day", question=True)

_NUMBER = re.compile(r"[0-9]+")
_EVERY = re.compile(r"(?P<number>[0-9]+)(?P<unit>[A-Za-z]*)")
_QUARTZ = re.compile(r"L|LW|L-[0-9]+|[0-9]+[LW]|[0-9A-Z]+#[0-9]+", re.IGNORECASE)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def parse_cron(text: str) -> CronSchedule:
    """Parse and validate an FDL schedule expression.

    Args:
        text: ``[CRON_TZ=<zone> ]<seconds> <minutes> <hours> <day-of-month> <month>
            <day-of-week>`` or ``[CRON_TZ=<zone> ]@every <N>m``.

    Returns:
        The schedule, with every field expanded to the sorted values it allows.

    Raises:
        CronError: the expression is invalid; the message names the field and the value.
    """
    body = text.strip()
    if not body:
        raise CronError("the cron expression is empty")
    zone = "UTC"
    if body.startswith(("CRON_TZ=", "TZ=")):
        prefix, _, body = body.partition(" ")
        zone = _parse_zone(prefix)
        body = body.strip()
    if body.startswith("@"):
        return CronSchedule(text=text, time_zone=zone, rule=_parse_descriptor(body))
    return CronSchedule(text=text, time_zone=zone, rule=_parse_calendar(body.split()))


def _parse_zone(prefix: str) -> str:
    key, _, zone = prefix.partition("=")
    if key != "CRON_TZ":
        raise CronError(f"'{prefix}': write the time zone as CRON_TZ=<IANA zone>")
    if not zone:
        raise CronError("CRON_TZ: the time zone name is missing, e.g. CRON_TZ=Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"CRON_TZ: '{zone}' is not an IANA time zone name") from None
    return zone


def _parse_descriptor(body: str) -> CronInterval:
    words = body.split()
    if words[0] != "@every":
        raise CronError(f"'{words[0]}': the only @ form is @every <N>m, e.g. @every 5m")
    amount = _EVERY.fullmatch(words[1]) if len(words) == 2 else None
    if amount is None:
        raise CronError(f"{body}: the interval must be a whole number of minutes, e.g. @every 5m")
    if amount["unit"] == "s":
        raise CronError(f"interval of {body} is under the one-minute minimum; write minutes (m)")
    if amount["unit"] != "m":
        raise CronError(f"{body}: the interval unit must be minutes (m), e.g. @every 5m")
    if int(amount["number"]) < 1:
        raise CronError(f"interval of {body} is under the one-minute minimum")
    return CronInterval(minutes=int(amount["number"]))


def _parse_calendar(fields: list[str]) -> CronCalendar:
    if len(fields) != 6:
        raise CronError(f"expected 6 fields ({FIELD_ORDER}), got {len(fields)}")
    second, minute, hour, day, month, weekday = fields
    if not _NUMBER.fullmatch(second) or int(second) > 59:
        raise CronError(f"seconds field: '{second}' — the seconds field takes a single number 0-59")
    calendar = CronCalendar(
        seconds=(int(second),),
        minutes=_parse_field(minute, MINUTE),
        hours=_parse_field(hour, HOUR),
        days_of_month=_parse_field(day, DAY_OF_MONTH),
        months=_parse_field(month, MONTH),
        days_of_week=_parse_field(weekday, DAY_OF_WEEK),
    )
    _check_day_occurs(calendar, day, month)
    return calendar


def _parse_field(token: str, field: _Field) -> tuple[int, ...]:
    if "?" in token:
        if not field.question:
            raise field.error("'?' is only allowed in day-of-month and day-of-week")
        if token != "?":
            raise field.error(f"'?' must be the whole field, got '{token}'")
        return field.all
    values: set[int] = set()
    for item in token.split(","):
        if not item:
            raise field.error(f"empty list item in '{token}'")
        values.update(_parse_item(item, field))
    return tuple(sorted(values))


def _parse_item(item: str, field: _Field) -> range:
    base, slash, step_text = item.partition("/")
    bounds = base.split("-")
    malformed = "" in bounds or len(bounds) > 2 or "/" in step_text
    if malformed or (base == "*") != ("*" in base):
        raise _syntax_error(
            item, field, "is not a value, range or step (e.g. 5, 1-5, */5, 0-30/10)"
        )
    if base == "*":
        start, end = field.low, field.high
    else:
        start = end = _parse_value(bounds[0], field, item)
        if len(bounds) == 2:
            end = _parse_value(bounds[1], field, item)
        elif slash:
            end = field.high  # "a/n" means "a-max/n"
    if start > end:
        raise field.error(f"range '{base}' runs backwards; write the smaller value first")
    step = 1
    if slash:
        if not _NUMBER.fullmatch(step_text) or int(step_text) == 0:
            raise field.error(f"step '{step_text}' in '{item}' must be a positive whole number")
        step = int(step_text)
    return range(start, end + 1, step)


def _parse_value(text: str, field: _Field, item: str) -> int:
    if _NUMBER.fullmatch(text) and field.low <= int(text) <= field.high:
        return int(text)
    if text.upper() in field.names:
        return field.names.index(text.upper()) + field.low
    raise _syntax_error(item, field, f"is not {field.expected}", text)


def _syntax_error(item: str, field: _Field, problem: str, value: str | None = None) -> CronError:
    """The error for a bad item, naming Quartz's day extensions when the item is one."""
    if field.question and _QUARTZ.fullmatch(item):
        return field.error(f"'{item}' — L, W and # are not supported")
    return field.error(f"'{item if value is None else value}' {problem}")


def _check_day_occurs(calendar: CronCalendar, day: str, month: str) -> None:
    if calendar.days_of_week != DAY_OF_WEEK.all:
        return  # the weekday side (alone, or OR-ed with the day-of-month side) always fires
    longest = max(_DAYS_IN_MONTH[m - 1] for m in calendar.months)
    if calendar.days_of_month[0] > longest:
        raise DAY_OF_MONTH.error(f"'{day}' never occurs in month '{month}', so it would never fire")


def next_fire_times(schedule: CronSchedule, after: datetime, n: int) -> list[datetime]:
    """The next ``n`` times the schedule fires strictly after ``after``.

    Calendars are computed with croniter in the schedule's zone; local times that a daylight
    saving change skips are left out (croniter would move them to the next valid minute, while
    Temporal does not fire), doubled ones appear twice. ``@every`` times are multiples of the
    interval since the epoch. See the module docstring for where Temporal departs from this.

    Args:
        schedule: a schedule from :func:`parse_cron`.
        after: a timezone-aware instant.
        n: how many fire times to return.

    Returns:
        Timezone-aware datetimes in the schedule's zone, ascending.

    Raises:
        ValueError: ``after`` is naive.
    """
    if after.tzinfo is None:
        raise ValueError("after must be a timezone-aware datetime")
    zone = ZoneInfo(schedule.time_zone)
    rule = schedule.rule
    if isinstance(rule, CronInterval):
        times = _interval_times(rule, after)
    else:
        times = _calendar_times(rule, after.astimezone(zone))
    return [next(times).astimezone(zone) for _ in range(n)]


def _interval_times(rule: CronInterval, after: datetime) -> Iterator[datetime]:
    period = timedelta(minutes=rule.minutes)
    moment = EPOCH + ((after - EPOCH) // period + 1) * period
    while True:
        yield moment
        moment += period


def _calendar_times(rule: CronCalendar, after: datetime) -> Iterator[datetime]:
    fields = (
        (rule.seconds, SECOND),
        (rule.minutes, MINUTE),
        (rule.hours, HOUR),
        (rule.days_of_month, DAY_OF_MONTH),
        (rule.months, MONTH),
        (rule.days_of_week, DAY_OF_WEEK),
    )
    expression = " ".join(_croniter_field(values, field) for values, field in fields)
    times = croniter(expression, after, second_at_beginning=True, day_or=True)
    valid = _times_of_day(rule)
    last = after.astimezone(UTC)
    while True:
        moment: datetime = times.get_next(datetime)
        # croniter moves a local time that a DST change skips to the next valid minute (and
        # may return that minute twice); Temporal does not fire, so neither does the preview.
        # Compared in UTC: datetimes sharing a tzinfo compare by wall clock and ignore fold.
        if (moment.second, moment.minute, moment.hour) in valid and moment.astimezone(UTC) > last:
            last = moment.astimezone(UTC)
            yield moment


def _times_of_day(rule: CronCalendar) -> set[tuple[int, int, int]]:
    return {(s, m, h) for s in rule.seconds for m in rule.minutes for h in rule.hours}


def _croniter_field(values: tuple[int, ...], field: _Field) -> str:
    """``*`` for a field that allows everything, so croniter applies the same day rule."""
    return "*" if values == field.all else ",".join(map(str, values))
