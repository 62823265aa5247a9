"""Runtime commands: ``fdl run`` (one flow to completion), ``fdl dev`` (embedded server and
worker), ``fdl worker`` (a worker process against any Temporal cluster).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from temporalio.client import Client
from temporalio.service import RPCError

from cli.api import DEFAULT_PORT as API_PORT
from cli.api import local_api
from cli.common import EXIT_FLOW_FAILED, UserError, err, fail, load_definition, parse_json_object
from cli.console import ConsolePortOption, served_console
from cli.options import (
    ConfigOption,
    DebugOption,
    FileArgument,
    InputOption,
    JsonOption,
    ResolveRefsOption,
    TaskQueueOption,
)
from cli.service import unprepared
from translator import DefinitionError
from translator.rules import check_name
from worker.config import ConfigError, ProjectConfig
from worker.config import load_config as load_project_config
from worker.contract.outcome import Outcome
from worker.local.devserver import DevServer, DevServerError, free_port, port_open
from worker.local.mnsqueue import QueueStore, serve_queue
from worker.process import build_worker
from worker.service import connection
from worker.service.connection import ServerUnreachable, connect
from worker.service.errors import ServiceError
from worker.service.links import CONSOLE_PORT
from worker.service.runs import start_flow, wait_for_outcome

STATE_DIR = Path(".fdl")
QUEUE_PORT = 8234
"""Port of the local MNS queue API that ``fdl dev`` serves (as ``fdl queue serve`` does)."""


def dev_port() -> int:
    """Frontend port of the embedded server: ``FDL_DEV_PORT`` or 7233."""
    return connection.env_port(connection.DEV_PORT_ENV, connection.DEFAULT_DEV_PORT)


def dev_ui_port() -> int:
    """Web UI port of the embedded server: ``FDL_DEV_UI_PORT`` or 8233."""
    return connection.env_port(connection.DEV_UI_PORT_ENV, connection.DEFAULT_DEV_UI_PORT)


def register(app: typer.Typer) -> None:
    """Add ``run``, ``dev`` and ``worker`` to ``app``."""
    app.command("run")(run)
    app.command("dev")(dev)
    app.command("worker")(worker_command)


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
    config: ConfigOption = None,
    task_queue: Annotated[
        str | None,
        typer.Option(
            "--task-queue",
            envvar=connection.TASK_QUEUE_ENV,
            help="Task queue of the execution. Default: a queue of its own for the "
            "in-process worker; with --no-worker, 'fdl' (the queue `fdl dev` and `fdl worker` "
            "serve).",
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
    TEMPORAL_ADDRESS is not set, it starts the embedded Temporal server by itself. Exit 0
    when the flow succeeds, 3 when it fails (its error and cause are printed), 1 for invalid
    input or definition.
    """
    try:
        definition = load_definition(file, resolve_refs=resolve_refs)
        flow_name = check_name("flow", name or default_flow_name(file))
        payload = parse_json_object(input, "--input")
        project = load_config(config, beside=file)
        queue = task_queue or run_task_queue(worker)
        result = asyncio.run(
            _run(flow_name, definition, payload, execution, project, queue, worker)
        )
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
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    elif result.status == "Succeeded":
        print(json.dumps(result.output, indent=2, ensure_ascii=False))
    else:
        err(f"flow {result.status.lower()}: {result.error}")
        if result.cause:
            err(f"cause: {result.cause}")
    if result.status != "Succeeded":
        raise typer.Exit(EXIT_FLOW_FAILED)


def default_flow_name(file: Path) -> str:
    stem = file.stem
    if stem in {"flow", "main", "definition"} and file.resolve().parent.name:
        return file.resolve().parent.name
    return stem


def load_config(path: Path | None, beside: Path | None = None) -> ProjectConfig:
    """The project config: ``path``, else ./fdl.yaml, else fdl.yaml beside the flow file."""
    if path is None and beside is not None and not Path("fdl.yaml").is_file():
        candidate = beside.parent / "fdl.yaml"
        path = candidate if candidate.is_file() else None
    return load_project_config(path)


def run_task_queue(with_worker: bool) -> str:
    """The task queue of ``fdl run`` when none is named.

    The in-process worker gets a queue of its own: a worker that ``fdl dev`` or ``fdl worker``
    runs on the shared queue may have other function bindings, and must not take this run's
    tasks (nor this worker theirs).
    """
    return f"fdl-run-{uuid.uuid4().hex[:12]}" if with_worker else connection.task_queue()


async def _run(
    flow_name: str,
    definition: Any,
    payload: dict[str, Any],
    execution: str | None,
    project: ProjectConfig,
    task_queue: str,
    with_worker: bool,
) -> Outcome:
    async with (
        temporal_client(embedded_ok=True) as client,
        optional_worker(client, project, task_queue, with_worker),
    ):
        started = await start_flow(
            client,
            flow_name=flow_name,
            definition=definition,
            input=payload,
            execution_name=execution,
            task_queue=task_queue,
        )
        err(
            f"execution {started.execution_name} of flow {flow_name} started "
            f"on task queue {task_queue!r}"
        )
        return await wait_for_outcome(client, started.handle)


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


