"""Serving the API with uvicorn: on a socket bound up front, in this thread or a background one.

:class:`ApiServer` binds its port when it is made (``port=0`` picks a free one, shown in
:attr:`ApiServer.url`), connects to Temporal when it starts, and then serves. ``fdl api
serve`` runs it in the main thread (Ctrl-C and SIGTERM stop it); ``fdl dev`` and the tests run
it in a background thread with :meth:`ApiServer.start` and :meth:`ApiServer.stop`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from dataclasses import dataclass
from types import TracebackType

import uvicorn

from worker.fnfapi.actions import Context
from worker.fnfapi.app import create_app
from worker.fnfapi.auth import Authenticator, check_bind
from worker.service.client import FdlClient
from worker.service.connection import ServerUnreachable

STARTUP_TIMEOUT = 30.0
"""Seconds :meth:`ApiServer.start` waits for Temporal and the port to be ready."""


class ApiServerError(RuntimeError):
    """The API could not start: Temporal does not answer, or the port cannot be bound."""


@dataclass(frozen=True, kw_only=True)
class ApiSettings:
    """How the API serves.

    Attributes:
        authenticator: the access keys, or the open mode.
        address: the Temporal frontend (default ``TEMPORAL_ADDRESS``).
        namespace: the Temporal namespace (default ``TEMPORAL_NAMESPACE``).
        task_queue: the workers' task queue, for the executions and schedules it starts.
        report_wait: seconds a task report waits for the execution's decision.
        sync_timeout: seconds StartSyncExecution waits for the execution to end.
    """

    authenticator: Authenticator
    address: str | None = None
    namespace: str | None = None
    task_queue: str | None = None
    report_wait: float = 5.0
    sync_timeout: float = 300.0


class ApiServer:
    """The API on ``host:port``.

    Args:
        settings: authentication and the Temporal connection.
        host: the interface to bind (the open mode refuses anything but loopback).
        port: the TCP port; 0 picks a free one.

    Raises:
        KeysError: the open mode on a host other machines reach.
        OSError: the port cannot be bound.
    """

    def __init__(self, settings: ApiSettings, host: str = "127.0.0.1", port: int = 0) -> None:
        check_bind(host, settings.authenticator.open)
        self.settings = settings
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit Nagle off: uvicorn writes a response's head and body
        # separately, and with Nagle the body waited for the client's delayed ACK (about
        # 40 ms a request, measured with bench/api_bench.py).
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.host = host
        self.port = int(self._socket.getsockname()[1])
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    async def serve(self) -> None:
        """Connect to Temporal, then serve until stopped (or a signal, in the main thread).

        Raises:
            ApiServerError: Temporal does not answer.
        """
        settings = self.settings
        try:
            fdl = await FdlClient.connect(
                settings.address, settings.namespace, task_queue=settings.task_queue
            )
        except ServerUnreachable as exc:
            raise ApiServerError(str(exc)) from None
        context = Context(
            fdl=fdl, report_wait=settings.report_wait, sync_timeout=settings.sync_timeout
        )
        config = uvicorn.Config(
            create_app(settings.authenticator, context),
            lifespan="off",
            log_level=logging.WARNING,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        serving = asyncio.ensure_future(self._server.serve(sockets=[self._socket]))
        while not (self._server.started or serving.done()):
            await asyncio.sleep(0.01)
        self._ready.set()
        await serving

    def start(self) -> ApiServer:
        """Serve in a daemon thread; return once it answers.

        Raises:
            ApiServerError: it did not start (Temporal does not answer).
        """
        self._thread = threading.Thread(target=self._run, name=f"fnf api {self.url}", daemon=True)
        self._thread.start()
        if not self._ready.wait(STARTUP_TIMEOUT) or self._error is not None:
            self.stop()
            raise ApiServerError(str(self._error or "the API did not start in time"))
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self.serve())
        except BaseException as exc:  # reported to start(), which raises it in its thread
            self._error = exc
        finally:
            self._ready.set()

    def stop(self) -> None:
        """Stop serving and close the port; idempotent."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        self._socket.close()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
