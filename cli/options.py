"""The options and arguments ``fdl`` commands share, defined once.

Every command that takes one of these takes it with the same flag, the same environment
variable and the same help, so ``FDL_TASK_QUEUE`` or ``FDL_CONFIG`` act the same everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from worker.config import CONFIG_ENV
from worker.service.connection import TASK_QUEUE_ENV

DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show the traceback of errors (for bug reports).")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts (the original API's field names).")
]
TaskQueueOption = Annotated[
    str | None,
    typer.Option(
        "--task-queue",
        envvar=TASK_QUEUE_ENV,
        help="Task queue of the project's work (default: task_queue of fdl.yaml, else "
        "fdl-NAME for a fdl.yaml in folder NAME, else fdl).",
        show_default=False,
    ),
]
TaskQueueOverrideOption = Annotated[
    str | None,
    typer.Option(
        "--task-queue",
        envvar=TASK_QUEUE_ENV,
        help="Run the executions on this task queue instead of the one the flow was "
        "registered with.",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=CONFIG_ENV,
        help="Project config with the function bindings and the task queue (default: ./fdl.yaml).",
        show_default=False,
    ),
]
FlowConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=CONFIG_ENV,
        help="Project config with the function bindings and the task queue (default: the "
        "fdl.yaml beside the flow file, else ./fdl.yaml).",
        show_default=False,
    ),
]
InputOption = Annotated[
    str, typer.Option("--input", "-i", help="Execution input: a JSON object, or @file.json.")
]
ResolveRefsOption = Annotated[
    bool,
    typer.Option(
        "--resolve-refs",
        help="Replace '!Ref Service/Function' with acs:fc:::services/Service/functions/Function.",
    ),
]
FlowArgument = Annotated[str, typer.Argument(help="The flow name.", show_default=False)]
ExecutionArgument = Annotated[str, typer.Argument(help="The execution name.", show_default=False)]
FileArgument = Annotated[
    Path, typer.Argument(help="FDL flow definition (YAML).", show_default=False)
]
