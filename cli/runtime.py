"""``fdl run``: one flow to completion, on an in-process worker or the project's workers.

Its Ctrl-C (SIGINT or SIGTERM) leaves nothing behind: with the in-process worker, the
execution would wait forever for a worker nobody runs, so it is stopped; with
``--no-worker`` the project's workers keep running it, and ``fdl run`` says how to follow it.
The serving commands (``fdl dev``, ``fdl worker``) are in :mod:`cli.serving`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from temporalio.client import Client
from temporalio.service import RPCError

from cli import serving
from cli.common import (
    EXIT_FLOW_FAILED,
    UserError,
    err,
    fail,
    load_definition,
    load_project,
    parse_json_object,
    trace_block,
)
from cli.options import (
    DebugOption,
    FileArgument,
    FlowConfigOption,
    InputOption,
    JsonOption,
    ResolveRefsOption,
)
from cli.service import unprepared
from cli.serving import STATE_DIR, embedded_server
from translator import DefinitionError, ir, rules
from translator.rules import check_name
from worker import preflight
from worker.config import ConfigError, ProjectConfig
from worker.contract.outcome import Outcome
from worker.local.devserver import DevServerError, port_open
from worker.process import build_worker
from worker.service import connection
from worker.service.connection import ServerUnreachable, connect
from worker.service.errors import ExecutionAlreadyCompleted, ServiceError
from worker.service.executions import stop_execution
from worker.service.runs import StartedExecution, start_flow, wait_for_outcome


def register(app: typer.Typer) -> None:
    """Add ``run``, ``dev`` and ``worker`` to ``app``."""
    app.command("run")(run)
    serving.register(app)


def run(
    file: FileArgument,
    input: InputOption = "{}",
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Flow name (default: the file name, or its folder for flow.yaml)."
        ),
    ] = None,
    execution: Annotated[
        str | None, typer.Option("--execution", "-e", help="Execution name (default: a UUID).")
    ] = None,
    config: FlowConfigOption = None,
    task_queue: Annotated[
        str | None,
        typer.Option(
            "--task-queue",
            envvar=connection.TASK_QUEUE_ENV,
            help="Task queue of the execution. Default: a queue of its own for the "
            "in-process worker; with --no-worker, the project's (the queue `fdl dev` and "
            "`fdl worker` serve for the same fdl.yaml).",
            show_default=False,
        ),
    ] = None,
    worker: Annotated[
        bool,
        typer.Option(help="Run an in-process worker; --no-worker relies on running workers."),
    ] = True,
    resolve_refs: ResolveRefsOption = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Run one flow to completion and print its output as JSON.

    Connects to TEMPORAL_ADDRESS (default 127.0.0.1:7233). When nothing answers there and
    TEMPORAL_ADDRESS is not set, it starts the embedded Temporal server by itself. Before
    anything starts, the flow's functions must be bound, importable and callable. Exit 0
    when the flow succeeds, 3 when it fails (its error and cause are printed), 1 for invalid
    input, definition or bindings, 130 when interrupted: Ctrl-C stops the execution (its
    worker was this process), or with --no-worker leaves it to the project's workers.
    """
    try:
        definition = load_definition(file, resolve_refs=resolve_refs)
        flow_name = check_name("flow", name or default_flow_name(file))
        payload = parse_json_object(input, "--input")
        project = load_project(config, beside=file)
        if worker:  # the in-process worker runs the flow's functions: check them first
            preflight.check(project, [(str(file), file.read_text("utf-8"), definition)])
        request = RunRequest(
            flow_name=flow_name,
            definition=definition,
            payload=payload,
            execution=execution,
            project=project,
            task_queue=task_queue or run_task_queue(worker, project),
            with_worker=worker,
        )
        result = asyncio.run(_run(request))
    except (
        DefinitionError,
        UserError,
        ValueError,
        ConfigError,
        DevServerError,
        ServerUnreachable,
        ServiceError,
    ) as exc:
        fail(exc, debug)
    except RPCError as exc:
        fail(unprepared(exc), debug)
    except Interrupted as exc:
        err(str(exc))
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    elif result.status == "Succeeded":
        print(json.dumps(result.output, indent=2, ensure_ascii=False))
    else:
        err(f"flow {result.status.lower()}: {result.error}")
        if result.cause:
            err(f"cause: {result.cause}")
        if result.trace:
            err(trace_block(result.trace))
    if result.status != "Succeeded":
        raise typer.Exit(EXIT_FLOW_FAILED)


def default_flow_name(file: Path) -> str:
    stem = file.stem
    if stem in {"flow", "main", "definition"} and file.resolve().parent.name:
        return file.resolve().parent.name
    return stem


INTERRUPTS = (signal.SIGINT, signal.SIGTERM)
EXIT_INTERRUPTED = 130
"""The exit code of ``fdl run`` after SIGINT or SIGTERM (a shell's code for Ctrl-C)."""
STOP_CAUSE = "fdl run was interrupted, and its in-process worker with it"


def run_task_queue(with_worker: bool, project: ProjectConfig) -> str:
    """The task queue of ``fdl run`` when none is named.

    The in-process worker gets a queue of its own: a worker that ``fdl dev`` or ``fdl worker``
    runs for the project may run other code, and must not take this run's tasks (nor this
    worker theirs). Without it, the execution goes to the project's workers.
    """
    if with_worker:
        return f"fdl-run-{uuid.uuid4().hex[:12]}"
    return connection.task_queue(None, project.project_task_queue)


