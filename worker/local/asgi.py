"""Serving an ASGI app with uvicorn on a socket bound up front: in the foreground, or in a
daemon thread beside other work (``fdl dev``, the tests).

The socket is bound when the server is made, so a port in use is an error at once and
``port=0`` knows its port (:attr:`AsgiServer.url`) before serving starts. The app is made by
:meth:`AsgiServer.make_app` inside the serving event loop, so what it connects to (a Temporal
client belongs to the loop that made it) lives in that loop. Nagle is off on accepted
connections: uvicorn writes a response's head and body separately, and with Nagle the body
waited for the client's delayed ACK (about 40 ms a request, measured with
``bench/api_bench.py``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from types import FrameType, TracebackType
from typing import Any, Literal, Self

import uvicorn

STARTUP_TIMEOUT = 30.0
"""Seconds :meth:`AsgiServer.start` waits for the app to be made and the port to serve."""

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ServerStartError(RuntimeError):
    """The app could not start (for example, what it connects to does not answer)."""


class _Stopped(Exception):
    """Raised by the signal handler once uvicorn has shut down."""


def _stop_quietly(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


class AsgiServer:
    """An ASGI app on ``host:port``; subclasses say how the app is made.

    Args:
        name: what is served, for messages and the thread's name.
        host: the interface to bind.
        port: the TCP port; 0 picks a free one.

    Raises:
        OSError: the port cannot be bound.
    """

    lifespan: Literal["on", "off"] = "off"
    """uvicorn's lifespan mode for the app ("on" when the app connects on startup)."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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

    async def make_app(self) -> Any:
        """The ASGI app, made in the serving event loop."""
        raise NotImplementedError

    async def serve(self) -> None:
        """Make the app, then serve until stopped (or a signal, in the main thread)."""
        config = uvicorn.Config(
            await self.make_app(),
            lifespan=self.lifespan,
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

    def run(self) -> None:
        """Serve in the foreground until Ctrl-C or SIGTERM, then return.

        uvicorn shuts down gracefully on either signal and then raises it again for the
        handler that was there before; that handler ends the serving quietly.
        """
        previous = {sig: signal.signal(sig, _stop_quietly) for sig in _STOP_SIGNALS}
        try:
            asyncio.run(self.serve())
        except (_Stopped, KeyboardInterrupt):
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def start(self, timeout: float = STARTUP_TIMEOUT) -> Self:
        """Serve in a daemon thread; return once it answers.

        Raises:
            ServerStartError: it did not start in time, or making the app failed.
        """
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._error is not None or not self._started():
            self.stop()
            raise ServerStartError(str(self._error or f"{self.name} did not start on {self.url}"))
        return self

    def _started(self) -> bool:
        return self._server is not None and self._server.started

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

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
