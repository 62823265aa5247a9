"""The HTTP server of the local queue: the MNS API on a port, one thread per connection.

HTTP/1.1 with keep-alive (the SDK keeps its connection open) and Nagle off, so a
request/response pair costs one round trip. Long-polling receives block only their own
connection's thread. ``stop()`` closes the listening socket and every open connection.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from worker.local.mnsqueue.api import MnsApi, Request
from worker.local.mnsqueue.auth import Credentials
from worker.local.mnsqueue.store import QueueStore

MNS_VERSION = "2015-06-06"
# How soon the accept loop notices stop(); it costs one wake-up per interval while idle.
_STOP_POLL_SECONDS = 0.05
_log = logging.getLogger(__name__)


class QueueServer:
    """The MNS queue API for one :class:`QueueStore`, served over HTTP.

    Binding happens on construction (``port=0`` picks a free port, shown in :attr:`url`);
    serving starts with :meth:`start` (a background thread) or :meth:`serve_forever`.
    As a context manager it starts on entry and stops on exit. The store stays open.

    Args:
        store: The queues to serve.
        host: Interface to bind; the default serves this machine only.
        port: TCP port; 0 = any free port.
        credentials: The key pair requests must be signed with; ``None`` accepts any.
    """

    def __init__(
        self,
        store: QueueStore,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: Credentials | None = None,
    ) -> None:
        self.store = store
        self._httpd = _HTTPServer((host, port), _RequestHandler)
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        self.url = f"http://{self.host}:{self.port}"
        self._httpd.api = MnsApi(store, credentials, self.url)
        self._thread: threading.Thread | None = None

    def start(self) -> QueueServer:
        """Serve in a daemon thread; return ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                args=(_STOP_POLL_SECONDS,),
                name=f"mnsqueue {self.url}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` is called from another one."""
        self._httpd.serve_forever(_STOP_POLL_SECONDS)

    def stop(self) -> None:
        """Stop serving, close the port and every client connection; idempotent."""
        if self._thread is not None or self._httpd.serving:
            self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> QueueServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_queue(
    store: QueueStore,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: Credentials | None = None,
) -> QueueServer:
    """A :class:`QueueServer` bound to ``host:port``, not yet serving.

    Example:
        ``with serve_queue(QueueStore(".fdl/queue.db")) as server: print(server.url)``
    """
    return QueueServer(store, host, port, credentials)


class _HTTPServer(ThreadingHTTPServer):
    """Tracks open connections so that stopping can close idle keep-alive ones."""

    daemon_threads = True
    api: MnsApi

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.serving = False
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self.serving = True
        try:
            super().serve_forever(poll_interval)
        finally:
            self.serving = False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the client may have closed it already
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log.debug("connection from %s failed", client_address, exc_info=True)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1  # buffered: headers and body leave in one send when the request is done
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_POST = do_DELETE = do_GET

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Content-Length is not a number")
            return
        request = Request(
            method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        request_id = uuid.uuid4().hex[:24].upper()
        response = self.server.api.handle(request, request_id)
        self.send_response(response.status)
        self.send_header("x-mns-request-id", request_id)
        self.send_header("x-mns-version", MNS_VERSION)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.body:
            self.send_header("Content-Type", "text/xml;charset=utf-8")
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s " + format, self.address_string(), *args)
