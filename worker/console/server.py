"""Serving the console: in the foreground (``fdl console``) or in a thread beside a worker
(``fdl dev``), on :class:`worker.local.asgi.AsgiServer`.

The app connects to Temporal on startup, in uvicorn's own event loop (a Temporal client belongs
to the loop that made it).
"""

from __future__ import annotations

from typing import Any, Literal

from temporalio.client import Client

from worker.console.app import ConsoleSettings, create_app
from worker.local.asgi import AsgiServer
from worker.service.connection import connect
from worker.service.links import CONSOLE_PORT


class ConsoleServer(AsgiServer):
    """The console for one Temporal address, on ``host:port``.

    Args:
        address: the Temporal frontend (``host:port``).
        namespace: the Temporal namespace.
        settings: what the pages link to and how long they wait for a worker.
        host: the interface to bind (the default serves this machine only).
        port: the TCP port; 0 picks a free one.

    Raises:
        OSError: the port cannot be bound.
    """

    lifespan: Literal["on", "off"] = "on"

    def __init__(
        self,
        address: str,
        namespace: str,
        settings: ConsoleSettings,
        *,
        host: str = "127.0.0.1",
        port: int = CONSOLE_PORT,
    ) -> None:
        super().__init__("the console", host, port)
        self.address = address
        self.namespace = namespace
        self.settings = settings

    async def make_app(self) -> Any:
        async def connected() -> Client:
            return await connect(self.address, self.namespace)

        return create_app(connected, self.settings)
