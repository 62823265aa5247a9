"""The flow registry on a real dev server: stored in Temporal alone, read without a worker.

Registry entries are namespace-wide (not per task queue), so every test uses its own flow
names. Tests that need no worker run none: the registry must work while workers are down.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from helpers import compile_flow, running_worker
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from typer.testing import CliRunner

from cli.app import app
from translator import DefinitionError
from worker.contract.registry import content_hash
from worker.contract.run import VERSION_MEMO, FlowRun, definition_workflow_id, workflow_id
from worker.local.devserver import DevServer
from worker.service import flows as registry
from worker.service.client import FdlClient
from worker.service.errors import FlowAlreadyExists, FlowNotExists

FLOW_V1 = """\
version: v1
type: flow
steps:
  - type: pass
    name: answer
    outputMappings:
      - target: answer
        source: v1
"""
FLOW_V2 = FLOW_V1.replace("source: v1", "source: v2")
BROKEN = """\
version: v1
type: flow
steps:
  - type: pass
    name: first
    end: true
  - type: pass
    name: first
"""


def fresh(prefix: str = "f") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def fdl(client: Client, task_queue: str) -> FdlClient:
    return FdlClient(client, task_queue=task_queue)


async def test_create_and_read_back_with_no_worker(fdl: FdlClient) -> None:
    name = fresh()
    created = await fdl.create_flow(name, FLOW_V1, description="answers")
    read = await registry.get_flow(fdl.temporal, name)
    assert read.version == created.version == content_hash(compile_flow(FLOW_V1).to_json())
    assert read.definition == compile_flow(FLOW_V1).to_json()
    assert read.source == FLOW_V1
    assert read.description == "answers"
    assert read.current and [v.version for v in read.versions] == [read.version]
    handle = fdl.temporal.get_workflow_handle(definition_workflow_id(name))
    events = [event async for event in handle.fetch_history_events()]
    assert not [e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED]


async def test_versions_are_kept_and_identical_updates_store_nothing(fdl: FdlClient) -> None:
    name = fresh()
    v1 = (await fdl.create_flow(name, FLOW_V1)).version
    flow, changed = await fdl.update_flow(name, FLOW_V2)
    assert changed and flow.version != v1
    again, changed_again = await fdl.update_flow(name, FLOW_V2)
    assert not changed_again and again.version == flow.version
    current = await fdl.describe_flow(name)
    assert [v.version for v in current.versions] == [v1, flow.version]
    old = await fdl.describe_flow(name, v1)
    assert old.source == FLOW_V1 and not old.current
    with pytest.raises(FlowNotExists):
        await fdl.describe_flow(name, "000000000000")


async def test_two_connections_see_one_registry(fdl: FdlClient, dev_server: DevServer) -> None:
    other = await FdlClient.connect(dev_server.address, dev_server.namespace)
    name = fresh()
    await fdl.create_flow(name, FLOW_V1)
    flow, _ = await other.update_flow(name, FLOW_V2)
    assert (await fdl.describe_flow(name)).version == flow.version
    with pytest.raises(FlowAlreadyExists):
        await other.create_flow(name, FLOW_V1)
    assert name in [f.name for f in await other.list_flows()]


async def test_unknown_flows_and_delete(fdl: FdlClient) -> None:
    name = fresh()
    with pytest.raises(FlowNotExists):
        await fdl.describe_flow(name)
    with pytest.raises(FlowNotExists):
        await fdl.update_flow(name, FLOW_V1)
    with pytest.raises(FlowNotExists):
        await fdl.delete_flow(name)
    await fdl.create_flow(name, FLOW_V1)
    await fdl.delete_flow(name)
    with pytest.raises(FlowNotExists):
        await fdl.describe_flow(name)
    assert name not in [f.name for f in await fdl.list_flows()]
    recreated = await fdl.create_flow(name, FLOW_V2)  # a deleted name is free again
    assert [v.version for v in recreated.versions] == [recreated.version]


async def test_invalid_definition_is_not_stored(fdl: FdlClient) -> None:
    name = fresh()
    with pytest.raises(DefinitionError):
        await fdl.create_flow(name, BROKEN)
    with pytest.raises(FlowNotExists):
        await fdl.describe_flow(name)


async def test_worker_continues_as_new_and_readers_follow(client: Client, task_queue: str) -> None:
    """A worker runs the entry and continues it as new past its history limit; readers
    read the latest run, and every version survives."""
    name = fresh()
    texts = [FLOW_V1.replace("source: v1", f"source: v{i}") for i in range(8)]
    versions = [registry.new_version(compile_flow(t).to_json(), t) for t in texts]
    await registry.create_flow(client, name, versions[0], task_queue=task_queue, history_limit=12)
    handle = client.get_workflow_handle(definition_workflow_id(name))
    first_run = (await handle.describe()).run_id
    async with running_worker(client, task_queue):
        for version in versions[1:]:
            await registry.update_flow(client, name, version)
            await asyncio.sleep(0.05)  # let the worker see signals one by one
        for _ in range(100):
            if (await handle.describe()).run_id != first_run:
                break
            await asyncio.sleep(0.05)
    assert (await handle.describe()).run_id != first_run, "the entry never continued as new"
    flow = await registry.get_flow(client, name)
    assert [v.version for v in flow.versions] == [v.version for v in versions]
    assert flow.source == texts[-1]
    # The new run keeps the registry's division: still listed by fdl, not in the default list.
    assert name in await registry.flow_names(client, None)
    default = {wf.id async for wf in client.list_workflows()}
    assert definition_workflow_id(name) not in default


def test_cli_refuses_an_invalid_definition_with_located_problems(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server.address)
    monkeypatch.setenv("TEMPORAL_NAMESPACE", dev_server.namespace)
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    result = CliRunner().invoke(app, ["flow", "create", fresh(), str(path)])
    assert result.exit_code == 1
    assert f"{path}:8:11: steps[1].name: " in result.stderr


async def test_a_run_without_definition_resolves_the_current_version(
    fdl: FdlClient, client: Client, task_queue: str
) -> None:
    """FlowRun(definition=None), as schedules start it: the interpreter asks the registry."""
    name = fresh()
    await fdl.create_flow(name, FLOW_V1)
    current, _ = await fdl.update_flow(name, FLOW_V2)
    async with running_worker(client, task_queue):
        handle = await client.start_workflow(
            name,
            FlowRun(flow_name=name, execution_name="e1", input={}),
            id=workflow_id(name, "e1"),
            task_queue=task_queue,
        )
        assert await handle.result() == {"answer": "v2"}
        memo = await (await handle.describe()).memo_value(VERSION_MEMO)
        assert memo == current.version
        missing = await client.start_workflow(
            fresh(),
            FlowRun(flow_name=fresh(), execution_name="e1", input={}),
            id=workflow_id(fresh(), "e1"),
            task_queue=task_queue,
        )
        with pytest.raises(WorkflowFailureError) as failure:
            await missing.result()
    assert isinstance(failure.value.cause, ApplicationError)
    assert failure.value.cause.type == "FlowNotExists"


async def test_registry_workflows_stay_out_of_the_default_executions_list(fdl: FdlClient) -> None:
    """The Web UI lists a namespace's workflows with an empty query (ListWorkflowExecutions):
    registry entries are not in it, executions are; ``fdl flow list`` still finds the flow."""
    name = fresh("hidden")
    await fdl.create_flow(name, FLOW_V1)
    listed = [wf async for wf in fdl.temporal.list_workflows()]
    assert definition_workflow_id(name) not in {wf.id for wf in listed}
    assert all(wf.workflow_type != "fdl.FlowDefinition" for wf in listed)
    assert name in {flow.name for flow in await fdl.list_flows()}
    by_type = [
        wf async for wf in fdl.temporal.list_workflows("WorkflowType = 'fdl.FlowDefinition'")
    ]
    assert definition_workflow_id(name) not in {wf.id for wf in by_type}
