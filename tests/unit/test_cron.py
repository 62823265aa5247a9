"""FDL schedule expressions (reference 10): parsing, error messages, previews, Temporal specs.

No server here: ``tests/integration/test_cron_temporal.py`` checks the same translation
against Temporal's own schedule engine.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from translator.cron import (
    CronCalendar,
    CronError,
    CronInterval,
    CronSchedule,
    next_fire_times,
    parse_cron,
)
from worker.service.schedule_spec import to_ranges, to_schedule_spec

# The baseline every valid case is written against: "0 0 0 * * *" (daily at midnight).
MIDNIGHT = CronCalendar(
    seconds=(0,),
    minutes=(0,),
    hours=(0,),
    days_of_month=tuple(range(1, 32)),
    months=tuple(range(1, 13)),
    days_of_week=tuple(range(7)),
)
WEEKDAYS = (1, 2, 3, 4, 5)
NEW_YORK = ZoneInfo("America/New_York")


def cal(text: str, zone: str = "UTC", **fields: Any) -> CronSchedule:
    """The expected schedule: the midnight baseline with ``fields`` changed."""
    return CronSchedule(text=text, time_zone=zone, rule=replace(MIDNIGHT, **fields))


def every(text: str, minutes: int, zone: str = "UTC") -> CronSchedule:
    return CronSchedule(text=text, time_zone=zone, rule=CronInterval(minutes=minutes))


VALID = [
    # the examples of reference 10
    pytest.param(cal("0 0 4 * * *", hours=(4,)), id="ref: daily 04:00"),
    pytest.param(
        cal("0 30 4 ? * MON-FRI", minutes=(30,), hours=(4,), days_of_week=WEEKDAYS),
        id="ref: weekdays 04:30",
    ),
    pytest.param(
        cal(
            "0 0/5 4-6 ? * MON-FRI",
            minutes=tuple(range(0, 60, 5)),
            hours=(4, 5, 6),
            days_of_week=WEEKDAYS,
        ),
        id="ref: every 5 min 04-06 weekdays",
    ),
    pytest.param(
        cal("0 26,29,33 * * * *", minutes=(26, 29, 33), hours=tuple(range(24))),
        id="ref: minute list",
    ),
    pytest.param(
        cal("0 0 4 ? JAN,FEB,MAR,APR *", hours=(4,), months=(1, 2, 3, 4)), id="ref: months"
    ),
    pytest.param(
        cal("CRON_TZ=Asia/Shanghai 0 0 12 * * *", "Asia/Shanghai", hours=(12,)), id="ref: CRON_TZ"
    ),
    pytest.param(every("@every 5m", 5), id="ref: @every 5m"),
    pytest.param(every("@every 90m", 90), id="ref: @every 90m"),
    # names
    pytest.param(cal("0 0 9 ? * mon-fri", hours=(9,), days_of_week=WEEKDAYS), id="lower-case days"),
    pytest.param(
        cal("0 0 0 1 jan,Jul *", days_of_month=(1,), months=(1, 7)), id="mixed-case months"
    ),
    pytest.param(
        cal("0 0 8 ? * MON-WED,FRI", hours=(8,), days_of_week=(1, 2, 3, 5)), id="day list"
    ),
    pytest.param(
        cal("0 0 0 ? JAN-MAR,OCT-DEC *", months=(1, 2, 3, 10, 11, 12)), id="list of month ranges"
    ),
    pytest.param(cal("0 0 0 ? 1-MAR *", months=(1, 2, 3)), id="number-name range"),
    # ranges, steps, lists
    pytest.param(
        cal("0 10-40/10 * * * *", minutes=(10, 20, 30, 40), hours=tuple(range(24))),
        id="step over range",
    ),
    pytest.param(
        cal("0 0-3,20-22,50 * * * *", minutes=(0, 1, 2, 3, 20, 21, 22, 50), hours=tuple(range(24))),
        id="list of ranges",
    ),
    pytest.param(cal("0 */15 * * * *", minutes=(0, 15, 30, 45), hours=tuple(range(24))), id="*/15"),
    pytest.param(
        cal("0 5/15 * * * *", minutes=(5, 20, 35, 50), hours=tuple(range(24))), id="a/n = a-max/n"
    ),
    pytest.param(cal("0 0 */6 * * *", hours=(0, 6, 12, 18)), id="hours */6"),
    pytest.param(cal("0 0 0 */2 * ?", days_of_month=tuple(range(1, 32, 2))), id="odd days"),
    pytest.param(cal("0 0 0 ? */3 *", months=(1, 4, 7, 10)), id="quarterly months"),
    pytest.param(cal("0 0 0 ? * 1-5/2", days_of_week=(1, 3, 5)), id="day step"),
    pytest.param(cal("0 0,0,30 * * * *", minutes=(0, 30), hours=tuple(range(24))), id="duplicates"),
    # day-of-week numbers
    pytest.param(cal("0 0 12 ? * 0", hours=(12,), days_of_week=(0,)), id="Sunday is 0"),
    pytest.param(cal("0 0 12 ? * 6", hours=(12,), days_of_week=(6,)), id="Saturday is 6"),
    pytest.param(cal("0 0 12 ? * SUN,SAT", hours=(12,), days_of_week=(0, 6)), id="weekend names"),
    pytest.param(cal("0 0 12 ? * SUN-SAT", hours=(12,)), id="whole week"),
    # day-of-month and day-of-week
    pytest.param(
        cal("0 0 0 1,15 * MON", days_of_month=(1, 15), days_of_week=(1,)), id="dom and dow"
    ),
    pytest.param(cal("0 0 0 1-31 * MON", days_of_week=(1,)), id="all days and MON"),
    pytest.param(cal("0 0 0 ? * ?"), id="? in both"),
    pytest.param(cal("0 0 0 29 2 *", days_of_month=(29,), months=(2,)), id="Feb 29"),
    pytest.param(cal("0 0 0 31 * *", days_of_month=(31,)), id="31st"),
    # bounds, spacing, zones
    pytest.param(
        cal(
            "59 59 23 31 12 *",
            seconds=(59,),
            minutes=(59,),
            hours=(23,),
            days_of_month=(31,),
            months=(12,),
        ),
        id="largest values",
    ),
    pytest.param(cal("00 05 07 * * *", minutes=(5,), hours=(7,)), id="leading zeros"),
    pytest.param(cal("  0  0\t4 * * *  ", hours=(4,)), id="extra whitespace"),
    pytest.param(
        cal("CRON_TZ=America/New_York 0 30 2 * * *", "America/New_York", minutes=(30,), hours=(2,)),
        id="New York 02:30",
    ),
    pytest.param(
        cal("CRON_TZ=Europe/Berlin 0 30 2 * * *", "Europe/Berlin", minutes=(30,), hours=(2,)),
        id="Berlin 02:30",
    ),
    pytest.param(cal("CRON_TZ=UTC 0 0 0 * * *"), id="CRON_TZ=UTC"),
    pytest.param(every("CRON_TZ=Asia/Kolkata @every 7m", 7, "Asia/Kolkata"), id="@every with zone"),
    pytest.param(every("@every 1m", 1), id="@every 1m"),
    pytest.param(every("@every 1440m", 1440), id="@every 1440m"),
]


@pytest.mark.parametrize("expected", VALID)
def test_parse_valid(expected: CronSchedule) -> None:
    assert parse_cron(expected.text) == expected


def test_days_either_only_when_both_day_fields_restrict() -> None:
    assert _calendar("0 0 0 1,15 * MON").days_either
    assert not _calendar("0 0 0 1-31 * MON").days_either
    assert not _calendar("0 0 0 15 * SUN-SAT").days_either
    assert not _calendar("0 0 0 ? * MON").days_either


def _calendar(text: str) -> CronCalendar:
    rule = parse_cron(text).rule
    assert isinstance(rule, CronCalendar)
    return rule


FIELDS = "expected 6 fields (seconds minutes hours day-of-month month day-of-week)"
SECONDS = "the seconds field takes a single number 0-59"
QUARTZ = "L, W and # are not supported"
SYNTAX = "is not a value, range or step (e.g. 5, 1-5, */5, 0-30/10)"

INVALID = [
    ("empty", "  ", "the cron expression is empty"),
    ("5 fields (Unix cron)", "0 4 * * *", f"{FIELDS}, got 5"),
    ("7 fields (Quartz year)", "0 0 4 * * * 2026", f"{FIELDS}, got 7"),
    ("seconds step", "*/10 * * * * *", f"seconds field: '*/10' — {SECONDS}"),
    ("seconds star", "* 0 0 * * *", f"seconds field: '*' — {SECONDS}"),
    ("seconds list", "0,30 0 0 * * *", f"seconds field: '0,30' — {SECONDS}"),
    ("seconds 60", "60 0 0 * * *", f"seconds field: '60' — {SECONDS}"),
    ("minute 60", "0 60 * * * *", "minutes field: '60' is not a number 0-59"),
    ("hour 24", "0 0 24 * * *", "hours field: '24' is not a number 0-23"),
    ("negative-looking", "0 -5 * * * *", f"minutes field: '-5' {SYNTAX}"),
    ("open range", "0 5- * * * *", f"minutes field: '5-' {SYNTAX}"),
    ("day 0", "0 0 0 0 * *", "day-of-month field: '0' is not a number 1-31"),
    ("day 32", "0 0 0 32 * *", "day-of-month field: '32' is not a number 1-31"),
    ("month 13", "0 0 0 * 13 *", "month field: '13' is not a month name (JAN-DEC) or number 1-12"),
    (
        "long month name",
        "0 0 0 * JANUARY *",
        "month field: 'JANUARY' is not a month name (JAN-DEC) or number 1-12",
    ),
    (
        "bad day name",
        "0 0 4 * * MOX",
        "day-of-week field: 'MOX' is not a day name (SUN-SAT) or number 0-6",
    ),
    ("day 7", "0 0 0 ? * 7", "day-of-week field: '7' is not a day name (SUN-SAT) or number 0-6"),
    (
        "month name as day",
        "0 0 0 ? * JUL",
        "day-of-week field: 'JUL' is not a day name (SUN-SAT) or number 0-6",
    ),
    (
        "bad range end",
        "0 0 0 ? * MON-FRX",
        "day-of-week field: 'FRX' is not a day name (SUN-SAT) or number 0-6",
    ),
    (
        "? in minutes",
        "0 ? * * * *",
        "minutes field: '?' is only allowed in day-of-month and day-of-week",
    ),
    (
        "? in month",
        "0 0 0 * ? *",
        "month field: '?' is only allowed in day-of-month and day-of-week",
    ),
    ("? in a list", "0 0 0 ?,1 * *", "day-of-month field: '?' must be the whole field, got '?,1'"),
    ("L", "0 0 0 L * ?", f"day-of-month field: 'L' — {QUARTZ}"),
    ("W", "0 0 0 15W * ?", f"day-of-month field: '15W' — {QUARTZ}"),
    ("LW", "0 0 0 LW * ?", f"day-of-month field: 'LW' — {QUARTZ}"),
    ("L-3", "0 0 0 L-3 * ?", f"day-of-month field: 'L-3' — {QUARTZ}"),
    ("#", "0 0 0 ? * 5#2", f"day-of-week field: '5#2' — {QUARTZ}"),
    ("# with name", "0 0 0 ? * FRI#2", f"day-of-week field: 'FRI#2' — {QUARTZ}"),
    ("last weekday", "0 0 0 ? * 6L", f"day-of-week field: '6L' — {QUARTZ}"),
    ("step 0", "0 */0 * * * *", "minutes field: step '0' in '*/0' must be a positive whole number"),
    (
        "step word",
        "0 */x * * * *",
        "minutes field: step 'x' in '*/x' must be a positive whole number",
    ),
    ("two steps", "0 1/2/3 * * * *", f"minutes field: '1/2/3' {SYNTAX}"),
    ("two dashes", "0 1-2-3 * * * *", f"minutes field: '1-2-3' {SYNTAX}"),
    ("star range", "0 *-5 * * * *", f"minutes field: '*-5' {SYNTAX}"),
    ("empty item", "0 1,,2 * * * *", "minutes field: empty list item in '1,,2'"),
    (
        "backwards",
        "0 40-10 * * * *",
        "minutes field: range '40-10' runs backwards; write the smaller value first",
    ),
    (
        "backwards days",
        "0 0 0 ? * FRI-MON",
        "day-of-week field: range 'FRI-MON' runs backwards; write the smaller value first",
    ),
    (
        "Feb 30",
        "0 0 0 30 FEB *",
        "day-of-month field: '30' never occurs in month 'FEB', so it would never fire",
    ),
    (
        "31st of short months",
        "0 0 0 31 4,6,9,11 *",
        "day-of-month field: '31' never occurs in month '4,6,9,11', so it would never fire",
    ),
    (
        "@every seconds",
        "@every 30s",
        "interval of @every 30s is under the one-minute minimum; write minutes (m)",
    ),
    (
        "@every hours",
        "@every 2h",
        "@every 2h: the interval unit must be minutes (m), e.g. @every 5m",
    ),
    (
        "@every no unit",
        "@every 5",
        "@every 5: the interval unit must be minutes (m), e.g. @every 5m",
    ),
    ("@every 0m", "@every 0m", "interval of @every 0m is under the one-minute minimum"),
    (
        "@every fraction",
        "@every 1.5m",
        "@every 1.5m: the interval must be a whole number of minutes, e.g. @every 5m",
    ),
    (
        "@every Go duration",
        "@every 1h30m",
        "@every 1h30m: the interval must be a whole number of minutes, e.g. @every 5m",
    ),
    (
        "@every alone",
        "@every",
        "@every: the interval must be a whole number of minutes, e.g. @every 5m",
    ),
    ("@daily", "@daily", "'@daily': the only @ form is @every <N>m, e.g. @every 5m"),
    (
        "unknown zone",
        "CRON_TZ=Mars/Base 0 0 0 * * *",
        "CRON_TZ: 'Mars/Base' is not an IANA time zone name",
    ),
    (
        "zone path",
        "CRON_TZ=../etc/passwd 0 0 0 * * *",
        "CRON_TZ: '../etc/passwd' is not an IANA time zone name",
    ),
    (
        "empty zone",
        "CRON_TZ= 0 0 0 * * *",
        "CRON_TZ: the time zone name is missing, e.g. CRON_TZ=Asia/Shanghai",
    ),
    (
        "TZ= prefix",
        "TZ=Asia/Shanghai 0 0 12 * * *",
        "'TZ=Asia/Shanghai': write the time zone as CRON_TZ=<IANA zone>",
    ),
    ("zone without fields", "CRON_TZ=Asia/Shanghai", f"{FIELDS}, got 0"),
]


@pytest.mark.parametrize(("text", "message"), [pytest.param(t, m, id=i) for i, t, m in INVALID])
def test_parse_invalid(text: str, message: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_cron(text)
    assert str(caught.value) == message


def test_cron_error_is_a_value_error() -> None:
    assert issubclass(CronError, ValueError)


def _utc(text: str, after: datetime, n: int) -> list[str]:
    return [
        t.astimezone(UTC).strftime("%m-%d %H:%M")
        for t in next_fire_times(parse_cron(text), after, n)
    ]


def test_preview_skips_a_local_time_that_spring_forward_removes() -> None:
    # 2026-03-08 02:30 does not exist in New York; Temporal does not fire that day.
    after = datetime(2026, 3, 7, tzinfo=NEW_YORK)
    got = _utc("CRON_TZ=America/New_York 0 30 2 * * *", after, 2)
    assert got == ["03-07 07:30", "03-09 06:30"]


def test_preview_skips_every_gap_time_without_duplicates() -> None:
    # Berlin 2026-03-29: 02:00 and 02:30 do not exist (croniter would move both to 03:00).
    after = datetime(2026, 3, 28, 12, tzinfo=UTC)
    got = _utc("CRON_TZ=Europe/Berlin 0 0,30 2 * * *", after, 3)
    assert got == ["03-30 00:00", "03-30 00:30", "03-31 00:00"]


def test_preview_repeats_a_local_time_that_fall_back_doubles() -> None:
    after = datetime(2026, 10, 31, 12, tzinfo=NEW_YORK)
    got = _utc("CRON_TZ=America/New_York 0 30 1 * * *", after, 3)
    assert got == ["11-01 05:30", "11-01 06:30", "11-02 06:30"]


def test_preview_times_are_aware_in_the_schedule_zone() -> None:
    times = next_fire_times(
        parse_cron("CRON_TZ=Asia/Shanghai 0 0 12 * * *"), datetime(2026, 1, 1, tzinfo=UTC), 2
    )
    assert [t.isoformat() for t in times] == [
        "2026-01-01T12:00:00+08:00",
        "2026-01-02T12:00:00+08:00",
    ]


def test_preview_is_strictly_after() -> None:
    assert _utc("0 0 4 * * *", datetime(2026, 1, 1, 4, tzinfo=UTC), 1) == ["01-02 04:00"]


def test_preview_days_either_or_both() -> None:
    # July 2026: the 1st and 15th are Wednesdays; Mondays are 6, 13, 20, 27.
    after = datetime(2026, 6, 30, tzinfo=UTC)
    assert _utc("0 0 12 1,15 * MON", after, 5) == [
        f"07-{d} 12:00" for d in ("01", "06", "13", "15", "20")
    ]
    assert _utc("0 0 12 1-31 * MON", after, 2) == ["07-06 12:00", "07-13 12:00"]


def test_preview_every_is_epoch_aligned_whatever_the_zone() -> None:
    # Kolkata is UTC+05:30 = 330 minutes, not a multiple of 7: local alignment would differ.
    times = next_fire_times(
        parse_cron("CRON_TZ=Asia/Kolkata @every 7m"), datetime(2026, 1, 1, tzinfo=UTC), 2
    )
    assert [t.isoformat() for t in times] == [
        "2026-01-01T05:37:00+05:30",
        "2026-01-01T05:44:00+05:30",
    ]
    assert _utc("@every 90m", datetime(2026, 1, 1, 0, 59, 59, 999999, tzinfo=UTC), 2) == [
        "01-01 01:30",
        "01-01 03:00",
    ]


def test_preview_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire_times(parse_cron("@every 5m"), datetime(2026, 1, 1), 1)


RANGES = [
    ("single", (7,), [(7, 7, 1)]),
    ("run", (1, 2, 3, 4, 5), [(1, 5, 1)]),
    ("stepped", tuple(range(0, 60, 5)), [(0, 55, 5)]),
    ("irregular", (26, 29, 33), [(26, 26, 1), (29, 29, 1), (33, 33, 1)]),
    ("pair then run", (1, 2, 4, 5, 6), [(1, 1, 1), (2, 2, 1), (4, 6, 1)]),
    ("two runs", (1, 3, 5, 6, 7, 8), [(1, 5, 2), (6, 8, 1)]),
    ("weekend", (0, 6), [(0, 0, 1), (6, 6, 1)]),
]


@pytest.mark.parametrize(("values", "expected"), [pytest.param(v, e, id=i) for i, v, e in RANGES])
def test_to_ranges(values: tuple[int, ...], expected: list[tuple[int, int, int]]) -> None:
    assert [(r.start, r.end, r.step) for r in to_ranges(values)] == expected


def test_spec_or_of_day_fields_is_two_calendars() -> None:
    spec = to_schedule_spec(parse_cron("CRON_TZ=Europe/Berlin 0 0 12 1,15 * MON"))
    assert spec.time_zone_name == "Europe/Berlin"
    assert not spec.cron_expressions
    days = [
        ([(r.start, r.end) for r in c.day_of_month], [(r.start, r.end) for r in c.day_of_week])
        for c in spec.calendars
    ]
    assert days == [([(1, 1), (15, 15)], [(0, 6)]), ([(1, 31)], [(1, 1)])]
    assert {c.comment for c in spec.calendars} == {"CRON_TZ=Europe/Berlin 0 0 12 1,15 * MON"}


def test_spec_single_calendar_when_one_day_field_is_free() -> None:
    (calendar,) = to_schedule_spec(parse_cron("15 0/5 4-6 ? JAN-MAR MON-FRI")).calendars
    fields = [
        calendar.second,
        calendar.minute,
        calendar.hour,
        calendar.day_of_month,
        calendar.month,
        calendar.day_of_week,
    ]
    assert [[(r.start, r.end, r.step) for r in f] for f in fields] == [
        [(15, 15, 1)],
        [(0, 55, 5)],
        [(4, 6, 1)],
        [(1, 31, 1)],
        [(1, 3, 1)],
        [(1, 5, 1)],
    ]


def test_spec_every_is_an_interval() -> None:
    spec = to_schedule_spec(parse_cron("@every 90m"))
    assert not spec.calendars
    assert [(i.every.total_seconds(), i.offset) for i in spec.intervals] == [(5400, None)]
    assert spec.time_zone_name == "UTC"


def test_spec_every_keeps_the_zone_for_display() -> None:
    # Temporal aligns intervals to the epoch whatever the zone; the zone still shows in the UI.
    spec = to_schedule_spec(parse_cron("CRON_TZ=Asia/Kolkata @every 7m"))
    assert spec.time_zone_name == "Asia/Kolkata"
