"""``fdl flow version ...`` and ``fdl flow alias ...``: CloudFlow's published versions and
aliases. Thin edges over :class:`worker.client.FdlClient`; ``--json`` prints the API's wire
forms."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import UserError, fail
from cli.options import DebugOption, FlowArgument, JsonOption
from cli.service import call, console, print_json, print_table
from worker.contract.registry import FlowAlias
from worker.service.versions import alias_json, version_json

version_app = typer.Typer(
    name="version",
    help="Published versions of a flow: numbered snapshots of its current definition.",
    no_args_is_help=True,
)
alias_app = typer.Typer(
    name="alias",
    help="Aliases of a flow: names that route executions to one or two published versions.",
    no_args_is_help=True,
)
AliasArgument = Annotated[str, typer.Argument(help="The alias name.", show_default=False)]
DescriptionOption = Annotated[str, typer.Option("--description", "-d", help="A description.")]
RouteOption = Annotated[
    list[str] | None,
    typer.Option(
        "--route", "-r", help="VERSION=WEIGHT (once, or twice with weights totalling 100)."
    ),
]


def register(flow_app: typer.Typer) -> None:
    """Add ``version`` and ``alias`` to the ``flow`` command group."""
    flow_app.add_typer(version_app)
    flow_app.add_typer(alias_app)


@version_app.command("publish")
def publish(
    flow: FlowArgument,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Publish the flow's current definition as its next version number."""
    version = call(
        lambda fdl: fdl.publish_flow_version(flow, description=description),
        debug=debug,
    )
    if as_json:
        print_json(version_json(flow, version))
    else:
        console.print(f"flow {flow} version {version.number} published", markup=False)


@version_app.command("list")
def list_versions(
    flow: FlowArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """List the flow's published versions, newest first."""
    found = call(lambda fdl: fdl.list_flow_versions(flow), debug=debug)
    if as_json:
        print_json([version_json(flow, v) for v in found])
        return
    rows = [[str(v.number), v.revision.version, v.created, v.description] for v in found]
    print_table(["VERSION", "REVISION", "CREATED", "DESCRIPTION"], rows, empty="no versions")


@version_app.command("delete")
def delete_version(
    flow: FlowArgument,
    version: Annotated[str, typer.Argument(help="The version number.", show_default=False)],
    debug: DebugOption = False,
) -> None:
    """Delete a published version that no alias routes to."""
    call(
        lambda fdl: fdl.delete_flow_version(flow, version),
        debug=debug,
    )
    console.print(f"flow {flow} version {version} deleted", markup=False)


def _routes(routes: list[str] | None, debug: bool) -> list[tuple[str, int]] | None:
    if not routes:
        return None
    parsed = []
    for text in routes:
        version, _, weight = text.partition("=")
        if not weight.strip().isdigit():
            fail(UserError(f"--route {text!r}: use VERSION=WEIGHT, e.g. 1=80"), debug)
        parsed.append((version.strip(), int(weight)))
    return parsed


def _show(alias: FlowAlias, as_json: bool) -> None:
    if as_json:
        print_json(alias_json(alias))
        return
    routes = ", ".join(f"version {r.version}: {r.weight}%" for r in alias.routes)
    console.print(f"alias {alias.name} -> {routes}", markup=False)


@alias_app.command("create")
def create_alias(
    flow: FlowArgument,
    alias: AliasArgument,
    route: RouteOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Create an alias routing to one or two published versions."""
    routes = _routes(route, debug) or []
    found = call(
        lambda fdl: fdl.create_flow_alias(flow, alias, routes, description=description),
        debug=debug,
    )
    _show(found, as_json)


@alias_app.command("update")
def update_alias(
    flow: FlowArgument,
    alias: AliasArgument,
    route: RouteOption = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="A new description.")
    ] = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Change an alias's routes (all of them) or description."""
    routes = _routes(route, debug)
    found = call(
        lambda fdl: fdl.update_flow_alias(flow, alias, routes, description=description),
        debug=debug,
    )
    _show(found, as_json)


@alias_app.command("describe")
def describe_alias(
    flow: FlowArgument,
    alias: AliasArgument,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show an alias and its routes."""
    found = call(lambda fdl: fdl.describe_flow_alias(flow, alias), debug=debug)
    _show(found, as_json)


@alias_app.command("list")
def list_aliases(
    flow: FlowArgument, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """List the flow's aliases."""
    found = call(lambda fdl: fdl.list_flow_aliases(flow), debug=debug)
    if as_json:
        print_json([alias_json(a) for a in found])
        return
    rows = [
        [a.name, ", ".join(f"{r.version}={r.weight}" for r in a.routes), a.description]
        for a in found
    ]
    print_table(["ALIAS", "ROUTES", "DESCRIPTION"], rows, empty="no aliases")


@alias_app.command("delete")
def delete_alias(flow: FlowArgument, alias: AliasArgument, debug: DebugOption = False) -> None:
    """Delete an alias; executions it routed keep their version."""
    call(lambda fdl: fdl.delete_flow_alias(flow, alias), debug=debug)
    console.print(f"flow {flow} alias {alias} deleted", markup=False)
