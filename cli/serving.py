"""Serving commands: ``fdl dev`` (the embedded server, the local queue and a worker, until
Ctrl-C) and ``fdl worker`` (a worker against any Temporal cluster, until SIGINT/SIGTERM).

Both serve one project: its ``fdl.yaml`` bindings, checked before anything starts
(:mod:`worker.preflight`), on its task queue.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from cli.api import DEFAULT_PORT as API_PORT
from cli.api import local_api
from cli.common import UserError, err, fail, load_project
from cli.console import ConsolePortOption, served_console
from cli.options import ConfigOption, DebugOption, TaskQueueOption
from worker import preflight
from worker.config import ConfigError, ProjectConfig
from worker.local.devserver import DevServer, DevServerError, free_port, port_open
from worker.local.mnsqueue import QueueFileError, QueueStore, serve_queue
from worker.process import build_worker
from worker.service import connection
from worker.service.connection import ServerUnreachable, connect
from worker.service.links import CONSOLE_PORT

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
    """Add ``dev`` and ``worker`` to ``app``."""
    app.command("dev")(dev)
    app.command("worker")(worker_command)


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
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the addresses as one JSON object (TemporalAddress, Namespace, WebUi, "
            "Console, QueueApi, QueueFile, FnfApi, TaskQueue) instead of lines for people.",
        ),
    ] = False,
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
        project = load_project(config)
        preflight.check(project)
        port = port or dev_port()
        queue = connection.task_queue(task_queue, project.project_task_queue)
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
            served = DevAddresses(
                server=server,
                console_url=console_url,
                queue_url=queue_url,
                queue_file=project.queue_db,
                api_url=api_url,
                task_queue=queue,
            )
            print(json.dumps(served.to_json()) if as_json else served.for_people())
            sys.stdout.flush()
            asyncio.run(_serve(server.address, project, queue))
    except (UserError, ConfigError, DevServerError, ServerUnreachable, ValueError) as exc:
        fail(exc, debug)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevAddresses:
    """What ``fdl dev`` serves: the server, the queue API and the file it really serves."""

    server: DevServer
    console_url: str
    queue_url: str | None
    queue_file: Path
    api_url: str | None
    task_queue: str

    def for_people(self) -> str:
        lines = [
            f"Temporal server: {self.server.address} (namespace {self.server.namespace})",
            f"Temporal Web UI: {self.server.ui_address}",
        ]
        if self.console_url:
            lines.append(f"FDL console: {self.console_url}")
        if self.queue_url:
            lines.append(f"MNS queue API: {self.queue_url} (queues in {shown(self.queue_file)})")
        if self.api_url:
            lines.append(f"FnF API: {self.api_url}")
        lines.append(f"worker serving task queue {self.task_queue!r}; press Ctrl-C to stop")
        return "\n".join(lines)

    def to_json(self) -> dict[str, str | None]:
        return {
            "TemporalAddress": self.server.address,
            "Namespace": self.server.namespace,
            "WebUi": self.server.ui_address,
            "Console": self.console_url or None,
            "QueueApi": self.queue_url,
            "QueueFile": str(self.queue_file.absolute()) if self.queue_url else None,
            "FnfApi": self.api_url.split(" (")[0] if self.api_url else None,
            "TaskQueue": self.task_queue,
        }


def shown(path: Path) -> str:
    """``path`` relative to the current folder when it lies inside it (as people type it)."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@contextmanager
def local_queue(project: ProjectConfig, port: int) -> Iterator[str | None]:
    """Serve the project's local queue file over the MNS API while the block runs.

    Yields its URL, or ``None`` when the project sends to real MNS or ``port`` is negative.
    """
    if port < 0 or project.queues.backend != "local":
        yield None
        return
    try:
        store = QueueStore(project.queue_db)
    except QueueFileError as exc:
        raise UserError(str(exc)) from None
    try:
        server = serve_queue(store, "127.0.0.1", port)
    except OSError as exc:
        store.close()
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

    It serves the project's task queue; every binding of its fdl.yaml must import and be
    callable before it starts. Start as many as you like, on any machine: they share the
    task queue's work.
    """
    try:
        project = load_project(config)
        preflight.check(project)
        queue = connection.task_queue(task_queue, project.project_task_queue)
        asyncio.run(_serve(None, project, queue))
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
