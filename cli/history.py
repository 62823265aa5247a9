"""``fdl execution history FLOW EXEC``: an execution's FDL-style events, in order.

Prints what the original console's step panel shows: every step entered with its input,
every task scheduled / succeeded / failed, every step exited with its output. The events
come from the interpreter (the ``fdl.history`` query); when no worker answers in time they
are derived from Temporal's own history, and the output says so.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.service import DebugOption, JsonOption, call, console, print_json, print_table
from worker.api import DEFAULT_TASK_QUEUE
from worker.client import FdlClient
from worker.history import QUERY_TIMEOUT, Event, ExecutionHistory, execution_history

DETAIL_WIDTH = 100
"""Characters of an event detail shown per line for people (``--json`` shows all)."""


def register(app: typer.Typer) -> None:
    """Add ``history`` to ``app`` (the ``execution`` command group)."""
    app.command("history")(history)


def history(
    flow: Annotated[str, typer.Argument(help="The flow name.", show_default=False)],
    execution: Annotated[str, typer.Argument(help="The execution name.", show_default=False)],
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
    """Show an execution's events: steps entered and exited with their input and output,
    tasks scheduled, succeeded or failed, and how the execution ended.

    Example: fdl execution history orders order-42
    """

    async def action(fdl: FdlClient) -> ExecutionHistory:
        return await execution_history(fdl.temporal, flow, execution, query_timeout=query_timeout)

    found = call(action, task_queue=DEFAULT_TASK_QUEUE, debug=debug)
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
    rows = [
        [str(event.id), event.time, event.type, event.step, shorten(event)]
        for event in found.events
    ]
    print_table(["Id", "Time", "Type", "Step", "Detail"], rows, empty="no events")


def shorten(event: Event) -> str:
    """The event's detail on one line, cut to :data:`DETAIL_WIDTH` characters."""
    detail = json.loads(event.detail)
    if not detail:
        return ""
    text = json.dumps(detail, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= DETAIL_WIDTH else text[: DETAIL_WIDTH - 3] + "..."