def embedded_server(port: int, ui_port: int | None = None) -> DevServer:
    """The embedded dev server: SQLite state and log under ``.fdl/``, the Web UI on."""
    STATE_DIR.mkdir(exist_ok=True)
    ui_port = ui_port or dev_ui_port()
    ui = ui_port if not port_open("127.0.0.1", ui_port) else free_port()
    return DevServer(
        port=port,
        ui_port=ui,
        db_file=STATE_DIR / "temporal.db",
        namespace=connection.target().namespace,
        log_file=STATE_DIR / "temporal.log",
    )


@asynccontextmanager
async def optional_worker(
    client: Client, project: ProjectConfig, task_queue: str, enabled: bool
) -> AsyncIterator[None]:
    if not enabled:
        yield
        return
    async with build_worker(client, task_queue=task_queue, config=project):
        yield


def dev(
    port: Annotated[
        int | None,
        typer.Option(
            help="Temporal frontend port (default: FDL_DEV_PORT or 7233).", show_default=False
        ),
    ] = None,
    ui_port: Annotated[
        int | None,
        typer.Option(help="Web UI port (default: FDL_DEV_UI_PORT or 8233).", show_default=False),
    ] = None,
    queue_port: Annotated[
        int,
        typer.Option(help="Port of the local MNS queue API (0 picks a free one, -1 serves none)."),
    ] = QUEUE_PORT,
    api_port: Annotated[
        int,
        typer.Option(
            envvar="FDL_API_PORT",
            help="Port of the FnF API for the SDKs (0 picks a free one, -1 serves none).",
        ),
    ] = API_PORT,
    console_port: ConsolePortOption = CONSOLE_PORT,
    config: ConfigOption = None,
    task_queue: TaskQueueOption = None,
    debug: DebugOption = False,
) -> None:
    """Start the embedded Temporal server, the local MNS queue, the FnF API, the web console
    and a worker, until Ctrl-C.

    State lives in .fdl/. Then run flows from another terminal with
    `fdl run --no-worker FILE` (this worker, with this project's bindings) and watch them in
    the Web UI. Worker programs reach the local queue with the MNS SDK and the FnF API with
    the FnF SDKs at the printed addresses (any credentials, unless FDL_API_ACCESS_KEY_ID /
    FDL_API_ACCESS_KEY_SECRET or FDL_API_KEYS_FILE name keys).
    """
    try:
        project = load_config(config)
        port = port or dev_port()
        queue = connection.task_queue(task_queue)
        if port_open("127.0.0.1", port):
            raise UserError(f"port {port} is in use: is another Temporal server running?")
        server = embedded_server(port, ui_port)
        with (
            server,
            local_queue(project, queue_port) as queue_url,
            local_api(server.address, server.namespace, api_port, queue) as api_url,
            served_console(
                server.address, server.namespace, server.ui_address, console_port
            ) as console_url,
        ):
            print(f"Temporal server: {server.address} (namespace {server.namespace})")
            print(f"Temporal Web UI: {server.ui_address}")
            if console_url:
                print(f"FDL console: {console_url}")
            if queue_url:
                print(f"MNS queue API: {queue_url} (queues in {project.queues.db})")
            if api_url:
                print(f"FnF API: {api_url}")
            print(f"worker serving task queue {queue!r}; press Ctrl-C to stop")
            sys.stdout.flush()
            asyncio.run(_serve(server.address, project, queue))
    except (UserError, ConfigError, DevServerError, ServerUnreachable, ValueError) as exc:
        fail(exc, debug)


@contextmanager
def local_queue(project: ProjectConfig, port: int) -> Iterator[str | None]:
    """Serve the project's local queue file over the MNS API while the block runs.

    Yields its URL, or ``None`` when the project sends to real MNS or ``port`` is negative.
    """
    if port < 0 or project.queues.backend != "local":
        yield None
        return
    path = project.queue_db
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = QueueStore(path)
        server = serve_queue(store, "127.0.0.1", port)
    except OSError as exc:
        raise UserError(
            f"cannot serve the local queue on port {port}: {exc.strerror or exc}"
        ) from None
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        store.close()


def worker_command(
    config: ConfigOption = None,
    task_queue: TaskQueueOption = None,
    debug: DebugOption = False,
) -> None:
    """Run a worker against TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE until SIGINT or SIGTERM.

    Start as many as you like, on any machine: they share the task queue's work.
    """
    try:
        project = load_config(config)
        asyncio.run(_serve(None, project, connection.task_queue(task_queue)))
    except (UserError, ConfigError, ServerUnreachable, ValueError) as exc:
        fail(exc, debug)


async def _serve(address: str | None, project: ProjectConfig, task_queue: str) -> None:
    """Run a worker until SIGINT/SIGTERM, then shut it down gracefully."""
    client = await connect(address)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with build_worker(client, task_queue=task_queue, config=project):
        err(f"worker ready on task queue {task_queue!r}")
        await stop.wait()
        err("stopping worker...")
    err("worker stopped")
