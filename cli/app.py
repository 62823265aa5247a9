"""The ``fdl`` command: a typer app whose commands live in one module per topic.

Exit codes (documented in the README): 0 ok, 1 invalid input or definition, 2 usage,
3 the flow failed.
"""

from __future__ import annotations

import os
import sys

import typer

from cli import (
    api,
    console,
    definitions,
    executions,
    flows,
    queue,
    runtime,
    schedules,
    setup,
    tasks,
)

app = typer.Typer(
    name="fdl",
    help="Run Alibaba Cloud Serverless Workflow (FDL) flows as durable Temporal workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Docstrings are wrapped source lines: Markdown joins them into paragraphs again.
    rich_markup_mode="markdown",
)
definitions.register(app)
runtime.register(app)
queue.register(app)
flows.register(app)
executions.register(app)
schedules.register(app)
tasks.register(app)
setup.register(app)
api.register(app)
console.register(app)


def main() -> None:
    """Console-script entry point.

    Ends the process with ``os._exit`` once the command has finished and flushed its output:
    the Temporal client's native threads can outlive the event loop and abort CPython's own
    finalization (a known SDK problem), which would turn a finished command into a crash.
    """
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = exit_code(exc.code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def exit_code(code: object) -> int:
    """The process exit code for a ``SystemExit`` argument (a message means 1, as Python does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
