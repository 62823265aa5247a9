"""``fdl setup``: prepare the Temporal namespace for fdl (a thin edge over
:func:`worker.service.setup.prepare_namespace`).

It talks to TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE like the service commands and never starts
the embedded server (which comes prepared).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from cli.common import fail
from cli.options import DebugOption, JsonOption
from cli.service import console, print_json
from worker.service import connection
from worker.service.connection import ServerUnreachable
from worker.service.setup import (
    REGISTRY_NAMESPACE_SUFFIX,
    SetupError,
    SetupReport,
    prepare_namespace,
    wait_until_serving,
)


def register(app: typer.Typer) -> None:
    """Add ``setup`` to ``app``."""
    app.command("setup")(setup)


def setup(
    registry_namespace: Annotated[
        bool,
        typer.Option(
            "--registry-namespace",
            help=f"Also create the namespace NAMESPACE{REGISTRY_NAMESPACE_SUFFIX} (NAMESPACE being "
            "the one prepared), meant for the flow registry; fdl does not use it yet.",
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            metavar="SECONDS",
            help="Wait up to SECONDS for a server that is still starting.",
        ),
    ] = 0,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Prepare TEMPORAL_NAMESPACE (default 'default') at TEMPORAL_ADDRESS for fdl.

    Creates the namespace and the search attribute FdlFlow (Keyword) where they are
    missing, and leaves what exists: safe to run again. Where the server refuses (no
    permission, a managed cluster), it prints the `temporal` command an operator can run.
    """

    async def prepare() -> SetupReport:
        if wait > 0:
            await wait_until_serving(connection.target().address, wait)
        client = await connection.connect(check_namespace=False)
        return await prepare_namespace(client, with_registry_namespace=registry_namespace)

    try:
        report = asyncio.run(prepare())
    except (SetupError, ServerUnreachable, ValueError) as exc:
        fail(exc, debug)
    if as_json:
        print_json(report.to_json())
        return
    for step in report.steps:
        console.print(f"{step.item}: {step.status}", markup=False)
    console.print(f"namespace {report.namespace} is ready for fdl", markup=False)
