"""``fdl execution history FLOW EXEC``: an execution's FDL-style events, in order.

Prints what the original console's step panel shows: every step entered with its input,
every task scheduled / succeeded / failed, every step exited with its output. The events
come from the interpreter (the ``fdl.history`` query); when no worker answers in time they
are derived from Temporal's own history, and the output says so.
"""

from __future__ import annotations

import json
import shutil
from typing import Annotated

import typer

from cli.options import DebugOption, ExecutionArgument, FlowArgument, JsonOption
from cli.service import call, console, print_json
from worker.contract.history import Event
from worker.service.history import QUERY_TIMEOUT, ExecutionHistory

DETAIL_WIDTH = 120
"""Characters of an event detail shown when the output is not a terminal (``--json`` shows
all); on a terminal the detail is cut at its right edge."""


def register(app: typer.Typer) -> None:
    """Add ``history`` to ``app`` (the ``execution`` command group)."""
    app.command("history")(history)


def history(
    flow: FlowArgument,
    execution: ExecutionArgument,
    query_timeout: Annotated[
        float,
        typer.Option(
            "--query-timeout",
            min=0.1,
            help="Seconds to wait for a worker to answer before deriving the events "
            "from Temporal's history (which shows tasks, child flows and timers only).",
        ),
    ] = QUERY_TIMEOUT,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show an execution's events in order, with each step's input and output.

    Steps entered and exited, tasks scheduled, started, succeeded or failed, and how the
    execution ended, as the original console's step panel shows them.

    Example: fdl execution history orders order-42
    """

    found = call(
        lambda fdl: fdl.execution_history(flow, execution, query_timeout=query_timeout),
        debug=debug,
    )
    if as_json:
        print_json(found.to_json())
        return
    print_history(found)


def print_history(found: ExecutionHistory) -> None:
    """The history for people: a header, then one line per event."""
    console.print(
        f"execution {found.execution_name} of flow {found.flow_name}: {found.status}, "
        f"{len(found.events)} events",
        markup=False,
    )
    if not found.recorded:
        console.print(
            "no worker answered: these events are derived from Temporal's history "
            "(tasks, child flows and timers; steps without tasks are not shown)",
            markup=False,
        )
    if found.omitted_details:
        console.print("some event details were dropped (the execution's detail budget)")
    if not found.events:
        console.print("no events", markup=False)
        return
    step_width = max(len("Step"), *(len(event.step) for event in found.events))
    type_width = max(len(event.type) for event in found.events)
    prefix = f"{'Id':>5}  {'Time':<24}  {'Type':<{type_width}}  {'Step':<{step_width}}  "
    room = max(20, shutil.get_terminal_size((len(prefix) + DETAIL_WIDTH, 24)).columns - len(prefix))
    console.print(prefix + "Detail", markup=False, style="bold")
    for event in found.events:
        detail = shorten(event, room)
        line = f"{event.id:>5}  {event.time:<24}  {event.type:<{type_width}}  "
        console.print(f"{line}{event.step:<{step_width}}  {detail}".rstrip(), markup=False)


def shorten(event: Event, width: int = DETAIL_WIDTH) -> str:
    """The event's detail on one line, cut to ``width`` characters."""
    detail = json.loads(event.detail)
    if not detail:
        return ""
    text = json.dumps(detail, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."
