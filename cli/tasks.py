"""``fdl task succeed/fail``: report the result of a waiting task with its task token.

The counterpart of ReportTaskSucceeded / ReportTaskFailed. Exit codes: 0 the report was
accepted (or queued: stored, and decided when a worker runs), 1 invalid input (a malformed
token, an output that is not a JSON object, a token no execution issued), 4
``TaskAlreadyCompleted`` (the task or its execution already ended: a worker treats its job as
done and deletes its message), 2 usage.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer

from cli.common import UserError, fail, parse_json_object
from cli.options import DebugOption, JsonOption
from cli.service import call
from worker.contract.tokens import MalformedToken, TaskToken
from worker.service.client import FdlClient
from worker.service.errors import InvalidArgument, ServiceError, TaskAlreadyCompleted
from worker.service.reports import DEFAULT_WAIT, ReportResult

EXIT_ALREADY_COMPLETED = 4

TokenArgument = Annotated[
    str, typer.Argument(help="The task token ($context.task.token).", show_default=False)
]
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait", help="Seconds to wait for the execution's decision before answering 'queued'."
    ),
]

task_app = typer.Typer(
    name="task",
    help="Report results of waiting tasks (waitForCallback) with their task tokens.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``task`` command group to ``app``."""
    app.add_typer(task_app, name="task")


@task_app.command("succeed")
def succeed(
    token: TokenArgument,
    output: Annotated[
        str, typer.Option("--output", "-o", help="The task's output: a JSON object, or @file.")
    ] = "{}",
    wait: WaitOption = DEFAULT_WAIT,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """ReportTaskSucceeded: the output becomes the waiting step's $local."""
    _check_token(token, debug)
    try:
        value = parse_json_object(output, "--output")
    except UserError as exc:
        fail(exc, debug)
    _finish(lambda fdl: fdl.report_task_succeeded(token, value, wait=wait), as_json, debug)


@task_app.command("fail")
def fail_task(
    token: TokenArgument,
    error: Annotated[
        str, typer.Option("--error", "-e", help="Error name (retry/catch match it), 1-128 chars.")
    ],
    cause: Annotated[str, typer.Option("--cause", "-c", help="Why, for people.")] = "",
    wait: WaitOption = DEFAULT_WAIT,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """ReportTaskFailed: the waiting step fails with ERROR; its retry and catch apply."""
    _check_token(token, debug)
    _finish(lambda fdl: fdl.report_task_failed(token, error, cause, wait=wait), as_json, debug)


def _check_token(token: str, debug: bool) -> None:
    """Refuse a malformed token before connecting anywhere."""
    try:
        TaskToken.decode(token)
    except MalformedToken as exc:
        fail(InvalidArgument(str(exc)), debug)


def _finish(
    report: Callable[[FdlClient], Awaitable[ReportResult]], as_json: bool, debug: bool
) -> None:
    def refused(exc: ServiceError) -> int:
        if as_json:
            print(json.dumps({"Status": "refused", "Code": exc.code, "Message": exc.message}))
        return EXIT_ALREADY_COMPLETED if isinstance(exc, TaskAlreadyCompleted) else 1

    result = call(report, debug=debug, code=refused)
    if as_json:
        print(
            json.dumps(
                {"Status": result.status, "Execution": result.execution, "Step": result.step}
            )
        )
    elif result.status == "accepted":
        print(f"accepted by step {result.step} of {result.execution}")
    else:
        print(f"queued: no worker answered; {result.execution} decides when a worker runs")
