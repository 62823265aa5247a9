"""HTTP function bindings against a real local HTTP server (http.server in a thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import helpers
import pytest
from temporalio.client import Client

RESPONSES: dict[str, tuple[int, str]] = {
    "/ok": (200, ""),  # echoes the request
    "/text": (200, "not json"),
    "/throttled": (429, "too many requests"),
    "/broken": (500, "internal error"),
    "/typed": (500, json.dumps({"errorType": "JobFailed", "errorMessage": "job 7 failed"})),
    "/missing": (404, "no such function"),
}


class FunctionServer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        status, text = RESPONSES.get(self.path, (404, "unknown path"))
        if self.path == "/ok":
            text = json.dumps(
                {
                    "via": "http",
                    "event": json.loads(body),
                    "contentType": self.headers["content-type"],
                    "hasRequestId": bool(self.headers.get("x-fc-request-id")),
                }
            )
        data = text.encode()
        self.send_response(status)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FunctionServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def caught_task(name: str, function: str, next_step: str) -> str:
    return f"""
  - type: task
    name: {name}
    resourceArn: acs:fc:::services/web/functions/{function}
    inputMappings:
      - target: n
        source: 1
    catch:
      - errors: [FnF.ALL]
        goto: {next_step}
    errorMappings:
      - target: {name}
        source: $local.error
      - target: {name}Cause
        source: $local.cause
"""


async def test_http_binding_results_and_error_names(
    client: Client, task_queue: str, base_url: str
) -> None:
    functions = ["ok", "text", "throttled", "broken", "typed", "missing", "refused"]
    project = helpers.config(
        {f"web/{name}": {"url": f"{base_url}/{name}"} for name in functions[:-1]}
        | {"web/refused": {"url": "http://127.0.0.1:9/nothing-listens-here"}}
    )
    steps = "".join(
        caught_task(name, name, functions[i + 1] if i + 1 < len(functions) else "done")
        for i, name in enumerate(functions)
    )
    flow = f"version: v1\ntype: flow\nsteps:{steps}  - type: pass\n    name: done\n"
    out = await helpers.run(client, task_queue, flow, {}, project)
    assert out["via"] == "http"
    assert out["event"] == {"n": 1}
    assert out["contentType"] == "application/json"
    assert out["hasRequestId"] is True
    assert out["text"] == "FnF.InvalidLocal"
    assert out["throttled"] == "FC.ResourceThrottled"
    assert out["throttledCause"] == "HTTP 429: too many requests"
    assert out["broken"] == "FC.InternalServerError"
    assert out["typed"] == "JobFailed"
    assert out["typedCause"] == "job 7 failed"
    assert out["missing"] == "FC.FunctionNotFound"
    assert out["refused"] == "FC.Unknown"
