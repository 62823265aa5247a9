"""What the service commands share: the connection to Temporal and printing results.

``fdl flow``, ``fdl execution``, ``fdl schedule`` and ``fdl task`` run one service call over
an :class:`~worker.service.client.FdlClient` connected the way every part of fdl connects
(:mod:`worker.service.connection`). Unlike ``fdl run``, they never start the embedded server:
the registry and the executions live in a server that must outlive the command, so with
nothing answering they say how to start one.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table
from temporalio.service import RPCError

from cli.common import UserError, fail
from worker.service import connection
from worker.service.client import FdlClient
from worker.service.connection import ServerUnreachable
from worker.service.errors import ServiceError
from worker.service.setup import setup_hint

T = TypeVar("T")

console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 1000)
"""Output for people. Piped into a file or another program there is no terminal width to
fit, so tables keep their full cells instead of rich's 80 columns (cells cut with '…')."""


def call(
    action: Callable[[FdlClient], Awaitable[T]],
    *,
    task_queue: str | None = None,
    debug: bool,
    code: Callable[[ServiceError], int] | None = None,
) -> T:
    """Connect and run ``action``; service errors and an unreachable server exit with one line.

    Args:
        action: the service call.
        task_queue: the task queue (default: ``FDL_TASK_QUEUE`` or ``fdl``).
        debug: show tracebacks.
        code: the exit code of a service error (default 1).
    """
    try:
        return asyncio.run(_with_client(action, task_queue))
    except ServiceError as exc:
        fail(exc, debug, code(exc) if code else 1)
    except (ServerUnreachable, UserError, ValueError) as exc:
        fail(exc, debug)
    except RPCError as exc:
        fail(unprepared(exc), debug)


def unprepared(exc: RPCError) -> Exception:
    """A server error as one line: what the namespace lacks and how to fix it, when that is
    the cause; the server's own message otherwise."""
    hint = setup_hint(exc, connection.target().namespace)
    return UserError(hint or f"the Temporal server refused: {exc.message}")


async def _with_client(action: Callable[[FdlClient], Awaitable[T]], task_queue: str | None) -> T:
    client = await FdlClient.connect(task_queue=task_queue)
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
