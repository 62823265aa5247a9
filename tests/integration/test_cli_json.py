"""``--json`` on every command that prints data, with one key convention: PascalCase.

The keys are the original API's field names where it has the object (``Status``, ``Output``,
``FlowName``, MNS's ``MessageId``), and the same style for fdl's own objects. Only the keys
fdl chooses are checked: user data (an input, an output, a payload) keeps its own keys.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import running_worker
from temporalio.client import Client
from typer.testing import CliRunner

from cli.app import app
from worker.contract.tokens import TaskToken
from worker.local.devserver import DevServer

PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
FLOW = """\
version: v1
type: flow
steps:
  - {type: pass, name: hello, outputMappings: [{target: said, source: hello}]}
"""


def own_keys(value: Any) -> list[str]:
    """The keys fdl chose: those of the object (or of each object of a list) printed."""
    items = value if isinstance(value, list) else [value]
    return [key for item in items if isinstance(item, dict) for key in item]


def fdl_json(*args: str | Path, code: int = 0) -> Any:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == code, (args, result.output)
    value = json.loads(result.stdout)
    keys = own_keys(value)
    assert keys, args
    assert [key for key in keys if not PASCAL.match(key)] == [], args
    return value


@pytest.fixture
def env(
    dev_server: DevServer, task_queue: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    for key in list(os.environ):
        if key.startswith(("FDL_", "TEMPORAL_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server.address)
    monkeypatch.setenv("FDL_TASK_QUEUE", task_queue)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hello.yaml").write_text(FLOW)
    (tmp_path / "bad.yaml").write_text("version: v1\ntype: flow\nsteps: []\n")
    return tmp_path


def test_local_commands_print_pascal_case(env: Path) -> None:
    assert fdl_json("queue", "create", "jobs", "--json") == {"QueueName": "jobs", "Created": True}
    sent = fdl_json("queue", "send", "jobs", "hi", "--json")
    assert set(sent) == {"MessageId", "MessageBodyMD5"}
    [queue] = fdl_json("queue", "list", "--json")
    assert (queue["QueueName"], queue["ActiveMessages"]) == ("jobs", 1)
    [message] = fdl_json("queue", "peek", "jobs", "--json")
    assert (message["MessageId"], message["MessageBody"]) == (sent["MessageId"], "hi")
    assert fdl_json("validate", "--json", "bad.yaml", code=1)[0]["File"] == "bad.yaml"
    assert fdl_json("compile", "--json", "bad.yaml", code=1)[0]["Path"] == "steps"
    preview = fdl_json("schedule", "next", "--cron", "0 0 3 * * *", "-n", "2", "--json")
    assert set(preview) == {"CronExpression", "NextFireTimes"}


async def test_service_commands_print_pascal_case(
    env: Path, client: Client, task_queue: str
) -> None:
    flow = f"json_{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue):
        ran = await cli("run", "hello.yaml", "--no-worker", "--json")
        assert ran == {"Status": "Succeeded", "Output": {"said": "hello"}}
        created_flow = await cli("flow", "create", flow, "hello.yaml", "--json")
        assert (created_flow["Name"], created_flow["TaskQueue"]) == (flow, task_queue)
        assert (await cli("flow", "update", flow, "hello.yaml", "--json"))["Changed"] is False
        await cli("flow", "describe", flow, "--json")
        await cli("flow", "list", "--json")
        started = await cli("execution", "start", flow, "--name", "one", "--wait", "--json")
        assert (started["FlowName"], started["Status"]) == (flow, "Succeeded")
        await cli("execution", "describe", flow, "one", "--json")
        await cli("execution", "list", flow, "--json")
        assert (await cli("execution", "history", flow, "one", "--json"))["Events"]
        await cli("schedule", "create", flow, "nightly", "--cron", "0 0 3 * * *", "--json")
        await cli("schedule", "describe", flow, "nightly", "--json")
        await cli("schedule", "pause", flow, "nightly", "--json")
        await cli("schedule", "resume", flow, "nightly", "--json")
        assert await cli("schedule", "trigger", flow, "nightly", "--json") == {
            "FlowName": flow,
            "ScheduleName": "nightly",
            "Triggered": True,
        }
        backfill = await cli(
            "schedule", "backfill", flow, "nightly", "--from", "2026-01-01T00:00:00Z",
            "--to", "2026-01-01T00:00:00Z", "--json",
        )  # fmt: skip
        assert backfill["From"] == backfill["To"] == "2026-01-01T00:00:00.000Z"
        assert (await cli("schedule", "delete", flow, "nightly", "--json"))["Deleted"] is True
        assert (await cli("flow", "delete", flow, "--json"))["Deleted"] is True
    token = TaskToken(workflow_id="nobody:none", run_id="r", number=1, secret="0" * 32).encode()
    refused = await cli("task", "succeed", token, "--wait", "1", "--json", code=1)
    assert (refused["Status"], refused["Code"]) == ("refused", "InvalidTaskToken")


async def cli(*args: str | Path, code: int = 0) -> Any:
    """:func:`fdl_json` off the event loop (the commands run their own)."""
    return await asyncio.to_thread(fdl_json, *args, code=code)
