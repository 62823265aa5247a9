"""Executions of registered flows on a real dev server, through the client and the CLI.

The CLI runs in a thread (``asyncio.to_thread``) because each command runs its own event
loop, while the test's worker runs on the test's loop. Waits are 1-2 s: the dev server fires
short timers promptly.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from helpers import running_worker
from temporalio.client import Client
from typer.testing import CliRunner, Result

from cli.app import app
from worker.local.devserver import DevServer
from worker.service.client import FdlClient
from worker.service.errors import (
    ExecutionAlreadyCompleted,
    ExecutionAlreadyExists,
    ExecutionNotExists,
    FlowNotExists,
)

WAITING = """\
version: v1
type: flow
steps:
  - type: wait
    name: pause
    duration: $.seconds
  - type: pass
    name: answer
    outputMappings:
      - target: answer
        source: {answer}
      - target: seconds
        source: $input.seconds
"""
FAILING = """\
version: v1
type: flow
steps:
  - type: fail
    name: refuse
    error: OrderRejected
    cause: no stock left
"""


def fresh(prefix: str = "x") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def fdl(client: Client, task_queue: str) -> AsyncIterator[FdlClient]:
    async with running_worker(client, task_queue):
        yield FdlClient(client, task_queue=task_queue)


@pytest.fixture
def cli_env(dev_server: DevServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server.address)
    monkeypatch.setenv("TEMPORAL_NAMESPACE", dev_server.namespace)


async def fdl_cli(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def test_an_update_leaves_a_waiting_execution_on_its_version(fdl: FdlClient) -> None:
    flow = fresh("f")
    v1 = (await fdl.create_flow(flow, WAITING.format(answer="v1"))).version
    old = await fdl.start_execution(flow, name="old", input={"seconds": 1.5})
    v2 = (await fdl.update_flow(flow, WAITING.format(answer="v2")))[0].version
    assert (await fdl.describe_execution(flow, "old")).status == "Running"  # still waiting
    new = await fdl.start_execution(flow, name="new", input={"seconds": 0})
    assert (old.version, new.version) == (v1, v2) and v1 != v2
    old_end = await fdl.describe_execution(flow, "old", wait_seconds=30)
    new_end = await fdl.describe_execution(flow, "new", wait_seconds=30)
    assert old_end.status == new_end.status == "Succeeded"
    assert old_end.output == {"answer": "v1", "seconds": 1.5}
    assert new_end.output == {"answer": "v2", "seconds": 0}
    assert (old_end.version, new_end.version) == (v1, v2)
    assert old_end.input == {"seconds": 1.5}


async def test_start_returns_a_running_execution_and_refuses_a_finished_one(
    fdl: FdlClient,
) -> None:
    flow = fresh("f")
    await fdl.create_flow(flow, WAITING.format(answer="v1"))
    first = await fdl.start_execution(flow, name="once", input={"seconds": 1})
    again = await fdl.start_execution(flow, name="once", input={"seconds": 99})
    assert again.status == "Running" and again.input == first.input == {"seconds": 1}
    assert again.started == first.started
    done = await fdl.describe_execution(flow, "once", wait_seconds=30)
    assert done.status == "Succeeded"
    with pytest.raises(ExecutionAlreadyExists, match="ExecutionAlreadyExists: "):
        await fdl.start_execution(flow, name="once", input={"seconds": 0})


async def test_unknown_flows_and_executions(fdl: FdlClient) -> None:
    flow = fresh("f")
    with pytest.raises(FlowNotExists):
        await fdl.start_execution(flow)
    await fdl.create_flow(flow, WAITING.format(answer="v1"))
    with pytest.raises(ExecutionNotExists):
        await fdl.describe_execution(flow, "nobody")
    with pytest.raises(ExecutionNotExists):
        await fdl.stop_execution(flow, "nobody")


async def test_deleting_a_flow_lets_running_executions_finish(fdl: FdlClient) -> None:
    flow = fresh("f")
    await fdl.create_flow(flow, WAITING.format(answer="v1"))
    await fdl.start_execution(flow, name="late", input={"seconds": 1})
    await fdl.delete_flow(flow)
    with pytest.raises(FlowNotExists):
        await fdl.start_execution(flow, name="later", input={"seconds": 0})
    done = await fdl.describe_execution(flow, "late", wait_seconds=30)
    assert done.status == "Succeeded" and done.output == {"answer": "v1", "seconds": 1}


async def test_stop_with_error_and_cause(fdl: FdlClient) -> None:
    flow = fresh("f")
    await fdl.create_flow(flow, WAITING.format(answer="v1"))
    await fdl.start_execution(flow, name="long", input={"seconds": 600})
    stopped = await fdl.stop_execution(flow, "long", error="UserAborted", cause="not needed")
    assert (stopped.status, stopped.error, stopped.cause) == (
        "Stopped",
        "UserAborted",
        "not needed",
    )
    assert stopped.stopped
    with pytest.raises(ExecutionAlreadyCompleted):
        await fdl.stop_execution(flow, "long")
    await fdl.start_execution(flow, name="plain", input={"seconds": 600})
    plain = await fdl.stop_execution(flow, "plain")
    assert (plain.status, plain.error) == ("Stopped", "FnF.ExecutionStopped")


async def test_list_by_status(fdl: FdlClient) -> None:
    flow = fresh("f")
    await fdl.create_flow(flow, WAITING.format(answer="v1"))
    await fdl.start_execution(flow, name="quick", input={"seconds": 0})
    await fdl.describe_execution(flow, "quick", wait_seconds=30)
    await fdl.start_execution(flow, name="slow", input={"seconds": 600})
    await fdl.start_execution(flow, name="halted", input={"seconds": 600})
    await fdl.stop_execution(flow, "halted", error="E")
    expected = {None: {"quick", "slow", "halted"}, "Running": {"slow"}}
    expected |= {"Succeeded": {"quick"}, "Stopped": {"halted"}, "aborted": {"halted"}}
    expected |= {"Failed": set()}
    for status, names in expected.items():
        found = await fdl.list_executions(flow, status=status)
        assert {info.name for info in found} == names, status
    assert len(await fdl.list_executions(flow, limit=2)) == 2
    await fdl.stop_execution(flow, "slow")


async def test_describe_long_polls_until_the_end(fdl: FdlClient) -> None:
    flow = fresh("f")
    await fdl.create_flow(flow, WAITING.format(answer="v1"))
    await fdl.start_execution(flow, name="e", input={"seconds": 1})
    assert (await fdl.describe_execution(flow, "e", wait_seconds=0)).status == "Running"
    began = time.monotonic()
    info = await fdl.describe_execution(flow, "e", wait_seconds=30)
    assert info.status == "Succeeded" and time.monotonic() - began < 20
    await fdl.start_execution(flow, name="long", input={"seconds": 600})
    began = time.monotonic()
    still = await fdl.describe_execution(flow, "long", wait_seconds=0.5)
    assert still.status == "Running" and time.monotonic() - began >= 0.5
    await fdl.stop_execution(flow, "long")


async def test_a_failed_execution_shows_its_error(fdl: FdlClient) -> None:
    flow = fresh("f")
    await fdl.create_flow(flow, FAILING)
    await fdl.start_execution(flow, name="no")
    info = await fdl.describe_execution(flow, "no", wait_seconds=30)
    assert (info.status, info.error, info.cause) == ("Failed", "OrderRejected", "no stock left")
    assert [i.name for i in await fdl.list_executions(flow, status="Failed")] == ["no"]


# --- the CLI ------------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
async def test_cli_flow_and_execution_commands(
    fdl: FdlClient, task_queue: str, tmp_path: Any
) -> None:
    flow = fresh("c")
    v1_file, v2_file = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    v1_file.write_text(WAITING.format(answer="v1"))
    v2_file.write_text(WAITING.format(answer="v2"))
    queue = ["--task-queue", task_queue]

    created = await fdl_cli("flow", "create", flow, str(v1_file), "-d", "demo", *queue)
    assert created.exit_code == 0 and f"flow {flow} created, version " in created.stdout
    again = await fdl_cli("flow", "create", flow, str(v1_file), *queue)
    assert again.exit_code == 1 and "FlowAlreadyExists" in again.stderr
    same = await fdl_cli("flow", "update", flow, str(v1_file), *queue)
    assert same.exit_code == 0 and f"flow {flow} unchanged" in same.stdout

    out = as_json(await fdl_cli("execution", "start", flow, "-n", "a", "-i", '{"seconds": 1}',
                                "--json", *queue))  # fmt: skip
    assert out["Status"] == "Running"
    updated = as_json(await fdl_cli("flow", "update", flow, str(v2_file), "--json", *queue))
    assert updated["Changed"] and updated["Version"] != out["Version"]
    waited = await fdl_cli("execution", "start", flow, "-n", "b", "-i", '{"seconds": 0}',
                           "--wait", *queue)  # fmt: skip
    assert json.loads(waited.stdout) == {"answer": "v2", "seconds": 0}

    described = as_json(await fdl_cli("execution", "describe", flow, "a", "--wait", "30", "--json"))
    assert json.loads(described["Output"]) == {"answer": "v1", "seconds": 1}
    assert described["Version"] == out["Version"]
    human = await fdl_cli("execution", "describe", flow, "a")
    assert "status:" in human.stdout and "Succeeded" in human.stdout

    finished = await fdl_cli("execution", "start", flow, "-n", "a", *queue)
    assert finished.exit_code == 1 and "ExecutionAlreadyExists" in finished.stderr

    await fdl_cli("execution", "start", flow, "-n", "c", "-i", '{"seconds": 600}', *queue)
    stopped = as_json(await fdl_cli("execution", "stop", flow, "c", "--error", "Halt",
                                    "--cause", "by hand", "--json"))  # fmt: skip
    assert (stopped["Status"], stopped["Error"], stopped["Cause"]) == ("Stopped", "Halt", "by hand")

    listed = as_json(await fdl_cli("execution", "list", flow, "--json"))
    assert {e["Name"]: e["Status"] for e in listed} == {
        "a": "Succeeded",
        "b": "Succeeded",
        "c": "Stopped",
    }
    only = as_json(await fdl_cli("execution", "list", flow, "--status", "Stopped", "--json"))
    assert [e["Name"] for e in only] == ["c"]
    bad = await fdl_cli("execution", "list", flow, "--status", "Done")
    assert bad.exit_code == 1 and "unknown status 'Done'" in bad.stderr

    flows = as_json(await fdl_cli("flow", "list", "--json"))
    mine = next(f for f in flows if f["Name"] == flow)
    assert len(mine["Versions"]) == 2 and mine["Description"] == "demo"
    table = await fdl_cli("flow", "list")
    assert flow in table.stdout
    detail = as_json(await fdl_cli("flow", "describe", flow, "--json"))
    assert [v["Version"] for v in detail["Versions"]] == [out["Version"], updated["Version"]]
    source = await fdl_cli("flow", "describe", flow, "--version", out["Version"], "--source")
    assert source.stdout == WAITING.format(answer="v1")

    deleted = await fdl_cli("flow", "delete", flow)
    assert deleted.exit_code == 0 and f"flow {flow} deleted" in deleted.stdout
    gone = await fdl_cli("execution", "start", flow, *queue)
    assert gone.exit_code == 1 and "FlowNotExists" in gone.stderr
    gone = await fdl_cli("flow", "describe", flow)
    assert gone.exit_code == 1 and "FlowNotExists" in gone.stderr


@pytest.mark.usefixtures("cli_env")
async def test_cli_start_wait_exits_3_when_the_flow_fails(fdl: FdlClient, task_queue: str) -> None:
    flow = fresh("c")
    await fdl.create_flow(flow, FAILING)
    result = await fdl_cli("execution", "start", flow, "--wait", "--task-queue", task_queue)
    assert result.exit_code == 3, result.output
    assert "failed: OrderRejected" in result.stdout and "cause: no stock left" in result.stdout


async def test_cli_says_how_to_start_a_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from worker.local.devserver import free_port

    address = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("TEMPORAL_ADDRESS", address)
    result = await fdl_cli("flow", "list")
    assert result.exit_code == 1
    assert f"no Temporal server answers at {address}: start one with `fdl dev`" in result.stderr
