"""A worker owns what its activities open, and closes it when it shuts down.

A flow calls a Python handler, an HTTP function and sends to the local queue, so the worker
holds an HTTP client and a queue connection; once the worker's block ends both are closed.
A synchronous handler that outlives its timeout keeps its (daemon) thread, which never holds
the worker back.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import HERE, running_worker, start
from temporalio.client import Client

from worker.activities.bindings import HANDLER_THREADS
from worker.activities.messages import LocalBackend
from worker.config import ProjectConfig

FLOW = """
version: v1
type: flow
steps:
  - {type: task, name: local, resourceArn: "acs:fc:::services/demo/functions/echo"}
  - {type: task, name: remote, resourceArn: "acs:fc:::services/demo/functions/remote"}
  - {type: task, name: send, resourceArn: "acs:mns:::/queues/jobs/messages"}
"""

HANGING = """
version: v1
type: flow
steps:
  - type: task
    name: stuck
    resourceArn: acs:fc:::services/demo/functions/block
    timeoutSeconds: 1
    catch: [{errors: [FnF.TaskTimeout], goto: done}]
  - {type: pass, name: done}
"""


class Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        data = json.dumps({"via": "http"}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/echo"
    finally:
        server.shutdown()
        server.server_close()


async def test_shutdown_closes_the_http_client_and_the_queue_connection(
    client: Client, task_queue: str, tmp_path: Path, url: str
) -> None:
    project = ProjectConfig.from_mapping(
        {
            "queues": {"db": str(tmp_path / "queue.db")},
            "functions": {
                "demo/echo": {"handler": "handlers.basic:echo"},
                "demo/remote": {"url": url},
            },
        },
        base_dir=HERE,
    )
    async with running_worker(client, task_queue, project) as worker:
        handle = await start(client, task_queue, FLOW, {"n": 1})
        await handle.result()
        http = worker.project.functions.http
        backend = worker.project.messages.backend
        assert http is not None and not http.is_closed
        assert isinstance(backend, LocalBackend) and not backend.store.closed
    assert http.is_closed and worker.project.functions.http is None
    assert backend.store.closed and worker.project.messages.backend is None


async def test_a_handler_that_outlives_its_timeout_does_not_hold_the_worker(
    client: Client, task_queue: str
) -> None:
    project = ProjectConfig.from_mapping(
        {"functions": {"demo/block": {"handler": "handlers.blocking:block_for_a_while"}}},
        base_dir=HERE,
    )
    before = HANDLER_THREADS.overdue
    began = time.monotonic()
    async with running_worker(client, task_queue, project):
        handle = await start(client, task_queue, HANGING)
        await handle.result()
        assert HANDLER_THREADS.overdue == before + 1
    # The worker shut down while the handler's thread still slept (it sleeps 6 s).
    assert time.monotonic() - began < 6
    assert all(t.daemon for t in threading.enumerate() if t.name == "fdl-handler")
