"""``fdl setup``: prepare the Temporal namespace for fdl (a thin edge over
:func:`worker.setup.prepare_namespace`).

It talks to TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE like the service commands and never starts
the embedded server (which comes prepared).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from cli.common import fail
from cli.service import DebugOption, JsonOption, call, console, print_json
from worker.api import DEFAULT_TASK_QUEUE
from worker.client import temporal_address
from worker.setup import (
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
    try:
        if wait > 0:
            asyncio.run(wait_until_serving(temporal_address(), wait))
        report: SetupReport = call(
            lambda fdl: prepare_namespace(fdl.temporal, with_registry_namespace=registry_namespace),
            task_queue=DEFAULT_TASK_QUEUE,
            debug=debug,
        )
    except SetupError as exc:
        fail(exc, debug)
    if as_json:
        print_json(report.to_json())
        return
    for step in report.steps:
        console.print(f"{step.item}: {step.status}", markup=False)
    console.print(f"namespace {report.namespace} is ready for fdl", markup=False)
