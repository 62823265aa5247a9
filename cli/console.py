"""Seeing flows and runs: ``fdl console`` (the web console), ``fdl flow graph FILE`` and
``fdl execution show FLOW EXECUTION`` (the same graph in the terminal, or exported as SVG
or HTML).

``fdl flow graph`` needs no server: it compiles the file and draws it. ``fdl execution
show`` reads the execution's FDL history (from a worker, else derived from Temporal's
history) and the definition it ran, as the console's execution page does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_FLOW_FAILED, UserError, err, fail, load_definition
from cli.options import (
    DebugOption,
    ExecutionArgument,
    FileArgument,
    FlowArgument,
    JsonOption,
    ResolveRefsOption,
)
from cli.service import call, console, print_json
from translator import DefinitionError
from worker.console import export, svg
from worker.console import graph as graphs
from worker.console.data import ConsoleData, ExecutionView
from worker.console.tree import execution_title, flow_tree
from worker.local.devserver import port_open
from worker.service.client import FdlClient
from worker.service.connection import target, unreachable_message
from worker.service.links import CONSOLE_PORT, CONSOLE_PORT_ENV

SvgOption = Annotated[
    Path | None,
    typer.Option("--svg", help="Also write the graph as an SVG file.", show_default=False),
]
HtmlOption = Annotated[
    Path | None,
    typer.Option("--html", help="Also write the graph as an HTML page.", show_default=False),
]


def register(app: typer.Typer) -> None:
    """Add ``console`` to ``app``, ``graph`` to ``flow`` and ``show`` to ``execution``."""
    from cli.executions import execution_app
    from cli.flows import flow_app

    app.command("console")(console_command)
    flow_app.command("graph")(graph)
    execution_app.command("show")(show)


def graph(
    file: FileArgument,
    svg_file: SvgOption = None,
    html_file: HtmlOption = None,
    resolve_refs: ResolveRefsOption = False,
    debug: DebugOption = False,
) -> None:
    """Draw a flow definition as a tree of its steps (no server needed).

    Containers show their branches, choice options with conditions and gotos, and foreach
    bodies; --svg and --html write the same graph as a drawing.

    Example: fdl flow graph examples/orders/flow.yaml --svg orders.svg
    """
    try:
        flow = graphs.build(load_definition(file, resolve_refs=resolve_refs))
        title = str(file)
        console.print(flow_tree(flow, title=title))
        _export(svg.render(flow, title=title), title, svg_file, html_file)
    except (UserError, DefinitionError, OSError) as exc:
        fail(exc, debug)


def show(
    flow: FlowArgument,
    execution: ExecutionArgument,
    svg_file: SvgOption = None,
    html_file: HtmlOption = None,
    query_timeout: Annotated[
        float,
        typer.Option(
            "--query-timeout",
            min=0.1,
            help="Seconds to wait for a worker before deriving the run from Temporal's history.",
        ),
    ] = 5.0,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show an execution on its flow: every step with its state, durations and retries, and
    the failing step's error. Exit 3 when the execution failed, timed out or was stopped.

    Example: fdl execution show orders order-42 --html order-42.html
    """

    async def action(fdl: FdlClient) -> ExecutionView:
        data = ConsoleData(fdl.temporal, query_timeout=query_timeout)
        return await data.execution(flow, execution, complete=True)

    view = call(action, debug=debug)
    title = execution_title(view.info)
    if as_json:
        print_json(show_json(view))
    else:
        console.print(flow_tree(view.graph, view.run, title=title))
        if not view.history.recorded:
            err("no worker answered: the states are derived from Temporal's history")
    try:
        _export(svg.render(view.graph, view.run, title=title), title, svg_file, html_file)
    except OSError as exc:
        fail(exc, debug)
    if view.info.status not in ("Running", "Succeeded"):
        raise typer.Exit(EXIT_FLOW_FAILED)


def show_json(view: ExecutionView) -> dict[str, object]:
    """``fdl execution show --json``: the execution and every step's state and visits."""
    return {
        **view.info.to_json(),
        "source": "interpreter" if view.history.recorded else "temporal-history",
        "steps": {
            node_id: {
                "state": node_run.state,
                "visits": [visit.path for visit in node_run.visits],
            }
            for node_id, node_run in view.run.nodes.items()
        },
        "options": view.run.options,
    }


def _export(graph_svg: str, title: str, svg_file: Path | None, html_file: Path | None) -> None:
    if svg_file is not None:
        export.write(svg_file, graph_svg)
        err(f"wrote {svg_file}")
    if html_file is not None:
        export.write(html_file, export.html_page(title, graph_svg))
        err(f"wrote {html_file}")


ConsolePortOption = Annotated[
    int,
    typer.Option(
        "--console-port",
        envvar=CONSOLE_PORT_ENV,
        help="Port of the web console (0 picks a free one, -1 serves none).",
    ),
]


@contextmanager
def served_console(address: str, namespace: str, ui: str | None, port: int) -> Iterator[str]:
    """Serve the console in a thread beside ``fdl dev``'s worker; yields its URL (``""``
    when ``port`` is negative)."""
    from worker.console.app import ConsoleSettings
    from worker.console.server import ConsoleServer

    if port < 0:
        yield ""
        return
    settings = ConsoleSettings(namespace=namespace, temporal_ui=ui or "")
    try:
        server = ConsoleServer(address, namespace, settings, port=port)
    except OSError as exc:
        raise UserError(f"cannot serve the console on port {port}: {exc.strerror or exc}") from None
    with server:
        yield server.url


def console_command(
    host: Annotated[
        str, typer.Option("--host", envvar="FDL_CONSOLE_HOST", help="Interface to serve on.")
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", envvar=CONSOLE_PORT_ENV, help="Port to serve on (0 picks a free one)."
        ),
    ] = CONSOLE_PORT,
    temporal_ui: Annotated[
        str,
        typer.Option(
            "--temporal-ui",
            envvar="FDL_TEMPORAL_UI",
            help="Base URL of the Temporal Web UI, to link executions to it.",
        ),
    ] = "",
    query_timeout: Annotated[
        float,
        typer.Option(
            "--query-timeout",
            min=0.1,
            help="Seconds to wait for a worker before deriving a run from Temporal's history.",
        ),
    ] = 2.0,
    debug: DebugOption = False,
) -> None:
    """Serve the web console (read-only) for TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE.

    Flows with their versions, sources and graphs; executions with filters; each execution
    drawn on its flow's graph, coloured by what happened to every step, live while it runs.
    """
    from worker.console.app import ConsoleSettings
    from worker.console.server import ConsoleServer

    where = target()
    address, namespace = where.address, where.namespace
    host_part, _, port_part = address.rpartition(":")
    if not port_part.isdigit() or not port_open(host_part or "127.0.0.1", int(port_part), 2):
        fail(UserError(unreachable_message(address)), debug)
    settings = ConsoleSettings(
        namespace=namespace, temporal_ui=temporal_ui, query_timeout=query_timeout
    )
    try:
        server = ConsoleServer(address, namespace, settings, host=host, port=port)
    except OSError as exc:
        fail(UserError(f"cannot serve the console on {host}:{port}: {exc.strerror or exc}"), debug)
    print(server.url, flush=True)
    err(f"FDL console on {server.url} for Temporal at {address} (namespace {namespace})")
    server.run()