class Interrupted(Exception):
    """``fdl run`` got SIGINT or SIGTERM; the message says what became of the execution."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRequest:
    """What ``fdl run`` runs: the flow, its input and where its tasks go."""

    flow_name: str
    definition: ir.Flow
    payload: dict[str, Any]
    execution: str | None
    project: ProjectConfig
    task_queue: str
    with_worker: bool


@dataclass(slots=True)
class _Progress:
    """What a run has done so far: the execution, once it has started."""

    started: StartedExecution | None = None


async def _run(request: RunRequest) -> Outcome:
    """Run the execution to its end; on SIGINT or SIGTERM, see :class:`Interrupted`.

    Before the execution has started, an interrupt cancels the run (the worker and an
    embedded server shut down with it); once it has, the run itself answers the interrupt
    with the client still open (:func:`_wait_or_leave`).
    """
    interrupted = asyncio.Event()
    listening = _listen(interrupted)
    progress = _Progress()
    body = asyncio.create_task(_run_body(request, interrupted, progress))
    signalled = asyncio.create_task(interrupted.wait())
    try:
        await asyncio.wait({body, signalled}, return_when=asyncio.FIRST_COMPLETED)
        if not body.done() and progress.started is None:
            body.cancel()
            await asyncio.gather(body, return_exceptions=True)
            raise Interrupted("interrupted before the execution started: nothing was left running")
        return await body
    finally:
        signalled.cancel()
        for sig in listening:
            asyncio.get_running_loop().remove_signal_handler(sig)


def _listen(interrupted: asyncio.Event) -> list[signal.Signals]:
    """Let SIGINT and SIGTERM set ``interrupted``; the signals now handled (none when
    ``fdl run`` runs off the main thread, as in a program's thread, where none arrive)."""
    loop = asyncio.get_running_loop()
    try:
        for sig in INTERRUPTS:
            loop.add_signal_handler(sig, interrupted.set)
    except (RuntimeError, ValueError):  # not the main thread
        return []
    return list(INTERRUPTS)


async def _run_body(
    request: RunRequest, interrupted: asyncio.Event, progress: _Progress
) -> Outcome:
    queue = request.task_queue
    async with (
        temporal_client(embedded_ok=True) as client,
        optional_worker(client, request.project, queue, request.with_worker),
    ):
        started = await start_flow(
            client,
            flow_name=request.flow_name,
            definition=request.definition,
            input=request.payload,
            execution_name=request.execution,
            task_queue=queue,
        )
        progress.started = started
        err(
            f"execution {started.execution_name} of flow {request.flow_name} started "
            f"on task queue {queue!r}"
        )
        return await _wait_or_leave(client, started, request, interrupted)


async def _wait_or_leave(
    client: Client, started: StartedExecution, request: RunRequest, interrupted: asyncio.Event
) -> Outcome:
    """The execution's outcome, unless interrupted first.

    Raises:
        Interrupted: with the in-process worker, the execution was stopped (no other worker
            serves its private queue, so it would wait forever); without it, the project's
            workers keep running it and the message says how to follow it.
    """
    ended = asyncio.create_task(wait_for_outcome(client, started.handle))
    signalled = asyncio.create_task(interrupted.wait())
    await asyncio.wait({ended, signalled}, return_when=asyncio.FIRST_COMPLETED)
    signalled.cancel()
    if ended.done():
        return ended.result()
    ended.cancel()
    flow, name = started.flow_name, started.execution_name
    if not request.with_worker:
        raise Interrupted(
            f"interrupted: execution {name} of flow {flow} keeps running on task queue "
            f"{request.task_queue!r}; follow it with: "
            f"fdl execution describe {flow} {name} --wait 60"
        )
    try:
        await stop_execution(client, flow, name, error=rules.EXECUTION_STOPPED, cause=STOP_CAUSE)
    except ExecutionAlreadyCompleted:
        return await wait_for_outcome(client, started.handle)
    raise Interrupted(
        f"interrupted: execution {name} of flow {flow} stopped ({rules.EXECUTION_STOPPED}: "
        f"{STOP_CAUSE})"
    )


@asynccontextmanager
async def temporal_client(*, embedded_ok: bool) -> AsyncIterator[Client]:
    """A client for TEMPORAL_ADDRESS; with ``embedded_ok`` and no server there, the embedded one.

    Raises:
        ServerUnreachable: nothing answers and the embedded server may not be started.
    """
    where = connection.target()
    host, _, port = where.address.rpartition(":")
    if where.explicit or not embedded_ok or (port.isdigit() and port_open(host, int(port))):
        yield await connect()
        return
    server = embedded_server(int(port))
    err(f"no Temporal server at {where.address}: starting the embedded one (state in {STATE_DIR}/)")
    with server:
        err(f"Temporal Web UI: {server.ui_address}")
        yield await connect(server.address, server.namespace)


@asynccontextmanager
async def optional_worker(
    client: Client, project: ProjectConfig, task_queue: str, enabled: bool
) -> AsyncIterator[None]:
    if not enabled:
        yield
        return
    # A failing function is logged by the activity; fdl run prints the execution's failure
    # with the same frames at the end, so the in-process worker's copy is not shown.
    logging.getLogger("temporalio.activity").setLevel(logging.ERROR)
    async with build_worker(client, task_queue=task_queue, config=project):
        yield
