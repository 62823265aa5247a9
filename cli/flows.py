"""Flow registry commands: ``fdl flow create|update|describe|list|delete``.

Thin edges over :class:`worker.service.client.FdlClient`. A definition is compiled (and so
validated) before it is stored: problems print as ``fdl validate`` prints them, exit 1.
Creating or updating a flow records the task queue of the project it belongs to (its
``fdl.yaml``), so its executions reach that project's workers wherever they are started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import versions
from cli.common import UserError, fail, load_definition, load_project
from cli.options import (
    DebugOption,
    FileArgument,
    FlowArgument,
    FlowConfigOption,
    JsonOption,
    ResolveRefsOption,
    TaskQueueOption,
)
from cli.service import call, console, print_fields, print_json, print_table
from translator import DefinitionError, ir
from worker.config import ConfigError
from worker.service import connection
from worker.service.flows import RegisteredFlow

flow_app = typer.Typer(
    name="flow",
    help="Register FDL flows in Temporal: create, update, describe, list, delete.",
    no_args_is_help=True,
)

DescriptionOption = Annotated[
    str, typer.Option("--description", "-d", help="A description of the flow.")
]


def register(app: typer.Typer) -> None:
    """Add the ``flow`` command group (with ``version`` and ``alias``) to ``app``."""
    versions.register(flow_app)
    app.add_typer(flow_app)


@flow_app.command("create")
def create(
    name: FlowArgument,
    file: FileArgument,
    description: DescriptionOption = "",
    resolve_refs: ResolveRefsOption = False,
    config: FlowConfigOption = None,
    task_queue: TaskQueueOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Register a new flow from an FDL file (FlowAlreadyExists if the name is taken).

    Its executions run on the task queue of its project (see --task-queue).
    """
    compiled, text = _compiled(file, resolve_refs, debug)
    queue = _project_queue(config, file, task_queue, debug)
    flow = call(
        lambda fdl: fdl.create_flow(name, compiled, source=text, description=description),
        task_queue=queue,
        debug=debug,
    )
    if as_json:
        print_json(flow.to_json())
    else:
        console.print(
            f"flow {name} created, version {flow.version}, task queue {flow.task_queue!r}",
            markup=False,
        )


@flow_app.command("update")
def update(
    name: FlowArgument,
    file: FileArgument,
    description: DescriptionOption = "",
    resolve_refs: ResolveRefsOption = False,
    config: FlowConfigOption = None,
    task_queue: TaskQueueOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Publish a new version of a flow; running executions keep the version they started with.

    An identical definition (on the same task queue) stores nothing and says so. New
    executions run on the task queue of the project that published it.
    """
    compiled, text = _compiled(file, resolve_refs, debug)
    queue = _project_queue(config, file, task_queue, debug)
    flow, changed = call(
        lambda fdl: fdl.update_flow(name, compiled, source=text, description=description),
        task_queue=queue,
        debug=debug,
    )
    if as_json:
        print_json({**flow.to_json(), "Changed": changed})
        return
    state = "updated" if changed else "unchanged"
    console.print(
        f"flow {name} {state}, version {flow.version}, task queue {flow.task_queue!r}",
        markup=False,
    )


@flow_app.command("describe")
def describe(
    name: FlowArgument,
    version: Annotated[
        str | None,
        typer.Option("--version", help="A revision (content hash) or published version number."),
    ] = None,
    source: Annotated[
        bool, typer.Option("--source", help="Print only the stored FDL text of the version.")
    ] = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show a flow: current version, times, description and every version."""
    flow = call(lambda fdl: fdl.describe_flow(name, version), debug=debug)
    if source:
        print(flow.source, end="" if flow.source.endswith("\n") else "\n")
    elif as_json:
        print_json(flow.to_json())
    else:
        _print_flow(flow)


@flow_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most N flows.")] = 100,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """List registered flows with their current versions."""
    flows = call(lambda fdl: fdl.list_flows(limit=limit), debug=debug)
    if as_json:
        print_json([flow.to_json() for flow in flows])
        return
    rows = [[f.name, f.version, str(len(f.versions)), f.modified, f.description] for f in flows]
    print_table(["NAME", "VERSION", "VERSIONS", "MODIFIED", "DESCRIPTION"], rows, empty="no flows")


@flow_app.command("delete")
def delete(
    name: FlowArgument,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Delete a flow. Its running executions continue; new ones fail with FlowNotExists."""
    call(lambda fdl: fdl.delete_flow(name), debug=debug)
    if as_json:
        print_json({"Name": name, "Deleted": True})
    else:
        console.print(f"flow {name} deleted", markup=False)


def _compiled(file: Path, resolve_refs: bool, debug: bool) -> tuple[ir.Flow, str]:
    """The compiled flow and text of ``file``; an invalid definition exits 1 with its
    located problems, as ``fdl validate`` prints them."""
    try:
        return load_definition(file, resolve_refs=resolve_refs), file.read_text("utf-8")
    except (DefinitionError, UserError) as exc:
        fail(exc, debug)


def _project_queue(config: Path | None, file: Path, named: str | None, debug: bool) -> str:
    """The task queue a flow registered from ``file`` records: ``--task-queue``, else its
    project's (the ``fdl.yaml`` beside it, or ``--config``), else ``fdl``."""
    try:
        project = load_project(config, beside=file)
    except ConfigError as exc:
        fail(exc, debug)
    return connection.task_queue(named, project.project_task_queue)


def _print_flow(flow: RegisteredFlow) -> None:
    print_fields(
        {
            "name": flow.name,
            "version": flow.version + ("" if flow.current else " (not current)"),
            "description": flow.description,
            "task queue": flow.task_queue,
            "created": flow.created,
            "modified": flow.modified,
        }
    )
    rows = [[v.version, v.created] for v in reversed(flow.versions)]
    console.print()
    print_table(["VERSION", "CREATED"], rows, empty="")
