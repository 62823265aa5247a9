"""Serving the API: on :class:`worker.local.asgi.AsgiServer`, a socket bound up front.

``fdl api serve`` runs it in the main thread (Ctrl-C and SIGTERM stop it); ``fdl dev`` and the
tests run it in a background thread with :meth:`ApiServer.start` and :meth:`ApiServer.stop`.
It connects to Temporal when it starts, then serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from worker.fnfapi.actions import Context
from worker.fnfapi.app import create_app
from worker.fnfapi.auth import Authenticator, check_bind
from worker.local.asgi import AsgiServer, ServerStartError
from worker.service.client import FdlClient
from worker.service.connection import ServerUnreachable


class ApiServerError(ServerStartError):
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


class ApiServer(AsgiServer):
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
        super().__init__(f"fnf api on {host}:{port}", host, port)
        self.settings = settings

    async def make_app(self) -> Any:
        """Connect to Temporal, then make the app.

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
        return create_app(settings.authenticator, context)
