"""``fdl schedule`` without a server: every kind of invalid input is refused (exit 1) with a
message naming the field and the value, before any connection; ``next --cron`` previews."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from cli import schedules as schedules_cli
from worker.local.devserver import free_port


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    # Nothing listens here: a command that got past validation would fail to connect instead.
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """The fdl app stand-in."""

    schedules_cli.register(app)
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["schedule", *args])
    return result.exit_code, result.stdout, result.stderr


INVALID_CRON = [
    (
        "0 0 4 * *",
        "expected 6 fields (seconds minutes hours day-of-month month day-of-week), got 5",
    ),
    ("0 0 4 * * * 2026", "expected 6 fields"),
    ("*/5 * * * * *", "seconds field: '*/5'"),
    ("60 0 4 * * *", "seconds field: '60'"),
    ("0 60 4 * * *", "minutes field: '60' is not a number 0-59"),
    ("0 0 24 * * *", "hours field: '24' is not a number 0-23"),
    ("0 0 4 32 * *", "day-of-month field: '32' is not a number 1-31"),
    ("0 0 4 L * ?", "day-of-month field: 'L' — L, W and # are not supported"),
    ("0 0 4 ? * 1#2", "day-of-week field: '1#2' — L, W and # are not supported"),
    ("0 0 4 ? JANUARY *", "month field: 'JANUARY' is not a month name (JAN-DEC) or number 1-12"),
    ("0 0 4 ? 13 *", "month field: '13'"),
    ("0 0 4 ? * 7", "day-of-week field: '7' is not a day name (SUN-SAT) or number 0-6"),
    ("0 0 4 ? * FUN", "day-of-week field: 'FUN'"),
    ("0 ? 4 * * *", "minutes field: '?' is only allowed in day-of-month and day-of-week"),
    ("0 0 4 1? * *", "day-of-month field: '?' must be the whole field, got '1?'"),
    ("0 30-10 4 * * *", "minutes field: range '30-10' runs backwards"),
    ("0 */0 4 * * *", "minutes field: step '0' in '*/0' must be a positive whole number"),
    ("0 1,,2 4 * * *", "minutes field: empty list item in '1,,2'"),
    ("0 0 0 30 FEB *", "day-of-month field: '30' never occurs in month 'FEB'"),
    ("CRON_TZ=Mars/Olympus 0 0 4 * * *", "CRON_TZ: 'Mars/Olympus' is not an IANA time zone name"),
    ("TZ=UTC 0 0 4 * * *", "'TZ=UTC': write the time zone as CRON_TZ=<IANA zone>"),
    ("@every 30s", "interval of @every 30s is under the one-minute minimum"),
    ("@every 0m", "interval of @every 0m is under the one-minute minimum"),
    ("@every 1h", "@every 1h: the interval unit must be minutes (m)"),
    ("@every 1.5m", "@every 1.5m: the interval must be a whole number of minutes"),
    ("@daily", "'@daily': the only @ form is @every <N>m"),
    ("", "the cron expression is empty"),
]


@pytest.mark.parametrize(
    ("cron", "message"), INVALID_CRON, ids=[c or "empty" for c, _ in INVALID_CRON]
)
@pytest.mark.parametrize("command", ["create", "update", "next"])
def test_invalid_cron_is_refused_naming_field_and_value(
    app: typer.Typer, command: str, cron: str, message: str
) -> None:
    code, out, err = run(app, command, "orders", "nightly", "--cron", cron)
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: invalid cron expression '{cron}': ")
    assert message in err
    assert err.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--payload", "[1]", "--payload: must be a JSON object, got list"),
        ("--payload", "{nope", "--payload: not valid JSON"),
        ("--payload", "@/nonexistent/p.json", "--payload: cannot read /nonexistent/p.json"),
        ("--overlap", "sometimes", "overlap policy 'sometimes' is not one of: allow-all, skip"),
        ("--catchup-window", "5s", "catch-up window '5s' is under the ten-second minimum"),
        ("--catchup-window", "soon", "catch-up window 'soon' is not a duration"),
    ],
)
def test_invalid_options_are_refused_before_connecting(
    app: typer.Typer, option: str, value: str, message: str
) -> None:
    code, _, err = run(app, "create", "orders", "nightly", "--cron", "@every 5m", option, value)
    assert code == 1
    assert err.startswith(f"error: {message}")


def test_a_valid_create_gets_as_far_as_connecting(app: typer.Typer) -> None:
    """The control: the same command with valid options fails only for want of a server."""
    code, _, err = run(app, "create", "orders", "nightly", "--cron", "0 30 4 ? * MON-FRI")
    assert code == 1
    assert err.startswith("error: no Temporal server answers at 127.0.0.1:")


def test_bad_schedule_name_is_refused(app: typer.Typer) -> None:
    code, _, err = run(app, "describe", "orders", "bad/name")
    assert code == 1
    assert "invalid schedule name 'bad/name'" in err


def test_a_schedule_name_too_long_for_its_execution_names_is_refused(app: typer.Typer) -> None:
    name = "s" * 118  # legal as a name, but "<name>-<unix seconds>" would pass 128
    code, _, err = run(app, "create", "orders", name, "--cron", "0 0 * * * *")
    assert code == 1
    assert "at most 117 characters" in err
    code, _, err = run(app, "create", "orders", "s" * 117, "--cron", "0 0 * * * *")
    assert err.startswith("error: no Temporal server answers at 127.0.0.1:")


def test_next_previews_in_the_zone_across_a_daylight_saving_change(app: typer.Typer) -> None:
    cron = "CRON_TZ=America/New_York 0 30 1 * * *"
    code, out, err = run(app, "next", "--cron", cron, "--after", "2026-10-31T12:00:00Z", "-n", "3")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "2026-11-01T01:30:00-04:00  (2026-11-01T05:30:00Z)",
        "2026-11-01T01:30:00-05:00  (2026-11-01T06:30:00Z)",  # fall back: 01:30 happens twice
        "2026-11-02T01:30:00-05:00  (2026-11-02T06:30:00Z)",
    ]


def test_next_in_utc_prints_one_time_per_line_and_json(app: typer.Typer) -> None:
    args = ("next", "--cron", "0 0/20 4 ? * MON-FRI", "--after", "2026-03-06T04:30:00Z", "-n", "3")
    code, out, _ = run(app, *args)
    assert code == 0
    assert out.splitlines() == [
        "2026-03-06T04:40:00+00:00",
        "2026-03-09T04:00:00+00:00",  # Friday, then Monday
        "2026-03-09T04:20:00+00:00",
    ]
    code, out, _ = run(app, *args, "--json")
    assert json.loads(out) == {
        "CronExpression": "0 0/20 4 ? * MON-FRI",
        "NextFireTimes": [
            "2026-03-06T04:40:00.000Z",
            "2026-03-09T04:00:00.000Z",
            "2026-03-09T04:20:00.000Z",
        ],
    }


def test_next_needs_a_schedule_or_an_expression(app: typer.Typer) -> None:
    code, _, err = run(app, "next")
    assert (code, err) == (1, "error: give FLOW and NAME of a schedule, or --cron EXPR\n")
