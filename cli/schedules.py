"""Schedule commands: ``fdl schedule create|update|describe|list|delete|pause|resume|trigger|
backfill|next``.

Thin edges over the schedule methods of :class:`worker.service.client.FdlClient`. Cron
expressions, payloads, policies and durations are checked before anything is sent, so an
invalid expression exits 1 with a message naming the field and the value, whether or not a
server runs. ``next --cron EXPR`` previews an expression without any server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from cli.common import UserError, fail, parse_json_object
from cli.options import DebugOption, FlowArgument, JsonOption, TaskQueueOverrideOption
from cli.service import call, console, print_fields, print_json, print_table
from translator.cron import next_fire_times
from worker.service.schedule_spec import (
    DEFAULT_CATCHUP_WINDOW,
    DEFAULT_OVERLAP,
    OVERLAP_POLICIES,
    ScheduleError,
    format_duration,
    parse_duration,
    parse_overlap,
)
from worker.service.schedules import FlowSchedule, check_names, parse_schedule_cron, rfc3339

schedule_app = typer.Typer(
    name="schedule",
    help="Fire flows on FDL cron expressions, through Temporal Schedules.",
    no_args_is_help=True,
)

NameArgument = Annotated[str, typer.Argument(help="The schedule name.", show_default=False)]
CRON_HELP = (
    "FDL cron: 6 fields, seconds first ('0 30 4 ? * MON-FRI'), optionally 'CRON_TZ=Asia/Shanghai '"
    " first (default UTC); or '@every 5m' (whole minutes, at least 1)."
)
PAYLOAD_HELP = "JSON object (or @file.json) each execution reads as $.payload."
OVERLAP_HELP = f"What a fire does while an earlier execution runs: {', '.join(OVERLAP_POLICIES)}."
CATCHUP_HELP = "How late a fire missed while Temporal was down may still start (30s, 10m, 1d)."
DescriptionOption = Annotated[
    str | None, typer.Option("--description", "-d", help="A description of the schedule.")
]


def register(app: typer.Typer) -> None:
    """Add the ``schedule`` command group to ``app``."""
    app.add_typer(schedule_app)


@schedule_app.command("create")
def create(
    flow: FlowArgument,
    name: NameArgument,
    cron: Annotated[str, typer.Option("--cron", help=CRON_HELP, show_default=False)],
    payload: Annotated[str, typer.Option("--payload", help=PAYLOAD_HELP)] = "{}",
    disabled: Annotated[
        bool, typer.Option("--disabled", help="Create it paused (resume starts it).")
    ] = False,
    description: DescriptionOption = None,
    overlap: Annotated[str, typer.Option("--overlap", help=OVERLAP_HELP)] = DEFAULT_OVERLAP,
    catchup_window: Annotated[
        str, typer.Option("--catchup-window", help=CATCHUP_HELP)
    ] = format_duration(DEFAULT_CATCHUP_WINDOW),
    task_queue: TaskQueueOverrideOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Create a schedule that starts FLOW's current version whenever --cron fires.

    Each execution gets the input `{"triggerTime", "triggerName", "payload"}`, is named
    `<schedule>-<unix seconds of the fire time>` and runs on the task queue the flow is
    registered with at that time.
    """
    values = _checked(
        debug,
        flow=flow,
        name=name,
        cron=cron,
        payload=payload,
        overlap=overlap,
        window=catchup_window,
    )
    schedule = call(
        lambda fdl: fdl.create_schedule(
            flow,
            name,
            cron=cron,
            payload=values["payload"],
            enabled=not disabled,
            description=description or "",
            overlap=overlap,
            catchup_window=values["window"],
        ),
        task_queue=task_queue,
        debug=debug,
    )
    _show(schedule, as_json, f"schedule {name} of flow {flow} created")


