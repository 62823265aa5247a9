"""The ``fdl`` command: a typer app whose commands live in one module per topic.

Exit codes (documented in the README): 0 ok, 1 invalid input or definition, 2 usage,
3 the flow failed.
"""

from __future__ import annotations

import os
import sys
import traceback
from importlib import metadata
from typing import Annotated

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
from cli.common import EXIT_INVALID

app = typer.Typer(
    name="fdl",
    help="Run Alibaba Cloud Serverless Workflow (FDL) flows as durable Temporal workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Docstrings are wrapped source lines: Markdown joins them into paragraphs again.
    rich_markup_mode="markdown",
)
PACKAGE = "fdl-temporal"
"""The distribution name, whose installed version ``fdl --version`` prints."""


def _print_version(wanted: bool) -> None:
    if wanted:
        print(f"{PACKAGE} {metadata.version(PACKAGE)}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print fdl-temporal's version and exit.",
        ),
    ] = False,
) -> None:
    """Run Alibaba Cloud Serverless Workflow (FDL) flows as durable Temporal workflows."""


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
    code = run(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run(args: list[str]) -> int:
    """Run the command line ``args``; its exit code.

    An error no command expected (a bug, or something of the machine's no check foresaw) is
    one line with a hint, exit 1; the traceback is printed only with ``--debug``.
    """
    try:
        app(args, prog_name="fdl")
    except SystemExit as exc:
        return exit_code(exc.code)
    except Exception as exc:
        if "--debug" in args:
            traceback.print_exception(exc)
        print(
            f"error: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return 0


def exit_code(code: object) -> int:
    """The process exit code for a ``SystemExit`` argument (a message means 1, as Python does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
