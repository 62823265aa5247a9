"""What the service commands (``fdl flow``, ``fdl execution``) share: the connection to a
persistent Temporal server, the common options, and printing results for people or scripts.

Unlike ``fdl run``, these commands never start the embedded server: the registry and the
executions live in a server that must outlive the command, so with nothing answering they
say how to start one.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cli.common import UserError, fail
from worker.api import ServiceError
from worker.client import FdlClient, temporal_address, temporal_namespace
from worker.devserver import port_open

T = TypeVar("T")

FlowArgument = Annotated[str, typer.Argument(help="The flow name.", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
TaskQueueOption = Annotated[
    str,
    typer.Option(
        "--task-queue",
        envvar="FDL_TASK_QUEUE",
        help="Task queue of the workers that run the flow.",
    ),
]

console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 1000)
"""Output for people. Piped into a file or another program there is no terminal width to
fit, so tables keep their full cells instead of rich's 80 columns (cells cut with '…')."""


def call(action: Callable[[FdlClient], Awaitable[T]], *, task_queue: str, debug: bool) -> T:
    """Connect to TEMPORAL_ADDRESS and run ``action``; service errors exit 1 with one line."""
    try:
        return asyncio.run(_with_client(action, task_queue))
    except (ServiceError, UserError, ValueError) as exc:
        fail(exc, debug)


async def _with_client(action: Callable[[FdlClient], Awaitable[T]], task_queue: str) -> T:
    address = temporal_address()
    host, _, port = address.rpartition(":")
    if not port.isdigit() or not port_open(host or "127.0.0.1", int(port), timeout=2):
        raise UserError(f"no Temporal server at {address}: start one with `fdl dev`")
    try:
        client = await FdlClient.connect(address, temporal_namespace(), task_queue=task_queue)
    except RuntimeError as exc:
        raise UserError(f"cannot connect to Temporal at {address}: {exc}") from None
    return await action(client)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def print_fields(fields: dict[str, Any]) -> None:
    """Aligned ``key: value`` lines; JSON values printed compactly."""
    width = max(len(key) for key in fields)
    for key, value in fields.items():
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        console.print(f"{key + ':':<{width + 1}} {text}", markup=False)


def print_table(columns: list[str], rows: list[list[str]], *, empty: str) -> None:
    if not rows:
        console.print(empty, markup=False)
        return
    table = Table(*columns, box=None, pad_edge=False, header_style="bold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
