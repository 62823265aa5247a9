"""Execution commands: ``fdl execution start|describe|list|stop`` over registered flows.

Thin edges over :class:`worker.service.client.FdlClient`. Exit codes: 0 ok, 1 invalid input or a
service error (``FlowNotExists``, ``ExecutionAlreadyExists``, ...), 3 when ``start --wait``
sees the execution end without success.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli import history
from cli.common import EXIT_FLOW_FAILED, UserError, fail, parse_json_object, trace_block
from cli.options import (
    DebugOption,
    ExecutionArgument,
    FlowArgument,
    InputOption,
    JsonOption,
    TaskQueueOverrideOption,
)
from cli.service import call, console, print_fields, print_json, print_table
from worker.service.client import FdlClient
from worker.service.executions import ExecutionInfo
from worker.service.outcome import status_name

execution_app = typer.Typer(
    name="execution",
    help="Start, describe, list and stop executions of registered flows.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``execution`` command group to ``app``."""
    history.register(execution_app)
    app.add_typer(execution_app)


@execution_app.command("start")
def start(
    flow: FlowArgument,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Execution name (default: a UUID).")
    ] = None,
    input: InputOption = "{}",
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the end; print the output (exit 3 on failure).")
    ] = False,
    qualifier: Annotated[
        str,
        typer.Option(
            "--qualifier", "-q", help="A published version number or an alias to run instead."
        ),
    ] = "",
    task_queue: TaskQueueOverrideOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Start the flow's current version on the task queue it was registered with. A running
    execution of that name is returned as it is; a finished one is ExecutionAlreadyExists
    (exit 1)."""
    try:
        payload = parse_json_object(input, "--input")
    except UserError as exc:
        fail(exc, debug)

    async def action(fdl: FdlClient) -> ExecutionInfo:
        started = await fdl.start_execution(flow, name=name, input=payload, qualifier=qualifier)
        if not wait:
            return started
        return await fdl.describe_execution(flow, started.name, wait_seconds=None)

    info = call(action, task_queue=task_queue, debug=debug)
    if as_json:
        print_json(info.to_json())
    elif wait and info.status == "Succeeded":
        print_json(info.output)
    elif wait:
        console.print(f"execution {info.name} {info.status.lower()}: {info.error}", markup=False)
        if info.cause:
            console.print(f"cause: {info.cause}", markup=False)
        if info.trace:
            console.print(trace_block(info.trace), markup=False)
    else:
        console.print(
            f"execution {info.name} of flow {flow} {info.status.lower()}, version {info.version}",
            markup=False,
        )
    if wait and info.status != "Succeeded":
        raise typer.Exit(EXIT_FLOW_FAILED)


@execution_app.command("describe")
def describe(
    flow: FlowArgument,
    name: ExecutionArgument,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", min=0, max=60, help="Wait up to SECONDS for a running execution to end."
        ),
    ] = 0,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show an execution: status, times, version, input, and output or error and cause."""
    info = call(
        lambda fdl: fdl.describe_execution(flow, name, wait_seconds=wait),
        debug=debug,
    )
    if as_json:
        print_json(info.to_json())
        return
    print_fields(
        {
            "flow": info.flow_name,
            "execution": info.name,
            "status": info.status,
            "version": info.version,
            "started": info.started,
            "stopped": info.stopped,
            "input": info.input,
            "output": info.output,
            "error": info.error,
            "cause": info.cause,
        }
    )
    if info.trace:
        console.print(trace_block(info.trace), markup=False)


@execution_app.command("list")
def list_command(
    flow: FlowArgument,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="Only this status: Running, Succeeded, Failed, TimedOut, Stopped."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most N.")] = 60,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """List a flow's executions, newest first."""
    try:
        wanted = status_name(status) if status else None
    except ValueError as exc:
        fail(exc, debug)
    found = call(
        lambda fdl: fdl.list_executions(flow, status=wanted, limit=limit),
        debug=debug,
    )
    if as_json:
        print_json([info.to_json() for info in found])
        return
    rows = [[i.name, i.status, i.started, i.stopped or "", i.version] for i in found]
    print_table(
        ["EXECUTION", "STATUS", "STARTED", "STOPPED", "VERSION"], rows, empty="no executions"
    )


@execution_app.command("stop")
def stop(
    flow: FlowArgument,
    name: ExecutionArgument,
    error: Annotated[
        str, typer.Option("--error", "-e", help="Error name the execution ends with.")
    ] = "",
    cause: Annotated[str, typer.Option("--cause", "-c", help="Why it was stopped.")] = "",
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Stop a running execution; it ends Stopped with this error and cause."""
    info = call(
        lambda fdl: fdl.stop_execution(flow, name, error=error, cause=cause),
        debug=debug,
    )
    if as_json:
        print_json(info.to_json())
    else:
        console.print(f"execution {name} of flow {flow} stopped: {info.error}", markup=False)
