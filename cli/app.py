"""The ``fdl`` command: a typer app whose commands live in one module per topic.

Exit codes (documented in the README): 0 ok, 1 invalid input or definition, 2 usage,
3 the flow failed.
"""

from __future__ import annotations

import typer

from cli import definitions, queue, runtime

app = typer.Typer(
    name="fdl",
    help="Run Alibaba Cloud Serverless Workflow (FDL) flows as durable Temporal workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
definitions.register(app)
runtime.register(app)
queue.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
