"""Serving the console with uvicorn: in the foreground (``fdl console``) or in a thread
beside a worker (``fdl dev``).

The socket is bound when the server is made, so a port in use is an error at once and
``port=0`` knows its port before serving starts. The app connects to Temporal in uvicorn's
own event loop (a Temporal client belongs to the loop that made it).
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from types import FrameType, TracebackType

import uvicorn
from temporalio.client import Client

from worker.console.app import ConsoleSettings, create_app
from worker.service.links import CONSOLE_PORT

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Stopped(Exception):
    """Raised by the signal handler once uvicorn has shut down."""


def _stop_quietly(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


class ConsoleServer:
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

    def __init__(
        self,
        address: str,
        namespace: str,
        settings: ConsoleSettings,
        *,
        host: str = "127.0.0.1",
        port: int = CONSOLE_PORT,
    ) -> None:
        from worker.service.connection import connect

        async def connected() -> Client:
            return await connect(address, namespace)

        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.port = int(self._socket.getsockname()[1])
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        app = create_app(connected, settings)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve in the foreground until Ctrl-C or SIGTERM, then return.

        uvicorn shuts down gracefully on either signal and then raises it again for the
        handler that was there before; that handler ends the serving quietly.
        """
        previous = {sig: signal.signal(sig, _stop_quietly) for sig in _STOP_SIGNALS}
        try:
            self._server.run(sockets=[self._socket])
        except _Stopped:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def start(self, timeout: float = 30) -> ConsoleServer:
        """Serve in a daemon thread; returns once the app has started (connected).

        Raises:
            RuntimeError: the app did not start (for example, Temporal did not answer).
        """
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the console did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> ConsoleServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