@schedule_app.command("update")
def update(
    flow: FlowArgument,
    name: NameArgument,
    cron: Annotated[str | None, typer.Option("--cron", help=CRON_HELP)] = None,
    payload: Annotated[str | None, typer.Option("--payload", help=PAYLOAD_HELP)] = None,
    enable: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Resume or pause it.")
    ] = None,
    description: DescriptionOption = None,
    overlap: Annotated[str | None, typer.Option("--overlap", help=OVERLAP_HELP)] = None,
    catchup_window: Annotated[
        str | None, typer.Option("--catchup-window", help=CATCHUP_HELP)
    ] = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Change the given settings of a schedule; the others stay as they are."""
    values = _checked(
        debug,
        flow=flow,
        name=name,
        cron=cron,
        payload=payload,
        overlap=overlap,
        window=catchup_window,
    )
    schedule = call(
        lambda fdl: fdl.update_schedule(
            flow,
            name,
            cron=cron,
            payload=values.get("payload"),
            enabled=enable,
            description=description,
            overlap=overlap,
            catchup_window=values.get("window"),
        ),
        debug=debug,
    )
    _show(schedule, as_json, f"schedule {name} of flow {flow} updated")


@schedule_app.command("describe")
def describe(
    flow: FlowArgument, name: NameArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """Show a schedule: cron, payload, state, policies, next fire times, recent runs."""
    _checked(debug, flow=flow, name=name)
    schedule = call(
        lambda fdl: fdl.describe_schedule(flow, name),
        debug=debug,
    )
    _show(schedule, as_json, None)


@schedule_app.command("list")
def list_command(
    flow: FlowArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """List the schedules of a flow."""
    found = call(lambda fdl: fdl.list_schedules(flow), debug=debug)
    if as_json:
        print_json([s.to_json() for s in found])
        return
    rows = [
        [
            s.schedule_name,
            s.cron,
            "enabled" if s.enabled else "paused",
            rfc3339(s.next_fire_times[0]) if s.enabled and s.next_fire_times else "-",
            s.description,
        ]
        for s in found
    ]
    columns = ["NAME", "CRON", "STATE", "NEXT FIRE (UTC)", "DESCRIPTION"]
    print_table(columns, rows, empty=f"flow {flow} has no schedules")


@schedule_app.command("delete")
def delete(
    flow: FlowArgument, name: NameArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """Delete a schedule; executions it started keep running."""
    _checked(debug, flow=flow, name=name)
    call(lambda fdl: fdl.delete_schedule(flow, name), debug=debug)
    _done(flow, name, "deleted", as_json)


@schedule_app.command("pause")
def pause(
    flow: FlowArgument, name: NameArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """Stop a schedule from firing (the original's Enable=false)."""
    _set_enabled(flow, name, False, as_json, debug)


@schedule_app.command("resume")
def resume(
    flow: FlowArgument, name: NameArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """Let a paused schedule fire again (Enable=true); missed fires are not made up."""
    _set_enabled(flow, name, True, as_json, debug)


def _set_enabled(flow: str, name: str, enabled: bool, as_json: bool, debug: bool) -> None:
    _checked(debug, flow=flow, name=name)
    schedule = call(
        lambda fdl: fdl.set_schedule_enabled(flow, name, enabled),
        debug=debug,
    )
    if as_json:
        print_json(schedule.to_json())
        return
    state = "resumed" if enabled else "paused"
    console.print(f"schedule {name} of flow {flow} {state}", markup=False)


@schedule_app.command("trigger")
def trigger(
    flow: FlowArgument, name: NameArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """Fire the schedule once now (also when paused), with its payload."""
    _checked(debug, flow=flow, name=name)
    call(lambda fdl: fdl.trigger_schedule(flow, name), debug=debug)
    _done(flow, name, "triggered", as_json)


def _done(flow: str, name: str, what: str, as_json: bool, **extra: str) -> None:
    """What a command without a result did: ``{"FlowName", "ScheduleName", <What>: true}``."""
    if as_json:
        print_json({"FlowName": flow, "ScheduleName": name, what.capitalize(): True, **extra})
    else:
        console.print(f"schedule {name} of flow {flow} {what}", markup=False)


@schedule_app.command("backfill")
def backfill(
    flow: FlowArgument,
    name: NameArgument,
    start: Annotated[
        str, typer.Option("--from", help="First time, RFC 3339 (2026-03-01T00:00:00Z).")
    ],
    end: Annotated[str, typer.Option("--to", help="Last time, RFC 3339, included.")],
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Start now the executions of every fire time from --from to --to.

    Fire times that already have an execution are not run again.
    """
    _checked(debug, flow=flow, name=name)
    try:
        first, last = _instant(start, "--from"), _instant(end, "--to")
        if last < first:
            raise UserError("--to is before --from")
    except UserError as exc:
        fail(exc, debug)
    call(
        lambda fdl: fdl.backfill_schedule(flow, name, first, last),
        debug=debug,
    )
    if as_json:
        print_json(
            {"FlowName": flow, "ScheduleName": name, "From": rfc3339(first), "To": rfc3339(last)}
        )
    else:
        console.print(f"schedule {name} of flow {flow}: backfill {start} .. {end} requested")


@schedule_app.command("next")
def next_command(
    flow: Annotated[str | None, typer.Argument(help="The flow name.", show_default=False)] = None,
    name: Annotated[
        str | None, typer.Argument(help="The schedule name.", show_default=False)
    ] = None,
    count: Annotated[
        int, typer.Option("-n", "--count", min=1, max=1000, help="How many fire times.")
    ] = 5,
    cron: Annotated[
        str | None,
        typer.Option("--cron", help="Preview this expression instead (no server needed)."),
    ] = None,
    after: Annotated[
        str | None, typer.Option("--after", help="Start after this RFC 3339 time (default now).")
    ] = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """The next fire times of a schedule (or of --cron), in its time zone and in UTC."""
    try:
        moment = _instant(after, "--after") if after else datetime.now(UTC)
        if cron is not None:
            text, times = cron, next_fire_times(parse_schedule_cron(cron), moment, count)
        elif flow is None or name is None:
            raise UserError("give FLOW and NAME of a schedule, or --cron EXPR")
        else:
            check_names(flow, name)
    except (UserError, ScheduleError) as exc:
        fail(exc, debug)
    if cron is None:
        assert flow is not None and name is not None
        schedule, times = call(
            lambda fdl: fdl.upcoming_fires(flow, name, count, moment),
            debug=debug,
        )
        text = schedule.cron
    if as_json:
        print_json({"CronExpression": text, "NextFireTimes": [rfc3339(t) for t in times]})
        return
    for moment in times:
        local = moment.isoformat()
        utc = rfc3339(moment).replace(".000Z", "Z")
        console.print(local if local.endswith("+00:00") else f"{local}  ({utc})", markup=False)


def _checked(debug: bool, **values: str | None) -> dict[str, Any]:
    """Check the names and every given option before connecting; exit 1 naming the bad one."""
    checked: dict[str, Any] = {}
    try:
        if values.get("flow") is not None and values.get("name") is not None:
            check_names(str(values["flow"]), str(values["name"]))
        if values.get("cron") is not None:
            parse_schedule_cron(str(values["cron"]))
        if values.get("payload") is not None:
            checked["payload"] = parse_json_object(str(values["payload"]), "--payload")
        if values.get("overlap") is not None:
            parse_overlap(str(values["overlap"]))
        if values.get("window") is not None:
            checked["window"] = parse_duration(str(values["window"]))
    except (UserError, ScheduleError) as exc:
        fail(exc, debug)
    return checked


def _instant(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{option}: '{text}' is not an RFC 3339 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _show(schedule: FlowSchedule, as_json: bool, headline: str | None) -> None:
    if as_json:
        print_json(schedule.to_json())
        return
    if headline:
        console.print(headline, markup=False)
    info = schedule.to_json()
    print_fields(
        {
            "flow": schedule.flow_name,
            "schedule": schedule.schedule_name,
            "schedule id": schedule.schedule_id,
            "cron": schedule.cron,
            "state": "enabled" if schedule.enabled else "paused",
            "payload": schedule.payload,
            "description": schedule.description,
            "overlap": schedule.overlap,
            "catch-up window": info["CatchupWindow"],
            "task queue": schedule.task_queue,
            "created": info["CreatedTime"],
            "modified": info["LastModifiedTime"],
            "next fires": ", ".join(info["NextFireTimes"][:5]) if schedule.enabled else "-",
        }
    )
    for run in schedule.recent_runs[-5:]:
        console.print(f"  fired {rfc3339(run.fire_time)}: {run.execution_name}", markup=False)
