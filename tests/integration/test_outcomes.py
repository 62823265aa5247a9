"""One outcome, five views: every place that says how an execution ended says the same thing.

A succeeded, a failed, a timed-out and a stopped execution, each run by ``fdl run --json``
(a separate process, so the CLI's own connection and waiting are used), then read back through
``fdl execution describe --json``, ``fdl execution list --json``, ``fdl execution history
--json`` and the Python client. The status, FDL error name and cause must agree everywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import running_worker
from typer.testing import CliRunner

from cli.app import app
from worker.local.devserver import DevServer
from worker.service.client import FdlClient

FDL = str(Path(sys.executable).parent / "fdl")
FLOW = "outcomes"

DEFINITION = """\
version: v1
type: flow
{timeout}
steps:
  - type: choice
    name: route
    choices:
      - condition: $.kind == "fail"
        steps:
          - {{type: fail, name: boom, error: Boom, cause: bad input}}
      - condition: $.kind == "wait"
        steps:
          - {{type: wait, name: long, duration: 60}}
  - {{type: pass, name: done, outputMappings: [{{target: kind, source: $input.kind}}]}}
"""

CASES: dict[str, tuple[str, str, str, str]] = {
    # case: (input kind, status, error, cause)
    "succeeded": ("ok", "Succeeded", "", ""),
    "failed": ("fail", "Failed", "Boom", "bad input"),
    "timed-out": ("wait", "TimedOut", "FnF.Timeout", "the execution exceeded its timeoutSeconds"),
    "stopped": ("wait", "Stopped", "Halt", "stopped by hand"),
}


def view(document: dict[str, Any]) -> tuple[str, str, str]:
    return document["Status"], document.get("Error", ""), document.get("Cause", "")


async def cli(*args: str) -> dict[str, Any] | list[Any]:
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] | list[Any] = json.loads(result.stdout)
    return parsed


async def fdl_run(
    flow_file: Path, execution: str, kind: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [FDL, "run", str(flow_file), "--name", FLOW, "--execution", execution]
    command += ["--input", json.dumps({"kind": kind}), "--no-worker", "--json"]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("case", list(CASES))
async def test_every_view_reports_the_same_outcome(
    case: str,
    dev_server: DevServer,
    task_queue: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind, *expected = CASES[case]
    timeout = "timeoutSeconds: 2" if case == "timed-out" else ""
    flow_file = tmp_path / "flow.yaml"
    flow_file.write_text(DEFINITION.format(timeout=timeout))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env |= {"TEMPORAL_ADDRESS": dev_server.address, "FDL_TASK_QUEUE": task_queue}
    monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server.address)
    execution = f"{case}-{uuid.uuid4().hex[:8]}"
    fdl = await FdlClient.connect(task_queue=task_queue)

    async with running_worker(fdl.temporal, task_queue):
        running = asyncio.create_task(fdl_run(flow_file, execution, kind, env))
        if case == "stopped":
            while True:
                await asyncio.sleep(0.2)
                try:
                    if (await fdl.describe_execution(FLOW, execution)).status == "Running":
                        break
                except Exception:  # not started yet
                    continue
            await fdl.stop_execution(FLOW, execution, error="Halt", cause="stopped by hand")
        done = await running

    assert done.returncode == (0 if case == "succeeded" else 3), done.stderr
    views = {"fdl run --json": view(json.loads(done.stdout))}
    described = await cli("execution", "describe", FLOW, execution, "--json")
    assert isinstance(described, dict)
    views["describe"] = view(described)
    listed = await cli("execution", "list", FLOW, "--json", "--limit", "1000")
    views["list"] = next(view(e) for e in listed if e["Name"] == execution)
    history = await cli("execution", "history", FLOW, execution, "--json")
    assert isinstance(history, dict)
    closing = history["Events"][-1]
    detail = json.loads(closing["EventDetail"])  # JSON text, as the original API sends it
    views["history"] = (history["Status"], detail.get("error", ""), detail.get("cause", ""))
    info = await fdl.describe_execution(FLOW, execution, wait_seconds=None)
    views["Python client"] = (info.status, info.error, info.cause)

    assert views == dict.fromkeys(views, tuple(expected))
    assert closing["Type"] == f"Execution{expected[0]}"
